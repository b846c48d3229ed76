//! The notice pages. For residents (no sign-in, phone-sized, no scripts): the published notices, each with its
//! text, scope, period and countdown, its paper, the objections answered, and the forms to object or comment
//! during the period and to rate the result after completion. For the bureau: drafting, editing, publishing,
//! the inbox of objections with answers, and the figures per batch.
//!
//! A resident's page is the same for everyone but for the form's CSRF token and one-time submission id, so it
//! is rendered once per notice and minute (its countdown moves) and kept while the notices' revision stands;
//! the two values are put in as it is sent.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};
use warp::{Filter, Rejection};

use super::access::{self, Ctx, Form, Route, allow, form};
use super::cache::{Cached, CachedList, PublicNotices};
use super::html::{Rendered, after, page};
use super::reply::see_other;
use super::state::{AppState, with_state};
use crate::db::notices::{self, DraftInput, NoticeView, Received};
use crate::domain::notice::{self as rules, ASPECTS, Objection, ObjectionForm, Rating};
use crate::error::{Error, Result};

const CSRF_SLOT: &str = "__csrf_slot__";
const SUBMISSION_SLOT: &str = "__submission_slot__";

/// A notice's id in a path segment: `12`, or `12.pdf` for its paper.
fn notice_segment(pdf: bool) -> impl Filter<Extract = (i32,), Error = Rejection> + Clone {
    warp::path::param::<String>().and_then(move |segment: String| async move {
        let id = if pdf {
            segment.strip_suffix(".pdf")
        } else {
            Some(segment.as_str())
        };
        id.and_then(|i| i.parse::<i32>().ok())
            .filter(|i| *i > 0)
            .ok_or_else(warp::reject::not_found)
    })
}

pub fn page_routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let s = &state;
    let query = warp::query::<Vec<(String, String)>>();
    let list = warp::path!("notices")
        .and(warp::get())
        .and(allow(s, Route::PublicNotices))
        .and(with_state(s))
        .and(query)
        .then(
            |ctx: Ctx, s: AppState, q: Vec<(String, String)>| async move {
                public_list(&s, &ctx, &q).await
            },
        );
    let pdf = warp::path("notices")
        .and(notice_segment(true))
        .and(warp::path::end())
        .and(warp::get())
        .and(allow(s, Route::PublicNoticePdf))
        .and(with_state(s))
        .and(query)
        .and(warp::header::optional::<String>("if-none-match"))
        .then(
            |id: i32, ctx: Ctx, s: AppState, q: Vec<(String, String)>, inm: Option<String>| async move {
                let result = async {
                    let download = super::notices::download_query(&q)?;
                    super::notices::pdf(&s, id, Some(&ctx.revisions), download, inm.as_deref()).await
                };
                match result.await {
                    Ok(response) => response,
                    Err(e) => page(&s, &ctx, Err(e)),
                }
            },
        );
    let one = warp::path("notices")
        .and(notice_segment(false))
        .and(warp::path::end())
        .and(warp::get())
        .and(allow(s, Route::PublicNotice))
        .and(with_state(s))
        .and(query)
        .then(
            |id: i32, ctx: Ctx, s: AppState, q: Vec<(String, String)>| async move {
                public_page(&s, &ctx, id, &q).await
            },
        );
    let object = warp::path!("notices" / i32 / "objections")
        .and(warp::post())
        .and(form(s, Route::SubmitObjection))
        .and(with_state(s))
        .then(|id: i32, ctx: Ctx, f: Form, s: AppState| async move {
            submit_objection(&s, &ctx, id, &f).await
        });
    let rate = warp::path!("notices" / i32 / "ratings")
        .and(warp::post())
        .and(form(s, Route::SubmitRating))
        .and(with_state(s))
        .then(|id: i32, ctx: Ctx, f: Form, s: AppState| async move {
            submit_rating(&s, &ctx, id, &f).await
        });
    list.or(pdf)
        .unify()
        .or(one)
        .unify()
        .or(object)
        .unify()
        .or(rate)
        .unify()
        .or(bureau_routes(state).boxed())
        .unify()
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
    let key = super::cache::key(query);
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
                .ok_or_else(|| Error::invalid("page", "must be a page number, 1 or more"))?;
        } else {
            rest.push((key.clone(), value.clone()));
        }
    }
    let filter = super::notices::filter_query(&rest, true)?;
    let items: Vec<&NoticeView> = all.items.iter().filter(|n| filter.matches(n)).collect();
    let pages = items.len().div_ceil(PER_PAGE).max(1);
    if page > pages {
        return Err(Error::invalid(
            "page",
            format!("there are {pages} pages of notices for this search"),
        ));
    }
    let shown: Vec<&NoticeView> = items
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .copied()
        .collect();
    let link = |p: usize| super::html::page_link("/notices", &rest, p);
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
                return page(state, ctx, Err(Error::invalid(key, "unknown parameter")));
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
    let mut response = warp::reply::with_status(warp::reply::html(html), status).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some((token, true)) = &ctx.visitor_csrf
        && let Ok(cookie) = access::cookie(&state.settings, access::CSRF_COOKIE, token, None)
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
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
    let status = super::error::reply(&error).status();
    let (message, fields) = match &error {
        Error::Invalid(fields) => ("请检查标出的内容后再提交。".to_owned(), json!(fields)),
        Error::NotFound(_) => return page(state, ctx, Err(error)),
        Error::Database(_) | Error::Internal(_) => {
            return page(state, ctx, Err(error));
        }
        other => (other.to_string(), json!({})),
    };
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
    let retry = super::error::retry_after(&error);
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

