//! A notice's paper (its PDF), for the bureau over the API and for residents from the public page.

use chrono::Utc;
use warp::reply::Response;

use crate::db::notices;
use crate::db::revisions::Revisions;
use crate::error::{Error, Result};
use crate::web::reply::{Pdf, pdf_reply};
use crate::web::state::AppState;

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
    let mut response = pdf_reply(&pdf, &name, &ascii, download, if_none_match);
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
    let site = crate::db::site::load(&state.db, &state.settings).await?;
    let url = notices::page_url(&site.public_base(&state.settings), id);
    let paper = jiugai_document::Paper {
        specimen: site.specimen(),
    };
    let doc = notices::document(&state.db, id, public, url).await?;
    let bytes = tokio::task::spawn_blocking(move || jiugai_document::render_notice_on(&doc, paper))
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("rendering notice {id}: {e:?}")))?;
    Ok((notices::file_name(&view), Pdf::new(bytes)))
}

/// A published notice's paper as residents download it: the same bytes until a notice or the catalog changes
/// (its compounds' names come from there), so it is rendered once and kept.
async fn public_pdf(state: &AppState, id: i32, revisions: &Revisions) -> Result<(String, Pdf)> {
    // The public address may be set on the first-start page after a specimen was kept: the address is part of
    // the key.
    let site = crate::db::site::load(&state.db, &state.settings).await?;
    let key = format!(
        "{id}@{}@{}",
        revisions.compounds,
        site.public_base(&state.settings)
    );
    if let Some(kept) = state.notice_pdfs.get(&key, revisions.notices) {
        return Ok(kept);
    }
    let made = render_pdf(state, id, true).await?;
    state.notice_pdfs.put(key, revisions.notices, made.clone());
    Ok(made)
}
