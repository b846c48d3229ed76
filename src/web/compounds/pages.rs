//! The bureau's compound pages (Chinese UI, from `templates/`): the overview, the compounds list and a compound's
//! page, the county map. They work without scripts.

use serde::Serialize;
use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::list_query::parse_list_query;
use crate::db::{catalog, compounds};
use crate::domain::compound::{Consent, Origin, PropertyManagement, Severity, Status};
use crate::error::Error;
use crate::web::access::{Ctx, Route, route, route1};
use crate::web::html::{Rendered, page, page_link};
use crate::web::query::{Query, query};
use crate::web::reply::see_other;
use crate::web::state::AppState;
use crate::web::svg::{self, Projection};

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::Overview)
        .then(overview)
        .or(route(s, Route::CompoundsPage).and(query()).then(list))
        .unify()
        .or(route1(s, Route::CompoundPage).then(one))
        .unify()
        .or(route(s, Route::MapPage).then(map))
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
    page(&s, &ctx, list_page(&s, &q).await)
}

async fn one(code: String, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, compound_page(&s, &code).await)
}

async fn map(ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, map_page(&s).await)
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
    let map = county_map(state, 900.0, 560.0).await?;
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

async fn compound_page(state: &AppState, code: &str) -> Rendered {
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
    let consent_view = consent.as_ref().map(|c| {
        json!({
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
        }),
    ))
}

async fn map_page(state: &AppState) -> Rendered {
    let catalog = catalog::load(&state.db).await?;
    let map = county_map(state, 1100.0, 760.0).await?;
    Ok((
        "map.html",
        json!({"title": "全县分布图", "nav": "map", "map": map, "categories": categories(&catalog)}),
    ))
}

/// Every compound as a dot at its centroid, coloured by category, with town labels.
async fn county_map(state: &AppState, width: f64, height: f64) -> Result<Value, Error> {
    let points = compounds::map_points(&state.db).await?;
    let Some(bbox) = svg::bbox_of(&[points.iter().map(|p| (p.lon, p.lat)).collect()]) else {
        return Ok(json!({"width": width, "height": height, "dots": [], "towns": []}));
    };
    let projection = Projection::fit(bbox, width, height, 40.0);
    let dots: Vec<Value> = points
        .iter()
        .map(|p| {
            let (x, y) = projection.point(p.lon, p.lat);
            let r = (2.0 + (f64::from(p.households)).sqrt() / 6.0).min(6.0);
            json!({"x": x, "y": y, "r": (r * 10.0).round() / 10.0, "colour": svg::category_colour(p.category.as_deref()), "code": p.code, "name": p.name, "town": p.town})
        })
        .collect();
    let mut towns: Vec<(String, f64, f64, usize)> = Vec::new();
    for p in &points {
        match towns.iter_mut().find(|t| t.0 == p.town) {
            Some(t) => {
                t.1 += p.lon;
                t.2 += p.lat;
                t.3 += 1;
            }
            None => towns.push((p.town.clone(), p.lon, p.lat, 1)),
        }
    }
    let towns: Vec<Value> = towns
        .into_iter()
        .map(|(name, lon, lat, n)| {
            let (x, y) = projection.point(lon / n as f64, lat / n as f64);
            json!({"name": name, "x": x, "y": y - 10.0, "count": n})
        })
        .collect();
    let km = (projection.metres_per_unit() * width / 5.0 / 1000.0).max(1.0);
    let km = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
        .into_iter()
        .rev()
        .find(|k| *k <= km)
        .unwrap_or(1.0);
    Ok(json!({
        "width": width, "height": height, "dots": dots, "towns": towns,
        "scale_bar_km": km, "scale_bar_units": (km * 1000.0 / projection.metres_per_unit() * 10.0).round() / 10.0,
    }))
}
