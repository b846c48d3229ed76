//! The service's own routes: the health check, the API's description and the stylesheet.

use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{StatusCode, header};
use warp::reply::{Reply, Response};

use super::access::{Ctx, Route, route};
use super::state::AppState;
use super::templates::CSS;

pub const OPENAPI: &str = include_str!("../../openapi.yaml");

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::Healthz)
        .then(healthz)
        .or(route(s, Route::OpenApi).map(openapi))
        .unify()
        .or(route(s, Route::Stylesheet).map(stylesheet))
        .unify()
        .boxed()
}

/// 200 while the database answers, 503 when it does not (load balancers take the instance out).
async fn healthz(_: Ctx, state: AppState) -> Response {
    let ok = state.db.ping().await.is_ok();
    let (status, body) = if ok {
        (StatusCode::OK, json!({"status": "ok"}))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "database unreachable"}),
        )
    };
    warp::reply::with_status(warp::reply::json(&body), status).into_response()
}

fn openapi(_: Ctx, _: AppState) -> Response {
    warp::reply::with_header(OPENAPI, header::CONTENT_TYPE, "application/yaml").into_response()
}

fn stylesheet(_: Ctx, _: AppState) -> Response {
    let reply = warp::reply::with_header(CSS, header::CONTENT_TYPE, "text/css; charset=utf-8");
    warp::reply::with_header(reply, header::CACHE_CONTROL, "public, max-age=3600").into_response()
}
