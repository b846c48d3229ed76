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
use crate::domain::catalog::{Catalog, WorkItem};
use crate::domain::funding::Source;
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
        policy_view(&s, &ctx, saved, None).await
    };
    page(&s, &ctx, result.await)
}

async fn save_policy(ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        // A stale page's funding rows would be read against the sources by position: refused as stale first.
        let current = catalog::policy_version(&s.db).await?;
        if current != version {
            return Err(Error::StaleVersion {
                message: format!(
                    "政策参数已被他人修改（现为第 {current} 版，您是在第 {version} 版上修改的）"
                ),
                current_version: Some(current),
            });
        }
        let stored = catalog::load_policy(&s.db)
            .await?
            .ok_or_else(|| Error::NotFound("尚未载入政策参数".into()))?;
        let works = catalog::load(&s.db).await?;
        let (policy, rows) = policy_from_form(&f, stored, &works)?;
        // The write checks the sources against the catalog again: its messages go beside the rows typed too.
        catalog::update_policy(&s.db, &ctx.actor()?, version, &policy)
            .await
            .map_err(|e| match e {
                Error::Invalid(errors) => Error::Invalid(rows.remap(errors)),
                other => other,
            })
    };
    match result.await {
        Ok(()) => see_other("/settings/policy?saved=1"),
        Err(e) => {
            let again = policy_view(&s, &ctx, false, Some(&f));
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
/// share `2/3`) is reported beside it, with whatever the policy's own checks find. Also returns the funding
/// table's rows in the order saved, to put later messages about a source beside its row.
fn policy_from_form(f: &Form, mut policy: Policy, works: &Catalog) -> Result<(Policy, SourceRows)> {
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
    let (sources, rows) = sources_from_form(f, &policy.funding.sources, works, &mut errors);
    policy.funding.sources = sources;
    let checked = [
        policy.check(),
        policy.check_against(works).map_err(|e| rows.remap(e)),
    ];
    for more in checked.into_iter().filter_map(Result::err) {
        for (k, v) in more.0 {
            if !errors.0.contains_key(&k) {
                for m in v {
                    errors.add(k.clone(), m);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok((policy, rows))
    } else {
        Err(Error::Invalid(errors))
    }
}

/// The funding table's rows in the order the sources are saved: each row's key prefix (`source_2`, or
/// `source_new` for the row that adds one), so that a message about `funding.sources[i].share` stands beside
/// the field typed (`source_2_share_pct`).
struct SourceRows(Vec<String>);

impl SourceRows {
    /// The form's key for a policy field of a source, if it is one.
    fn key(&self, field: &str) -> Option<String> {
        let (i, name) = field.strip_prefix("funding.sources[")?.split_once("].")?;
        let prefix = self.0.get(i.parse::<usize>().ok()?)?;
        let name = match name {
            "share" => "share_pct",
            "cap_per_household_yuan" => "cap",
            other => other,
        };
        Some(format!("{prefix}_{name}"))
    }

    /// The errors, those about a source keyed as the form's fields.
    fn remap(&self, errors: FieldErrors) -> FieldErrors {
        let mut out = FieldErrors::default();
        for (field, messages) in errors.0 {
            let key = self.key(&field).unwrap_or(field);
            for m in messages {
                out.add(key.clone(), m);
            }
        }
        out
    }
}

/// A number as typed in the funding table: blank is `Ok(None)`; thousands separators, `%` and `元` are allowed.
fn typed_number(text: &str) -> std::result::Result<Option<f64>, ()> {
    let t: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | '%' | '％' | '元') && !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or(())
}

/// Item codes as typed (`B04 B06`, `B04，B06`, `B04、B06`), in the catalog's spelling where it has the code;
/// unknown codes stay as typed for the policy's check to name.
fn typed_items(text: &str, works: &Catalog) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for code in text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|c| !c.is_empty())
    {
        let code = works
            .items
            .iter()
            .find(|i| i.code.eq_ignore_ascii_case(code))
            .map_or_else(|| code.to_owned(), |i| i.code.clone());
        if !items.contains(&code) {
            items.push(code);
        }
    }
    items
}

/// The funding table of the policy form: a row `source_{i}_…` per stored source (its code is not edited), and
/// the row `source_new_…` that adds one (ignored when left blank). A row the form does not carry keeps its
/// source as stored; a row ticked 删除 is left out; the rest are sorted by their 顺序 (ties in the table's order).
fn sources_from_form(
    f: &Form,
    stored: &[Source],
    works: &Catalog,
    errors: &mut FieldErrors,
) -> (Vec<Source>, SourceRows) {
    let mut rows: Vec<(f64, String, Source)> = Vec::new();
    for (i, source) in stored.iter().enumerate() {
        let prefix = format!("source_{i}");
        let default_order = (i + 1) as f64;
        if f.get(&format!("{prefix}_name")).is_none() {
            rows.push((default_order, prefix, source.clone()));
            continue;
        }
        if f.get(&format!("{prefix}_delete")).is_some() {
            continue;
        }
        let (order, typed) = source_row(
            f,
            &prefix,
            &source.name,
            source.code.clone(),
            default_order,
            works,
            errors,
        );
        rows.push((order, prefix, typed));
    }
    let prefix = "source_new";
    let blank = ["name", "code", "items", "share_pct", "cap"]
        .iter()
        .all(|k| f.text(&format!("{prefix}_{k}")).trim().is_empty())
        && !works
            .classes
            .iter()
            .any(|c| f.get(&format!("{prefix}_class_{}", c.code)).is_some());
    if !blank {
        let code = f.text("source_new_code").trim().to_owned();
        if let Some((_, _, taken)) = rows.iter().find(|(_, _, s)| s.code == code) {
            errors.add(
                "source_new_code",
                format!("代码“{code}”已由“{}”使用，请另取一个", taken.name),
            );
        }
        let (order, typed) = source_row(
            f,
            prefix,
            "新增的资金来源",
            code,
            (stored.len() + 1) as f64,
            works,
            errors,
        );
        rows.push((order, prefix.to_owned(), typed));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let prefixes = rows.iter().map(|(_, p, _)| p.clone()).collect();
    (
        rows.into_iter().map(|(_, _, s)| s).collect(),
        SourceRows(prefixes),
    )
}

/// One row of the funding table, and its 顺序; what does not read as a number is reported beside its field.
fn source_row(
    f: &Form,
    prefix: &str,
    label: &str,
    code: String,
    default_order: f64,
    works: &Catalog,
    errors: &mut FieldErrors,
) -> (f64, Source) {
    let key = |name: &str| format!("{prefix}_{name}");
    let share = match typed_number(f.text(&key("share_pct"))) {
        Ok(Some(pct)) if (0.0..=100.0).contains(&pct) => pct / 100.0,
        Ok(Some(_)) => {
            errors.add(
                key("share_pct"),
                format!("{label}的承担比例须在 0 到 100 之间（百分比）"),
            );
            1.0
        }
        Ok(None) => {
            errors.add(
                key("share_pct"),
                format!("请填写{label}的承担比例（百分比，如 50）"),
            );
            1.0
        }
        Err(()) => {
            errors.add(
                key("share_pct"),
                format!("{label}的承担比例须为百分比数字，如 50"),
            );
            1.0
        }
    };
    let cap = typed_number(f.text(&key("cap"))).unwrap_or_else(|()| {
        errors.add(
            key("cap"),
            format!("{label}的每户上限须为以元计的金额，如 20000；不设上限请留空"),
        );
        None
    });
    let order = match typed_number(f.text(&key("order"))) {
        Ok(order) => order.unwrap_or(default_order),
        Err(()) => {
            errors.add(key("order"), format!("{label}的顺序须为数字，如 3"));
            default_order
        }
    };
    let source = Source {
        code,
        name: f.text(&key("name")).trim().to_owned(),
        classes: works
            .classes
            .iter()
            .filter(|c| f.get(&key(&format!("class_{}", c.code))).is_some())
            .map(|c| c.code.clone())
            .collect(),
        items: typed_items(f.text(&key("items")), works),
        share,
        cap_per_household_yuan: cap,
    };
    (order, source)
}

/// A share (0 to 1) as the percentage the form shows: `0.15` → `15`.
fn percent(share: f64) -> String {
    ((share * 100.0 * 1e6).round() / 1e6).to_string()
}

/// The funding table's rows: the stored sources, then a blank one to add a source. A refused form's ticks are
/// its own (an unticked box is not sent, so the typed values alone cannot tell).
fn source_rows(policy: &Policy, works: &Catalog, typed: Option<&Form>) -> Vec<Value> {
    let ticks = |prefix: &str, key: &str, stored: bool| match typed {
        Some(f) if f.get(&format!("{prefix}_name")).is_some() => {
            f.get(&format!("{prefix}_{key}")).is_some()
        }
        _ => stored,
    };
    let classes = |prefix: &str, source: Option<&Source>| -> Vec<Value> {
        works
            .classes
            .iter()
            .map(|c| {
                let key = format!("class_{}", c.code);
                let stored = source.is_some_and(|s| s.classes.contains(&c.code));
                json!({"key": format!("{prefix}_{key}"), "name": c.name,
                       "ticked": ticks(prefix, &key, stored)})
            })
            .collect()
    };
    let mut rows: Vec<Value> = policy
        .funding
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let prefix = format!("source_{i}");
            let item_names: Vec<String> = s
                .items
                .iter()
                .map(|code| {
                    works
                        .item(code)
                        .map_or_else(|| code.clone(), |w| w.name.clone())
                })
                .collect();
            json!({"key": prefix, "new": false, "code": s.code, "name": s.name,
                   "classes": classes(&prefix, Some(s)), "items": s.items.join(" "),
                   "item_names": item_names.join("、"), "share_pct": percent(s.share),
                   "cap": s.cap_per_household_yuan.map(|c| c.to_string()).unwrap_or_default(),
                   "order": i + 1, "delete": ticks(&prefix, "delete", false)})
        })
        .collect();
    rows.push(
        json!({"key": "source_new", "new": true, "code": "", "name": "",
                     "classes": classes("source_new", None), "items": "", "item_names": "",
                     "share_pct": "", "cap": "", "order": policy.funding.sources.len() + 1,
                     "delete": false}),
    );
    rows
}

async fn policy_view(state: &AppState, ctx: &Ctx, saved: bool, typed: Option<&Form>) -> Rendered {
    let policy = catalog::load_policy(&state.db)
        .await?
        .ok_or_else(|| Error::NotFound("尚未载入政策参数".into()))?;
    let version = catalog::policy_version(&state.db).await?;
    let works = catalog::load(&state.db).await?;
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
    let sources = source_rows(&policy, &works, typed);
    Ok((
        "settings_policy.html",
        json!({"title": "政策参数", "nav": "settings", "p": policy, "version": version,
               "weights": weights, "shares": shares, "periods": periods, "saved": saved,
               "sources": sources,
               "example_number": policy.notice_number(2026, 12), "can_write": is_admin(ctx)}),
    ))
}
