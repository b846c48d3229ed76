//! Notices over the API: the bureau drafts them from projects, edits drafts, publishes them (after which they
//! never change), reads the objections and answers them, and sees the figures. Residents use the pages
//! (`notice_pages`), not this.

use bytes::Bytes;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};
use warp::{Filter, Rejection};

use super::access::{Ctx, Route, allow};
use super::error;
use super::json::{created, expected_version, json_body, respond};
use super::reply::Pdf;
use super::state::{AppState, with_state};
use crate::db::notices::{self, Filter as NoticeFilter};
use crate::db::revisions::Revisions;
use crate::domain::notice::NoticeKind;
use crate::error::{Error, Result};

pub fn api_routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let s = &state;
    let body =
        warp::body::content_length_limit(state.settings.max_body_bytes).and(warp::body::bytes());
    let query = warp::query::<Vec<(String, String)>>();
    let if_match = warp::header::optional::<String>("if-match");
    let if_none_match = warp::header::optional::<String>("if-none-match");

    let list = warp::path!("api" / "notices")
        .and(warp::get())
        .and(allow(s, Route::ListNotices))
        .and(with_state(s))
        .and(query)
        .then(|_: Ctx, s: AppState, q: Vec<(String, String)>| async move {
            let result = async {
                let filter = filter_query(&q, false)?;
                let items = notices::list(&s.db, &filter, Utc::now()).await?;
                Ok(json!({ "items": items }))
            };
            respond(result.await)
        });
    let create = warp::path!("api" / "notices")
        .and(warp::post())
        .and(allow(s, Route::CreateNotice))
        .and(with_state(s))
        .and(body)
        .then(|ctx: Ctx, s: AppState, b: Bytes| async move {
            let result = async {
                notices::create(&s.db, &ctx.actor()?, &s.notice_templates, &json_body(&b)?).await
            };
            created(result.await)
        });
    let stats = warp::path!("api" / "notices" / "stats")
        .and(warp::get())
        .and(allow(s, Route::NoticeStats))
        .and(with_state(s))
        .and(query)
        .then(|_: Ctx, s: AppState, q: Vec<(String, String)>| async move {
            let result = async {
                let year = super::query::year_query(&q)?;
                notices::stats(&s.db, year, Utc::now()).await
            };
            respond(result.await)
        });
    let get = warp::path!("api" / "notices" / i32)
        .and(warp::get())
        .and(allow(s, Route::GetNotice))
        .and(with_state(s))
        .then(|id: i32, _: Ctx, s: AppState| async move {
            respond(notices::get(&s.db, id, false, Utc::now()).await)
        });
    let update = warp::path!("api" / "notices" / i32)
        .and(warp::put())
        .and(allow(s, Route::UpdateNotice))
        .and(with_state(s))
        .and(if_match)
        .and(body)
        .then(
            |id: i32, ctx: Ctx, s: AppState, v: Option<String>, b: Bytes| async move {
                let result = async {
                    let version = expected_version(v.as_deref())?;
                    notices::update(&s.db, &ctx.actor()?, id, version, &json_body(&b)?).await
                };
                respond(result.await)
            },
        );
    let delete = warp::path!("api" / "notices" / i32)
        .and(warp::delete())
        .and(allow(s, Route::DeleteNotice))
        .and(with_state(s))
        .and(if_match)
        .then(
            |id: i32, ctx: Ctx, s: AppState, v: Option<String>| async move {
                let result = async {
                    let version = expected_version(v.as_deref())?;
                    notices::delete(&s.db, &ctx.actor()?, id, version).await
                };
                match result.await {
                    Ok(()) => StatusCode::NO_CONTENT.into_response(),
                    Err(e) => error::reply(&e),
                }
            },
        );
    let publish = warp::path!("api" / "notices" / i32 / "publish")
        .and(warp::post())
        .and(allow(s, Route::PublishNotice))
        .and(with_state(s))
        .and(if_match)
        .then(
            |id: i32, ctx: Ctx, s: AppState, v: Option<String>| async move {
                let result = async {
                    let version = expected_version(v.as_deref())?;
                    notices::publish(&s.db, &ctx.actor()?, &s.calendar, id, version).await
                };
                respond(result.await)
            },
        );
    let pdf = warp::path!("api" / "notices" / i32 / "pdf")
        .and(warp::get())
        .and(allow(s, Route::NoticePdf))
        .and(with_state(s))
        .and(query)
        .and(if_none_match)
        .then(
            |id: i32, _: Ctx, s: AppState, q: Vec<(String, String)>, inm: Option<String>| async move {
                let result = async {
                    let download = download_query(&q)?;
                    pdf(&s, id, None, download, inm.as_deref()).await
                };
                result.await.unwrap_or_else(|e| error::reply(&e))
            },
        );
    let objections = warp::path!("api" / "notices" / i32 / "objections")
        .and(warp::get())
        .and(allow(s, Route::ListObjections))
        .and(with_state(s))
        .and(query)
        .then(
            |id: i32, ctx: Ctx, s: AppState, q: Vec<(String, String)>| async move {
                let result = async {
                    let actor = reveal_query(&q)?.then(|| ctx.actor()).transpose()?;
                    Ok(json!({ "items": notices::inbox(&s.db, id, actor.as_ref()).await? }))
                };
                respond(result.await)
            },
        );
    let answer = warp::path!("api" / "objections" / i32 / "answer")
        .and(warp::post())
        .and(allow(s, Route::AnswerObjection))
        .and(with_state(s))
        .and(body)
        .then(|id: i32, ctx: Ctx, s: AppState, b: Bytes| async move {
            let result = async {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Answer {
                    answer: String,
                }
                let input: Answer =
                    crate::domain::deserialize(&json_body(&b)?).map_err(Error::Invalid)?;
                notices::answer(&s.db, &ctx.actor()?, id, &input.answer, Utc::now()).await
            };
            respond(result.await)
        });
    let satisfaction = warp::path!("api" / "satisfaction")
        .and(warp::get())
        .and(allow(s, Route::SatisfactionStats))
        .and(with_state(s))
        .and(query)
        .then(|_: Ctx, s: AppState, q: Vec<(String, String)>| async move {
            let result = async {
                let year = super::query::year_query(&q)?;
                Ok(json!({ "items": notices::satisfaction(&s.db, year).await? }))
            };
            respond(result.await)
        });
    list.or(create)
        .unify()
        .or(stats)
        .unify()
        .or(get)
        .unify()
        .or(update)
        .unify()
        .or(delete)
        .unify()
        .or(publish)
        .unify()
        .or(pdf)
        .unify()
        .or(objections)
        .unify()
        .or(answer)
        .unify()
        .or(satisfaction)
        .unify()
}

