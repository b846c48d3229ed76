//! The monthly return (月报) in the browser, over the API and as .xlsx: generated from the records for a month,
//! cumulative from January, with the identity checks that fail named cell by cell.

use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::returns;
use crate::error::{Error, Result};
use crate::sheets::write::XLSX;
use crate::web::access::{Ctx, Route, route};
use crate::web::html::{Rendered, page};
use crate::web::json::respond;
use crate::web::query::{Query, query};
use crate::web::reply::file_response;
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::ReturnsPage)
        .and(query())
        .then(returns_page)
        .or(route(s, Route::MonthlyReturn).and(query()).then(api))
        .unify()
        .or(route(s, Route::MonthlyReturnXlsx).and(query()).then(xlsx))
        .unify()
        .boxed()
}

/// The month asked for (`month=2021-06`), or the latest month of the newest batch year (this month for this
/// year's batch).
async fn month_of(state: &AppState, query: &[(String, String)]) -> Result<String> {
    let mut month = None;
    for (key, value) in query {
        match key.as_str() {
            "month" => {
                crate::domain::monthly::parse_month(value)
                    .map_err(|e| Error::invalid("month", e))?;
                month = Some(value.trim().to_owned());
            }
            other => {
                return Err(Error::invalid(other, "不认识的参数，可用的只有 month"));
            }
        }
    }
    if let Some(month) = month {
        return Ok(month);
    }
    use chrono::Datelike;
    let today = crate::domain::time::beijing_date(chrono::Utc::now());
    let newest = crate::db::projects::list(&state.db, None, None)
        .await?
        .iter()
        .map(|p| p.year)
        .filter(|&y| y <= today.year())
        .max()
        .unwrap_or(today.year());
    Ok(if newest == today.year() {
        format!("{newest}-{:02}", today.month())
    } else {
        format!("{newest}-12")
    })
}

async fn api(_ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let month = month_of(&s, &q).await?;
        returns::monthly(&s.db, &month).await
    };
    respond(result.await)
}

async fn xlsx(ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let month = month_of(&s, &q).await?;
        let r = returns::monthly(&s.db, &month).await?;
        let policy = crate::db::catalog::load_policy(&s.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no policy stored"))?;
        let bytes = crate::sheets::returns::monthly(&r, &policy.county, &policy.authority)?;
        Ok((month, bytes))
    };
    match result.await {
        Ok((month, bytes)) => file_response(
            bytes,
            XLSX,
            &format!("改造进度月报-{month}.xlsx"),
            &format!("monthly-return-{month}.xlsx"),
            true,
            None,
        ),
        Err(e) => page(&s, &ctx, Err(e)),
    }
}

async fn returns_page(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, render(&s, &q).await)
}

async fn render(state: &AppState, query: &[(String, String)]) -> Rendered {
    let month = month_of(state, query).await?;
    let r = returns::monthly(&state.db, &month).await?;
    let mut years: Vec<i32> = crate::db::projects::list(&state.db, None, None)
        .await?
        .iter()
        .map(|p| p.year)
        .collect();
    years.dedup();
    Ok((
        "returns.html",
        json!({
            "title": format!("{} 年 {} 月改造进度月报", r.year, r.month), "nav": "returns",
            "r": r, "month": month, "years": years, "months": (1..=12).collect::<Vec<u32>>(),
        }),
    ))
}
