//! Turning errors and rejections into replies: a status and `{code, message, fields}`.
//! 5xx bodies never carry internals; the cause is logged with an error id instead.

use std::convert::Infallible;

use serde_json::json;
use warp::http::StatusCode;
use warp::reject::Rejection;
use warp::reply::{Reply, Response};

use crate::error::Error;

pub fn reply(error: &Error) -> Response {
    let (status, code) = match error {
        Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        Error::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
        Error::PreconditionRequired(_) => (StatusCode::PRECONDITION_REQUIRED, "version_required"),
        Error::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        Error::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
        Error::Database(_) | Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    let mut body = json!({"code": code, "message": error.to_string(), "fields": {}});
    match error {
        Error::Invalid(fields) => {
            body["message"] = json!("the input has errors; see fields");
            body["fields"] = json!(fields);
        }
        Error::Conflict {
            current_version: Some(v),
            ..
        } => body["current_version"] = json!(v),
        Error::Database(_) | Error::Internal(_) => {
            let id = uuid::Uuid::new_v4();
            tracing::error!(error_id = %id, error = ?error, "request failed");
            body["message"] = json!(format!("internal error; quote {id} when reporting it"));
        }
        _ => {}
    }
    warp::reply::with_status(warp::reply::json(&body), status).into_response()
}

fn status_reply(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"code": code, "message": message, "fields": {}});
    warp::reply::with_status(warp::reply::json(&body), status).into_response()
}

/// The last resort for requests no route took, or that a filter refused before a handler ran.
pub async fn recover(rejection: Rejection) -> Result<Response, Infallible> {
    use warp::reject;
    let response = if rejection.is_not_found() {
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
