//! The web layer: the JSON API, the HTML pages, and the server around them.

pub mod access;
pub mod account_pages;
pub mod accounts;
pub mod api;
pub mod body;
pub mod cache;
pub mod error;
pub mod html;
pub mod json;
pub mod notice_pages;
pub mod notices;
pub mod pages;
pub mod plans;
pub mod projects;
pub mod query;
pub mod reply;
pub mod server;
pub mod state;
pub mod svg;
pub mod templates;
pub mod work_orders;
pub mod work_pages;

use std::convert::Infallible;
use std::net::SocketAddr;

use warp::Filter;
use warp::http::{HeaderValue, header};
use warp::reply::{Reply, Response};

pub use state::{AppState, with_state};

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
        .or(features(state))
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

/// Each feature's API, then its pages. No feature mounts another: only this chain knows them all. (Boxed in
/// two groups: one chain of them all is a type too deep for the compiler.)
fn features(state: AppState) -> warp::filters::BoxedFilter<(Response,)> {
    let api = api::routes(state.clone())
        .or(plans::api_routes(state.clone()).boxed())
        .unify()
        .or(projects::api_routes(state.clone()).boxed())
        .unify()
        .or(work_orders::api_routes(state.clone()).boxed())
        .unify()
        .or(notices::api_routes(state.clone()).boxed())
        .unify()
        .or(accounts::routes(state.clone()).boxed())
        .unify()
        .boxed();
    let pages = pages::routes(state.clone())
        .or(plans::page_routes(state.clone()).boxed())
        .unify()
        .or(work_pages::page_routes(state.clone()).boxed())
        .unify()
        .or(notice_pages::page_routes(state.clone()).boxed())
        .unify()
        .or(account_pages::routes(state).boxed())
        .unify()
        .boxed();
    api.or(pages).unify().boxed()
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

/// Binds the address; returns the listener and the address actually bound (port 0 picks one).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
