//! Projects over the API: the bureau assigns contractor, amount and dates; a contractor sees its own projects.

use bytes::Bytes;
use serde_json::json;
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::access::{Ctx, Route, allow};
use super::json::{expected_version, json_body, respond};
use super::query::year_query;
use super::state::{AppState, with_state};
use crate::db::projects;

pub fn api_routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let s = &state;
    let body =
        warp::body::content_length_limit(state.settings.max_body_bytes).and(warp::body::bytes());
    let query = warp::query::<Vec<(String, String)>>();

    let list = warp::path!("api" / "projects")
        .and(warp::get())
        .and(allow(s, Route::ListProjects))
        .and(with_state(s))
        .and(query)
        .then(
            |ctx: Ctx, s: AppState, q: Vec<(String, String)>| async move {
                let result = async {
                    let year = year_query(&q)?;
                    let items = projects::list(&s.db, year, ctx.own_contractor()?).await?;
                    Ok(json!({ "items": items }))
                };
                respond(result.await)
            },
        );
    let get = warp::path!("api" / "projects" / String)
        .and(warp::get())
        .and(allow(s, Route::GetProject))
        .and(with_state(s))
        .then(|code: String, ctx: Ctx, s: AppState| async move {
            let result = async { projects::get(&s.db, &code, ctx.own_contractor()?).await };
            respond(result.await)
        });
    let update = warp::path!("api" / "projects" / String)
        .and(warp::put())
        .and(allow(s, Route::UpdateProject))
        .and(with_state(s))
        .and(warp::header::optional::<String>("if-match"))
        .and(body)
        .then(
            |code: String, ctx: Ctx, s: AppState, v: Option<String>, b: Bytes| async move {
                let result = async {
                    let version = expected_version(v.as_deref())?;
                    crate::db::assignments::update(
                        &s.db,
                        &ctx.actor()?,
                        &code,
                        version,
                        &json_body(&b)?,
                    )
                    .await
                };
                respond(result.await)
            },
        );
    list.or(get).unify().or(update).unify()
}
