//! Server-rendered pages (Chinese UI): rendering a template with who is signed in and the form's CSRF token,
//! error pages, paging links. Pages work without scripts.

use serde_json::{Value, json};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};

use super::access::{self, Ctx, Form};
use super::error;
use super::reply::see_other;
use super::state::AppState;
use super::wording;
use crate::error::Error;

/// The link to page `page` of a paged list at `path`, keeping the other query parameters (`keep`, without `page`).
pub fn page_link(path: &str, keep: &[(String, String)], page: impl std::fmt::Display) -> String {
    let mut pairs = keep.to_vec();
    pairs.push(("page".to_owned(), page.to_string()));
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

/// After a form: on to `back` on success; otherwise the form's own page again, with what was typed kept (see
/// [`refuse`]).
pub async fn after<T>(
    state: &AppState,
    ctx: &Ctx,
    result: Result<T, Error>,
    back: &str,
    kept: Kept<'_>,
    again: impl Future<Output = Rendered>,
) -> Response {
    match result {
        Ok(_) => see_other(back),
        Err(e) => refuse(state, ctx, e, kept, again).await,
    }
}

/// A form on a page that may be refused: which of the page's forms it is (its templates ask for their own
/// `refused` by this name) and what was typed in it.
pub struct Kept<'a> {
    pub which: String,
    pub form: &'a Form,
    /// The record the form edits, as the audit log names it (`project`, `RS-2021-P008`): when the edit comes
    /// too late, what others changed since is shown from the log.
    pub record: Option<(&'static str, String)>,
}

impl<'a> Kept<'a> {
    pub fn new(which: impl Into<String>, form: &'a Form) -> Self {
        Kept {
            which: which.into(),
            form,
            record: None,
        }
    }

    /// The form edits this record (see [`Kept::record`]).
    pub fn of(mut self, entity: &'static str, id: impl Into<String>) -> Self {
        self.record = Some((entity, id.into()));
        self
    }
}

/// What was written to `record` after the version the form was made from, newest first, in words: one line
/// per write ("2026-12-07 14:05 张三 修改：计划完工：2021-11-30 → 2021-12-31").
async fn changed_since(state: &AppState, kept: &Kept<'_>, error: &Error) -> Vec<String> {
    let (
        Some((entity, id)),
        Error::StaleVersion {
            current_version, ..
        },
    ) = (&kept.record, error)
    else {
        return Vec::new();
    };
    let since = kept.form.version().unwrap_or(0);
    let missed = current_version.map_or(3, |now| (now - since).clamp(1, 10)) as u64;
    let filter = crate::db::audit::Filter {
        entity: Some((*entity).to_owned()),
        entity_id: Some(id.clone()),
        ..Default::default()
    };
    let Ok(names) = crate::db::audit::Names::load(&state.db).await else {
        return Vec::new();
    };
    let Ok(page) = crate::db::audit::list_named(&state.db, &filter, 1, missed, &names).await else {
        return Vec::new();
    };
    page.items
        .iter()
        .map(|entry| {
            let created = entry.created();
            let fields: Vec<String> = entry
                .changes(&names)
                .iter()
                .map(|c| c.text(created))
                .collect();
            format!(
                "{} {} {}：{}",
                crate::domain::time::beijing_minute(entry.at),
                entry.actor_name,
                entry.action_label,
                if fields.is_empty() {
                    "（无字段变化）".to_owned()
                } else {
                    fields.join("；")
                }
            )
        })
        .collect()
}

/// A refused form: its page again (`again`, rendered now, so it shows what is current), with what was typed
/// kept in the form, each field's message beside it and a summary on top, under the error's status. Errors
/// with no form to come back to (the record is gone, the system failed) get the error page instead.
pub async fn refuse(
    state: &AppState,
    ctx: &Ctx,
    error: Error,
    kept: Kept<'_>,
    again: impl Future<Output = Rendered>,
) -> Response {
    if matches!(
        error,
        Error::NotFound(_) | Error::Database(_) | Error::Internal(_)
    ) {
        return page(state, ctx, Err(error));
    }
    // The page itself gone too (a form posted for a record that does not exist): the form's own error.
    let Ok((template, mut context)) = again.await else {
        return page(state, ctx, Err(error));
    };
    let status = error::reply(&error).status();
    let changed = changed_since(state, &kept, &error).await;
    if let Some(object) = context.as_object_mut() {
        object.insert(
            "refused".into(),
            json!({
                "form": kept.which, "message": wording::summary(&error),
                "fields": wording::fields(&error), "typed": kept.form.typed(), "changed": changed,
            }),
        );
    }
    let mut response = render(state, ctx, status, template, context);
    if let Some(seconds) = error::retry_after(&error) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A template and its context, or an error to show as a page.
pub type Rendered = Result<(&'static str, Value), Error>;

pub fn page(state: &AppState, ctx: &Ctx, result: Rendered) -> Response {
    let (status, template, context, retry) = match result {
        Ok((template, context)) => (StatusCode::OK, template, context, None),
        Err(e) => {
            let status = error::reply(&e).status();
            let retry = error::retry_after(&e);
            let template = if ctx.route.is_resident() {
                "public_error.html"
            } else {
                "error.html"
            };
            (status, template, error_context(status, &e), retry)
        }
    };
    let mut response = render(state, ctx, status, template, context);
    if let Some(seconds) = retry {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// What an error page says: never the raw input, never internals.
fn error_context(status: StatusCode, e: &Error) -> Value {
    let messages: Vec<String> = match e {
        Error::Invalid(fields) => fields.0.values().flatten().cloned().collect(),
        _ => Vec::new(),
    };
    // A page, not a form: nothing is marked on it, so the messages are listed under one line.
    let message = match e {
        Error::Invalid(_) => "输入有误，请检查：".to_owned(),
        other => wording::summary(other),
    };
    json!({"title": "出错了", "status": status.as_u16(), "message": message, "messages": messages})
}

/// Renders `template` with `context`, plus who is signed in and the CSRF token for its forms.
pub fn render(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    template: &str,
    mut context: Value,
) -> Response {
    if let Some(object) = context.as_object_mut() {
        object.insert("me".into(), me(ctx));
        object.insert("csrf".into(), json!(ctx.csrf()));
        object.insert("unanswered".into(), json!(ctx.unanswered));
        object.insert("site".into(), json!(ctx.site));
    }
    let html = state
        .templates
        .get_template(template)
        .and_then(|t| t.render(minijinja::value::Serde(&context)))
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, template, "template failed");
            "<!doctype html><title>出错了</title><p>页面生成失败。</p>".to_owned()
        });
    send(state, ctx, status, html)
}

/// Sends a page's `html` to this visitor: never kept in a shared cache, and setting the visitor's CSRF cookie
/// when its token is new.
pub fn send(state: &AppState, ctx: &Ctx, status: StatusCode, html: String) -> Response {
    let mut response = warp::reply::with_status(warp::reply::html(html), status).into_response();
    // Pages may show what only this account may see: never keep them in a shared cache.
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

fn me(ctx: &Ctx) -> Value {
    match &ctx.principal {
        Some(p) => json!({
            "username": p.username, "display_name": p.display_name, "role": p.role.code(),
            "role_label": p.role.label(), "demo": p.demo, "staff": p.role.is_staff(),
            "admin": p.role == crate::domain::account::Role::Admin,
        }),
        None => Value::Null,
    }
}
