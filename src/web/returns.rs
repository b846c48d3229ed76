//! The monthly return (月报) in the browser, over the API and as .xlsx: generated from the records for a month,
//! cumulative from January, with the identity checks that fail named cell by cell.

use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use bytes::Bytes;

use crate::db::filing::{self, SubmitInput};
use crate::db::returns;
use crate::domain::monthly::MonthlyReturn;
use crate::error::{Error, Result};
use crate::sheets::write::XLSX;
use crate::web::access::{Ctx, Form, Route, post_form, route, route2};
use crate::web::html::{Kept, Rendered, after, page};
use crate::web::json::{created, json_input, respond};
use crate::web::query::{Query, query};
use crate::web::reply::file_response;
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let body = || warp::body::content_length_limit(64 * 1024).and(warp::body::bytes());
    route(s, Route::ReturnsPage)
        .and(query())
        .then(returns_page)
        .or(route(s, Route::MonthlyReturn).and(query()).then(api))
        .unify()
        .or(route(s, Route::MonthlyReturnXlsx).and(query()).then(xlsx))
        .unify()
        .or(post_form(s, Route::ReturnSubmitPage).then(submit_page))
        .unify()
        .or(route(s, Route::ListReturns).and(query()).then(list))
        .unify()
        .or(route(s, Route::SubmitReturn).and(body()).then(submit))
        .unify()
        .or(route2(s, Route::ReturnVersion).then(version))
        .unify()
        .or(route(s, Route::MonthlyReturnPdf).and(query()).then(pdf))
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
            // Read by `version_of`.
            "version" => {}
            other => {
                return Err(Error::invalid(
                    other,
                    "不认识的参数，可用的只有 month 和 version",
                ));
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
        let (month, r, _status) = shown(&s, &q).await?;
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

/// The submitted version asked for (`version=2`); the latest when none is.
fn version_of(query: &[(String, String)]) -> Result<Option<i32>> {
    query
        .iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| {
            v.trim()
                .parse::<i32>()
                .ok()
                .filter(|v| *v >= 1)
                .ok_or_else(|| Error::invalid("version", "版本须为正整数，如 1"))
        })
        .transpose()
}

/// The figures a file export carries (the shown version's, or the draft's) and the status line saying which.
async fn shown(
    state: &AppState,
    query: &[(String, String)],
) -> Result<(String, MonthlyReturn, String)> {
    let month = month_of(state, query).await?;
    let v = filing::month_view(&state.db, &month, version_of(query)?).await?;
    let status = v.status();
    Ok((month, v.figures, status))
}

async fn returns_page(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, render(&s, &ctx, &q).await)
}

async fn render(state: &AppState, ctx: &Ctx, query: &[(String, String)]) -> Rendered {
    let month = month_of(state, query).await?;
    let v = filing::month_view(&state.db, &month, version_of(query)?).await?;
    let mut years: Vec<i32> = crate::db::projects::list(&state.db, None, None)
        .await?
        .iter()
        .map(|p| p.year)
        .collect();
    years.dedup();
    let can_submit = ctx
        .user()
        .is_ok_and(|p| Route::SubmitReturn.rule().admits(p.role));
    let r = &v.figures;
    Ok((
        "returns.html",
        json!({
            "title": format!("{} 年 {} 月改造进度月报", r.year, r.month), "nav": "returns",
            "r": r, "v": v, "month": month, "years": years, "months": (1..=12).collect::<Vec<u32>>(),
            "can_submit": can_submit,
        }),
    ))
}

/// Submits the month (or its correction) from its page; back to the month.
async fn submit_page(ctx: Ctx, f: Form, s: AppState) -> Response {
    let input = SubmitInput {
        month: f.text("month").to_owned(),
        changes: f.optional("changes"),
    };
    let result = async { filing::submit(&s.db, &ctx.actor()?, &input).await };
    let query = vec![("month".to_owned(), input.month.clone())];
    let back = format!("/returns?month={}", input.month.trim());
    let again = render(&s, &ctx, &query);
    after(
        &s,
        &ctx,
        result.await,
        &back,
        Kept::new("submit", &f),
        again,
    )
    .await
}

async fn list(_ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let year = crate::web::query::year_query(&q)?
            .ok_or_else(|| Error::invalid("year", "请给出年份，如 year=2021"))?;
        Ok(json!({ "year": year, "items": filing::versions(&s.db, year).await? }))
    };
    respond(result.await)
}

async fn submit(ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        let input: SubmitInput = json_input(&body)?;
        filing::submit(&s.db, &ctx.actor()?, &input).await
    };
    created(result.await)
}

async fn version(month: String, version: i32, _ctx: Ctx, s: AppState) -> Response {
    respond(filing::filed(&s.db, &month, version).await)
}

/// The return as an A4 PDF under the bureau's header (the workbook's tables, money in 万元), rendered off the
/// executor.
async fn pdf(ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let (month, r, status) = shown(&s, &q).await?;
        let policy = crate::db::catalog::load_policy(&s.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no policy stored"))?;
        let bytes = tokio::task::spawn_blocking(move || {
            crate::sheets::returns_pdf::monthly(&r, &policy.county, &policy.authority, &status)
        })
        .await
        .map_err(|e| Error::Internal(e.into()))??;
        Ok((month, bytes))
    };
    match result.await {
        Ok((month, bytes)) => crate::web::reply::pdf_reply(
            &crate::web::reply::Pdf::new(bytes),
            &format!("改造进度月报-{month}.pdf"),
            &format!("monthly-return-{month}.pdf"),
            false,
            None,
        ),
        Err(e) => page(&s, &ctx, Err(e)),
    }
}
