//! Prometheus metrics: `GET /metrics` in the text format (on the main port, or only on
//! `LECTERN_METRICS_ADDR`). Requests by route template, method and status, their latency,
//! requests in flight, the database pool, and what the other crates count through the
//! `metrics` facade (session cache hits, rate-limit refusals, shed load, mail).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lectern_store::Store;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets, in seconds: from a cached session check to a long streamed answer.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    120.0,
];

/// The process-wide recorder, installed on first use.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), BUCKETS)
            .expect("buckets are non-empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder (a test harness's) may be installed already: then this one only
        // renders what it is given, which is still correct for its own gauges.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

static OFF: AtomicBool = AtomicBool::new(false);

/// `LECTERN_METRICS=off`: requests are neither counted nor timed.
pub fn turn_off() {
    OFF.store(true, Ordering::Relaxed);
}

/// Counts and times every request, labelled by its route template (never the raw path:
/// paths carry ids and tokens).
pub async fn track(req: Request, next: Next) -> Response {
    if OFF.load(Ordering::Relaxed) {
        return next.run(req).await;
    }
    let _ = handle();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let in_flight = metrics::gauge!("lectern_http_requests_in_flight");
    in_flight.increment(1.0);
    let started = Instant::now();
    let response = next.run(req).await;
    in_flight.decrement(1.0);
    let status = response.status().as_u16().to_string();
    let labels = [("route", route), ("method", method)];
    metrics::histogram!("lectern_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    let [route, method] = labels;
    metrics::counter!("lectern_http_requests_total", &[route, method, ("status", status)])
        .increment(1);
    response
}

/// `GET /metrics`, for the main port or a port of its own.
pub fn routes(store: Store) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(serve)).with_state(store)
}

async fn serve(State(store): State<Store>) -> Response {
    let (size, idle) = store.pool_stats();
    metrics::gauge!("lectern_db_pool_connections", "state" => "open").set(f64::from(size));
    metrics::gauge!("lectern_db_pool_connections", "state" => "idle").set(idle as f64);
    let live = if store.revocations_live() { 1.0 } else { 0.0 };
    metrics::gauge!("lectern_session_cache_live").set(live);
    let text = handle().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}
