//! Who may do what: every route of the service, the one rule each obeys, and the filter that
//! enforces it before a handler runs (after path and method, before the body is read).
//!
//! Credentials: API calls send `Authorization: Bearer TOKEN`; browsers carry a session cookie, which the
//! API honours for reading only (a cookie alone never writes through the API, so the API needs no CSRF
//! tokens). Every form post carries a CSRF token: the session's, or for a visitor not signed in, the one
//! in their `jiugai_csrf` cookie.

use std::collections::HashMap;
use std::net::SocketAddr;

use bytes::Bytes;
use subtle::ConstantTimeEq;
use warp::http::StatusCode;
use warp::{Filter, Rejection};

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

/// Who a route admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone, signed in or not (residents included).
    Public,
    /// Any signed-in account; the handler limits it to the account's own objects.
    SignedIn,
    /// Bureau staff: planners and admins.
    Staff,
    /// Planners: the bureau's writes to catalog, scope, plans, contractors, work orders, notices.
    Planner,
    /// Contractor accounts, acting on what was issued to their own firm (acknowledgements, progress).
    Contractor,
    /// Admins: accounts, policy settings, the audit log.
    Admin,
}

impl Rule {
    pub fn admits(self, role: Role) -> bool {
        match self {
            Rule::Public | Rule::SignedIn => true,
            Rule::Staff => role.is_staff(),
            Rule::Planner => role == Role::Planner,
            Rule::Contractor => role == Role::Contractor,
            Rule::Admin => role == Role::Admin,
        }
    }
}

macro_rules! routes {
    ($($name:ident = ($method:literal, $path:literal, $rule:ident)),+ $(,)?) => {
        /// Every route of the service. Adding one means giving it a rule here, and the access-matrix
        /// test an expectation for every role.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Route { $($name),+ }

        impl Route {
            pub const ALL: &'static [Route] = &[$(Route::$name),+];

            /// The one place a route's permission is decided.
            pub fn rule(self) -> Rule {
                match self { $(Route::$name => Rule::$rule),+ }
            }

            pub fn method(self) -> &'static str {
                match self { $(Route::$name => $method),+ }
            }

            /// The path, with `{…}` for its parameters, as in `openapi.yaml`.
            pub fn path(self) -> &'static str {
                match self { $(Route::$name => $path),+ }
            }
        }
    };
}

