//! Server-rendered pages (Chinese UI): rendering a template with who is signed in and the form's CSRF token,
//! error pages, paging links. Pages work without scripts.

use serde_json::{Value, json};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};

use super::access::{self, Ctx};
use super::error;
use super::reply::see_other;
use super::state::AppState;
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

/// After a form: on to `back` on success, the error page (naming the field) otherwise.
pub fn after<T>(state: &AppState, ctx: &Ctx, result: Result<T, Error>, back: &str) -> Response {
    match result {
        Ok(_) => see_other(back),
        Err(e) => page(state, ctx, Err(e)),
    }
}

/// A template and its context, or an error to show as a page.
pub type Rendered = Result<(&'static str, Value), Error>;

pub fn page(state: &AppState, ctx: &Ctx, result: Rendered) -> Response {
    let (status, template, context, retry) = match result {
        Ok((template, context)) => (StatusCode::OK, template, context, None),
        Err(e) => {
            let status = error::reply(&e).status();
            let retry = error::retry_after(&e);
            (status, "error.html", error_context(status, &e), retry)
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
    let message = match e {
        Error::Invalid(fields) => format!("输入有误：{fields}"),
        Error::NotFound(_) => "没有找到这个页面或记录。".to_owned(),
        Error::StaleVersion { .. } => {
            "页面上的内容已经过时（刚被修改过），请返回刷新后再操作。".to_owned()
        }
        Error::Conflict { message, .. } => format!("与现有记录冲突，未保存：{message}"),
        Error::Database(_) | Error::Internal(_) => "系统出错了，请稍后再试。".to_owned(),
        other => other.to_string(),
    };
    json!({"title": "出错了", "status": status.as_u16(), "message": message})
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
