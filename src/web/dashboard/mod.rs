//! The progress dashboard (进度看板) of a batch year: the county's progress month by month against the year's
//! plan, the funds by source, each town's start and completion on a map and in a table, and — for the bureau —
//! every project flagged against its planned dates (偏离预警). The bureau's page and its JSON, and one page for
//! residents (问效于民) with the county's figures only: no project's money, no contractor, no person.

mod charts;
mod figures;

use chrono::Utc;
use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::domain::time::beijing_date;
use crate::error::Result;
use crate::web::access::{Ctx, Route, route};
use crate::web::html::{Rendered, page};
use crate::web::json::respond;
use crate::web::query::{Query, query, year_query};
use crate::web::state::AppState;

use charts::{CLASSES, Money, NONE_COLOUR, TownSite};
use figures::Dashboard;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::Dashboard)
        .and(query())
        .then(api)
        .or(route(s, Route::DashboardPage).and(query()).then(bureau))
        .unify()
        .or(route(s, Route::PublicProgress).and(query()).then(public))
        .unify()
        .boxed()
}

/// The year asked for (`?year=`), or the newest batch year begun; and the batch years.
async fn year_of(state: &AppState, query: &[(String, String)]) -> Result<(i32, Vec<i32>)> {
    let asked = year_query(query)?;
    let years = figures::years(state).await?;
    let today = beijing_date(Utc::now());
    Ok((
        asked.unwrap_or_else(|| figures::default_year(&years, today)),
        years,
    ))
}

async fn api(_ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let (year, _) = year_of(&s, &q).await?;
        figures::dashboard(&s, year, beijing_date(Utc::now()), true).await
    };
    respond(result.await)
}

async fn bureau(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, bureau_page(&s, &q).await)
}

async fn public(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, public_page(&s, &q).await)
}

/// How wide the drawings are: the bureau's screen, or a phone.
#[derive(Clone, Copy)]
struct Sizes {
    chart: f64,
    map: (f64, f64),
}

const SCREEN: Sizes = Sizes {
    chart: 600.0,
    map: (600.0, 520.0),
};
const PHONE: Sizes = Sizes {
    chart: 360.0,
    map: (360.0, 340.0),
};

async fn bureau_page(state: &AppState, query: &[(String, String)]) -> Rendered {
    let (year, years) = year_of(state, query).await?;
    let d = figures::dashboard(state, year, beijing_date(Utc::now()), true).await?;
    let mut context = drawings(state, &d, SCREEN).await?;
    if let Some(object) = context.as_object_mut() {
        object.insert("title".into(), json!(format!("{year} 年改造进度看板")));
        object.insert("nav".into(), json!("dashboard"));
        object.insert("years".into(), json!(with_year(years, year)));
        object.insert(
            "month_param".into(),
            json!(d.months.last().map(|m| format!("{year}-{:02}", m.month))),
        );
        // The flagged projects first, those on schedule apart.
        let projects = d.deviation.as_ref().map_or(&[][..], |v| &v.projects[..]);
        let (normal, flagged): (Vec<_>, Vec<_>) = projects
            .iter()
            .partition(|p| p.assessment.flag == crate::domain::deviation::Flag::Normal);
        object.insert("flagged".into(), json!(flagged));
        object.insert("normal".into(), json!(normal));
    }
    Ok(("dashboard.html", context))
}

async fn public_page(state: &AppState, query: &[(String, String)]) -> Rendered {
    let (year, years) = year_of(state, query).await?;
    let d = figures::dashboard(state, year, beijing_date(Utc::now()), false).await?;
    let county = crate::db::catalog::load_policy(&state.db)
        .await?
        .map(|p| p.county)
        .unwrap_or_default();
    let mut context = drawings(state, &d, PHONE).await?;
    if let Some(object) = context.as_object_mut() {
        object.insert(
            "title".into(),
            json!(format!("{county}{year} 年老旧小区改造进展")),
        );
        object.insert("county".into(), json!(county));
        object.insert("years".into(), json!(with_year(years, year)));
    }
    Ok(("progress_public.html", context))
}

fn with_year(mut years: Vec<i32>, year: i32) -> Vec<i32> {
    years.push(year);
    years.sort_unstable();
    years.dedup();
    years
}

