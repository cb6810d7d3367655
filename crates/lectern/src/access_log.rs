//! One log line per request, and a request id that ties it to every other line the request
//! writes: the id is echoed in `X-Request-Id`, so a reader's report or a proxy's log leads
//! to the server's lines.
//!
//! The line carries the route template, never the raw path or query (they carry ids and
//! tokens), the status, the latency and, once the request is authenticated, the user id
//! (recorded by [`lectern_auth::session::note_user`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use lectern_auth::rate_limit::TrustedProxies;
use tracing::Instrument;

use crate::telemetry;

const REQUEST_ID: &str = "x-request-id";

/// A forwarded id longer than this is replaced: it would only bloat every line.
const MAX_ID_LEN: usize = 128;

pub async fn log(State(proxies): State<Arc<TrustedProxies>>, req: Request, next: Next) -> Response {
    let id = forwarded_id(&req, &proxies).unwrap_or_else(new_id);
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    // The `otel.*` and `http.*` fields stay empty (and out of the log) unless traces are
    // exported (see [`crate::telemetry`]).
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        route = %route,
        user_id = tracing::field::Empty,
        otel.name = tracing::field::Empty,
        otel.kind = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        http.request.method = tracing::field::Empty,
        http.route = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
    );
    let traced = telemetry::enabled();
    if traced {
        span.record("otel.name", format!("{} {route}", req.method()));
        span.record("otel.kind", "server");
        span.record("http.request.method", req.method().as_str());
        span.record("http.route", route);
        telemetry::join_caller_trace(&span, req.headers());
    }
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1e3;
    if traced {
        span.record("http.response.status_code", status);
        if res.status().is_server_error() {
            span.record("otel.status_code", "error");
        }
    }
    span.in_scope(|| tracing::info!(status, latency_ms, "response"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    res
}

/// The id a trusted proxy assigned, so its log and ours share it. Anyone else's is ignored:
/// a client must not be able to make its requests look like another's in the log.
fn forwarded_id(req: &Request, proxies: &TrustedProxies) -> Option<String> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if !proxies.contains(peer) {
        return None;
    }
    let id = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    acceptable(id).then(|| id.to_owned())
}

/// Printable token characters only, so an id cannot forge or split a log line.
fn acceptable(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b))
}

/// Unique enough to find a request's lines, not a secret: the thread's generator (seeded
/// once from the OS) costs no system call, where the OS's would cost one per character.
fn new_id() -> String {
    use rand::Rng;
    use rand::distributions::Alphanumeric;
    rand::thread_rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_printable_bounded_ids_are_taken() {
        assert!(acceptable("5f2b8c1e-9a7d-4c3b-8e21-0d6f4a9b7c10"));
        assert!(acceptable("Root=1-67891233-abcdef012345678912345678"));
        assert!(!acceptable(""));
        assert!(!acceptable("a b"));
        assert!(!acceptable("id\" level=error"));
        assert!(!acceptable(&"a".repeat(MAX_ID_LEN + 1)));
    }
}
