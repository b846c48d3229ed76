//! The residents' notice pages (no sign-in, phone-sized, no scripts): the published notices, each with its
//! text, scope, period and countdown, its paper, the objections answered, and the forms to object or comment
//! during the period and to rate the result after completion.
//!
//! A resident's page is the same for everyone but for the form's CSRF token and one-time submission id, so it
//! is rendered once per notice and minute (its countdown moves) and kept while the notices' revision stands;
//! the two values are put in as it is sent.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

use super::paper;
use super::params::{download_query, filter_query};
use crate::db::notices::{self, NoticeView, Received};
use crate::domain::notice::{self as rules, ASPECTS, Objection, ObjectionForm, Rating};
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Form, Route, post_form1, route, route1};
use crate::web::cache::{self, Cached, CachedList, PublicNotices};
use crate::web::html::{self, page, page_link};
use crate::web::query::{Query, query};
use crate::web::reply::see_other;
use crate::web::state::AppState;
use crate::web::{error, wording};

const CSRF_SLOT: &str = "__csrf_slot__";
const SUBMISSION_SLOT: &str = "__submission_slot__";

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let if_none_match = warp::header::optional::<String>("if-none-match");
    route(s, Route::PublicNotices)
        .and(query())
        .then(list)
        .or(route1(s, Route::PublicNoticePdf)
            .and(query())
            .and(if_none_match)
            .then(pdf))
        .unify()
        .or(route1(s, Route::PublicNotice).and(query()).then(one))
        .unify()
        .or(post_form1(s, Route::SubmitObjection).then(object))
        .unify()
        .or(post_form1(s, Route::SubmitRating).then(rate))
        .unify()
        .boxed()
}

async fn list(ctx: Ctx, s: AppState, q: Query) -> Response {
    public_list(&s, &ctx, &q).await
}

async fn pdf(id: i32, ctx: Ctx, s: AppState, q: Query, inm: Option<String>) -> Response {
    let result = async {
        let download = download_query(&q)?;
        paper::pdf(&s, id, Some(&ctx.revisions), download, inm.as_deref()).await
    };
    match result.await {
        Ok(response) => response,
        Err(e) => page(&s, &ctx, Err(e)),
    }
}

async fn one(id: i32, ctx: Ctx, s: AppState, q: Query) -> Response {
    public_page(&s, &ctx, id, &q).await
}

async fn object(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    submit_objection(&s, &ctx, id, &f).await
}

async fn rate(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    submit_rating(&s, &ctx, id, &f).await
}

async fn public_notices(
    state: &AppState,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Arc<PublicNotices>> {
    let minute = now.timestamp() / 60;
    let revision = ctx.revisions.notices;
    if let Some(all) = state
        .public_notices
        .get("", revision)
        .filter(|a| a.minute == minute && a.compounds == ctx.revisions.compounds)
    {
        return Ok(all);
    }
    let filter = notices::Filter {
        public: true,
        ..Default::default()
    };
    let items = notices::list(&state.db, &filter, now).await?;
    let mut towns: Vec<String> = items
        .iter()
        .flat_map(|n| n.sites.iter().map(|s| s.town.clone()))
        .collect();
    towns.sort();
    towns.dedup();
    let all = Arc::new(PublicNotices {
        minute,
        compounds: ctx.revisions.compounds,
        items,
        towns,
    });
    state
        .public_notices
        .put(String::new(), revision, all.clone());
    Ok(all)
}

/// Notices per page of the public list: a slow phone loads a short page.
const PER_PAGE: usize = 20;

/// The residents' list of published notices. It is the same for everyone: rendered pages are kept per query
/// beside the notices they were made from, so a refresh costs what a notice page costs.
async fn public_list(state: &AppState, ctx: &Ctx, query: &[(String, String)]) -> Response {
    let now = Utc::now();
    let all = match public_notices(state, ctx, now).await {
        Ok(all) => all,
        Err(e) => return page(state, ctx, Err(e)),
    };
    let key = cache::key(query);
    if let Some(html) = state
        .notice_lists
        .get(&key, ctx.revisions.notices)
        .filter(|c| c.minute == all.minute && c.compounds == all.compounds)
    {
        return personalise(state, ctx, &html.html, StatusCode::OK);
    }
    let context = match list_context(&all, query) {
        Ok(context) => context,
        Err(e) => return page(state, ctx, Err(e)),
    };
    let Some(html) = render_html(state, "notices_public.html", context) else {
        return page(
            state,
            ctx,
            Err(Error::Internal(anyhow::anyhow!("template"))),
        );
    };
    let html: Arc<str> = html.into();
    state.notice_lists.put(
        key,
        ctx.revisions.notices,
        CachedList {
            minute: all.minute,
            compounds: all.compounds,
            html: html.clone(),
        },
    );
    personalise(state, ctx, &html, StatusCode::OK)
}

fn list_context(all: &PublicNotices, query: &[(String, String)]) -> Result<Value> {
    let mut page = 1usize;
    let mut rest = Vec::new();
    for (key, value) in query {
        if key == "page" {
            page = value
                .trim()
                .parse()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| Error::invalid("page", "页码须为 1 或以上的整数"))?;
        } else {
            rest.push((key.clone(), value.clone()));
        }
    }
    let filter = filter_query(&rest, true)?;
    let items: Vec<&NoticeView> = all.items.iter().filter(|n| filter.matches(n)).collect();
    let pages = items.len().div_ceil(PER_PAGE).max(1);
    if page > pages {
        return Err(Error::invalid(
            "page",
            format!("按这个条件只有 {pages} 页公示"),
        ));
    }
    let shown: Vec<&NoticeView> = items
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .copied()
        .collect();
    let link = |p: usize| page_link("/notices", &rest, p);
    Ok(json!({
        "title": "公示公告", "items": shown, "towns": all.towns,
        "town": filter.town, "q": filter.q, "total": items.len(), "page": page, "pages": pages,
        "previous": (page > 1).then(|| link(page - 1)), "next": (page < pages).then(|| link(page + 1)),
    }))
}

