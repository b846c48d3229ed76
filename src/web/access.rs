//! Who may do what: the filter every route is served through. `route(state, Route::X)` (and `route1`, `route2`
//! for one or two path parameters, `post_form…` for HTML forms) matches the request against the route's one
//! declaration in [`super::routes`] — path, then method, then its rule — before the handler runs and before
//! the body is read.
//!
//! Credentials: API calls send `Authorization: Bearer TOKEN`; browsers carry a session cookie, which the
//! API honours for reading only (a cookie alone never writes through the API, so the API needs no CSRF
//! tokens). Every form post carries a CSRF token: the session's, or for a visitor not signed in, the one
//! in their `jiugai_csrf` cookie.

use std::net::SocketAddr;

use bytes::Bytes;
use subtle::ConstantTimeEq;
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use super::client::{client_address, visitor_token, visitor_token_valid};
pub use super::form::Form;
use super::form::form_pairs;
pub use super::routes::{Route, Rule, opens};
use super::state::{AppState, with_state};
use crate::db::accounts::{self, Principal};
use crate::db::audit::Actor;
use crate::db::revisions::{self, Revisions};
use crate::domain::account::Role;
use crate::error::{Error, Result};

pub const SESSION_COOKIE: &str = "jiugai_session";
pub const CSRF_COOKIE: &str = "jiugai_csrf";
/// Largest form accepted, in bytes: forms are small; files go through the JSON API or the CLI.
pub const MAX_FORM_BYTES: u64 = 64 * 1024;

/// What a handler knows about the request's origin.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub route: Route,
    /// The data sets' revisions, read once for the request (the list cache checks against them).
    pub revisions: Revisions,
    pub principal: Option<Principal>,
    /// The client's address (or the proxy's `X-Forwarded-For`, when configured to trust it).
    pub source: String,
    /// A visitor's CSRF token, and whether it is new (so the response must set its cookie).
    pub visitor_csrf: Option<(String, bool)>,
    /// On staff pages: how many residents' objections wait for an answer (the navigation shows it).
    pub unanswered: Option<u64>,
    /// On signed-in pages: the deployment (demo data loaded, public address set, the county's name).
    pub site: Option<crate::db::site::Site>,
}

impl Ctx {
    /// The signed-in account. Only absent on public routes, which do not call this.
    pub fn user(&self) -> Result<&Principal> {
        self.principal.as_ref().ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "{:?} reached without an account",
                self.route
            ))
        })
    }

    pub fn actor(&self) -> Result<Actor> {
        Ok(self.user()?.actor(&self.source))
    }

    /// The token this visitor's forms must carry.
    pub fn csrf(&self) -> Option<&str> {
        match &self.principal {
            Some(p) => p.session.as_ref().map(|s| s.csrf.as_str()),
            None => self.visitor_csrf.as_ref().map(|(t, _)| t.as_str()),
        }
    }

    /// A contractor is limited to its own organisation; staff see all.
    pub fn own_contractor(&self) -> Result<Option<i32>> {
        let p = self.user()?;
        Ok(if p.role == Role::Contractor {
            Some(p.contractor_id.unwrap_or(-1))
        } else {
            None
        })
    }

    /// The contractor behind a route only contractors reach (`Rule::Contractor`).
    pub fn own_firm(&self) -> Result<i32> {
        self.own_contractor()?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("{:?} reached by staff", self.route)))
    }
}

/// A request refused before its handler ran; the final `recover` turns it into the reply.
#[derive(Debug)]
pub struct Denied {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub api: bool,
    /// For pages: where to send a visitor who must sign in first.
    pub sign_in: Option<String>,
}

impl warp::reject::Reject for Denied {}

impl Denied {
    fn new(
        route: Route,
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Denied {
            status,
            code,
            message: message.into(),
            api: route.is_api(),
            sign_in: None,
        }
    }
}

