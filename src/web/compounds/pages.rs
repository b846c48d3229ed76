//! The bureau's compound pages (Chinese UI, from `templates/`): the overview, the compounds list and a compound's
//! page, the county map. They work without scripts.

use serde::Serialize;
use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::{catalog, compounds};
use crate::domain::compound::{Consent, Origin, PropertyManagement, Severity, Status};
use crate::web::access::{Ctx, Route, route, route1};
use crate::web::html::{Rendered, page, page_link};
use crate::web::list_query::parse_list_query;
use crate::web::query::{Query, query};
use crate::web::reply::see_other;
use crate::web::state::AppState;
use crate::web::svg;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::Overview)
        .then(overview)
        .or(route(s, Route::CompoundsPage).and(query()).then(list))
        .unify()
        .or(route1(s, Route::CompoundPage).then(one))
        .unify()
        .or(route(s, Route::MapPage).and(query()).then(map))
        .unify()
        .boxed()
}

async fn overview(ctx: Ctx, s: AppState) -> Response {
    // A contractor's home is its work-order portal.
    if !ctx.user().is_ok_and(|p| p.role.is_staff()) {
        return see_other("/work-orders");
    }
    page(&s, &ctx, overview_page(&s).await)
}

async fn list(ctx: Ctx, s: AppState, q: Query) -> Response {
    let listed = list_page(&s, &q).await.map(|(template, mut context)| {
        context["can_write"] = json!(can_write(&ctx));
        (template, context)
    });
    page(&s, &ctx, listed)
}

async fn one(code: String, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, compound_page(&s, &ctx, &code).await)
}

async fn map(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, map_page(&s, &q).await)
}

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
}

fn categories(catalog: &crate::domain::catalog::Catalog) -> Vec<Value> {
    catalog
        .classes
        .iter()
        .map(|c| json!({"code": c.code, "name": c.name, "colour": svg::category_colour(Some(&c.code))}))
        .collect()
}

fn statuses() -> Vec<Choice> {
    Status::ALL
        .iter()
        .map(|s| Choice {
            code: s.code().into(),
            name: s.label().into(),
        })
        .collect()
}

async fn overview_page(state: &AppState) -> Rendered {
    let catalog = catalog::load(&state.db).await?;
    let towns = compounds::town_counts(&state.db).await?;
    let total: i64 = towns.iter().filter_map(|t| t["total"].as_i64()).sum();
    let by_category: Vec<Value> = categories(&catalog)
        .into_iter()
        .map(|mut c| {
            let code = c["code"].as_str().unwrap_or_default().to_owned();
            let n: i64 = towns
                .iter()
                .filter_map(|t| t["by_category"][&code].as_i64())
                .sum();
            c["count"] = json!(n);
            c
        })
        .collect();
    let categorised: i64 = by_category.iter().filter_map(|c| c["count"].as_i64()).sum();
    let map = super::map::county_map(state, 900.0, 560.0, None).await?;
    Ok((
        "overview.html",
        json!({"title": "概览", "nav": "overview", "total": total, "by_category": by_category,
               "uncategorised": total - categorised, "towns": towns, "map": map, "categories": categories(&catalog)}),
    ))
}

