//! Contractors' organisations over the API: anyone signed in lists and reads them (a contractor only its own);
//! planners create and update them.

use bytes::Bytes;
use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::contractors::{self, ContractorRecord};
use crate::web::access::{Ctx, Route, route, route1};
use crate::web::json::{created, expected_version, json_input, respond};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let body = warp::body::content_length_limit(64 * 1024).and(warp::body::bytes());
    let if_match = warp::header::optional::<String>("if-match");
    route(s, Route::ListContractors)
        .then(list)
        .or(route1(s, Route::GetContractor).then(get))
        .unify()
        .or(route(s, Route::CreateContractor).and(body).then(create))
        .unify()
        .or(route1(s, Route::UpdateContractor)
            .and(if_match)
            .and(body)
            .then(update))
        .unify()
        .boxed()
}

async fn list(ctx: Ctx, s: AppState) -> Response {
    let result = async {
        let items = contractors::list(&s.db, ctx.own_contractor()?).await?;
        Ok(json!({ "items": items }))
    };
    respond(result.await)
}

async fn get(code: String, ctx: Ctx, s: AppState) -> Response {
    let result = async { contractors::get(&s.db, &code, ctx.own_contractor()?).await };
    respond(result.await)
}

async fn create(ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        let record = ContractorRecord::parse(&json_input(&body)?, None)?;
        contractors::create(&s.db, &ctx.actor()?, &record).await
    };
    created(result.await)
}

async fn update(
    code: String,
    ctx: Ctx,
    s: AppState,
    if_match: Option<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let version = expected_version(if_match.as_deref())?;
        let record = ContractorRecord::parse(&json_input(&body)?, Some(&code))?;
        contractors::update(&s.db, &ctx.actor()?, version, &record).await
    };
    respond(result.await)
}
