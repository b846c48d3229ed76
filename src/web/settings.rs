//! The settings pages (`/settings…`): the work-item catalog with its unit costs, and the policy settings a bureau
//! changes. Staff read them; only admins save. A unit cost saved prices again the stored estimates of the
//! compounds not yet contracted (see [`catalog::update_item`]); a stale page's save is refused (409) and shows
//! what changed meanwhile.

use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::catalog::{self, ItemEdit};
use crate::domain::FieldErrors;
use crate::domain::catalog::WorkItem;
use crate::domain::notice::NoticeKind;
use crate::domain::policy::{self, Fraction, NoticePeriod, Policy};
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Form, Route, post_form, post_form1, route, route1};
use crate::web::html::{Kept, Rendered, page, refuse};
use crate::web::json::{expected_version, json_body, respond};
use crate::web::query::{Query, query};
use crate::web::reply::see_other;
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::SettingsCatalogPage)
        .and(query())
        .then(catalog_page)
        .or(post_form1(s, Route::SettingsItemSave).then(save_item))
        .unify()
        .or(route(s, Route::SettingsPolicyPage)
            .and(query())
            .then(policy_page))
        .unify()
        .or(post_form(s, Route::SettingsPolicySave).then(save_policy))
        .unify()
        .or(route1(s, Route::UpdateWorkItem)
            .and(warp::header::optional::<String>("if-match"))
            .and(body(s))
            .then(put_item))
        .unify()
        .or(route(s, Route::UpdatePolicy)
            .and(warp::header::optional::<String>("if-match"))
            .and(body(s))
            .then(put_policy))
        .unify()
        .boxed()
}

fn body(
    s: &AppState,
) -> impl Filter<Extract = (bytes::Bytes,), Error = warp::Rejection> + Clone + use<> {
    warp::body::content_length_limit(s.settings.max_body_bytes).and(warp::body::bytes())
}

/// `PUT /api/work-items/{code}`: the settings page's edit over the API.
async fn put_item(
    code: String,
    ctx: Ctx,
    s: AppState,
    if_match: Option<String>,
    body: bytes::Bytes,
) -> Response {
    let result = async {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            name: String,
            unit: String,
            unit_cost_yuan: f64,
        }
        let version = expected_version(if_match.as_deref())?;
        let b: Body = crate::domain::deserialize(&json_body(&body)?).map_err(Error::Invalid)?;
        let edit = ItemEdit {
            name: b.name,
            unit: b.unit,
            unit_cost_yuan: b.unit_cost_yuan,
        };
        let done = catalog::update_item(&s.db, &ctx.actor()?, &code, version, &edit).await?;
        let version = catalog::item_versions(&s.db)
            .await?
            .get(&code)
            .copied()
            .unwrap_or(1);
        Ok(json!({"code": code, "version": version, "repriced": done.compounds, "kept": done.kept}))
    };
    respond(result.await)
}

/// `PUT /api/policy`: the whole policy, checked as the settings page checks it.
async fn put_policy(
    ctx: Ctx,
    s: AppState,
    if_match: Option<String>,
    body: bytes::Bytes,
) -> Response {
    let result = async {
        let version = expected_version(if_match.as_deref())?;
        let policy: Policy =
            crate::domain::deserialize(&json_body(&body)?).map_err(Error::Invalid)?;
        catalog::update_policy(&s.db, &ctx.actor()?, version, &policy).await?;
        let version = catalog::policy_version(&s.db).await?;
        Ok(json!({"code": "policy", "version": version, "policy": policy}))
    };
    respond(result.await)
}

fn is_admin(ctx: &Ctx) -> bool {
    ctx.user()
        .is_ok_and(|p| Route::SettingsPolicySave.rule().admits(p.role))
}

/// What the catalog page is asked: `?edit=B01` opens an item's form, `?saved=B01&repriced=N&kept=K` says what a
/// save did.
struct CatalogQuery {
    edit: Option<String>,
    saved: Option<(String, u64, u64)>,
}

fn catalog_query(q: &[(String, String)]) -> Result<CatalogQuery> {
    let get = |key: &str| {
        q.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_owned())
    };
    if let Some((key, _)) = q
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "edit" | "saved" | "repriced" | "kept"))
    {
        return Err(Error::invalid(
            key.as_str(),
            "不认识的参数，可用的有 edit、saved、repriced、kept",
        ));
    }
    let number = |key: &str| get(key).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Ok(CatalogQuery {
        edit: get("edit").filter(|e| !e.is_empty()),
        saved: get("saved").map(|code| (code, number("repriced"), number("kept"))),
    })
}

async fn catalog_page(ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let q = catalog_query(&q)?;
        catalog_view(&s, &ctx, q.edit.as_deref(), q.saved).await
    };
    page(&s, &ctx, result.await)
}

