//! Connections: the accept loop, with a bound on how long a client may take to send.
//!
//! `axum::serve` gives hyper no timer, and without one hyper reads a request's headers for as
//! long as the client cares to drip them: a few hundred such connections hold the server.
//! Here each connection has a timer, so a request's headers must arrive within `read_timeout`
//! (hyper closes the connection otherwise), and [`idle_body_limit`] bounds each pause in a body
//! and how slowly a body may arrive.

use std::future::Future;
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;

/// How long a client may take to send a request's headers, and to send the next part of a body.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The slowest a body may arrive on average, in bytes a second, once the server has waited
/// `READ_TIMEOUT` for it in all (a 20 MB upload at this rate takes under six hours; a modem
/// sends 7 kB a second).
pub const LEAST_BODY_RATE: f64 = 1024.0;

/// Serves `router` on `listener` until `shutdown` completes; connections still open then get a
/// few seconds to finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let router = router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| idle_body_limit(request, next, read_timeout),
    ));
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it was accepted: wait a
                // moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(router.clone());
        connections.spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(read_timeout);
            // A connection that fails (reset, timed out, bad bytes) concerns only its client.
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
        // Forget the connections that ended.
        while connections.try_join_next().is_some() {}
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

/// A handler or page that panics answers 500 with a JSON error, and the server goes on: pages
/// render on the async workers, where a panic would otherwise drop the connection unanswered.
pub async fn answer_panics(request: Request, next: Next) -> Response {
    use futures_util::FutureExt as _;
    match std::panic::AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(_) => {
            let body = serde_json::json!({ "error": "the request failed unexpectedly (a bug)" });
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(body),
            )
                .into_response()
        }
    }
}

/// A request body that pauses longer than `limit` between two parts, or that arrives slower
/// than [`LEAST_BODY_RATE`] on average once the client has taken `limit` (a byte every few
/// seconds holds a connection as long as silence would), ends in an error, which the handler's
/// extractor answers with 400 (JSON, by `json_errors`).
async fn idle_body_limit(request: Request, next: Next, limit: Duration) -> Response {
    use futures_util::StreamExt as _;
    let (parts, body) = request.into_parts();
    let cut_off = |reason: String| Some((Err(axum::Error::new(reason)), None));
    // The time spent waiting for the client, not for the handler to read on.
    let chunks = futures_util::stream::unfold(
        Some((body.into_data_stream(), 0usize, Duration::ZERO)),
        move |state| async move {
            let (mut chunks, received, waited) = state?;
            let asked = std::time::Instant::now();
            let next = tokio::time::timeout(limit, chunks.next()).await;
            let waited = waited + asked.elapsed();
            match next {
                Ok(Some(Ok(chunk))) => {
                    let received = received + chunk.len();
                    if waited > limit && (received as f64) < LEAST_BODY_RATE * waited.as_secs_f64()
                    {
                        return cut_off(format!(
                            "the client sent {received} bytes in {} s, slower than {} bytes a second",
                            waited.as_secs(),
                            LEAST_BODY_RATE
                        ));
                    }
                    Some((Ok(chunk), Some((chunks, received, waited))))
                }
                Ok(Some(Err(error))) => Some((Err(error), None)),
                Ok(None) => None,
                Err(_) => cut_off(format!("the client sent nothing for {} s", limit.as_secs())),
            }
        },
    );
    next.run(Request::from_parts(
        parts,
        axum::body::Body::from_stream(chunks),
    ))
    .await
}