async fn list_page(state: &AppState, query: &[(String, String)]) -> Rendered {
    let catalog = catalog::load(&state.db).await?;
    let towns = compounds::town_counts(&state.db).await?;
    let parsed = parse_list_query(query)?;
    let result = compounds::list(&state.db, &parsed).await?;
    let f = &parsed.filter;
    let keep: Vec<(String, String)> = query.iter().filter(|(k, _)| k != "page").cloned().collect();
    let link = |page: u64| page_link("/compounds", &keep, page);
    let geojson_link = format!(
        "/api/compounds.geojson?{}",
        serde_urlencoded::to_string(
            query
                .iter()
                .filter(|(k, _)| k != "page" && k != "per_page" && k != "sort")
                .collect::<Vec<_>>()
        )
        .unwrap_or_default()
    );
    let category_names: serde_json::Map<String, Value> = catalog
        .classes
        .iter()
        .map(|c| (c.code.clone(), json!(c.name)))
        .collect();
    let status_names: serde_json::Map<String, Value> = Status::ALL
        .iter()
        .map(|s| (s.code().to_owned(), json!(s.label())))
        .collect();
    Ok((
        "compounds.html",
        json!({
            "title": "小区名录",
            "nav": "compounds",
            "page": result,
            "filter": {
                "town": f.town, "community": f.community, "category": f.category, "status": f.status,
                "built_from": f.built_from, "built_to": f.built_to, "q": f.q,
            },
            "towns": towns,
            "categories": categories(&catalog),
            "category_names": category_names,
            "statuses": statuses(),
            "status_names": status_names,
            "prev": (parsed.page > 1).then(|| link(parsed.page - 1)),
            "next": (parsed.page < result.pages).then(|| link(parsed.page + 1)),
            "geojson_link": geojson_link,
        }),
    ))
}

/// A compound's page, with the forms that record its survey, consent and category and archive it (for those
/// who may write compounds).
/// Whoever may write compounds over the API may use the forms; other staff read the pages.
pub fn can_write(ctx: &Ctx) -> bool {
    ctx.user()
        .is_ok_and(|p| Route::UpdateCompound.rule().admits(p.role))
}

/// Whether works have begun on the compound: its scope is then the contract's, and the scope form is not offered.
pub(super) fn scope_settled(detail: &Value) -> bool {
    detail["status"]
        .as_str()
        .and_then(|s| Status::parse(s).ok())
        .is_some_and(Status::scope_settled)
}

