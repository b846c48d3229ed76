//! JSON in and out: every API body is read strictly here, replies carry an object's version as its ETag, and
//! `If-Match` names the version an edit is based on.

use bytes::Bytes;
use serde_json::Value;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};

use super::error;
use crate::error::{Error, Result};

/// A JSON reply to a create: 201 with the new object.
pub fn created<T: serde::Serialize>(result: Result<T>) -> Response {
    let mut response = respond(result);
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::CREATED;
    }
    response
}

/// A JSON reply; a compound or a scenario carries its version as a strong ETag for `If-Match`.
pub fn respond<T: serde::Serialize>(result: Result<T>) -> Response {
    match result.and_then(|v| serde_json::to_value(v).map_err(|e| Error::Internal(e.into()))) {
        Ok(value) => with_etag(warp::reply::json(&value).into_response(), &value),
        Err(e) => error::reply(&e),
    }
}

pub fn with_etag(mut response: Response, value: &Value) -> Response {
    if let Some(version) = value.get("version").and_then(Value::as_i64)
        && (value.get("code").is_some() || value.get("id").is_some())
        && let Ok(tag) = HeaderValue::from_str(&format!("\"{version}\""))
    {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

/// Reads the version a write is based on from `If-Match` (`"3"`, or a bare `3`). A weak tag (`W/"3"`) never
/// matches for `If-Match` (RFC 9110 §13.1.1: strong comparison): 412.
pub fn expected_version(if_match: Option<&str>) -> Result<i32> {
    let raw = if_match.ok_or_else(|| {
        Error::PreconditionRequired(
            "send If-Match with the version (ETag) your edit is based on".into(),
        )
    })?;
    let raw = raw.trim();
    if raw.starts_with("W/") {
        return Err(Error::PreconditionFailed(
            "弱实体标签不能用于 If-Match，请发送强 ETag，如 \"3\"".into(),
        ));
    }
    raw.trim_matches('"')
        .parse()
        .map_err(|_| Error::invalid("If-Match", "须为所修改记录的版本号（同 ETag），如 \"3\""))
}

/// Every API body is read here: UTF-8, JSON, each key once, no control characters (see [`super::body`]).
pub fn json_body(body: &Bytes) -> Result<Value> {
    let text = std::str::from_utf8(body)
        .map_err(|e| Error::BadRequest(format!("请求内容不是 UTF-8 编码：{e}")))?;
    if let Err(Some(problem)) = super::body::check(text) {
        return Err(Error::invalid(problem.field, problem.message));
    }
    serde_json::from_str(text).map_err(|e| Error::BadRequest(format!("请求内容不是 JSON：{e}")))
}

/// An API body read into the service's typed input: the field at fault is named (`consent.owners_total`), an
/// unknown field is refused.
pub fn json_input<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T> {
    crate::domain::deserialize(&json_body(body)?).map_err(Error::Invalid)
}

#[cfg(test)]
mod tests {
    use super::expected_version;
    use crate::error::Error;

    #[test]
    fn if_match_takes_strong_and_bare_versions_and_never_a_weak_one() {
        assert_eq!(expected_version(Some("\"3\"")).unwrap(), 3);
        assert!(matches!(
            expected_version(Some("W/\"4\"")),
            Err(Error::PreconditionFailed(_))
        ));
        assert_eq!(expected_version(Some("5")).unwrap(), 5);
        assert!(matches!(
            expected_version(None),
            Err(Error::PreconditionRequired(_))
        ));
        assert!(matches!(
            expected_version(Some("abc")),
            Err(Error::Invalid(_))
        ));
    }
}