/// Admits the request to `route` or refuses it, and tells the handler who is asking.
fn allow(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (Ctx,), Error = Rejection> + Clone + use<> {
    with_state(state)
        .and(
            warp::ext::optional::<super::server::Peer>()
                .map(|p: Option<super::server::Peer>| p.map(|p| p.0)),
        )
        .and(warp::header::headers_cloned())
        .and(warp::header::optional::<String>("authorization"))
        .and(warp::cookie::optional::<String>(SESSION_COOKIE))
        .and(warp::cookie::optional::<String>(CSRF_COOKIE))
        .and(warp::path::full())
        .and(
            warp::query::raw()
                .map(Some)
                .or(warp::any().map(|| None))
                .unify(),
        )
        .and_then(
            move |state: AppState,
                  remote: Option<SocketAddr>,
                  headers: warp::http::HeaderMap,
                  authorization: Option<String>,
                  session: Option<String>,
                  visitor: Option<String>,
                  path: warp::path::FullPath,
                  query: Option<String>| async move {
                edge_text(route, path.as_str(), query.as_deref()).map_err(warp::reject::custom)?;
                let forwarded: Vec<&str> = headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                let source = client_address(&state.settings, remote, &forwarded);
                // A person following a link from a page (a PDF, a ZIP) to an API route: no token, and the
                // browser asks for a page. Sent to sign in like a page is, not answered in JSON.
                let navigating = authorization.is_none()
                    && headers
                        .get(warp::http::header::ACCEPT)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|accept| accept.contains("text/html"));
                let credentials = Credentials {
                    authorization,
                    session,
                };
                let revisions = revisions::all(&state.db)
                    .await
                    .map_err(|e| warp::reject::custom(failed(route, e)))?;
                let principal = identify(&state, route, &credentials, revisions)
                    .await
                    .map_err(warp::reject::custom)?;
                decide(
                    route,
                    principal.as_ref(),
                    path.as_str(),
                    query.as_deref(),
                    navigating,
                )
                .map_err(warp::reject::custom)?;
                let visitor_csrf = match &principal {
                    Some(_) => None,
                    None => {
                        let key = state
                            .csrf_key()
                            .await
                            .map_err(|e| warp::reject::custom(failed(route, e)))?;
                        Some(match visitor.filter(|v| visitor_token_valid(key, v)) {
                            Some(v) => (v, false),
                            None => (visitor_token(key), true),
                        })
                    }
                };
                let staff_page = !route.is_api()
                    && route.is_read()
                    && principal.as_ref().is_some_and(|p| p.role.is_staff());
                let unanswered = if staff_page {
                    Some(
                        unanswered(&state, revisions.notices)
                            .await
                            .map_err(|e| warp::reject::custom(failed(route, e)))?,
                    )
                } else {
                    None
                };
                let site = if !route.is_api() && principal.is_some() {
                    Some(
                        crate::db::site::load(&state.db, &state.settings)
                            .await
                            .map_err(|e| warp::reject::custom(failed(route, e)))?,
                    )
                } else {
                    None
                };
                Ok::<_, Rejection>(Ctx {
                    route,
                    revisions,
                    principal,
                    source,
                    visitor_csrf,
                    unanswered,
                    site,
                })
            },
        )
}

/// The path and query must be text without control characters before any handler (or database) sees them:
/// PostgreSQL refuses a NUL mid-query (a 500), SQLite would store it. Refused with 400 naming the parameter.
fn edge_text(route: Route, path: &str, query: Option<&str>) -> Result<(), Denied> {
    let refuse = |name: &str| {
        let message = if route.is_api() {
            format!("{name}: must be UTF-8 text without control characters (such as NUL)")
        } else {
            format!("地址中的 {name} 含有无法识别的字符，请检查链接。")
        };
        Denied::new(route, StatusCode::BAD_REQUEST, "bad_request", message)
    };
    let path_ok = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .is_ok_and(|p| !p.chars().any(char::is_control));
    if !path_ok {
        return Err(refuse("path"));
    }
    let pairs = form_pairs(query.unwrap_or_default().as_bytes()).map_err(|name| refuse(&name))?;
    match pairs
        .iter()
        .find(|(name, value)| name.chars().chain(value.chars()).any(char::is_control))
    {
        Some((name, _)) => Err(refuse(name)),
        None => Ok(()),
    }
}

struct Credentials {
    authorization: Option<String>,
    session: Option<String>,
}

fn failed(route: Route, e: Error) -> Denied {
    tracing::error!(error = ?e, "checking credentials failed");
    Denied::new(
        route,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error",
    )
}

