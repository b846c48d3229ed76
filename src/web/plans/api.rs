//! Plan scenarios over the JSON API (`/api/scenarios…`): list, create, compare, get, update, delete, run again,
//! move a compound, approve a year's batch.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};

use crate::db::scenarios;
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Route, route, route1};
use crate::web::error;
use crate::web::json::{created, expected_version, json_body, respond};
use crate::web::query::{Query, query};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let body = warp::body::content_length_limit(s.settings.max_body_bytes).and(warp::body::bytes());
    let if_match = warp::header::optional::<String>("if-match");
    route(s, Route::ListScenarios)
        .then(list)
        .or(route(s, Route::CreateScenario).and(body).then(create))
        .unify()
        .or(route(s, Route::CompareScenarios).and(query()).then(compare))
        .unify()
        .or(route1(s, Route::GetScenario).then(get))
        .unify()
        .or(route1(s, Route::UpdateScenario)
            .and(if_match)
            .and(body)
            .then(update))
        .unify()
        .or(route1(s, Route::DeleteScenario).and(if_match).then(delete))
        .unify()
        .or(route1(s, Route::RunScenario).then(run))
        .unify()
        .or(route1(s, Route::MoveCompound)
            .and(if_match)
            .and(body)
            .then(move_compound))
        .unify()
        .or(route1(s, Route::ApproveBatch)
            .and(if_match)
            .and(body)
            .then(approve))
        .unify()
        .boxed()
}

async fn list(_: Ctx, s: AppState) -> Response {
    respond(
        scenarios::list(&s.db)
            .await
            .map(|items| json!({"items": items})),
    )
}

async fn create(ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        let input = scenarios::Input::parse(&json_body(&body)?)?;
        scenarios::create(&s.db, &ctx.actor()?, &input).await
    };
    created(result.await)
}

async fn compare(_: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let ids = compare_query(&q)?;
        scenarios::compare(&s.db, &ids).await
    };
    respond(result.await)
}

async fn get(id: i32, _: Ctx, s: AppState) -> Response {
    respond(scenarios::get(&s.db, id).await)
}

async fn update(id: i32, ctx: Ctx, s: AppState, if_match: Option<String>, body: Bytes) -> Response {
    let result = async {
        let version = expected_version(if_match.as_deref())?;
        let input = scenarios::Input::parse(&json_body(&body)?)?;
        scenarios::update(&s.db, &ctx.actor()?, id, version, &input).await
    };
    respond(result.await)
}

async fn delete(id: i32, ctx: Ctx, s: AppState, if_match: Option<String>) -> Response {
    let result = async {
        let version = expected_version(if_match.as_deref())?;
        scenarios::delete(&s.db, &ctx.actor()?, id, version).await
    };
    match result.await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error::reply(&e),
    }
}

async fn run(id: i32, ctx: Ctx, s: AppState) -> Response {
    let result = async { scenarios::rerun(&s.db, &ctx.actor()?, id).await };
    respond(result.await)
}

async fn move_compound(
    id: i32,
    ctx: Ctx,
    s: AppState,
    if_match: Option<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let version = expected_version(if_match.as_deref())?;
        let mv = scenarios::Move::parse(&json_body(&body)?)?;
        scenarios::move_compound(&s.db, &ctx.actor()?, id, version, &mv).await
    };
    respond(result.await)
}

async fn approve(
    id: i32,
    ctx: Ctx,
    s: AppState,
    if_match: Option<String>,
    body: Bytes,
) -> Response {
    let result = async {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Approval {
            year: i32,
        }
        let version = expected_version(if_match.as_deref())?;
        let approval: Approval =
            crate::domain::deserialize(&json_body(&body)?).map_err(Error::Invalid)?;
        scenarios::approve(&s.db, &ctx.actor()?, id, version, approval.year).await
    };
    respond(result.await)
}

/// `?ids=1,2`: nothing else is understood.
pub fn compare_query(query: &[(String, String)]) -> Result<Vec<i32>> {
    if let Some((key, _)) = query.iter().find(|(k, _)| k != "ids") {
        return Err(Error::invalid(key.as_str(), "不认识的参数，可用的只有 ids"));
    }
    let ids: Vec<&str> = query.iter().map(|(_, v)| v.as_str()).collect();
    scenarios::compared_ids(Some(&ids.join(",")))
}
