//! The connection loop around the routes: what warp's own server leaves open.
//!
//! warp's server sets no timer, so a client that sends its headers one byte a second (or opens a connection and
//! says nothing) holds a connection and a file descriptor for ever; 1,100 of them made normal requests time out.
//! Here every connection gets `header_timeout` to send each request's headers (the same clock closes an idle
//! keep-alive connection), `request_timeout` for the request as a whole (a body trickled in), and the service
//! holds at most `max_connections` at once, `max_connections_per_address` of them from one address when clients
//! connect directly. A trickle then costs the attacker a new connection every few seconds, from an address of
//! theirs, and leaves room for everyone else.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use warp::http::{Request, StatusCode};
use warp::reply::{Reply, Response};

use crate::config::Settings;

/// The peer's address, put on every request for the access filter (warp's own is set only by warp's server).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// The limits, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
    /// `None` behind a proxy: every connection then comes from the proxy's address.
    pub max_per_address: Option<usize>,
}

impl Limits {
    pub fn of(settings: &Settings) -> Limits {
        Limits {
            header_timeout: Duration::from_secs(settings.header_timeout_secs.max(1)),
            request_timeout: Duration::from_secs(settings.request_timeout_secs.max(1)),
            max_connections: settings.max_connections.max(1),
            max_per_address: (!settings.trust_forwarded_for)
                .then_some(settings.max_connections_per_address.max(1)),
        }
    }
}

/// Open connections per address.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

/// One connection counted against its address while it lives.
struct Counted {
    table: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    fn enter(table: &Arc<PerAddress>, ip: IpAddr, max: Option<usize>) -> Option<Counted> {
        let mut open = table.0.lock().ok()?;
        let n = open.entry(ip).or_default();
        if max.is_some_and(|max| *n >= max) {
            return None;
        }
        *n += 1;
        Some(Counted {
            table: table.clone(),
            ip,
        })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if let Ok(mut open) = self.table.0.lock()
            && let Some(n) = open.get_mut(&self.ip)
        {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves `service` (the routes, as `warp::service` makes them) on `listener` until `shutdown` completes, then
/// lets the requests in flight finish.
pub async fn run<S>(
    service: S,
    listener: TcpListener,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) where
    S: tower_service::Service<Request<Incoming>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress::default());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // At the ceiling, wait for a connection to end before taking another from the kernel's queue.
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, usually: give connections a moment to close.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(counted) = PerAddress::enter(&per_address, peer.ip(), limits.max_per_address)
        else {
            tracing::debug!(%peer, "too many connections from one address: closed");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let request_timeout = limits.request_timeout;
        let handler = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(Peer(peer));
            let mut service = service.clone();
            async move {
                let call = tower_service::Service::call(&mut service, request);
                Ok::<_, Infallible>(match tokio::time::timeout(request_timeout, call).await {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(_) => timed_out(),
                })
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), handler);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(permit);
            drop(counted);
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing requests in flight");
    graceful.shutdown().await;
}

fn timed_out() -> Response {
    let body = serde_json::json!({
        "code": "request_timeout",
        "message": "the request took too long to arrive",
        "fields": {},
    });
    warp::reply::with_status(warp::reply::json(&body), StatusCode::REQUEST_TIMEOUT).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_share_and_gets_it_back() {
        let table = Arc::new(PerAddress::default());
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let held: Vec<Counted> = (0..3)
            .map(|_| PerAddress::enter(&table, ip, Some(3)).unwrap())
            .collect();
        assert!(PerAddress::enter(&table, ip, Some(3)).is_none());
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(PerAddress::enter(&table, other, Some(3)).is_some());
        drop(held);
        assert!(PerAddress::enter(&table, ip, Some(3)).is_some());
        assert!(table.0.lock().unwrap().is_empty(), "nothing left over");
    }
}
