//! The web layer: the JSON API, the HTML pages, and the server around them.

pub mod access;
pub mod account_pages;
pub mod accounts;
pub mod api;
pub mod body;
pub mod cache;
pub mod error;
pub mod notice_pages;
pub mod notices;
pub mod pages;
pub mod plans;
pub mod projects;
pub mod server;
pub mod svg;
pub mod work_orders;
pub mod work_pages;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use warp::Filter;
use warp::http::{HeaderValue, header};
use warp::reply::{Reply, Response};

use crate::config::Settings;

/// What every handler may use. Nothing here is per-process state that would break a second instance
/// behind the same load balancer: the database holds it all.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub templates: Arc<minijinja::Environment<'static>>,
    /// Rendered compound lists, checked against the database's revision on every request.
    pub list_cache: Arc<cache::RevisionCache<bytes::Bytes>>,
    /// Who each recently seen session cookie or API token (by digest) belongs to, checked against the
    /// accounts' revision on every request.
    pub credentials: Arc<cache::RevisionCache<crate::db::accounts::Credential>>,
    /// The public holiday calendar that notice periods count working days on.
    pub calendar: Arc<crate::domain::calendar::HolidayCalendar>,
    pub notice_templates: Arc<crate::notice_templates::NoticeTemplates>,
    /// Public notice pages as rendered, checked against the notices' revision (and the minute: they count down).
    pub notice_pages: Arc<cache::RevisionCache<notice_pages::Cached>>,
    /// Every published notice as the public list shows them, kept per notices' revision and minute.
    pub public_notices: Arc<cache::RevisionCache<Arc<notice_pages::PublicNotices>>>,
    /// Pages of the public notice list as rendered, per query.
    pub notice_lists: Arc<cache::RevisionCache<notice_pages::CachedList>>,
    /// Notices' papers (PDF) as rendered: deterministic, so kept per notice and revision.
    pub notice_pdfs: Arc<cache::RevisionCache<(String, work_orders::Pdf)>>,
    /// The key visitors' CSRF tokens are signed with: the same on every instance (it lives in the database),
    /// read on first need.
    csrf_key: Arc<tokio::sync::OnceCell<Vec<u8>>>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings) -> anyhow::Result<Self> {
        Ok(AppState {
            db,
            templates: Arc::new(pages::templates()?),
            list_cache: Arc::default(),
            credentials: Arc::default(),
            calendar: Arc::new(settings.calendar()?),
            notice_templates: Arc::new(crate::notice_templates::NoticeTemplates::new(
                settings.notice_templates.clone(),
            )),
            notice_pages: Arc::default(),
            public_notices: Arc::default(),
            notice_lists: Arc::default(),
            notice_pdfs: Arc::default(),
            csrf_key: Arc::default(),
            settings: Arc::new(settings),
        })
    }

    /// The key visitors' CSRF tokens are signed with.
    pub async fn csrf_key(&self) -> crate::error::Result<&[u8]> {
        self.csrf_key
            .get_or_try_init(|| crate::db::accounts::service_secret(&self.db, "csrf"))
            .await
            .map(Vec::as_slice)
    }
}

pub fn with_state(
    state: &AppState,
) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone + use<> {
    let state = state.clone();
    warp::any().map(move || state.clone())
}

pub const OPENAPI: &str = include_str!("../../openapi.yaml");

/// Every route of the service, with the final error handling and the headers every response gets.
pub fn routes(state: AppState) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let healthz = warp::path!("healthz")
        .and(warp::get())
        .and(access::allow(&state, access::Route::Healthz))
        .and(with_state(&state))
        .then(api::healthz);
    let openapi = warp::path!("openapi.yaml")
        .and(warp::get())
        .and(access::allow(&state, access::Route::OpenApi))
        .map(|_: access::Ctx| {
            warp::reply::with_header(OPENAPI, header::CONTENT_TYPE, "application/yaml")
                .into_response()
        });
    let all = healthz
        .map(|r: Result<Response, Infallible>| r.unwrap_or_else(|never| match never {}))
        .or(openapi)
        .unify()
        .or(api::routes(state.clone()).boxed())
        .unify()
        .or(pages::routes(state).boxed())
        .unify()
        .recover(error::recover)
        .unify();
    warp::path::full()
        .and(all)
        .map(|path: warp::path::FullPath, response: Response| {
            error::with_allow(path.as_str(), response)
        })
        .map(secure)
        .with(warp::trace(|info| {
            // One-time sign-in links carry their secret in the path: keep it out of the logs.
            let path = info.path();
            let path = match path.find("/sign-in/link/") {
                Some(i) => format!("{}/sign-in/link/…", &path[..i]),
                None => path.to_owned(),
            };
            tracing::info_span!("request", method = %info.method(), path = %path)
        }))
}

/// Headers every response carries: no scripts but our own files, no framing, no sniffing.
fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight; see [`server`] for the limits.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) {
    let limits = server::Limits::of(&state.settings);
    server::run(
        warp::service(routes(state)),
        listener,
        limits,
        shutdown_signal(),
    )
    .await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// A response body produced by `produce`, which sends chunks into the channel it is given (and stops
/// when a send fails: the client went away). Runs as its own task, a few chunks ahead of the client.
pub fn stream_chunks<F, Fut>(
    produce: F,
) -> tokio_stream::wrappers::ReceiverStream<Result<bytes::Bytes, std::io::Error>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<bytes::Bytes, std::io::Error>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(produce(tx));
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// Binds the address; returns the listener and the address actually bound (port 0 picks one).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