/// Finds the account behind the request's credentials. A bad token is refused outright (the caller
/// meant to be someone); a stale session cookie just means "not signed in".
///
/// Who a credential belongs to is kept per instance while the accounts' revision stands still (every
/// change that could end or alter access bumps it), so a request usually costs no query beyond
/// reading the revisions.
async fn identify(
    state: &AppState,
    route: Route,
    c: &Credentials,
    revisions: Revisions,
) -> Result<Option<Principal>, Denied> {
    let (key, secret, is_token) = if let Some(header) = &c.authorization {
        let Some(token) = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Err(unauthorized(
                route,
                "the Authorization header must be \"Bearer <token>\"",
            ));
        };
        (format!("t:{}", accounts::digest(token)), token, true)
    } else {
        match &c.session {
            // A cookie never writes through the API: a cross-site page could make a browser send one.
            Some(cookie) if !route.is_api() || route.is_read() => (
                format!("s:{}", accounts::digest(cookie)),
                cookie.as_str(),
                false,
            ),
            _ => return Ok(None),
        }
    };
    let now = chrono::Utc::now();
    let cached = state
        .credentials
        .get(&key, revisions.accounts)
        .filter(|c| c.current(now));
    let credential = match cached {
        Some(c) => Some(c),
        None => {
            let found = if is_token {
                accounts::token_credential(&state.db, secret).await
            } else {
                accounts::session_credential(&state.db, secret).await
            }
            .map_err(|e| failed(route, e))?;
            if let Some(c) = &found {
                state
                    .credentials
                    .put(key.clone(), revisions.accounts, c.clone());
            }
            found
        }
    };
    let Some(mut credential) = credential else {
        return if is_token {
            Err(unauthorized(
                route,
                "the token is unknown, expired or revoked",
            ))
        } else {
            Ok(None)
        };
    };
    if let Some((id, last_used)) = credential.token
        && let Some(at) = accounts::touch_token(&state.db, id, last_used)
            .await
            .map_err(|e| failed(route, e))?
    {
        credential.token = Some((id, Some(at)));
        state
            .credentials
            .put(key, revisions.accounts, credential.clone());
    }
    Ok(Some(credential.principal))
}