routes! {
    Healthz = ("GET", "/healthz", Public),
    OpenApi = ("GET", "/openapi.yaml", Public),
    Stylesheet = ("GET", "/static/app.css", Public),
    SignInPage = ("GET", "/sign-in", Public),
    SignIn = ("POST", "/sign-in", Public),
    LinkPage = ("GET", "/sign-in/link/{token}", Public),
    RedeemLink = ("POST", "/sign-in/link/{token}", Public),
    SignOut = ("POST", "/sign-out", SignedIn),
    AccountPage = ("GET", "/account", SignedIn),
    AccountCreateToken = ("POST", "/account/tokens", SignedIn),
    AccountRevokeToken = ("POST", "/account/tokens/{id}/revoke", SignedIn),
    UsersPage = ("GET", "/admin/users", Admin),
    UsersCreate = ("POST", "/admin/users", Admin),
    UsersUpdate = ("POST", "/admin/users/{username}", Admin),
    UsersLink = ("POST", "/admin/users/{username}/link", Admin),
    UserTokensPage = ("GET", "/admin/users/{username}/tokens", Admin),
    UserTokenRevoke = ("POST", "/admin/users/{username}/tokens/{id}/revoke", Admin),
    AuditPage = ("GET", "/admin/audit", Admin),
    Overview = ("GET", "/", SignedIn),
    CompoundsPage = ("GET", "/compounds", Staff),
    CompoundPage = ("GET", "/compounds/{code}", Staff),
    MapPage = ("GET", "/map", Staff),
    PlansPage = ("GET", "/plans", Staff),
    PlanCreate = ("POST", "/plans", Planner),
    ComparePage = ("GET", "/plans/compare", Staff),
    PlanPage = ("GET", "/plans/{id}", Staff),
    PlanRun = ("POST", "/plans/{id}/runs", Planner),
    PlanMove = ("POST", "/plans/{id}/moves", Planner),
    PlanApprove = ("POST", "/plans/{id}/approve", Planner),
    ProjectsPage = ("GET", "/projects", Staff),
    ProjectPage = ("GET", "/projects/{code}", Staff),
    AssignPage = ("POST", "/projects/{code}", Planner),
    IssuePage = ("POST", "/projects/{code}/work-orders", Planner),
    WorkOrdersPage = ("GET", "/work-orders", SignedIn),
    WorkOrderPage = ("GET", "/work-orders/{number}", SignedIn),
    AcknowledgePage = ("POST", "/work-orders/{number}/acknowledge", Contractor),
    ReportPage = ("POST", "/work-orders/{number}/reports", Contractor),
    PublicNotices = ("GET", "/notices", Public),
    PublicNotice = ("GET", "/notices/{id}", Public),
    PublicNoticePdf = ("GET", "/notices/{id}.pdf", Public),
    SubmitObjection = ("POST", "/notices/{id}/objections", Public),
    SubmitRating = ("POST", "/notices/{id}/ratings", Public),
    NoticesAdminPage = ("GET", "/bureau/notices", Staff),
    NoticeCreatePage = ("POST", "/bureau/notices", Planner),
    NoticeAdminPage = ("GET", "/bureau/notices/{id}", Staff),
    NoticeEditPage = ("POST", "/bureau/notices/{id}", Planner),
    NoticePublishPage = ("POST", "/bureau/notices/{id}/publish", Planner),
    NoticeDeletePage = ("POST", "/bureau/notices/{id}/delete", Planner),
    AnswerPage = ("POST", "/bureau/objections/{id}/answer", Planner),
    SatisfactionPage = ("GET", "/bureau/satisfaction", Staff),
    Me = ("GET", "/api/me", SignedIn),
    ListTokens = ("GET", "/api/tokens", SignedIn),
    RevokeToken = ("DELETE", "/api/tokens/{id}", SignedIn),
    ListContractors = ("GET", "/api/contractors", SignedIn),
    GetContractor = ("GET", "/api/contractors/{code}", SignedIn),
    CreateContractor = ("POST", "/api/contractors", Planner),
    UpdateContractor = ("PUT", "/api/contractors/{code}", Planner),
    ListCompounds = ("GET", "/api/compounds", Staff),
    ExportCompounds = ("GET", "/api/compounds.geojson", Staff),
    GetCompound = ("GET", "/api/compounds/{code}", Staff),
    CreateCompound = ("POST", "/api/compounds", Planner),
    UpdateCompound = ("PUT", "/api/compounds/{code}", Planner),
    ArchiveCompound = ("POST", "/api/compounds/{code}/archive", Planner),
    Towns = ("GET", "/api/towns", Staff),
    WorkItems = ("GET", "/api/work-items", Staff),
    Policy = ("GET", "/api/policy", Staff),
    ListScenarios = ("GET", "/api/scenarios", Staff),
    CreateScenario = ("POST", "/api/scenarios", Planner),
    CompareScenarios = ("GET", "/api/scenarios/compare", Staff),
    GetScenario = ("GET", "/api/scenarios/{id}", Staff),
    UpdateScenario = ("PUT", "/api/scenarios/{id}", Planner),
    DeleteScenario = ("DELETE", "/api/scenarios/{id}", Planner),
    RunScenario = ("POST", "/api/scenarios/{id}/runs", Planner),
    MoveCompound = ("POST", "/api/scenarios/{id}/moves", Planner),
    ApproveBatch = ("POST", "/api/scenarios/{id}/approve", Planner),
    ListProjects = ("GET", "/api/projects", SignedIn),
    GetProject = ("GET", "/api/projects/{code}", SignedIn),
    UpdateProject = ("PUT", "/api/projects/{code}", Planner),
    IssueWorkOrder = ("POST", "/api/projects/{code}/work-orders", Planner),
    ListWorkOrders = ("GET", "/api/work-orders", SignedIn),
    WorkOrdersZip = ("GET", "/api/work-orders.zip", SignedIn),
    GetWorkOrder = ("GET", "/api/work-orders/{number}", SignedIn),
    WorkOrderPdf = ("GET", "/api/work-orders/{number}/pdf", SignedIn),
    AcknowledgeWorkOrder = ("POST", "/api/work-orders/{number}/acknowledge", Contractor),
    ReportProgress = ("POST", "/api/work-orders/{number}/reports", Contractor),
    ListNotices = ("GET", "/api/notices", Staff),
    CreateNotice = ("POST", "/api/notices", Planner),
    NoticeStats = ("GET", "/api/notices/stats", Staff),
    GetNotice = ("GET", "/api/notices/{id}", Staff),
    UpdateNotice = ("PUT", "/api/notices/{id}", Planner),
    DeleteNotice = ("DELETE", "/api/notices/{id}", Planner),
    PublishNotice = ("POST", "/api/notices/{id}/publish", Planner),
    NoticePdf = ("GET", "/api/notices/{id}/pdf", Staff),
    ListObjections = ("GET", "/api/notices/{id}/objections", Staff),
    AnswerObjection = ("POST", "/api/objections/{id}/answer", Planner),
    SatisfactionStats = ("GET", "/api/satisfaction", Staff),
    ListUsers = ("GET", "/api/users", Admin),
    CreateUser = ("POST", "/api/users", Admin),
    UpdateUser = ("PUT", "/api/users/{username}", Admin),
    IssueLink = ("POST", "/api/users/{username}/sign-in-link", Admin),
    ListUserTokens = ("GET", "/api/users/{username}/tokens", Admin),
    RevokeUserToken = ("DELETE", "/api/users/{username}/tokens/{id}", Admin),
    Audit = ("GET", "/api/audit", Admin),
    AuditCsv = ("GET", "/api/audit.csv", Admin),
}