// ---- the bureau's pages --------------------------------------------------------------------------

fn bureau_routes(state: AppState) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let s = &state;
    let query = warp::query::<Vec<(String, String)>>();
    let list = warp::path!("bureau" / "notices")
        .and(warp::get())
        .and(allow(s, Route::NoticesAdminPage))
        .and(with_state(s))
        .and(query)
        .then(
            |ctx: Ctx, s: AppState, q: Vec<(String, String)>| async move {
                page(&s, &ctx, bureau_list(&s, &ctx, &q).await)
            },
        );
    let create = warp::path!("bureau" / "notices")
        .and(warp::post())
        .and(form(s, Route::NoticeCreatePage))
        .and(with_state(s))
        .then(|ctx: Ctx, f: Form, s: AppState| async move {
            let result = async {
                let corrects = match f.text("corrects").trim() {
                    "" => None,
                    c => Some(c.parse::<i32>().map_err(|_| {
                        Error::invalid("corrects", "must be the number of a notice")
                    })?),
                };
                let input = DraftInput {
                    kind: Some(f.text("kind").trim().to_owned()).filter(|k| !k.is_empty()),
                    project: f.text("project").trim().to_owned(),
                    corrects,
                };
                notices::create_on(
                    &s.db,
                    &ctx.actor()?,
                    &s.notice_templates,
                    &input,
                    Utc::now(),
                )
                .await
            };
            match result.await {
                Ok(n) => see_other(&format!("/bureau/notices/{}", n.id)),
                Err(e) => page(&s, &ctx, Err(e)),
            }
        });
    let one = warp::path!("bureau" / "notices" / i32)
        .and(warp::get())
        .and(allow(s, Route::NoticeAdminPage))
        .and(with_state(s))
        .and(query)
        .then(
            |id: i32, ctx: Ctx, s: AppState, q: Vec<(String, String)>| async move {
                page(&s, &ctx, bureau_page(&s, &ctx, id, &q).await)
            },
        );
    let edit = warp::path!("bureau" / "notices" / i32)
        .and(warp::post())
        .and(form(s, Route::NoticeEditPage))
        .and(with_state(s))
        .then(|id: i32, ctx: Ctx, f: Form, s: AppState| async move {
            let result = async {
                let paragraphs: Vec<String> = f
                    .text("body")
                    .replace("\r\n", "\n")
                    .split("\n\n")
                    .map(|p| p.trim().replace('\n', ""))
                    .filter(|p| !p.is_empty())
                    .collect();
                let body = json!({"title": f.text("title"), "body": paragraphs});
                notices::update(&s.db, &ctx.actor()?, id, f.version()?, &body).await
            };
            after(&s, &ctx, result.await, &format!("/bureau/notices/{id}"))
        });
    let publish = warp::path!("bureau" / "notices" / i32 / "publish")
        .and(warp::post())
        .and(form(s, Route::NoticePublishPage))
        .and(with_state(s))
        .then(|id: i32, ctx: Ctx, f: Form, s: AppState| async move {
            let result = async {
                notices::publish(&s.db, &ctx.actor()?, &s.calendar, id, f.version()?).await
            };
            after(&s, &ctx, result.await, &format!("/bureau/notices/{id}"))
        });
    let delete = warp::path!("bureau" / "notices" / i32 / "delete")
        .and(warp::post())
        .and(form(s, Route::NoticeDeletePage))
        .and(with_state(s))
        .then(|id: i32, ctx: Ctx, f: Form, s: AppState| async move {
            let result = async { notices::delete(&s.db, &ctx.actor()?, id, f.version()?).await };
            after(&s, &ctx, result.await, "/bureau/notices")
        });
    let answer = warp::path!("bureau" / "objections" / i32 / "answer")
        .and(warp::post())
        .and(form(s, Route::AnswerPage))
        .and(with_state(s))
        .then(|id: i32, ctx: Ctx, f: Form, s: AppState| async move {
            let result = async {
                notices::answer(&s.db, &ctx.actor()?, id, f.text("answer"), Utc::now()).await
            };
            match result.await {
                Ok(o) => see_other(&format!("/bureau/notices/{}#objection-{id}", o.notice_id)),
                Err(e) => page(&s, &ctx, Err(e)),
            }
        });
    let satisfaction = warp::path!("bureau" / "satisfaction")
        .and(warp::get())
        .and(allow(s, Route::SatisfactionPage))
        .and(with_state(s))
        .and(query)
        .then(
            |ctx: Ctx, s: AppState, q: Vec<(String, String)>| async move {
                page(&s, &ctx, satisfaction_page(&s, &q).await)
            },
        );
    list.or(create)
        .unify()
        .or(one)
        .unify()
        .or(edit)
        .unify()
        .or(publish)
        .unify()
        .or(delete)
        .unify()
        .or(answer)
        .unify()
        .or(satisfaction)
        .unify()
}

