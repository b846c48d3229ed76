//! Money over the API: staff read a year's funds and ledger and a project's payments; planners record receipts,
//! payments, final accounts and reversals.

use bytes::Bytes;
use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::money::{self, FinalAccountInput, PaymentInput, ReceiptInput, ReversalInput};
use crate::web::access::{Ctx, Route, route, route1};
use crate::web::json::{created, json_input, respond};
use crate::web::query::{Query, query};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let body = || warp::body::content_length_limit(64 * 1024).and(warp::body::bytes());
    route(s, Route::ListFunds)
        .and(query())
        .then(funds)
        .or(route(s, Route::MoneyLedger).and(query()).then(ledger))
        .unify()
        .or(route(s, Route::CreateReceipt).and(body()).then(receive))
        .unify()
        .or(route1(s, Route::ProjectPayments).then(project))
        .unify()
        .or(route1(s, Route::CreatePayment).and(body()).then(pay))
        .unify()
        .or(route1(s, Route::CreateFinalAccount)
            .and(body())
            .then(settle))
        .unify()
        .or(route1(s, Route::ReverseMoney).and(body()).then(reverse))
        .unify()
        .boxed()
}

async fn funds(_ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let year = super::pages::year_or_latest(&s, &q).await?;
        money::funds(&s.db, year).await
    };
    respond(result.await)
}

async fn ledger(_ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let year = super::pages::year_or_latest(&s, &q).await?;
        Ok(json!({ "year": year, "items": money::ledger(&s.db, year).await? }))
    };
    respond(result.await)
}

async fn receive(ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        let input: ReceiptInput = json_input(&body)?;
        money::receive(&s.db, &ctx.actor()?, &input).await
    };
    created(result.await)
}

async fn project(code: String, _ctx: Ctx, s: AppState) -> Response {
    respond(money::project(&s.db, &code).await)
}

async fn pay(code: String, ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        let input: PaymentInput = json_input(&body)?;
        money::pay(&s.db, &ctx.actor()?, &code, &input).await
    };
    created(result.await)
}

async fn settle(code: String, ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        let input: FinalAccountInput = json_input(&body)?;
        money::settle(&s.db, &ctx.actor()?, &code, &input).await
    };
    created(result.await)
}

async fn reverse(id: i32, ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        let input: ReversalInput = json_input(&body)?;
        money::reverse(&s.db, &ctx.actor()?, id, &input).await
    };
    created(result.await)
}