impl Route {
    /// API routes answer in JSON; the others are pages.
    pub fn is_api(self) -> bool {
        self.path().starts_with("/api/")
    }

    fn is_read(self) -> bool {
        self.method() == "GET"
    }

    /// Whether this route's path pattern matches `path` (no query): `{…}` stands for one segment, with
    /// any literal text around it in that segment (`{id}.pdf`).
    pub fn matches(self, path: &str) -> bool {
        let mut pattern = self.path().split('/');
        let mut given = path.split('/');
        loop {
            match (pattern.next(), given.next()) {
                (None, None) => return true,
                (Some(p), Some(g)) if segment_matches(p, g) => {}
                _ => return false,
            }
        }
    }

    /// The routes whose path pattern matches `path`: what `Allow` lists when the method is wrong.
    pub fn at(path: &str) -> impl Iterator<Item = Route> + '_ {
        Route::ALL.iter().copied().filter(move |r| r.matches(path))
    }
}

fn segment_matches(pattern: &str, given: &str) -> bool {
    match (pattern.find('{'), pattern.rfind('}')) {
        (Some(open), Some(close)) => {
            let (prefix, suffix) = (&pattern[..open], &pattern[close + 1..]);
            given.len() > prefix.len() + suffix.len()
                && given.starts_with(prefix)
                && given.ends_with(suffix)
        }
        _ => pattern == given,
    }
}

/// Whether `target` (a path of this service, with or without a query) is a page a `role` may open.
pub fn opens(target: &str, role: Role) -> bool {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    Route::at(path).any(|r| r.method() == "GET" && !r.is_api() && r.rule().admits(role))
}

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

/// The client's address: the peer's, or behind `trusted_proxies` reverse proxies (with `trust_forwarded_for`)
/// the entry of `X-Forwarded-For` that the outermost trusted proxy appended. Entries are read over *all* the
/// header's lines (a proxy may add a line instead of extending the first) and counted from the right, since
/// anything left of what our own proxies appended is whatever the client chose to send.
fn client_address(
    settings: &crate::config::Settings,
    remote: Option<SocketAddr>,
    forwarded: &[&str],
) -> String {
    let direct = remote.map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    if !settings.trust_forwarded_for {
        return direct;
    }
    let entries: Vec<&str> = forwarded
        .iter()
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .collect();
    // Fewer entries than proxies: the request came in past the outer ones; the innermost line is still ours.
    let hops = (settings.trusted_proxies.max(1) as usize).min(entries.len());
    entries
        .len()
        .checked_sub(hops)
        .and_then(|i| entries.get(i))
        .and_then(|a| a.parse::<std::net::IpAddr>().ok())
        .map_or(direct, |ip| ip.to_string())
}