/// The figures and their drawings, for either page.
async fn drawings(state: &AppState, d: &Dashboard, sizes: Sizes) -> Result<Value> {
    let started = |f: fn(&crate::domain::monthly::Counts) -> i64| -> Vec<i64> {
        d.months.iter().map(|m| f(&m.county.started)).collect()
    };
    let completed = |f: fn(&crate::domain::monthly::Counts) -> i64| -> Vec<i64> {
        d.months.iter().map(|m| f(&m.county.completed)).collect()
    };
    let compounds = charts::progress_chart(
        d.planned.compounds,
        &started(|c| c.compounds),
        &completed(|c| c.compounds),
        "个",
        sizes.chart,
    );
    let households = charts::progress_chart(
        d.planned.households,
        &started(|c| c.households),
        &completed(|c| c.households),
        "户",
        sizes.chart,
    );
    let totals = charts::money_bars(
        &[(
            "合计".to_owned(),
            vec![
                (Money::Planned, d.funds.planned.fen),
                (Money::Received, d.funds.received.fen),
                (Money::Paid, d.funds.paid.fen),
            ],
        )],
        sizes.chart,
    );
    let sources = charts::money_bars(
        &d.funds
            .sources
            .iter()
            .filter(|s| s.planned.fen != 0 || s.received.fen != 0)
            .map(|s| {
                (
                    s.name.clone(),
                    vec![
                        (Money::Planned, s.planned.fen),
                        (Money::Received, s.received.fen),
                    ],
                )
            })
            .collect::<Vec<_>>(),
        sizes.chart,
    );
    let sites = town_sites(state, d).await?;
    let map = |what: &str, done: fn(&figures::Town) -> i64| {
        let sites: Vec<TownSite> = sites
            .iter()
            .map(|(site, town)| TownSite {
                progress: town.map(|t| (done(t), t.row.planned.compounds)),
                ..site.clone()
            })
            .collect();
        charts::town_map(&sites, what, sizes.map.0, sizes.map.1)
    };
    let started_map = map("开工", |t| t.row.started.compounds);
    let completed_map = map("完工", |t| t.row.completed.compounds);
    let last = d.months.last();
    // Sums as the bureau's tables write them: 万元 with two decimals, thousands grouped.
    let wan = jiugai_document::money::wan_figures;
    let money = json!({
        "investment_planned": wan(d.investment_planned_fen),
        "investment_completed": wan(d.county.investment_completed_fen),
        "planned": wan(d.funds.planned.fen), "received": wan(d.funds.received.fen),
        "paid": wan(d.funds.paid.fen),
    });
    Ok(json!({
        "money": money,
        "d": d,
        "as_of": last.map(|m| m.as_of),
        "month": last.map(|m| m.month),
        "towns": d.towns.iter().filter(|t| t.row.planned.compounds > 0).collect::<Vec<_>>(),
        "idle_towns": d.towns.iter().filter(|t| t.row.planned.compounds == 0).count(),
        "completion_rate_compounds": figures::rate(d.county.completed.compounds, d.county.planned.compounds),
        "received_rate": figures::rate(d.funds.received.fen, d.funds.planned.fen),
        "paid_rate": figures::rate(d.funds.paid.fen, d.funds.received.fen),
        "compounds_chart": compounds, "households_chart": households,
        "totals_chart": totals, "sources_chart": sources,
        "started_map": started_map, "completed_map": completed_map,
        "classes": CLASSES.iter().map(|(label, colour)| json!({"label": label, "colour": colour})).collect::<Vec<_>>(),
        "none_colour": NONE_COLOUR,
    }))
}

/// Every town with compounds, at its compounds' mean centroid, with its figures of the year (if it has any
/// compound in the batch).
async fn town_sites<'a>(
    state: &AppState,
    d: &'a Dashboard,
) -> Result<Vec<(TownSite, Option<&'a figures::Town>)>> {
    let points = crate::db::compounds::map_points(&state.db).await?;
    let mut sums: Vec<(String, f64, f64, f64)> = Vec::new();
    for p in &points {
        match sums.iter_mut().find(|s| s.0 == p.town) {
            Some(s) => {
                s.1 += p.lon;
                s.2 += p.lat;
                s.3 += 1.0;
            }
            None => sums.push((p.town.clone(), p.lon, p.lat, 1.0)),
        }
    }
    Ok(sums
        .into_iter()
        .map(|(name, lon, lat, n)| {
            let town = d
                .towns
                .iter()
                .find(|t| t.row.town == name && t.row.planned.compounds > 0);
            (
                TownSite {
                    name,
                    lon: lon / n,
                    lat: lat / n,
                    progress: None,
                },
                town,
            )
        })
        .collect())
}
