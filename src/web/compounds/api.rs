//! The compounds over the JSON API (`/api/compounds…`), documented in `openapi.yaml`.

use bytes::Bytes;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, header};
use warp::reply::{Reply, Response};

use crate::db::{catalog, compounds};
use crate::domain::geometry::Crs;
use crate::domain::record::CompoundRecord;
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Route, route, route1};
use crate::web::json::{created, expected_version, json_body, respond};
use crate::web::list_query::parse_list_query;
use crate::web::query::{Query, query};
use crate::web::reply::stream_chunks;
use crate::web::state::AppState;
use crate::web::{cache, error};

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let body = warp::body::content_length_limit(s.settings.max_body_bytes).and(warp::body::bytes());
    let if_match = warp::header::optional::<String>("if-match");
    route(s, Route::ListCompounds)
        .and(query())
        .then(list)
        .or(route(s, Route::ExportCompounds).and(query()).then(export))
        .unify()
        .or(route(s, Route::CreateCompound).and(body).then(create))
        .unify()
        .or(route1(s, Route::GetCompound).then(get))
        .unify()
        .or(route1(s, Route::UpdateCompound)
            .and(if_match)
            .and(body)
            .then(update))
        .unify()
        .or(route1(s, Route::ArchiveCompound)
            .and(if_match)
            .then(archive))
        .unify()
        .boxed()
}

async fn list(ctx: Ctx, s: AppState, q: Query) -> Response {
    match cached_list(&s, &ctx, q).await {
        Ok(body) => {
            let mut response = Response::new(body.into());
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(e) => error::reply(&e),
    }
}

async fn export(_: Ctx, s: AppState, q: Query) -> Response {
    export_stream(s, q).unwrap_or_else(|e| error::reply(&e))
}

async fn create(ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        let record = parse_record(&s, &body).await?;
        compounds::create(&s.db, &ctx.actor()?, &record).await
    };
    created(result.await)
}

async fn get(code: String, _: Ctx, s: AppState) -> Response {
    respond(compounds::get(&s.db, &code).await)
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
        let record = parse_record(&s, &body).await?;
        compounds::update(&s.db, &ctx.actor()?, &code, version, &record).await
    };
    respond(result.await)
}

async fn archive(code: String, ctx: Ctx, s: AppState, if_match: Option<String>) -> Response {
    let result = async {
        let version = expected_version(if_match.as_deref())?;
        compounds::archive(&s.db, &ctx.actor()?, &code, version).await
    };
    respond(result.await)
}

/// Parses an API body: the compound's attributes with its `geometry` (WGS-84) beside them.
async fn parse_record(state: &AppState, body: &Bytes) -> Result<CompoundRecord> {
    let value = json_body(body)?;
    if !value.is_object() {
        return Err(Error::invalid("body", "须为 JSON 对象"));
    }
    let catalog = catalog::load(&state.db).await?;
    // Checking a boundary costs up to tens of milliseconds at the vertex limit: off the request threads.
    tokio::task::spawn_blocking(move || {
        CompoundRecord::parse(&value, value.get("geometry"), Crs::Wgs84, &catalog)
            .map_err(Error::Invalid)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
}

/// The list is the hottest route: its answer is kept per query and reused while the catalog's
/// revision (read with the others by the access filter, in the request's one query) is unchanged.
async fn cached_list(state: &AppState, ctx: &Ctx, pairs: Vec<(String, String)>) -> Result<Bytes> {
    let query = parse_list_query(&pairs)?;
    let key = cache::key(&pairs);
    let revision = ctx.revisions.compounds;
    if let Some(body) = state.list_cache.get(&key, revision) {
        return Ok(body);
    }
    let page = compounds::list(&state.db, &query).await?;
    let body = Bytes::from(serde_json::to_vec(&page).map_err(|e| Error::Internal(e.into()))?);
    state.list_cache.put(key, revision, body.clone());
    Ok(body)
}

/// Streams the filtered catalog as an RFC 7946 FeatureCollection, a page of features at a time.
fn export_stream(state: AppState, query: Vec<(String, String)>) -> Result<Response> {
    let filter = parse_list_query(&query)?.filter;
    let chunks = stream_chunks(move |tx| async move {
        let header = Bytes::from_static(b"{\"type\":\"FeatureCollection\",\"features\":[\n");
        if tx.send(Ok(header)).await.is_err() {
            return;
        }
        let mut pages = compounds::FeaturePages::new(filter, compounds::EXPORT_PAGE);
        let mut first = true;
        let outcome: Result<()> = loop {
            let features = match pages.next(&state.db).await {
                Ok(Some(features)) => features,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            let mut chunk = String::with_capacity(features.iter().map(|f| f.len() + 2).sum());
            for feature in features {
                if !first {
                    chunk.push_str(",\n");
                }
                first = false;
                chunk.push_str(&feature);
            }
            if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return; // The client went away.
            }
        };
        let end = match outcome {
            Ok(()) => Ok(Bytes::from_static(b"\n]}\n")),
            Err(e) => {
                // The status is already sent: cut the body short so the client cannot mistake a
                // partial file for a whole one.
                tracing::error!(error = ?e, "GeoJSON export failed");
                Err(std::io::Error::other("export failed"))
            }
        };
        let _ = tx.send(end).await;
    });
    let mut response = warp::reply::stream(chunks).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    Ok(response)
}