/// Admits the request to `route` or refuses it, and tells the handler who is asking.
pub fn allow(
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
                decide(route, principal.as_ref(), path.as_str(), query.as_deref())
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
                Ok::<_, Rejection>(Ctx {
                    route,
                    revisions,
                    principal,
                    source,
                    visitor_csrf,
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

/// A visitor's CSRF token: a random nonce and its HMAC-SHA256 under the service's key. Only tokens the service
/// issued pass, so a sibling subdomain that plants a cookie of its choosing cannot forge a form post.
fn visitor_token(key: &[u8]) -> String {
    let nonce = accounts::new_secret("");
    format!("{nonce}.{}", visitor_mac(key, &nonce))
}

fn visitor_mac(key: &[u8], nonce: &str) -> String {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(nonce.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn visitor_token_valid(key: &[u8], token: &str) -> bool {
    match token.split_once('.') {
        Some((nonce, mac)) if nonce.len() == 43 => {
            bool::from(visitor_mac(key, nonce).as_bytes().ct_eq(mac.as_bytes()))
        }
        _ => false,
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
) -> Result<(), Denied> {
    let rule = route.rule();
    match principal {
        _ if rule == Rule::Public => Ok(()),
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
                let next = match query {
                    Some(q) => format!("{path}?{q}"),
                    None => path.to_owned(),
                };
                denied.sign_in = Some(format!(
                    "/sign-in?{}",
                    serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
                ));
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

/// A posted HTML form, after its CSRF token was checked.
#[derive(Debug, Clone, Default)]
pub struct Form(HashMap<String, String>);

impl Form {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn text(&self, key: &str) -> &str {
        self.get(key).unwrap_or_default()
    }

    /// The version of the record the form was made from (its hidden `version` field): edits from a stale page
    /// are refused by the write, never applied over someone else's.
    pub fn version(&self) -> Result<i32> {
        self.text("version")
            .trim()
            .parse()
            .map_err(|_| Error::invalid("version", "the page is out of date; reload it"))
    }
}

/// Decodes an `application/x-www-form-urlencoded` body strictly: a name or value that is not UTF-8 once
/// percent-decoded is refused, naming its field, where a lenient decoder (serde_urlencoded's) would store
/// U+FFFD in place of what the resident typed.
fn form_pairs(body: &[u8]) -> std::result::Result<Vec<(String, String)>, String> {
    let decode = |raw: &[u8]| {
        let spaced: Vec<u8> = raw
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_encoding::percent_decode(&spaced)
            .decode_utf8()
            .map(|s| s.into_owned())
    };
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            let name = decode(name).map_err(|_| String::from_utf8_lossy(name).into_owned())?;
            let value = decode(value).map_err(|_| name.clone())?;
            Ok((name, value))
        })
        .collect()
}

/// A form post to `route`: admitted like any request, then its body is read (capped) and its CSRF
/// token compared with the one this visitor was given. Cross-site posts never carry it.
pub fn form(
    state: &AppState,
    route: Route,
) -> impl Filter<Extract = (Ctx, Form), Error = Rejection> + Clone + use<> {
    allow(state, route)
        .and(warp::header::optional::<String>("sec-fetch-site"))
        .and(warp::body::content_length_limit(MAX_FORM_BYTES))
        .and(warp::body::bytes())
        .and_then(
            move |ctx: Ctx, site: Option<String>, body: Bytes| async move {
                let refuse = |m: &str| {
                    warp::reject::custom(Denied::new(route, StatusCode::FORBIDDEN, "csrf", m))
                };
                if site.as_deref() == Some("cross-site") {
                    return Err(refuse("跨站提交的表单不被接受。"));
                }
                let pairs = form_pairs(&body).map_err(|field| {
                    warp::reject::custom(Denied::new(
                        route,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        format!("表单字段 {field} 不是 UTF-8 编码的文字，未保存任何内容。"),
                    ))
                })?;
                if let Some((field, _)) = pairs.iter().find(|(name, value)| {
                    !super::body::clean_text(name) || !super::body::clean_text(value)
                }) {
                    return Err(warp::reject::custom(Denied::new(
                        route,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        format!("表单字段 {field} 含有控制字符，未保存任何内容。"),
                    )));
                }
                let form = Form(pairs.into_iter().collect());
                let expected = ctx
                    .csrf()
                    .filter(|_| !matches!(ctx.visitor_csrf, Some((_, true))));
                let given = form.get("csrf").unwrap_or_default();
                match expected {
                    Some(e) if bool::from(e.as_bytes().ct_eq(given.as_bytes())) => Ok((ctx, form)),
                    _ => Err(refuse("表单已过期或来源不明，请返回刷新页面后重新提交。")),
                }
            },
        )
        .untuple_one()
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

#[cfg(test)]
mod tests {
    use super::{client_address, form_pairs};
    use crate::config::Settings;

    #[test]
    fn only_visitor_tokens_signed_with_the_key_pass() {
        let key = b"the service's key";
        let token = super::visitor_token(key);
        assert!(super::visitor_token_valid(key, &token));
        assert!(!super::visitor_token_valid(b"another key", &token));
        let (nonce, _) = token.split_once('.').unwrap();
        assert!(!super::visitor_token_valid(key, &format!("{nonce}.forged")));
        assert!(!super::visitor_token_valid(key, &"a".repeat(40)));
        assert!(!super::visitor_token_valid(key, ""));
    }

    #[test]
    fn the_client_is_the_entry_our_own_proxies_appended() {
        let peer = Some("10.0.0.2:5000".parse().unwrap());
        let behind = |proxies: u32| Settings {
            trust_forwarded_for: true,
            trusted_proxies: proxies,
            ..Settings::default()
        };
        // Not trusted: the peer, whatever the header says.
        assert_eq!(
            client_address(&Settings::default(), peer, &["1.2.3.4"]),
            "10.0.0.2"
        );
        // One proxy that appends a line of its own: the client's first line is ignored.
        assert_eq!(
            client_address(&behind(1), peer, &["6.6.6.6", "203.0.113.9"]),
            "203.0.113.9"
        );
        assert_eq!(
            client_address(&behind(1), peer, &["6.6.6.6, 203.0.113.9"]),
            "203.0.113.9"
        );
        // Two proxies (CDN, then ours): the CDN's entry names the client.
        assert_eq!(
            client_address(&behind(2), peer, &["6.6.6.6, 198.51.100.7", "192.0.2.1"]),
            "198.51.100.7"
        );
        assert_eq!(
            client_address(&behind(2), peer, &["198.51.100.7"]),
            "198.51.100.7"
        );
        // Garbage where the address should be: the peer.
        assert_eq!(
            client_address(&behind(1), peer, &["1.2.3.4, not-an-ip"]),
            "10.0.0.2"
        );
        assert_eq!(client_address(&behind(1), peer, &[]), "10.0.0.2");
    }

    #[test]
    fn a_form_body_decodes_plus_percent_and_chinese() {
        let pairs =
            form_pairs(b"building_unit=3%E6%A0%8B2%E5%8D%95%E5%85%83&name=&text=a+b%2Bc&flag")
                .unwrap();
        assert_eq!(
            pairs,
            [
                ("building_unit".to_owned(), "3栋2单元".to_owned()),
                ("name".to_owned(), String::new()),
                ("text".to_owned(), "a b+c".to_owned()),
                ("flag".to_owned(), String::new()),
            ]
        );
        assert_eq!(form_pairs(b"").unwrap(), []);
        assert_eq!(
            form_pairs(b"a=1&&b=%zz").unwrap()[1].1,
            "%zz",
            "a stray % stays as typed"
        );
    }

    #[test]
    fn broken_utf8_is_refused_naming_its_field() {
        assert_eq!(form_pairs(b"mobile=138&text=%E6%A0").unwrap_err(), "text");
        assert_eq!(form_pairs(b"text=\xff").unwrap_err(), "text");
        assert_eq!(form_pairs(b"t%FFx=1").unwrap_err(), "t%FFx");
    }
}