/// What the resident's page shows besides the notice: the answers, the forms, and a word after a submission.
#[derive(Default)]
struct PageExtras {
    /// `Some(kind)` right after a successful submission (`?sent=objection` or `?sent=rating`).
    sent: Option<String>,
    /// A refused submission: its form, the message and the field errors, and what the resident typed.
    refused: Option<Value>,
}

async fn public_page(state: &AppState, ctx: &Ctx, id: i32, query: &[(String, String)]) -> Response {
    let mut sent = None;
    for (key, value) in query {
        match (key.as_str(), value.as_str()) {
            ("sent", "objection" | "rating") => sent = Some(value.clone()),
            _ => {
                return page(state, ctx, Err(Error::invalid(key, "网址中有不认识的参数")));
            }
        }
    }
    let now = Utc::now();
    let minute = now.timestamp() / 60;
    let key = format!("{id}|{}", sent.as_deref().unwrap_or_default());
    let revision = ctx.revisions.notices;
    let cached = state
        .notice_pages
        .get(&key, revision)
        .filter(|c| c.minute == minute);
    let html = match cached {
        Some(c) => c.html,
        None => {
            let extras = PageExtras {
                sent,
                refused: None,
            };
            match notice_context(state, id, now, &extras).await {
                Ok(context) => {
                    let Some(html) = render_html(state, "notice_public.html", context) else {
                        return page(
                            state,
                            ctx,
                            Err(Error::Internal(anyhow::anyhow!("template"))),
                        );
                    };
                    let html: Arc<str> = html.into();
                    state.notice_pages.put(
                        key,
                        revision,
                        Cached {
                            minute,
                            html: html.clone(),
                        },
                    );
                    html
                }
                Err(e) => return page(state, ctx, Err(e)),
            }
        }
    };
    personalise(state, ctx, &html, StatusCode::OK)
}

/// The page's template context: the notice, its answers, its forms.
async fn notice_context(
    state: &AppState,
    id: i32,
    now: DateTime<Utc>,
    extras: &PageExtras,
) -> Result<Value> {
    let notice = notices::get(&state.db, id, true, now).await?;
    let answers = notices::answers(&state.db, id).await?;
    let countdown = notice
        .period
        .closes_at
        .map(|end| rules::countdown(now, end))
        .unwrap_or_default();
    let rating_days = crate::db::catalog::load_policy(&state.db)
        .await?
        .map_or(0, |p| p.notices.rating_days);
    let rating_closes = notice
        .published_at
        .map(|at| at + chrono::Duration::days(i64::from(rating_days)));
    let rating_open = notice.kind == rules::NoticeKind::Completion
        && rating_closes.is_some_and(|closes| closes > now);
    Ok(json!({
        "title": notice.title, "n": notice, "answers": answers, "countdown": countdown,
        "open": notice.is_open(), "rating_open": rating_open,
        "rating_closed_on": rating_closes.filter(|_| notice.kind == rules::NoticeKind::Completion && !rating_open)
            .map(|c| rules::date_zh(crate::domain::time::beijing_date(c))),
        "aspects": ASPECTS.iter().map(|(code, label)| json!({"code": code, "label": label})).collect::<Vec<_>>(),
        "sent": extras.sent, "refused": extras.refused,
        "last_day": notice.period.last_day.map(rules::date_zh),
        "max_text": rules::MAX_TEXT_CHARS,
        "csrf": CSRF_SLOT, "submission": SUBMISSION_SLOT,
    }))
}

