//! The JSON API (`/api/…`), documented in `openapi.yaml`.

use std::collections::HashMap;
use std::convert::Infallible;

use bytes::Bytes;
use serde_json::{Value, json};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};
use warp::{Filter, Rejection};

use super::access::{Ctx, Route, allow};
use super::json::{expected_version, json_body, respond, with_etag};
use super::state::{AppState, with_state};
use super::{cache, error};
use crate::db::compounds::{Filter as CompoundFilter, ListQuery, SortKey};
use crate::db::{catalog, compounds};
use crate::domain::FieldErrors;
use crate::domain::compound::Status;
use crate::domain::geometry::Crs;
use crate::domain::record::CompoundRecord;
use crate::error::{Error, Result};

pub const MAX_PER_PAGE: u64 = 500;
const DEFAULT_PER_PAGE: u64 = 50;

pub fn routes(state: AppState) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let query = warp::query::<Vec<(String, String)>>();
    let body =
        warp::body::content_length_limit(state.settings.max_body_bytes).and(warp::body::bytes());
    let if_match = warp::header::optional::<String>("if-match");
    let s = &state;

    let list = warp::path!("api" / "compounds")
        .and(warp::get())
        .and(allow(s, Route::ListCompounds))
        .and(with_state(s))
        .and(query)
        .then(|ctx: Ctx, s: AppState, q| async move {
            match list(&s, &ctx, q).await {
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
        });
    let geojson =
        warp::path!("api" / "compounds.geojson")
            .and(warp::get())
            .and(allow(s, Route::ExportCompounds))
            .and(with_state(s))
            .and(query)
            .then(|_: Ctx, s: AppState, q| async move {
                export(s, q).unwrap_or_else(|e| error::reply(&e))
            });
    let create = warp::path!("api" / "compounds")
        .and(warp::post())
        .and(allow(s, Route::CreateCompound))
        .and(with_state(s))
        .and(body)
        .then(|ctx: Ctx, s: AppState, b| async move {
            match create(&s, &ctx, b).await {
                Ok(v) => with_etag(
                    warp::reply::with_status(warp::reply::json(&v), StatusCode::CREATED)
                        .into_response(),
                    &v,
                ),
                Err(e) => error::reply(&e),
            }
        });
    let get = warp::path!("api" / "compounds" / String)
        .and(warp::get())
        .and(allow(s, Route::GetCompound))
        .and(with_state(s))
        .then(|code: String, _: Ctx, s: AppState| async move {
            respond(compounds::get(&s.db, &code).await)
        });
    let update = warp::path!("api" / "compounds" / String)
        .and(warp::put())
        .and(allow(s, Route::UpdateCompound))
        .and(with_state(s))
        .and(if_match)
        .and(body)
        .then(|code: String, ctx: Ctx, s: AppState, v, b| async move {
            respond(update(&s, &ctx, &code, v, b).await)
        });
    let archive = warp::path!("api" / "compounds" / String / "archive")
        .and(warp::post())
        .and(allow(s, Route::ArchiveCompound))
        .and(with_state(s))
        .and(if_match)
        .then(
            |code: String, ctx: Ctx, s: AppState, v: Option<String>| async move {
                let result = async {
                    let version = expected_version(v.as_deref())?;
                    compounds::archive(&s.db, &ctx.actor()?, &code, version).await
                };
                respond(result.await)
            },
        );
    let towns = warp::path!("api" / "towns")
        .and(warp::get())
        .and(allow(s, Route::Towns))
        .and(with_state(s))
        .then(|_: Ctx, s: AppState| async move {
            respond(
                compounds::town_counts(&s.db)
                    .await
                    .map(|t| json!({"items": t})),
            )
        });
    let work_items = warp::path!("api" / "work-items")
        .and(warp::get())
        .and(allow(s, Route::WorkItems))
        .and(with_state(s))
        .then(|_: Ctx, s: AppState| async move {
            let result = catalog::load(&s.db).await.map_err(Error::from);
            respond(result.map(|c| json!({"classes": c.classes, "items": c.items})))
        });
    let policy = warp::path!("api" / "policy")
        .and(warp::get())
        .and(allow(s, Route::Policy))
        .and(with_state(s))
        .then(|_: Ctx, s: AppState| async move {
            let result = catalog::load_policy(&s.db).await.map_err(Error::from);
            respond(
                result.and_then(|p| p.ok_or_else(|| Error::NotFound("no policy loaded".into()))),
            )
        });
    list.or(geojson)
        .unify()
        .or(create)
        .unify()
        .or(get)
        .unify()
        .or(update)
        .unify()
        .or(archive)
        .unify()
        .or(towns)
        .unify()
        .or(work_items)
        .unify()
        .or(policy)
        .unify()
}

