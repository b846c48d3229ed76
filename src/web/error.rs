//! Turning errors and rejections into replies: a status and `{code, message, fields}`.
//! 5xx bodies never carry internals; the cause is logged with an error id instead.

use std::convert::Infallible;

use serde_json::json;
use warp::http::StatusCode;
use warp::reject::Rejection;
use warp::reply::{Reply, Response};

use super::access::Denied;
use crate::error::Error;

pub fn reply(error: &Error) -> Response {
    let (status, code) = match error {
        Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        Error::StaleVersion { .. } | Error::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
        Error::PreconditionRequired(_) => (StatusCode::PRECONDITION_REQUIRED, "version_required"),
        Error::PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
        Error::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        Error::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
        Error::TooMany { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
        Error::Database(_) | Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    let mut body = json!({"code": code, "message": error.to_string(), "fields": {}});
    match error {
        Error::Invalid(fields) => {
            body["message"] = json!(super::wording::summary(error));
            body["fields"] = json!(fields);
        }
        Error::StaleVersion {
            current_version: Some(v),
            ..
        } => body["current_version"] = json!(v),
        Error::Conflict {
            field: Some(field),
            message,
        } => body["fields"] = json!({ *field: message }),
        Error::Database(_) | Error::Internal(_) => {
            let id = uuid::Uuid::new_v4();
            tracing::error!(error_id = %id, error = ?error, "request failed");
            body["message"] = json!(format!("系统出错了，请稍后再试；报告问题时请提供编号 {id}"));
        }
        _ => {}
    }
    let mut response = warp::reply::with_status(warp::reply::json(&body), status).into_response();
    if let Some(seconds) = retry_after(error) {
        response
            .headers_mut()
            .insert(warp::http::header::RETRY_AFTER, seconds.into());
    }
    response
}

/// Seconds a refused client should wait (`Retry-After`), for a 429.
pub fn retry_after(error: &Error) -> Option<u64> {
    match error {
        Error::TooMany { retry_after, .. } => Some(*retry_after),
        _ => None,
    }
}

fn status_reply(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"code": code, "message": message, "fields": {}});
    warp::reply::with_status(warp::reply::json(&body), status).into_response()
}

/// The last resort for requests no route took, or that a filter refused before a handler ran.
pub async fn recover(rejection: Rejection) -> Result<Response, Infallible> {
    use warp::reject;
    let response = if let Some(denied) = rejection.find::<Denied>() {
        denied_reply(denied)
    } else if rejection.is_not_found() {
        status_reply(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such page or endpoint",
        )
    } else if let Some(e) = rejection.find::<reject::InvalidQuery>() {
        status_reply(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("malformed query string: {e}"),
        )
    } else if rejection.find::<reject::PayloadTooLarge>().is_some() {
        status_reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the request body is too large",
        )
    } else if rejection.find::<reject::LengthRequired>().is_some() {
        status_reply(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            "send a Content-Length header",
        )
    } else if rejection.find::<reject::UnsupportedMediaType>().is_some() {
        status_reply(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json",
        )
    } else if let Some(e) = rejection.find::<reject::InvalidHeader>() {
        status_reply(StatusCode::BAD_REQUEST, "bad_request", &e.to_string())
    } else if let Some(e) = rejection.find::<reject::MissingHeader>() {
        status_reply(StatusCode::BAD_REQUEST, "bad_request", &e.to_string())
    } else if rejection.find::<reject::MethodNotAllowed>().is_some() {
        // Checked last: sibling routes add it to rejections of every other kind.
        status_reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this method is not allowed here",
        )
    } else {
        tracing::warn!(?rejection, "unhandled rejection");
        status_reply(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the request could not be understood",
        )
    };
    Ok(response)
}

/// A 405 names the methods the path does take (RFC 9110 §15.5.6): TRACE, OPTIONS or a typo'd method on a
/// real path learns what it may send. A path no route has is "not found", whatever the method.
pub fn with_allow(path: &str, mut response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let mut methods: Vec<&str> = super::access::Route::at(path).map(|r| r.method()).collect();
    methods.sort_unstable();
    methods.dedup();
    if methods.is_empty() {
        return status_reply(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such page or endpoint",
        );
    }
    if let Ok(allow) = warp::http::HeaderValue::from_str(&methods.join(", ")) {
        response
            .headers_mut()
            .insert(warp::http::header::ALLOW, allow);
    }
    response
}

/// A request refused before its handler: JSON for the API; for pages, a redirect to sign in or a
/// short page saying why.
fn denied_reply(denied: &Denied) -> Response {
    let mut response = if denied.api {
        status_reply(denied.status, denied.code, &denied.message)
    } else if let Some(location) = &denied.sign_in {
        super::reply::see_other(location)
    } else {
        let message = if denied.status == StatusCode::FORBIDDEN && denied.code == "forbidden" {
            "您的账号没有权限查看或操作此页面。"
        } else if denied.status == StatusCode::INTERNAL_SERVER_ERROR {
            "系统出错了，请稍后再试。"
        } else {
            denied.message.as_str()
        };
        let html = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>出错了 · 旧改</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main><h1>出错了（{}）</h1><p class=\"error\">{}</p><p><a href=\"/\">返回首页</a> · <a href=\"/sign-in\">登录</a></p></main></body></html>",
            denied.status.as_u16(),
            escape(message)
        );
        warp::reply::with_status(warp::reply::html(html), denied.status).into_response()
    };
    if denied.status == StatusCode::UNAUTHORIZED && denied.api {
        response.headers_mut().insert(
            warp::http::header::WWW_AUTHENTICATE,
            warp::http::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
