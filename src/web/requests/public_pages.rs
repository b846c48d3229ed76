//! A compound's page for its residents (no sign-in, phone-sized, no scripts), reached by the QR code on the
//! poster at its gate: what its residents asked for and what became of each request, and the form to ask.
//! Nothing on it names who asked: no name, no building, no mobile number.

use chrono::Utc;
use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, header};
use warp::reply::Response;

use crate::db::notices::Received;
use crate::db::requests;
use crate::domain::compound::Status as CompoundStatus;
use crate::domain::request::{self as rules, RequestForm, ResidentRequest};
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Form, Route, post_form1, route1};
use crate::web::html::{Kept, Rendered, page, refuse};
use crate::web::query::{Query, query};
use crate::web::reply::see_other;
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route1(s, Route::PublicCompound)
        .and(query())
        .then(one)
        .or(post_form1(s, Route::SubmitRequest).then(submit))
        .unify()
        .boxed()
}

async fn one(code: String, ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let mut sent = false;
        for (key, value) in q.iter() {
            match (key.as_str(), value.as_str()) {
                ("sent", "request") => sent = true,
                _ => return Err(Error::invalid(key, "网址中有不认识的参数")),
            }
        }
        compound_page(&s, &code, sent).await
    };
    let mut response = page(&s, &ctx, result.await);
    // The form carries a one-time submission id: never from a cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn compound_page(state: &AppState, code: &str, sent: bool) -> Rendered {
    let c = requests::public_compound(&state.db, code).await?;
    let (shown, counts) = requests::public(&state.db, &c).await?;
    let catalog = crate::db::catalog::load(&state.db).await?;
    let lookup = crate::db::compounds::Lookup::load(&state.db).await?;
    let names = lookup.names(&c);
    let phone = crate::db::catalog::load_policy(&state.db)
        .await?
        .map(|p| p.notice_phone().to_owned())
        .unwrap_or_default();
    let status = CompoundStatus::parse(&c.status)
        .map(|s| s.label())
        .unwrap_or_default();
    Ok((
        "compound_public.html",
        json!({
            "title": c.name,
            "c": {
                "code": c.code, "name": c.name, "address": c.address, "town": names.town,
                "community": names.community, "status": c.status, "status_label": status,
                "households": c.households, "year_built": c.year_built,
            },
            "requests": shown, "counts": counts,
            "offered": requests::offered(&catalog),
            "phone": phone, "sent": sent,
            "max_text": rules::MAX_TEXT_CHARS,
            "submission": uuid::Uuid::new_v4().simple().to_string(),
        }),
    ))
}

/// The hidden field people never see and never fill: a form that fills it was filled by a program.
fn is_bot(form: &Form) -> bool {
    !form.text("website").trim().is_empty()
}

async fn submit(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let back = format!("/c/{code}?sent=request#request");
    if is_bot(&f) {
        tracing::info!(compound = %code, source = %ctx.source, "request form with the honeypot filled: dropped");
        return see_other(&back);
    }
    let result: Result<Received> = async {
        let request = ResidentRequest::parse(&RequestForm {
            item: f.text("item"),
            building_unit: f.text("building_unit"),
            mobile: f.text("mobile"),
            text: f.text("text"),
        })
        .map_err(Error::Invalid)?;
        requests::submit(
            &s.db,
            &code,
            &request,
            f.text("submission"),
            &ctx.source,
            Utc::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(Received::New | Received::Again) => see_other(&back),
        Err(e) => {
            let kept = Kept::new("request", &f);
            refuse(&s, &ctx, e, kept, compound_page(&s, &code, false)).await
        }
    }
}
