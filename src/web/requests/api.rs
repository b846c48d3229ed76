//! Requests over the API: the bureau lists them (mobile numbers masked) and triages them. Residents use the
//! compound's public page, not this.

use bytes::Bytes;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::bureau_pages::filter_query;
use crate::db::requests;
use crate::domain::request::Triage;
use crate::error::Error;
use crate::web::access::{Ctx, Route, route, route1};
use crate::web::json::{json_body, respond};
use crate::web::query::{Query, query};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let body = warp::body::content_length_limit(s.settings.max_body_bytes).and(warp::body::bytes());
    route(s, Route::ListRequests)
        .and(query())
        .then(list)
        .or(route1(s, Route::TriageRequest).and(body).then(triage))
        .unify()
        .boxed()
}

async fn list(_: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let filter = filter_query(&q)?;
        let (items, counts) = requests::list(&s.db, &filter).await?;
        Ok(json!({ "items": items, "counts": counts, "limit": requests::LIST_LIMIT }))
    };
    respond(result.await)
}

async fn triage(id: i32, ctx: Ctx, s: AppState, b: Bytes) -> Response {
    let result = async {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Input {
            decision: String,
            #[serde(default)]
            item: String,
            #[serde(default)]
            into: Option<i32>,
            #[serde(default)]
            department: String,
            #[serde(default)]
            answer: String,
            #[serde(default)]
            version: Option<i32>,
        }
        let input: Input = crate::domain::deserialize(&json_body(&b)?).map_err(Error::Invalid)?;
        let into = input.into.map(|n| n.to_string()).unwrap_or_default();
        let triage = Triage::parse(|name| match name {
            "decision" => input.decision.as_str(),
            "item" => input.item.as_str(),
            "into" => into.as_str(),
            "department" => input.department.as_str(),
            "answer" => input.answer.as_str(),
            _ => "",
        })
        .map_err(Error::Invalid)?;
        requests::triage(&s.db, &ctx.actor()?, id, &triage, input.version, Utc::now()).await
    };
    respond(result.await)
}