pub(super) async fn compound_page(state: &AppState, ctx: &Ctx, code: &str) -> Rendered {
    let detail = compounds::get(&state.db, code).await?;
    let catalog = catalog::load(&state.db).await?;
    let policy = catalog::load_policy(&state.db).await?;
    let outline = svg::outline(&detail["geometry"], 420.0, 300.0);
    let consent: Option<Consent> = serde_json::from_value(detail["consent"].clone()).ok();
    let consent_met = match (&consent, &policy) {
        (Some(c), Some(p)) => Some(c.meets(&p.consent)),
        _ => None,
    };
    let percent = |part: f64, whole: f64| {
        if whole > 0.0 {
            format!("{:.1}%", part / whole * 100.0)
        } else {
            "—".into()
        }
    };
    let thresholds = policy.as_ref().map(|p| {
        let f = |x: crate::domain::policy::Fraction| format!("{}/{}", x.0[0], x.0[1]);
        json!({
            "participation_owners": f(p.consent.participation_owners),
            "participation_area": f(p.consent.participation_area),
            "approval_owners": f(p.consent.approval_owners),
            "approval_area": f(p.consent.approval_area),
        })
    });
    let consent_checks = match (&consent, &policy) {
        (Some(c), Some(p)) => {
            let p = &p.consent;
            json!({
                "participation_owners": p.participation_owners.reached(f64::from(c.participating_owners), f64::from(c.owners_total)),
                "participation_area": p.participation_area.reached(c.participating_area_m2, c.area_total_m2),
                "approval_owners": p.approval_owners.reached(f64::from(c.agreeing_owners), f64::from(c.participating_owners)),
                "approval_area": p.approval_area.reached(c.agreeing_area_m2, c.participating_area_m2),
            })
        }
        _ => Value::Null,
    };
    let consent_view = consent.as_ref().map(|c| {
        json!({
            "checks": consent_checks,
            "recorded_on": c.recorded_on.to_string(),
            "participation_owners": percent(f64::from(c.participating_owners), f64::from(c.owners_total)),
            "participation_area": percent(c.participating_area_m2, c.area_total_m2),
            "approval_owners": percent(f64::from(c.agreeing_owners), f64::from(c.participating_owners)),
            "approval_area": percent(c.agreeing_area_m2, c.participating_area_m2),
            "met": consent_met,
        })
    });
    let label = |f: fn(&str) -> Option<&'static str>, key: &str| {
        f(detail[key].as_str().unwrap_or_default()).unwrap_or("—")
    };
    let class_name = |code: Option<&str>| {
        code.and_then(|c| catalog.class(c))
            .map(|c| c.name.clone())
            .unwrap_or_else(|| "未定".into())
    };
    let deficits: Vec<Value> = detail["survey"]["deficits"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|d| {
                    let severity = Severity::parse(d["severity"].as_str().unwrap_or_default()).map(|s| s.label()).unwrap_or("—");
                    json!({"code": d["code"], "severity": d["severity"], "severity_label": severity, "note": d["note"]})
                })
                .collect()
        })
        .unwrap_or_default();
    let category = detail["category"].as_str();
    // The deficits a survey may record: those the catalog's items remedy, named by the item.
    let mut deficit_choices: Vec<Value> = Vec::new();
    for item in &catalog.items {
        for code in &item.remedies {
            if !deficit_choices.iter().any(|d| d["code"] == code.as_str()) {
                deficit_choices.push(json!({"code": code, "name": item.name}));
            }
        }
    }
    let severities: Vec<Choice> = Severity::ALL
        .iter()
        .map(|s| Choice {
            code: s.code().into(),
            name: s.label().into(),
        })
        .collect();
    let deficit_rows: Vec<Value> = deficits
        .iter()
        .map(|d| json!({"code": d["code"], "severity": d["severity"], "note": d["note"]}))
        .chain((0..3).map(|_| json!({"code": "", "severity": "", "note": ""})))
        .collect();
    Ok((
        "compound.html",
        json!({
            "title": detail["name"],
            "nav": "compounds",
            "c": detail,
            "outline": outline,
            "category_name": class_name(category),
            "class_names": catalog.classes.iter().map(|c| (c.code.clone(), json!(c.name))).collect::<serde_json::Map<_, _>>(),
            "category_colour": svg::category_colour(category),
            "category_derived_name": class_name(detail["category_derived"].as_str()),
            "status_label": label(|s| Status::parse(s).ok().map(Status::label), "status"),
            "property_management_label": label(|s| PropertyManagement::parse(s).ok().map(PropertyManagement::label), "property_management"),
            "origin_label": label(|s| Origin::parse(s).ok().map(Origin::label), "origin"),
            "consent": consent_view,
            "deficits": deficits,
            "policy": policy.map(|p| json!({"built_no_later_than": p.eligibility.built_no_later_than})),
            "thresholds": thresholds,
            "deficit_choices": deficit_choices,
            "deficit_names": deficit_choices.iter().map(|d| (d["code"].as_str().unwrap_or_default().to_owned(), d["name"].clone())).collect::<serde_json::Map<_, _>>(),
            "severities": severities,
            "deficit_rows": deficit_rows,
            "classes": categories(&catalog),
            "consent_raw": consent,
            // Why a quantity differs from the derived one, by item.
            "scope_reasons": detail["scope"].as_array().map(|lines| lines.iter().filter_map(|l| Some((l["item"].as_str()?.to_owned(), json!(l["reason"].as_str()?)))).collect::<serde_json::Map<_, _>>()).unwrap_or_default(),
            "can_write": can_write(ctx), "scope_open": !scope_settled(&detail),
        }),
    ))
}

async fn map_page(state: &AppState, query: &[(String, String)]) -> Rendered {
    let town = super::map::town_query(query)?;
    let catalog = catalog::load(&state.db).await?;
    let map = super::map::county_map(state, 1100.0, 760.0, town.as_deref()).await?;
    let title = town
        .as_ref()
        .map_or("全县分布图".to_owned(), |t| format!("{t}分布图"));
    Ok((
        "map.html",
        json!({"title": title, "nav": "map", "map": map, "categories": categories(&catalog)}),
    ))
}
