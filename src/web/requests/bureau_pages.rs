//! The bureau's requests page: every request (newest first, filtered by compound and status), each with its
//! triage form.

use chrono::Utc;
use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::requests::{self, Filter as RequestFilter};
use crate::domain::request::{Status, Triage};
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Form, Route, post_form1, route, route1};
use crate::web::html::{Kept, Rendered, page, refuse};
use crate::web::query::{Query, query};
use crate::web::reply::{Pdf, pdf_reply, see_other};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::RequestsPage)
        .and(query())
        .then(list)
        .or(post_form1(s, Route::TriagePage).then(triage))
        .unify()
        .or(route1(s, Route::CompoundPoster)
            .and(query())
            .and(warp::header::optional::<String>("if-none-match"))
            .then(poster))
        .unify()
        .boxed()
}

/// `compound` and `status` of the page's and the API's query; anything else is refused.
pub fn filter_query(query: &[(String, String)]) -> Result<RequestFilter> {
    let mut filter = RequestFilter::default();
    for (key, value) in query {
        let value = value.trim();
        match key.as_str() {
            "compound" if value.is_empty() => {}
            "compound" => filter.compound = Some(value.to_owned()),
            "status" if value.is_empty() => {}
            "status" => {
                filter.status = Some(Status::parse(value).ok_or_else(|| {
                    Error::invalid(
                        "status",
                        "请从列表中选择处理情况（待处理、已受理、已合并、不属改造范围）",
                    )
                })?);
            }
            _ => return Err(Error::invalid(key, "网址中有不认识的参数")),
        }
    }
    Ok(filter)
}

async fn list(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, requests_page(&s, &ctx, &q).await)
}

async fn requests_page(state: &AppState, ctx: &Ctx, query: &[(String, String)]) -> Rendered {
    let filter = filter_query(query)?;
    let (items, counts) = requests::list(&state.db, &filter).await?;
    let compound = match &filter.compound {
        Some(code) => Some(crate::db::compounds::find(&state.db, code).await?),
        None => None,
    };
    let catalog = crate::db::catalog::load(&state.db).await?;
    let can_plan = ctx
        .user()
        .is_ok_and(|p| Route::TriageRequest.rule().admits(p.role));
    Ok((
        "requests.html",
        json!({
            "title": "居民诉求", "nav": "requests", "items": items, "counts": counts,
            "limit": requests::LIST_LIMIT,
            "compound": compound.map(|c| json!({"code": c.code, "name": c.name})),
            "status": filter.status,
            "statuses": Status::ALL.iter().map(|s| json!({"code": s.code(), "label": s.label()})).collect::<Vec<_>>(),
            "offered": requests::offered(&catalog),
            "can_plan": can_plan,
            "back": back_query(query),
        }),
    ))
}

/// The page's own query, for coming back to the same list after a triage.
fn back_query(query: &[(String, String)]) -> String {
    serde_urlencoded::to_string(query).unwrap_or_default()
}

async fn triage(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let triage = Triage::parse(|k| f.text(k)).map_err(Error::Invalid)?;
        requests::triage(
            &s.db,
            &ctx.actor()?,
            id,
            &triage,
            Some(f.version()?),
            Utc::now(),
        )
        .await
    };
    // The form says which list it was on, to come back to it.
    let back: Vec<(String, String)> =
        serde_urlencoded::from_str(f.text("back")).unwrap_or_default();
    match result.await {
        Ok(_) => {
            let query = back_query(&back);
            let sep = if query.is_empty() { "" } else { "?" };
            see_other(&format!("/bureau/requests{sep}{query}#request-{id}"))
        }
        Err(e) => {
            let kept = Kept::new(format!("triage-{id}"), &f).of("resident_request", id.to_string());
            refuse(&s, &ctx, e, kept, requests_page(&s, &ctx, &back)).await
        }
    }
}

/// The poster for the compound's gate, its QR code leading to the residents' page (样张 while the service has no
/// public address).
async fn poster(code: String, ctx: Ctx, s: AppState, q: Query, inm: Option<String>) -> Response {
    let result = async {
        let mut download = false;
        for (key, value) in q.iter() {
            match (key.as_str(), value.as_str()) {
                ("download", "1") => download = true,
                _ => return Err(Error::invalid(key, "网址中有不认识的参数")),
            }
        }
        let site = crate::db::site::load(&s.db, &s.settings).await?;
        let today = crate::domain::time::beijing_date(Utc::now());
        let doc = requests::poster(&s.db, &code, &site.public_base(&s.settings), today).await?;
        let name = requests::poster_file_name(&code, &doc.compound);
        let paper = jiugai_document::Paper {
            specimen: site.specimen(),
        };
        let bytes =
            tokio::task::spawn_blocking(move || jiugai_document::render_poster_on(&doc, paper))
                .await
                .map_err(|e| Error::Internal(e.into()))?
                .map_err(|e| {
                    Error::Internal(anyhow::anyhow!("rendering the poster of {code}: {e:?}"))
                })?;
        let pdf = Pdf::new(bytes);
        Ok(pdf_reply(
            &pdf,
            &name,
            &format!("poster-{code}.pdf"),
            download,
            inm.as_deref(),
        ))
    };
    match result.await {
        Ok(response) => response,
        Err(e) => page(&s, &ctx, Err(e)),
    }
}
