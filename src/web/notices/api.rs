//! Notices over the API: the bureau drafts them from projects, edits drafts, publishes them (after which they
//! never change), reads the objections and answers them, and sees the figures. Residents use the pages
//! (`public_pages`), not this.

use bytes::Bytes;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};

use super::paper;
use super::params::{download_query, filter_query, reveal_query};
use crate::db::notices;
use crate::error::Error;
use crate::web::access::{Ctx, Route, route, route1};
use crate::web::error;
use crate::web::json::{created, expected_version, json_body, json_input, respond};
use crate::web::query::{Query, query, year_query};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let body = warp::body::content_length_limit(s.settings.max_body_bytes).and(warp::body::bytes());
    let if_match = warp::header::optional::<String>("if-match");
    let if_none_match = warp::header::optional::<String>("if-none-match");
    route(s, Route::ListNotices)
        .and(query())
        .then(list)
        .or(route(s, Route::CreateNotice).and(body).then(create))
        .unify()
        .or(route(s, Route::NoticeStats).and(query()).then(stats))
        .unify()
        .or(route1(s, Route::GetNotice).then(get))
        .unify()
        .or(route1(s, Route::UpdateNotice)
            .and(if_match)
            .and(body)
            .then(update))
        .unify()
        .or(route1(s, Route::DeleteNotice).and(if_match).then(delete))
        .unify()
        .or(route1(s, Route::PublishNotice).and(if_match).then(publish))
        .unify()
        .or(route1(s, Route::NoticePdf)
            .and(query())
            .and(if_none_match)
            .then(pdf))
        .unify()
        .or(route1(s, Route::ListObjections)
            .and(query())
            .then(objections))
        .unify()
        .or(route1(s, Route::AnswerObjection).and(body).then(answer))
        .unify()
        .boxed()
}

async fn list(_: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let filter = filter_query(&q, false)?;
        let items = notices::list(&s.db, &filter, Utc::now()).await?;
        Ok(json!({ "items": items }))
    };
    respond(result.await)
}

async fn create(ctx: Ctx, s: AppState, b: Bytes) -> Response {
    let result = async {
        notices::create(&s.db, &ctx.actor()?, &s.notice_templates, &json_input(&b)?).await
    };
    created(result.await)
}

async fn stats(_: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let year = year_query(&q)?;
        notices::stats(&s.db, year, Utc::now()).await
    };
    respond(result.await)
}

async fn get(id: i32, _: Ctx, s: AppState) -> Response {
    respond(notices::get(&s.db, id, false, Utc::now()).await)
}

async fn update(id: i32, ctx: Ctx, s: AppState, v: Option<String>, b: Bytes) -> Response {
    let result = async {
        let version = expected_version(v.as_deref())?;
        notices::update(&s.db, &ctx.actor()?, id, version, &json_input(&b)?).await
    };
    respond(result.await)
}

async fn delete(id: i32, ctx: Ctx, s: AppState, v: Option<String>) -> Response {
    let result = async {
        let version = expected_version(v.as_deref())?;
        notices::delete(&s.db, &ctx.actor()?, id, version).await
    };
    match result.await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error::reply(&e),
    }
}

async fn publish(id: i32, ctx: Ctx, s: AppState, v: Option<String>) -> Response {
    let result = async {
        let version = expected_version(v.as_deref())?;
        notices::publish(&s.db, &ctx.actor()?, &s.calendar, id, version).await
    };
    respond(result.await)
}

async fn pdf(id: i32, _: Ctx, s: AppState, q: Query, inm: Option<String>) -> Response {
    let result = async {
        let download = download_query(&q)?;
        paper::pdf(&s, id, None, download, inm.as_deref()).await
    };
    result.await.unwrap_or_else(|e| error::reply(&e))
}

async fn objections(id: i32, ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let actor = reveal_query(&q)?.then(|| ctx.actor()).transpose()?;
        Ok(json!({ "items": notices::inbox(&s.db, id, actor.as_ref()).await? }))
    };
    respond(result.await)
}

async fn answer(id: i32, ctx: Ctx, s: AppState, b: Bytes) -> Response {
    let result = async {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Answer {
            answer: String,
        }
        let input: Answer = crate::domain::deserialize(&json_body(&b)?).map_err(Error::Invalid)?;
        notices::answer(&s.db, &ctx.actor()?, id, &input.answer, Utc::now()).await
    };
    respond(result.await)
}