fn unauthorized(route: Route, message: &str) -> Denied {
    Denied::new(route, StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// The permission check itself.
fn decide(
    route: Route,
    principal: Option<&Principal>,
    path: &str,
    query: Option<&str>,
    navigating: bool,
) -> Result<(), Denied> {
    let rule = route.rule();
    match principal {
        _ if rule == Rule::Public => Ok(()),
        None if route.is_api() && navigating && route.is_read() => {
            let mut denied =
                Denied::new(route, StatusCode::UNAUTHORIZED, "unauthorized", "请先登录");
            denied.api = false;
            denied.sign_in = Some(sign_in_for(path, query));
            Err(denied)
        }
        None => {
            let mut denied = Denied::new(
                route,
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                if route.is_api() {
                    "sign in: send Authorization: Bearer <token> (see `jiugai token create`)"
                } else {
                    "请先登录"
                },
            );
            if !route.is_api() {
                denied.sign_in = Some(sign_in_for(path, query));
            }
            Err(denied)
        }
        Some(p) if rule.admits(p.role) => Ok(()),
        Some(p) => Err(Denied::new(
            route,
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("a {} account may not do this", p.role.code()),
        )),
    }
}

/// How many objections wait for an answer: counted once per notices' revision (every answer and every
/// objection moves it), on any instance.
async fn unanswered(state: &AppState, revision: i64) -> Result<u64> {
    if let Some(count) = state.unanswered.get("", revision) {
        return Ok(count);
    }
    let count = crate::db::notices::unanswered_count(&state.db).await?;
    state.unanswered.put(String::new(), revision, count);
    Ok(count)
}

/// The sign-in page, to come back to `path` (with its query) afterwards.
fn sign_in_for(path: &str, query: Option<&str>) -> String {
    let next = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    format!(
        "/sign-in?{}",
        serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
    )
}

/// The request's path parameters, if its path is `route`'s (404 otherwise), each parsed as its handler wants
/// it (a parameter that does not parse is also a 404, as if the path were unknown).
fn path(route: Route) -> impl Filter<Extract = (Vec<String>,), Error = Rejection> + Clone + use<> {
    warp::path::full().and_then(move |path: warp::path::FullPath| {
        std::future::ready(
            route
                .params(path.as_str())
                .map(|params| params.into_iter().map(str::to_owned).collect())
                .ok_or_else(warp::reject::not_found),
        )
    })
}

/// The route's method; any other is refused as 405 (the final reply lists the ones the path takes).
fn method(route: Route) -> warp::filters::BoxedFilter<()> {
    match route.method() {
        "GET" => warp::get().boxed(),
        "POST" => warp::post().boxed(),
        "PUT" => warp::put().boxed(),
        "DELETE" => warp::delete().boxed(),
        other => unreachable!("{route:?}: the route table has no method {other}"),
    }
}

fn parse<T: std::str::FromStr>(param: &str) -> std::result::Result<T, Rejection> {
    param.parse().map_err(|_| warp::reject::not_found())
}

fn expect_params(route: Route, count: usize) {
    assert_eq!(
        route.param_count(),
        count,
        "{route:?} is {}: its filter must take as many parameters",
        route.path()
    );
}

/// The request is for `route`, which has no path parameters: its path, then its method.
fn at0(route: Route) -> impl Filter<Extract = (), Error = Rejection> + Clone + use<> {
    expect_params(route, 0);
    path(route).map(|_| ()).untuple_one().and(method(route))
}

/// The request is for `route`, with one path parameter: gives it parsed.
fn at1<T: std::str::FromStr + Send + 'static>(
    route: Route,
) -> impl Filter<Extract = (T,), Error = Rejection> + Clone + use<T> {
    expect_params(route, 1);
    path(route)
        .and_then(|p: Vec<String>| std::future::ready(parse::<T>(&p[0])))
        .and(method(route))
}

/// The request is for `route`, with two path parameters.
fn at2<A, B>(route: Route) -> impl Filter<Extract = (A, B), Error = Rejection> + Clone + use<A, B>
where
    A: std::str::FromStr + Send + 'static,
    B: std::str::FromStr + Send + 'static,
{
    expect_params(route, 2);
    path(route)
        .and_then(|p: Vec<String>| {
            std::future::ready(parse::<A>(&p[0]).and_then(|a| Ok((a, parse::<B>(&p[1])?))))
        })
        .untuple_one()
        .and(method(route))
}

/// A route without path parameters: gives the handler who asks and the state.
pub fn route(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (Ctx, AppState), Error = Rejection> + Clone + use<> {
    at0(route).and(allow(state, route)).and(with_state(state))
}

/// A route with one path parameter: gives it to the handler first.
pub fn route1<T: std::str::FromStr + Send + 'static>(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (T, Ctx, AppState), Error = Rejection> + Clone + use<T> {
    at1::<T>(route)
        .and(allow(state, route))
        .and(with_state(state))
}

/// A route with two path parameters.
pub fn route2<A, B>(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (A, B, Ctx, AppState), Error = Rejection> + Clone + use<A, B>
where
    A: std::str::FromStr + Send + 'static,
    B: std::str::FromStr + Send + 'static,
{
    at2::<A, B>(route)
        .and(allow(state, route))
        .and(with_state(state))
}

/// A form posted to a route without path parameters: who asks, the checked form, the state.
pub fn post_form(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (Ctx, Form, AppState), Error = Rejection> + Clone + use<> {
    at0(route).and(form(state, route)).and(with_state(state))
}

/// A form posted to a route with one path parameter.
pub fn post_form1<T: std::str::FromStr + Send + 'static>(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (T, Ctx, Form, AppState), Error = Rejection> + Clone + use<T> {
    at1::<T>(route)
        .and(form(state, route))
        .and(with_state(state))
}

/// A form posted to a route with two path parameters.
pub fn post_form2<A, B>(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (A, B, Ctx, Form, AppState), Error = Rejection> + Clone + use<A, B>
where
    A: std::str::FromStr + Send + 'static,
    B: std::str::FromStr + Send + 'static,
{
    at2::<A, B>(route)
        .and(form(state, route))
        .and(with_state(state))
}

/// A form post to `route`: admitted like any request, then its body is read (capped) and its CSRF
/// token compared with the one this visitor was given. Cross-site posts never carry it.
fn form(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (Ctx, Form), Error = Rejection> + Clone + use<> {
    allow(state, route)
        .and(warp::header::optional::<String>("sec-fetch-site"))
        .and(warp::body::content_length_limit(MAX_FORM_BYTES))
        .and(warp::body::bytes())
        .and_then(
            move |ctx: Ctx, site: Option<String>, body: Bytes| async move {
                let pairs = form_pairs(&body).map_err(|field| not_text(route, &field))?;
                checked_form(route, ctx, site.as_deref(), pairs, Default::default())
            },
        )
        .untuple_one()
}

/// An upload form (`multipart/form-data`, up to `max_body_bytes`) posted to `route`: checked like [`form`],
/// its files kept beside its fields.
fn upload_form(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (Ctx, Form), Error = Rejection> + Clone + use<> {
    allow(state, route)
        .and(warp::header::optional::<String>("sec-fetch-site"))
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::content_length_limit(
            state.settings.max_body_bytes,
        ))
        .and(warp::body::bytes())
        .and_then(
            move |ctx: Ctx, site: Option<String>, kind: Option<String>, body: Bytes| async move {
                let (pairs, files) = match kind.as_deref() {
                    Some(k) if k.starts_with("multipart/form-data") => {
                        super::form::multipart_form(k, body)
                            .await
                            .map_err(|field| {
                                if field.is_empty() {
                                    invalid(
                                        route,
                                        "上传的表单不完整，请重新选择文件后提交。".into(),
                                    )
                                } else {
                                    not_text(route, &field)
                                }
                            })?
                    }
                    _ => (
                        form_pairs(&body).map_err(|field| not_text(route, &field))?,
                        Default::default(),
                    ),
                };
                checked_form(route, ctx, site.as_deref(), pairs, files)
            },
        )
        .untuple_one()
}

/// An upload form posted to a route without path parameters.
pub fn post_upload(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (Ctx, Form, AppState), Error = Rejection> + Clone + use<> {
    at0(route)
        .and(upload_form(state, route))
        .and(with_state(state))
}

/// An upload form posted to a route with one path parameter.
pub fn post_upload1<T: std::str::FromStr + Send + 'static>(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (T, Ctx, Form, AppState), Error = Rejection> + Clone + use<T> {
    at1::<T>(route)
        .and(upload_form(state, route))
        .and(with_state(state))
}

fn invalid(route: Route, message: String) -> Rejection {
    warp::reject::custom(Denied::new(
        route,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        message,
    ))
}

fn not_text(route: Route, field: &str) -> Rejection {
    invalid(
        route,
        format!("表单字段 {field} 不是 UTF-8 编码的文字，未保存任何内容。"),
    )
}

/// The checks every posted form passes: not cross-site, no control characters in its text, and the CSRF
/// token this visitor was given.
fn checked_form(
    route: Route,
    ctx: Ctx,
    site: Option<&str>,
    pairs: Vec<(String, String)>,
    files: std::collections::HashMap<String, super::form::Upload>,
) -> std::result::Result<(Ctx, Form), Rejection> {
    let refuse =
        |m: &str| warp::reject::custom(Denied::new(route, StatusCode::FORBIDDEN, "csrf", m));
    if site == Some("cross-site") {
        return Err(refuse("跨站提交的表单不被接受。"));
    }
    if let Some((field, _)) = pairs
        .iter()
        .find(|(name, value)| !super::body::clean_text(name) || !super::body::clean_text(value))
    {
        return Err(invalid(
            route,
            format!("表单字段 {field} 含有控制字符，未保存任何内容。"),
        ));
    }
    let form = Form::with_files(pairs, files);
    let expected = ctx
        .csrf()
        .filter(|_| !matches!(ctx.visitor_csrf, Some((_, true))));
    let given = form.get("csrf").unwrap_or_default();
    match expected {
        Some(e) if bool::from(e.as_bytes().ct_eq(given.as_bytes())) => Ok((ctx, form)),
        _ => Err(refuse("表单已过期或来源不明，请返回刷新页面后重新提交。")),
    }
}

/// A `Set-Cookie` value: never readable by scripts, sent only to this site, `Secure` unless
/// configured off. The session cookie is `SameSite=Lax` (a link from elsewhere arrives signed in; a
/// cross-site form post does not carry it); the visitor's CSRF cookie is `Strict`. `max_age`: seconds,
/// `Some(0)` deletes; `None` lasts until the browser closes.
pub fn cookie(
    settings: &crate::config::Settings,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> std::result::Result<warp::http::HeaderValue, warp::http::header::InvalidHeaderValue> {
    let same_site = if name == SESSION_COOKIE {
        "Lax"
    } else {
        "Strict"
    };
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if settings.cookie_secure {
        cookie.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    warp::http::HeaderValue::from_str(&cookie)
}