fn render_html(state: &AppState, template: &str, context: Value) -> Option<String> {
    state
        .templates
        .get_template(template)
        .and_then(|t| t.render(minijinja::value::Serde(&context)))
        .map_err(|e| tracing::error!(error = %e, template, "template failed"))
        .ok()
}

/// The cached page with this visitor's CSRF token and a fresh submission id put in.
fn personalise(state: &AppState, ctx: &Ctx, html: &str, status: StatusCode) -> Response {
    let submission = uuid::Uuid::new_v4().simple().to_string();
    let html = html
        .replace(CSRF_SLOT, ctx.csrf().unwrap_or_default())
        .replace(SUBMISSION_SLOT, &submission);
    html::send(state, ctx, status, html)
}

/// The page again with a refused form: what was typed, the message, the fields at fault.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: i32,
    which: &str,
    form: &Form,
    error: Error,
) -> Response {
    let status = error::reply(&error).status();
    if matches!(
        error,
        Error::NotFound(_) | Error::Database(_) | Error::Internal(_)
    ) {
        return page(state, ctx, Err(error));
    }
    let (message, fields) = (wording::summary(&error), wording::fields(&error));
    let typed: serde_json::Map<String, Value> = [
        "kind",
        "building_unit",
        "name",
        "mobile",
        "text",
        "compound",
        "quality",
        "disturbance",
        "communication",
    ]
    .iter()
    .map(|k| ((*k).to_owned(), json!(form.text(k))))
    .collect();
    let extras = PageExtras {
        sent: None,
        refused: Some(json!({"form": which, "message": message, "fields": fields, "typed": typed})),
    };
    let retry = error::retry_after(&error);
    let mut response = match notice_context(state, id, Utc::now(), &extras).await {
        Ok(context) => match render_html(state, "notice_public.html", context) {
            Some(html) => personalise(state, ctx, &html, status),
            None => page(state, ctx, Err(error)),
        },
        Err(e) => page(state, ctx, Err(e)),
    };
    if let Some(seconds) = retry {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The hidden field people never see and never fill: a form that fills it was filled by a program.
fn is_bot(form: &Form) -> bool {
    !form.text("website").trim().is_empty()
}

async fn submit_objection(state: &AppState, ctx: &Ctx, id: i32, form: &Form) -> Response {
    let back = format!("/notices/{id}?sent=objection#objection");
    if is_bot(form) {
        tracing::info!(notice = id, source = %ctx.source, "objection form with the honeypot filled: dropped");
        return see_other(&back);
    }
    let parsed = Objection::parse(&ObjectionForm {
        kind: form.text("kind"),
        building_unit: form.text("building_unit"),
        name: form.text("name"),
        mobile: form.text("mobile"),
        text: form.text("text"),
    });
    let result = match parsed {
        Ok(objection) => {
            notices::submit_objection(
                &state.db,
                id,
                &objection,
                form.text("submission"),
                &ctx.source,
                Utc::now(),
            )
            .await
        }
        Err(fields) => Err(Error::Invalid(fields)),
    };
    match result {
        Ok(Received::New | Received::Again) => see_other(&back),
        Err(e) => refused(state, ctx, id, "objection", form, e).await,
    }
}

async fn submit_rating(state: &AppState, ctx: &Ctx, id: i32, form: &Form) -> Response {
    let back = format!("/notices/{id}?sent=rating#rating");
    if is_bot(form) {
        tracing::info!(notice = id, source = %ctx.source, "rating form with the honeypot filled: dropped");
        return see_other(&back);
    }
    let result = match Rating::parse(|k| form.text(k)) {
        Ok(rating) => notices::rate(&state.db, id, &rating, &ctx.source, Utc::now()).await,
        Err(fields) => Err(Error::Invalid(fields)),
    };
    match result {
        Ok(()) => see_other(&back),
        Err(e) => refused(state, ctx, id, "rating", form, e).await,
    }
}
