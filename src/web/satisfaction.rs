//! Residents' satisfaction with finished work: the ratings summed up per compound and batch, over the API and
//! on the bureau's page with its chart.

use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::notices::{self, Satisfaction};
use crate::domain::notice::ASPECTS;
use crate::web::access::{Ctx, Route, route};
use crate::web::html::{Rendered, page};
use crate::web::json::respond;
use crate::web::query::{Query, query, year_query};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::SatisfactionStats)
        .and(query())
        .then(stats)
        .or(route(s, Route::SatisfactionPage).and(query()).then(figures))
        .unify()
        .boxed()
}

async fn stats(_: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let year = year_query(&q)?;
        Ok(json!({ "items": notices::satisfaction(&s.db, year).await? }))
    };
    respond(result.await)
}

async fn figures(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, satisfaction_page(&s, &q).await)
}

async fn satisfaction_page(state: &AppState, query: &[(String, String)]) -> Rendered {
    let year = year_query(query)?;
    let rows = notices::satisfaction(&state.db, year).await?;
    let years = crate::db::batches::years(&state.db).await?;
    let chart = satisfaction_chart(&rows);
    Ok((
        "satisfaction.html",
        json!({
            "title": "满意度评价", "nav": "satisfaction", "rows": rows, "year": year, "years": years,
            "chart": chart,
            "aspects": ASPECTS.iter().map(|(_, label)| *label).collect::<Vec<_>>(),
        }),
    ))
}

/// A horizontal bar per rated compound (its overall mean, 1–5) and the batch's mean per aspect, as SVG
/// coordinates for the template.
fn satisfaction_chart(rows: &[Satisfaction]) -> Value {
    const LEFT: f64 = 150.0;
    const WIDTH: f64 = 720.0;
    const BAR: f64 = 18.0;
    let span = WIDTH - LEFT - 50.0;
    let rated: Vec<&Satisfaction> = rows
        .iter()
        .filter(|r| !r.code.is_empty() && r.overall.is_some())
        .collect();
    let bars: Vec<Value> = rated
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mean = r.overall.unwrap_or(0.0);
            json!({
                "y": 30.0 + i as f64 * (BAR + 6.0), "w": span * mean / 5.0, "label": r.name,
                "value": format!("{mean:.2}"), "n": r.ratings,
                "low": mean < 3.5,
            })
        })
        .collect();
    let ticks: Vec<Value> = (0..=5)
        .map(|t| json!({"x": LEFT + span * f64::from(t) / 5.0, "label": t}))
        .collect();
    json!({
        "width": WIDTH, "left": LEFT, "bar": BAR, "bars": bars, "ticks": ticks,
        "height": 40.0 + rated.len() as f64 * (BAR + 6.0) + 10.0,
    })
}
