//! The catalog's reference data over the JSON API: the towns with their compound counts, the work items and
//! their classes, the policy in force.

use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::access::{Ctx, Route, route};
use super::json::respond;
use super::state::AppState;
use crate::db::{catalog, compounds};
use crate::error::Error;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::Towns)
        .then(towns)
        .or(route(s, Route::WorkItems).then(work_items))
        .unify()
        .or(route(s, Route::Policy).then(policy))
        .unify()
        .boxed()
}

async fn towns(_: Ctx, s: AppState) -> Response {
    respond(
        compounds::town_counts(&s.db)
            .await
            .map(|t| json!({"items": t})),
    )
}

async fn work_items(_: Ctx, s: AppState) -> Response {
    let result = catalog::load(&s.db).await.map_err(Error::from);
    respond(result.map(|c| json!({"classes": c.classes, "items": c.items})))
}

async fn policy(_: Ctx, s: AppState) -> Response {
    let result = catalog::load_policy(&s.db).await.map_err(Error::from);
    respond(result.and_then(|p| p.ok_or_else(|| Error::NotFound("尚未载入政策参数".into()))))
}
