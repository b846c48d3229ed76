//! Money in the browser: the year's funds page (到位资金: by source planned and received, the receipts, the
//! receipt form, the reversal of a receipt). Payments and final accounts are recorded on the project's page
//! (`web::projects::payments`).

use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::money::{self, ReceiptInput, ReversalInput};
use crate::error::Result;
use crate::web::access::{Ctx, Form, Route, post_form, post_form1, route};
use crate::web::html::{Kept, Rendered, after, page};
use crate::web::query::{Query, query};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::FundsPage)
        .and(query())
        .then(funds)
        .or(post_form(s, Route::ReceiptCreatePage).then(receive))
        .unify()
        .or(post_form1(s, Route::ReversalPage).then(reverse))
        .unify()
        .boxed()
}

/// The year asked for, or the newest year with projects, or this year.
pub(super) async fn year_or_latest(state: &AppState, query: &[(String, String)]) -> Result<i32> {
    if let Some(year) = crate::web::query::year_query(query)? {
        return Ok(year);
    }
    let years: Vec<i32> = crate::db::projects::list(&state.db, None, None)
        .await?
        .iter()
        .map(|p| p.year)
        .collect();
    Ok(years.into_iter().max().unwrap_or_else(|| {
        use chrono::Datelike;
        crate::domain::time::beijing_date(chrono::Utc::now()).year()
    }))
}

async fn funds(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, funds_page(&s, &ctx, &q).await)
}

async fn funds_page(state: &AppState, ctx: &Ctx, query: &[(String, String)]) -> Rendered {
    let year = year_or_latest(state, query).await?;
    let view = money::funds(&state.db, year).await?;
    let mut years: Vec<i32> = crate::db::projects::list(&state.db, None, None)
        .await?
        .iter()
        .map(|p| p.year)
        .collect();
    years.push(year);
    years.sort_unstable();
    years.dedup();
    let can_record = ctx
        .user()
        .is_ok_and(|p| Route::CreateReceipt.rule().admits(p.role));
    Ok((
        "funds.html",
        json!({
            "title": format!("{year} 年资金到位"), "nav": "funds", "f": view, "years": years,
            "can_record": can_record,
        }),
    ))
}

fn year_query_of(year: Option<i32>) -> (Query, String) {
    match year {
        Some(y) => (
            vec![("year".to_owned(), y.to_string())],
            format!("/funds?year={y}#receipts"),
        ),
        None => (Vec::new(), "/funds#receipts".to_owned()),
    }
}

async fn receive(ctx: Ctx, f: Form, s: AppState) -> Response {
    let year: Option<i32> = f.text("year").trim().parse().ok();
    let result = async {
        let input = ReceiptInput {
            source: f.text("source").to_owned(),
            year,
            amount_yuan: f.yuan("amount_yuan")?,
            received_on: f.text("received_on").to_owned(),
            document_no: f.text("document_no").to_owned(),
            note: f.optional("note"),
        };
        money::receive(&s.db, &ctx.actor()?, &input).await
    };
    let (query, back) = year_query_of(year);
    let again = funds_page(&s, &ctx, &query);
    after(
        &s,
        &ctx,
        result.await,
        &back,
        Kept::new("receipt", &f),
        again,
    )
    .await
}

/// Reverses an entry from the funds page; back to its year's funds.
async fn reverse(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let year = money::year_of(&s.db, id).await.ok().flatten();
    let input = ReversalInput {
        reason: f.text("reason").to_owned(),
    };
    let result = async { money::reverse(&s.db, &ctx.actor()?, id, &input).await };
    let (query, back) = year_query_of(year);
    let again = funds_page(&s, &ctx, &query);
    let kept = Kept::new(format!("reverse_{id}"), &f);
    after(&s, &ctx, result.await, &back, kept, again).await
}