async fn save_item(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        let unit_cost = f.text("unit_cost_yuan").trim().replace([',', '，'], "");
        let unit_cost_yuan = unit_cost
            .parse::<f64>()
            .map_err(|_| Error::invalid("unit_cost_yuan", "须为以元计的金额，如 160 或 85.50"));
        let edit = ItemEdit {
            name: f.text("name").to_owned(),
            unit: f.text("unit").to_owned(),
            unit_cost_yuan: *unit_cost_yuan.as_ref().unwrap_or(&0.0),
        };
        // Every mistake at once: the number typed, and the rest of the form.
        let checked = edit.clone().checked();
        match (unit_cost_yuan, checked) {
            (Ok(_), Ok(_)) => {}
            (Err(Error::Invalid(mut errors)), checked) => {
                if let Err(Error::Invalid(more)) = checked {
                    for (k, v) in more.0.into_iter().filter(|(k, _)| k != "unit_cost_yuan") {
                        for m in v {
                            errors.add(k.clone(), m);
                        }
                    }
                }
                return Err(Error::Invalid(errors));
            }
            (Err(e), _) | (_, Err(e)) => return Err(e),
        }
        catalog::update_item(&s.db, &ctx.actor()?, &code, version, &edit).await
    };
    match result.await {
        Ok(done) => see_other(&format!(
            "/settings/catalog?saved={}&repriced={}&kept={}",
            urlencoding(&code),
            done.compounds,
            done.kept
        )),
        Err(e) => {
            let again = catalog_view(&s, &ctx, Some(&code), None);
            refuse(
                &s,
                &ctx,
                e,
                Kept::new("item", &f).of("work_item", code.clone()),
                again,
            )
            .await
        }
    }
}

fn urlencoding(text: &str) -> String {
    serde_urlencoded::to_string([("x", text)])
        .unwrap_or_default()
        .trim_start_matches("x=")
        .to_owned()
}

/// A quantity rule in the bureau's words.
fn rule_words(item: &WorkItem) -> String {
    let rule = item.quantity.to_string();
    if rule == "manual" {
        return "由调查人员填写".to_owned();
    }
    if let Some(n) = rule.strip_prefix("fixed:") {
        return format!("每个小区 {n} {}", item.unit);
    }
    let (basis, factor) = rule.split_once('*').unwrap_or((rule.as_str(), ""));
    let basis = match basis {
        "floor_area" => "建筑面积",
        "roof_area" => "屋面面积（建筑面积 ÷ 层数）",
        "households" => "户数",
        "buildings" => "楼栋数",
        "site_area" => "占地面积",
        "perimeter" => "边界长度",
        _ => "其他",
    };
    if factor.is_empty() {
        basis.to_owned()
    } else {
        format!("{basis} × {factor}")
    }
}

async fn catalog_view(
    state: &AppState,
    ctx: &Ctx,
    edit: Option<&str>,
    saved: Option<(String, u64, u64)>,
) -> Rendered {
    let catalog = catalog::load(&state.db).await?;
    let versions = catalog::item_versions(&state.db).await?;
    let used = catalog::item_use(&state.db).await?;
    let class_name = |code: &str| {
        catalog
            .class(code)
            .map_or_else(|| code.to_owned(), |c| c.name.clone())
    };
    let items: Vec<Value> = catalog
        .items
        .iter()
        .map(|i| {
            json!({"code": i.code, "name": i.name, "class": class_name(&i.class), "unit": i.unit,
                   "unit_cost_yuan": i.unit_cost_yuan, "rule": rule_words(i), "counted": i.is_counted(),
                   "used": used.get(&i.code).copied().unwrap_or(0),
                   "version": versions.get(&i.code).copied().unwrap_or(1)})
        })
        .collect();
    let editing = match edit {
        Some(code) => Some(
            items
                .iter()
                .find(|i| i["code"] == code)
                .cloned()
                .ok_or_else(|| Error::NotFound(format!("没有编号为 {code} 的工程项目")))?,
        ),
        None => None,
    };
    let saved = saved.map(|(code, repriced, kept)| {
        let name = catalog.item(&code).map_or("", |i| i.name.as_str());
        json!({"code": code, "name": name, "repriced": repriced, "kept": kept})
    });
    let classes: Vec<Value> = catalog
        .classes
        .iter()
        .map(|c| {
            json!({"code": c.code, "name": c.name, "rank": c.rank, "description": c.description,
                   "items": catalog.items.iter().filter(|i| i.class == c.code).count()})
        })
        .collect();
    Ok((
        "settings_catalog.html",
        json!({"title": "改造内容与单价", "nav": "settings", "classes": classes, "items": items,
               "editing": editing, "saved": saved, "can_write": is_admin(ctx)}),
    ))
}

async fn policy_page(ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let saved = match q.as_slice() {
            [] => false,
            [(k, _)] if k == "saved" => true,
            [(k, _), ..] => {
                return Err(Error::invalid(k.as_str(), "不认识的参数，可用的只有 saved"));
            }
        };
        policy_view(&s, &ctx, saved).await
    };
    page(&s, &ctx, result.await)
}

