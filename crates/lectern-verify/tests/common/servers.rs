//! Small real HTTP servers on 127.0.0.1:0 standing in for Better Auth's `/jwks` and
//! `/get-session`, each counting the requests it answers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lectern_verify::JwkSet;
use serde_json::Value;

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

/// A port nothing listens on: connections to it are refused.
pub async fn closed_port_url(path: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    format!("http://{addr}{path}")
}

#[derive(Default)]
struct JwksState {
    keys: JwkSet,
    cache_control: Option<String>,
    down: bool,
    delay: Duration,
}

#[derive(Clone)]
pub struct JwksServer {
    pub url: String,
    fetches: Arc<AtomicUsize>,
    state: Arc<Mutex<JwksState>>,
}

impl JwksServer {
    pub async fn start(keys: JwkSet) -> Self {
        let fetches = Arc::new(AtomicUsize::new(0));
        let state = Arc::new(Mutex::new(JwksState { keys, ..JwksState::default() }));
        let app = Router::new()
            .route("/api/auth/jwks", get(jwks))
            .with_state((Arc::clone(&fetches), Arc::clone(&state)));
        let addr = serve(app).await;
        Self { url: format!("http://{addr}/api/auth/jwks"), fetches, state }
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    pub fn set_keys(&self, keys: JwkSet) {
        self.lock().keys = keys;
    }

    pub fn set_cache_control(&self, value: Option<&str>) {
        self.lock().cache_control = value.map(str::to_owned);
    }

    /// While down, every fetch gets a 503, as from a proxy in front of a dead issuer.
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    pub fn set_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, JwksState> {
        self.state.lock().expect("state lock")
    }
}

type JwksHandlerState = (Arc<AtomicUsize>, Arc<Mutex<JwksState>>);

async fn jwks(State((fetches, state)): State<JwksHandlerState>) -> Response {
    fetches.fetch_add(1, Ordering::SeqCst);
    let (body, cache_control, down, delay) = {
        let state = state.lock().expect("state lock");
        (serde_json::to_string(&state.keys), state.cache_control.clone(), state.down, state.delay)
    };
    tokio::time::sleep(delay).await;
    if down {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, "application/json".parse().expect("header"));
    if let Some(value) = cache_control {
        headers.insert(header::CACHE_CONTROL, value.parse().expect("header"));
    }
    (headers, body.expect("JWKS serialises")).into_response()
}

#[derive(Default)]
struct SessionState {
    /// Bearer value as received → the JSON `get-session` answers for it.
    sessions: HashMap<String, Value>,
    seen: Vec<String>,
    status: Option<StatusCode>,
}

/// `GET /api/auth/get-session`: `{session, user}` for a known bearer value, `null` otherwise,
/// as Better Auth answers.
#[derive(Clone)]
pub struct SessionServer {
    pub base_url: String,
    requests: Arc<AtomicUsize>,
    state: Arc<Mutex<SessionState>>,
}

impl SessionServer {
    pub async fn start() -> Self {
        let requests = Arc::new(AtomicUsize::new(0));
        let state = Arc::new(Mutex::new(SessionState::default()));
        let app = Router::new()
            .route("/api/auth/get-session", get(get_session))
            .with_state((Arc::clone(&requests), Arc::clone(&state)));
        let addr = serve(app).await;
        Self { base_url: format!("http://{addr}"), requests, state }
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn insert(&self, bearer: &str, answer: Value) {
        self.lock().sessions.insert(bearer.to_owned(), answer);
    }

    pub fn revoke(&self, bearer: &str) {
        self.lock().sessions.remove(bearer);
    }

    /// Bearer values in the order they arrived.
    pub fn seen(&self) -> Vec<String> {
        self.lock().seen.clone()
    }

    /// Answer every request with this status and no body, or go back to normal with `None`.
    pub fn set_status(&self, status: Option<StatusCode>) {
        self.lock().status = status;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SessionState> {
        self.state.lock().expect("state lock")
    }
}

type SessionHandlerState = (Arc<AtomicUsize>, Arc<Mutex<SessionState>>);

async fn get_session(
    State((requests, state)): State<SessionHandlerState>,
    headers: HeaderMap,
) -> Response {
    requests.fetch_add(1, Ordering::SeqCst);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let mut state = state.lock().expect("state lock");
    state.seen.push(bearer.clone());
    if let Some(status) = state.status {
        return status.into_response();
    }
    let answer = state.sessions.get(&bearer).cloned().unwrap_or(Value::Null);
    let headers = [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")];
    (headers, answer.to_string()).into_response()
}