/// `?year=&kind=&status=&town=&q=` (the public list takes only `town` and `q`).
pub fn filter_query(query: &[(String, String)], public: bool) -> Result<NoticeFilter> {
    let mut filter = NoticeFilter {
        public,
        ..NoticeFilter::default()
    };
    let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    for (key, value) in query {
        match key.as_str() {
            "town" => filter.town = text(value),
            "q" => filter.q = text(value).map(|q| q.chars().take(50).collect()),
            "year" if !public && !value.trim().is_empty() => {
                filter.year = super::query::year_query(&[(key.clone(), value.clone())])?;
            }
            "kind" if !public && !value.trim().is_empty() => {
                filter.kind =
                    Some(NoticeKind::parse(value.trim()).map_err(|e| Error::invalid("kind", e))?);
            }
            "status" if !public && !value.trim().is_empty() => {
                let status = value.trim();
                if !matches!(status, "draft" | "published" | "closed") {
                    return Err(Error::invalid(
                        "status",
                        "must be draft, published or closed",
                    ));
                }
                filter.status = Some(status.to_owned());
            }
            "year" | "kind" | "status" if !public => {}
            other => {
                return Err(Error::invalid(
                    other,
                    if public {
                        "unknown parameter; the known ones are town, q and page"
                    } else {
                        "unknown parameter; the known ones are year, kind, status, town and q"
                    },
                ));
            }
        }
    }
    Ok(filter)
}

/// `?download=1` saves the file rather than showing it.
/// `?reveal=mobile`: show residents' mobile numbers in full (the read is audited); without it they are masked.
pub fn reveal_query(query: &[(String, String)]) -> Result<bool> {
    let mut reveal = false;
    for (key, value) in query {
        match (key.as_str(), value.as_str()) {
            ("reveal", "mobile") => reveal = true,
            ("reveal", _) => return Err(Error::invalid("reveal", "the only value is mobile")),
            _ => {
                return Err(Error::invalid(
                    key,
                    "unknown parameter; the known one is reveal",
                ));
            }
        }
    }
    Ok(reveal)
}

pub fn download_query(query: &[(String, String)]) -> Result<bool> {
    let mut download = false;
    for (key, value) in query {
        match key.as_str() {
            "download" => download = matches!(value.as_str(), "1" | "true" | "yes"),
            other => {
                return Err(Error::invalid(
                    other,
                    "unknown parameter; the known one is download",
                ));
            }
        }
    }
    Ok(download)
}

/// A notice's paper, rendered off the executor, its QR code pointing at the public page. The public sees
/// published notices only.
pub async fn pdf(
    state: &AppState,
    id: i32,
    public: Option<&Revisions>,
    download: bool,
    if_none_match: Option<&str>,
) -> Result<Response> {
    let (name, pdf) = match public {
        Some(revisions) => public_pdf(state, id, revisions).await?,
        None => render_pdf(state, id, false).await?,
    };
    let ascii = format!("notice-{id}.pdf");
    let mut response = super::reply::pdf_reply(&pdf, &name, &ascii, download, if_none_match);
    if public.is_some() {
        // A published notice never changes: shared caches may keep it, and revalidate by its ETag.
        response.headers_mut().insert(
            warp::http::header::CACHE_CONTROL,
            warp::http::HeaderValue::from_static("public, max-age=300"),
        );
    }
    Ok(response)
}

/// A notice's paper and its file name.
async fn render_pdf(state: &AppState, id: i32, public: bool) -> Result<(String, Pdf)> {
    let view = notices::get(&state.db, id, public, Utc::now()).await?;
    let url = notices::page_url(&state.settings.public_base(), id);
    let doc = notices::document(&state.db, id, public, url).await?;
    let bytes = tokio::task::spawn_blocking(move || jiugai_document::render_notice(&doc))
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("rendering notice {id}: {e:?}")))?;
    Ok((notices::file_name(&view), Pdf::new(bytes)))
}

/// A published notice's paper as residents download it: the same bytes until a notice or the catalog changes
/// (its compounds' names come from there), so it is rendered once and kept.
async fn public_pdf(state: &AppState, id: i32, revisions: &Revisions) -> Result<(String, Pdf)> {
    let key = format!("{id}@{}", revisions.compounds);
    if let Some(kept) = state.notice_pdfs.get(&key, revisions.notices) {
        return Ok(kept);
    }
    let made = render_pdf(state, id, true).await?;
    state.notice_pdfs.put(key, revisions.notices, made.clone());
    Ok(made)
}