async fn save_policy(ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        let stored = catalog::load_policy(&s.db)
            .await?
            .ok_or_else(|| Error::NotFound("尚未载入政策参数".into()))?;
        let policy = policy_from_form(&f, stored)?;
        catalog::update_policy(&s.db, &ctx.actor()?, version, &policy).await
    };
    match result.await {
        Ok(()) => see_other("/settings/policy?saved=1"),
        Err(e) => {
            let again = policy_view(&s, &ctx, false);
            refuse(
                &s,
                &ctx,
                e,
                Kept::new("policy", &f).of("policy", "policy"),
                again,
            )
            .await
        }
    }
}

/// The stored policy with the form's settings put in: every field that does not read as its kind (a number, a
/// share `2/3`) is reported beside it, with whatever the policy's own check finds.
fn policy_from_form(f: &Form, mut policy: Policy) -> Result<Policy> {
    let mut errors = FieldErrors::default();
    let text = |key: &str| f.text(key).trim().replace([',', '，'], "");
    let mut number = |key: &str, what: &str| -> Option<f64> {
        let value = text(key).parse::<f64>().ok().filter(|v| v.is_finite());
        if value.is_none() {
            errors.add(key, what);
        }
        value
    };
    for (name, label) in policy::WEIGHTS {
        if let Some(w) = number(
            &format!("weight_{name}"),
            &format!("“{label}”的权重须为数字，如 1.5"),
        ) {
            policy.priority.weights.insert(name.to_owned(), w);
        }
    }
    if let Some(d) = number("discount", "须为小数，如 0.9") {
        policy.planning.discount = d;
    }
    if let Some(m) = number("bundle_within_m", "须为以米计的距离，如 50") {
        policy.planning.bundle_within_m = m;
    }
    let mut whole = |key: &str, what: &str| -> Option<i64> {
        let value = text(key).parse::<i64>().ok();
        if value.is_none() {
            errors.add(key, what);
        }
        value
    };
    if let Some(n) = whole("bundle_max_compounds", "须为整数，如 4") {
        policy.planning.bundle_max_compounds = n.clamp(0, 1000) as usize;
    }
    if let Some(y) = whole("built_no_later_than", "须为年份，如 2000") {
        policy.eligibility.built_no_later_than = y.clamp(-1, 10_000) as i32;
    }
    if let Some(d) = whole("rating_days", "须为天数，如 90") {
        policy.notices.rating_days = d.clamp(0, 100_000) as u32;
    }
    for kind in NoticeKind::ALL {
        let key = format!("period_{}_days", kind.code());
        let Some(days) = whole(&key, &format!("{}的天数须为整数，如 7", kind.label()))
        else {
            continue;
        };
        let count = match f.text(&format!("period_{}_count", kind.code())) {
            "working" => "working",
            _ => "calendar",
        };
        policy.notice_periods.insert(
            kind.code().to_owned(),
            NoticePeriod {
                days: days.clamp(0, 100_000) as u32,
                count: count.to_owned(),
            },
        );
    }
    for (field, name) in policy::SHARES {
        match Fraction::parse(f.text(field)) {
            Some(share) => {
                if let Some(slot) = policy.consent.share_mut(field) {
                    *slot = share;
                }
            }
            None => errors.add(field, format!("{name}的比例须写成“分子/分母”，如 2/3")),
        }
    }
    policy.notices.phone = f.text("notices_phone").trim().to_owned();
    policy.notices.number_prefix = f.text("number_prefix").trim().to_owned();
    if let Err(more) = policy.check() {
        for (k, v) in more.0 {
            if !errors.0.contains_key(&k) {
                for m in v {
                    errors.add(k.clone(), m);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(policy)
    } else {
        Err(Error::Invalid(errors))
    }
}

async fn policy_view(state: &AppState, ctx: &Ctx, saved: bool) -> Rendered {
    let policy = catalog::load_policy(&state.db)
        .await?
        .ok_or_else(|| Error::NotFound("尚未载入政策参数".into()))?;
    let version = catalog::policy_version(&state.db).await?;
    let weights: Vec<Value> = policy::WEIGHTS
        .iter()
        .map(|(name, label)| {
            json!({"key": format!("weight_{name}"), "label": label,
                   "value": policy.priority.weights.get(*name)})
        })
        .collect();
    let shares: Vec<Value> = policy::SHARES
        .iter()
        .map(|(field, label)| {
            json!({"key": field, "label": label,
                   "value": policy.consent.share(field).map(|f| f.to_string())})
        })
        .collect();
    let periods: Vec<Value> = NoticeKind::ALL
        .iter()
        .map(|k| {
            let rule = policy.notice_periods.get(k.code());
            json!({"code": k.code(), "label": k.label(),
                   "days": rule.map_or(7, |r| r.days),
                   "count": rule.map_or("calendar", |r| r.count.as_str())})
        })
        .collect();
    Ok((
        "settings_policy.html",
        json!({"title": "政策参数", "nav": "settings", "p": policy, "version": version,
               "weights": weights, "shares": shares, "periods": periods, "saved": saved,
               "example_number": policy.notice_number(2026, 12), "can_write": is_admin(ctx)}),
    ))
}
