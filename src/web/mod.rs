//! The web layer: the JSON API, the HTML pages, and the server around them.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod body;
pub mod cache;
pub mod catalog;
pub mod client;
pub mod compounds;
pub mod contractors;
pub mod dashboard;
pub mod error;
pub mod form;
pub mod html;
pub mod json;
pub mod lifts;
pub mod list_query;
pub mod money;
pub mod notices;
pub mod plans;
pub mod projects;
pub mod query;
pub mod reply;
pub mod requests;
pub mod returns;
pub mod routes;
pub mod satisfaction;
pub mod server;
pub mod service;
pub mod settings;
pub mod setup;
pub mod sheets;
pub mod state;
pub mod svg;
pub mod templates;
pub mod wording;

use std::convert::Infallible;
use std::net::SocketAddr;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::HeaderValue;
use warp::reply::{Reply, Response};

pub use state::AppState;

/// Every route of the service, with the final error handling and the headers every response gets.
pub fn routes(state: AppState) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let all = features(&state).recover(error::recover).unify();
    warp::path::full()
        .and(all)
        .map(move |path: warp::path::FullPath, response: Response| {
            let response = error::with_allow(path.as_str(), response);
            not_found_for_people(&state, path.as_str(), response)
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

/// A path no route knows, outside the API: a page in Chinese, in the residents' layout under `/notices`,
/// rather than the API's JSON.
fn not_found_for_people(state: &AppState, path: &str, response: Response) -> Response {
    let is_json = response
        .headers()
        .get(warp::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() != warp::http::StatusCode::NOT_FOUND
        || !is_json
        || path.starts_with("/api/")
    {
        return response;
    }
    let template = if path.starts_with("/notices") {
        "public_error.html"
    } else {
        "error.html"
    };
    let context = serde_json::json!({"title": "出错了", "status": 404,
        "message": "没有找到这个页面或记录。请检查网址。"});
    let html = state
        .templates
        .get_template(template)
        .and_then(|t| t.render(minijinja::value::Serde(&context)))
        .unwrap_or_else(|_| "<!doctype html><title>出错了</title><p>没有找到这个页面。</p>".into());
    let mut page =
        warp::reply::with_status(warp::reply::html(html), warp::http::StatusCode::NOT_FOUND)
            .into_response();
    page.headers_mut().insert(
        warp::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    page
}

/// Every feature's routes. No feature mounts another: only this chain knows them all. Each feature's filter
/// is boxed (one chain of them all unboxed is a type too deep for the compiler). Which route a request is for
/// does not depend on this order: each route's filter matches only its own declaration in `routes.rs`.
fn features(state: &AppState) -> BoxedFilter<(Response,)> {
    let groups = [
        service::routes(state),
        // Before the compounds: `/compounds/import` is not a compound's code.
        sheets::routes(state),
        compounds::routes(state),
        lifts::routes(state),
        catalog::routes(state),
        plans::routes(state),
        projects::routes(state),
        notices::routes(state),
        requests::routes(state),
        satisfaction::routes(state),
        accounts::routes(state),
        contractors::routes(state),
        money::routes(state),
        returns::routes(state),
        dashboard::routes(state),
        settings::routes(state),
        setup::routes(state),
        audit::routes(state),
    ];
    groups
        .into_iter()
        .reduce(|all, next| all.or(next).unify().boxed())
        .unwrap_or_else(|| unreachable!("the service has routes"))
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