fn can_plan(ctx: &Ctx) -> bool {
    ctx.user()
        .is_ok_and(|p| Route::CreateNotice.rule().admits(p.role))
}

async fn bureau_list(state: &AppState, ctx: &Ctx, query: &[(String, String)]) -> Rendered {
    let filter = super::notices::filter_query(query, false)?;
    let now = Utc::now();
    let items = notices::list(&state.db, &filter, now).await?;
    let stats = notices::stats(&state.db, filter.year, now).await?;
    let projects = crate::db::projects::list(&state.db, filter.year, None).await?;
    let mut years: Vec<i32> = crate::db::projects::list(&state.db, None, None)
        .await?
        .iter()
        .map(|p| p.year)
        .collect();
    years.sort_unstable();
    years.dedup();
    Ok((
        "notices_admin.html",
        json!({
            "title": "公示管理", "nav": "notices", "items": items, "stats": stats, "years": years,
            "year": filter.year, "status": filter.status, "kind": filter.kind.map(|k| k.code()),
            "projects": projects, "can_plan": can_plan(ctx),
            "kinds": rules::NoticeKind::ALL.iter().map(|k| json!({"code": k.code(), "label": k.label()})).collect::<Vec<_>>(),
        }),
    ))
}

async fn bureau_page(state: &AppState, ctx: &Ctx, id: i32, query: &[(String, String)]) -> Rendered {
    let reveal = super::notices::reveal_query(query)?;
    let actor = reveal.then(|| ctx.actor()).transpose()?;
    let notice: NoticeView = notices::get(&state.db, id, false, Utc::now()).await?;
    let inbox = notices::inbox(&state.db, id, actor.as_ref()).await?;
    Ok((
        "notice_admin.html",
        json!({
            "title": notice.title, "nav": "notices", "n": notice, "inbox": inbox, "revealed": reveal,
            "can_plan": can_plan(ctx), "body_text": notice.body.join("\n\n"),
            "public_url": notices::page_url(&state.settings.public_base(), id),
        }),
    ))
}

async fn satisfaction_page(state: &AppState, query: &[(String, String)]) -> Rendered {
    let year = super::query::year_query(query)?;
    let rows = notices::satisfaction(&state.db, year).await?;
    let chart = satisfaction_chart(&rows);
    Ok((
        "satisfaction.html",
        json!({
            "title": "满意度评价", "nav": "satisfaction", "rows": rows, "year": year, "chart": chart,
            "aspects": ASPECTS.iter().map(|(_, label)| *label).collect::<Vec<_>>(),
        }),
    ))
}

/// A horizontal bar per rated compound (its overall mean, 1–5) and the batch's mean per aspect, as SVG
/// coordinates for the template.
fn satisfaction_chart(rows: &[notices::Satisfaction]) -> Value {
    const LEFT: f64 = 150.0;
    const WIDTH: f64 = 720.0;
    const BAR: f64 = 18.0;
    let span = WIDTH - LEFT - 50.0;
    let rated: Vec<&notices::Satisfaction> = rows
        .iter()
        .filter(|r| !r.code.is_empty() && r.overall.is_some())
        .collect();
    let bars: Vec<Value> = rated
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mean = r.overall.unwrap_or(0.0);
            json!({
                "y": 30.0 + i as f64 * (BAR + 6.0), "w": span * mean / 5.0, "label": r.name,
                "value": format!("{mean:.2}"), "n": r.ratings,
                "low": mean < 3.5,
            })
        })
        .collect();
    let ticks: Vec<Value> = (0..=5)
        .map(|t| json!({"x": LEFT + span * f64::from(t) / 5.0, "label": t}))
        .collect();
    json!({
        "width": WIDTH, "left": LEFT, "bar": BAR, "bars": bars, "ticks": ticks,
        "height": 40.0 + rated.len() as f64 * (BAR + 6.0) + 10.0,
    })
}