/// Parses an API body: the compound's attributes with its `geometry` (WGS-84) beside them.
async fn parse_record(state: &AppState, body: &Bytes) -> Result<CompoundRecord> {
    let value = json_body(body)?;
    if !value.is_object() {
        return Err(Error::invalid("body", "must be a JSON object"));
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

async fn create(state: &AppState, ctx: &Ctx, body: Bytes) -> Result<Value> {
    let record = parse_record(state, &body).await?;
    compounds::create(&state.db, &ctx.actor()?, &record).await
}

async fn update(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    if_match: Option<String>,
    body: Bytes,
) -> Result<Value> {
    let version = expected_version(if_match.as_deref())?;
    let record = parse_record(state, &body).await?;
    compounds::update(&state.db, &ctx.actor()?, code, version, &record).await
}

/// The list is the hottest route: its answer is kept per query and reused while the catalog's
/// revision (read with the others by the access filter, in the request's one query) is unchanged.
async fn list(state: &AppState, ctx: &Ctx, pairs: Vec<(String, String)>) -> Result<Bytes> {
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
fn export(state: AppState, query: Vec<(String, String)>) -> Result<Response> {
    let filter = parse_list_query(&query)?.filter;
    let chunks = super::reply::stream_chunks(move |tx| async move {
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

/// Parses the list's query string: filters, sort and pagination. Unknown parameters are refused, so
/// that a misspelt filter is not silently ignored.
pub fn parse_list_query(pairs: &[(String, String)]) -> Result<ListQuery> {
    let mut errors = FieldErrors::default();
    let mut params: HashMap<&str, &str> = HashMap::new();
    for (key, value) in pairs {
        if params.insert(key.as_str(), value.as_str()).is_some() {
            errors.add(key.as_str(), "given more than once");
        }
    }
    let text = |key: &str| {
        params
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut number = |key: &str, min: i64, max: i64| -> Option<i64> {
        let raw = params
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())?;
        match raw.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                errors.add(key, format!("must be a whole number from {min} to {max}"));
                None
            }
        }
    };
    let built_from = number("built_from", 1800, 2200).map(|n| n as i32);
    let built_to = number("built_to", 1800, 2200).map(|n| n as i32);
    let page = number("page", 1, 1_000_000).unwrap_or(1) as u64;
    let per_page =
        number("per_page", 1, MAX_PER_PAGE as i64).unwrap_or(DEFAULT_PER_PAGE as i64) as u64;
    if let (Some(from), Some(to)) = (built_from, built_to)
        && from > to
    {
        errors.add("built_to", "must not be earlier than built_from");
    }
    let status = text("status");
    if let Some(Err(e)) = status.as_deref().map(Status::parse) {
        errors.add("status", e);
    }
    let (sort, descending) = match text("sort") {
        None => (SortKey::Code, false),
        Some(s) => {
            let (name, descending) = match s.strip_prefix('-') {
                Some(name) => (name.to_owned(), true),
                None => (s.clone(), false),
            };
            match SortKey::parse(&name) {
                Some(key) => (key, descending),
                None => {
                    errors.add(
                        "sort",
                        format!(
                            "must be one of {} (prefix - for descending)",
                            SortKey::NAMES.join(", ")
                        ),
                    );
                    (SortKey::Code, false)
                }
            }
        }
    };
    let include_archived = match params.get("include_archived").copied() {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => {
            errors.add("include_archived", "must be true or false");
            false
        }
    };
    const KNOWN: [&str; 12] = [
        "town",
        "community",
        "category",
        "status",
        "built_from",
        "built_to",
        "q",
        "include_archived",
        "sort",
        "page",
        "per_page",
        "crs",
    ];
    for key in params.keys().filter(|k| !KNOWN.contains(k)) {
        errors.add(
            *key,
            format!("unknown parameter; known ones are {}", KNOWN.join(", ")),
        );
    }
    if text("q").is_some_and(|q| q.chars().count() > 100) {
        errors.add("q", "must be at most 100 characters");
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(ListQuery {
        filter: CompoundFilter {
            town: text("town"),
            community: text("community"),
            category: text("category"),
            status,
            built_from,
            built_to,
            q: text("q"),
            include_archived,
        },
        sort,
        descending,
        page,
        per_page,
    })
}

pub async fn healthz(_: Ctx, state: AppState) -> Result<Response, Infallible> {
    let ok = state.db.ping().await.is_ok();
    let (status, body) = if ok {
        (StatusCode::OK, json!({"status": "ok"}))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "database unreachable"}),
        )
    };
    Ok(warp::reply::with_status(warp::reply::json(&body), status).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<ListQuery> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_list_query(&owned)
    }

    #[test]
    fn defaults_are_the_first_page_by_code() {
        let query = q(&[]).unwrap();
        assert_eq!(
            (query.page, query.per_page, query.sort, query.descending),
            (1, 50, SortKey::Code, false)
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let Err(Error::Invalid(errors)) = q(&[
            ("per_page", "0"),
            ("page", "x"),
            ("built_from", "2000"),
            ("built_to", "1990"),
            ("sort", "colour"),
            ("status", "demolished"),
            ("twon", "511421001"),
        ]) else {
            panic!("expected field errors");
        };
        for field in ["per_page", "page", "built_to", "sort", "status", "twon"] {
            assert!(errors.0.contains_key(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn a_minus_sorts_descending() {
        let query = q(&[("sort", "-households")]).unwrap();
        assert_eq!((query.sort, query.descending), (SortKey::Households, true));
    }

    #[test]
    fn if_match_takes_strong_and_bare_versions_and_never_a_weak_one() {
        assert_eq!(expected_version(Some("\"3\"")).unwrap(), 3);
        assert!(matches!(
            expected_version(Some("W/\"4\"")),
            Err(Error::PreconditionFailed(_))
        ));
        assert_eq!(expected_version(Some("5")).unwrap(), 5);
        assert!(matches!(
            expected_version(None),
            Err(Error::PreconditionRequired(_))
        ));
        assert!(matches!(
            expected_version(Some("abc")),
            Err(Error::Invalid(_))
        ));
    }
}
