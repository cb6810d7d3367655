//! Prometheus metrics: `GET /metrics` in the text format (on the main port, or only on
//! `LECTERN_METRICS_ADDR`). Requests by route template, method and status, their latency,
//! requests in flight, the database pool, and what the other crates count through the
//! `metrics` facade (session cache hits, rate-limit refusals, shed load, mail).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
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

/// The metric handles of one route and method, made on its first request: the registry's
/// lookup (building a key from its labels) costs a tenth of a cached session check, so the
/// hot path reuses handles and allocates nothing.
struct RouteMetrics {
    route: String,
    method: String,
    latency: metrics::Histogram,
    by_status: RwLock<HashMap<u16, metrics::Counter>>,
}

impl RouteMetrics {
    fn counter(&self, status: u16) -> metrics::Counter {
        if let Some(c) = self.by_status.read().unwrap_or_else(|e| e.into_inner()).get(&status) {
            return c.clone();
        }
        let labels = [
            ("route", self.route.clone()),
            ("method", self.method.clone()),
            ("status", status.to_string()),
        ];
        let counter = metrics::counter!("lectern_http_requests_total", &labels);
        let mut by_status = self.by_status.write().unwrap_or_else(|e| e.into_inner());
        by_status.entry(status).or_insert(counter).clone()
    }
}

type Routes = HashMap<Method, HashMap<Box<str>, Arc<RouteMetrics>>>;

fn route_metrics(method: &Method, route: &str) -> Arc<RouteMetrics> {
    static ROUTES: OnceLock<RwLock<Routes>> = OnceLock::new();
    let routes = ROUTES.get_or_init(RwLock::default);
    let known = routes.read().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = known.get(method).and_then(|r| r.get(route)) {
        return Arc::clone(found);
    }
    drop(known);
    let labels = [("route", route.to_owned()), ("method", method.as_str().to_owned())];
    let made = Arc::new(RouteMetrics {
        route: route.to_owned(),
        method: method.as_str().to_owned(),
        latency: metrics::histogram!("lectern_http_request_duration_seconds", &labels),
        by_status: RwLock::default(),
    });
    let mut routes = routes.write().unwrap_or_else(|e| e.into_inner());
    let entry = routes.entry(method.clone()).or_default().entry(route.into()).or_insert(made);
    Arc::clone(entry)
}

/// Counts and times every request, labelled by its route template (never the raw path:
/// paths carry ids and tokens).
pub async fn track(req: Request, next: Next) -> Response {
    if OFF.load(Ordering::Relaxed) {
        return next.run(req).await;
    }
    let _ = handle();
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    // Any token is a method to HTTP: unknown ones share a label, so clients cannot grow the
    // series without bound.
    let standard = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ];
    static OTHER: OnceLock<Method> = OnceLock::new();
    let other = OTHER.get_or_init(|| Method::from_bytes(b"OTHER").expect("a valid token"));
    let method = if standard.contains(req.method()) { req.method() } else { other };
    let metrics = route_metrics(method, route);
    static IN_FLIGHT: OnceLock<metrics::Gauge> = OnceLock::new();
    let in_flight = IN_FLIGHT.get_or_init(|| metrics::gauge!("lectern_http_requests_in_flight"));
    in_flight.increment(1.0);
    let started = Instant::now();
    let response = next.run(req).await;
    in_flight.decrement(1.0);
    metrics.latency.record(started.elapsed().as_secs_f64());
    metrics.counter(response.status().as_u16()).increment(1);
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
