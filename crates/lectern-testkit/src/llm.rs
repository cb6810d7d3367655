//! A fake OpenAI-compatible model server on 127.0.0.1: `POST /v1/chat/completions` answered
//! with the real streaming wire format (`text/event-stream` of `chat.completion.chunk`
//! objects, a `finish_reason: "stop"` chunk, then `data: [DONE]`), or with the failure a
//! test scripts. Every request is recorded so a test can assert on the prompt it sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures_util::stream::{self, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How the fake answers every request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Streams these pieces of text, then finishes properly.
    Chunks(Vec<String>),
    /// Like `Chunks`, waiting `delay` before each chunk.
    Slow { chunks: Vec<String>, delay: Duration },
    /// Answers this status with an OpenAI-style error body.
    Status(u16),
    /// Accepts the request and never sends a byte.
    Hang,
    /// Streams these pieces, then drops the connection without finishing the stream.
    DropAfter(Vec<String>),
    /// Streams `before`, then waits until the test calls `release.notify_one()`, then
    /// streams `after` and finishes properly: the test acts while the answer is half
    /// written. `notify_one` keeps a release that comes before the wait, so none is lost.
    Held { before: Vec<String>, after: Vec<String>, release: Arc<Notify> },
}

impl Reply {
    pub fn chunks<S: Into<String>>(pieces: impl IntoIterator<Item = S>) -> Self {
        Self::Chunks(pieces.into_iter().map(Into::into).collect())
    }
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Debug)]
struct Shared {
    reply: Mutex<Reply>,
    api_key: Option<String>,
    requests: Mutex<Vec<RecordedRequest>>,
    /// Answers still streaming: a client that stops reading closes its connection, and the
    /// server drops the body at its next write.
    open: Arc<AtomicUsize>,
}

/// Counts one answer as streaming until the body holding it is dropped.
struct Streaming(Arc<AtomicUsize>);

impl Streaming {
    fn new(open: &Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::SeqCst);
        Self(open.clone())
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The running fake; it stops when dropped.
#[derive(Debug)]
pub struct FakeLlm {
    base_url: String,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl FakeLlm {
    /// A fake that accepts any (or no) API key.
    pub async fn start(reply: Reply) -> Self {
        Self::serve(reply, None).await
    }

    /// A fake that answers 401 unless the request carries `Authorization: Bearer {key}`.
    pub async fn with_api_key(reply: Reply, key: &str) -> Self {
        Self::serve(reply, Some(key.to_owned())).await
    }

    async fn serve(reply: Reply, api_key: Option<String>) -> Self {
        let shared = Arc::new(Shared {
            reply: Mutex::new(reply),
            api_key,
            requests: Mutex::default(),
            open: Arc::default(),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(shared.clone());
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
        let addr = listener.local_addr().expect("bound address");
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake LLM server");
        });
        Self { base_url: format!("http://{addr}/v1"), shared, server }
    }

    /// The base URL a client appends `/chat/completions` to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn set_reply(&self, reply: Reply) {
        *self.shared.reply.lock().unwrap_or_else(PoisonError::into_inner) = reply;
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// How many answers are still being streamed to a client.
    pub fn open_streams(&self) -> usize {
        self.shared.open.load(Ordering::SeqCst)
    }
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn completions(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(RecordedRequest { authorization: authorization.clone(), body: body.clone() });

    if let Some(key) = &shared.api_key
        && authorization.as_deref() != Some(&format!("Bearer {key}"))
    {
        return error(StatusCode::UNAUTHORIZED, "Incorrect API key provided.", "invalid_api_key");
    }
    let Some(model) = body.get("model").and_then(Value::as_str).map(str::to_owned) else {
        return error(
            StatusCode::BAD_REQUEST,
            "you must provide a model parameter",
            "missing_model",
        );
    };
    let reply = shared.reply.lock().unwrap_or_else(PoisonError::into_inner).clone();
    match reply {
        Reply::Chunks(chunks) => event_stream(&shared, &model, chunks, Duration::ZERO, true, None),
        Reply::Slow { chunks, delay } => event_stream(&shared, &model, chunks, delay, true, None),
        Reply::DropAfter(chunks) => {
            event_stream(&shared, &model, chunks, Duration::ZERO, false, None)
        }
        Reply::Held { before, after, release } => {
            let hold = Some((before.len(), release));
            let chunks = before.into_iter().chain(after).collect();
            event_stream(&shared, &model, chunks, Duration::ZERO, true, hold)
        }
        Reply::Status(status) => {
            let status = StatusCode::from_u16(status).expect("a valid status code");
            error(status, status.canonical_reason().unwrap_or("error"), "fake_error")
        }
        Reply::Hang => std::future::pending().await,
    }
}

fn error(status: StatusCode, message: &str, code: &str) -> Response {
    let body = json!({ "error": { "message": message, "type": "invalid_request_error", "param": null, "code": code } });
    (status, axum::Json(body)).into_response()
}

/// The SSE frames of a completion: a role chunk, one chunk per piece, the `stop` chunk and
/// `[DONE]`; or, when `finish` is false, the pieces followed by a broken connection. With
/// `hold: Some((n, release))` the stream waits for `release` after the first `n` pieces.
fn event_stream(
    shared: &Shared,
    model: &str,
    pieces: Vec<String>,
    delay: Duration,
    finish: bool,
    hold: Option<(usize, Arc<Notify>)>,
) -> Response {
    let streaming = Streaming::new(&shared.open);
    let chunk = |delta: Value, finish_reason: Value| {
        let chunk = json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish_reason }],
        });
        Ok::<_, std::io::Error>(Bytes::from(format!("data: {chunk}\n\n")))
    };
    let mut frames = vec![chunk(json!({ "role": "assistant", "content": "" }), Value::Null)];
    frames.extend(pieces.into_iter().map(|piece| chunk(json!({ "content": piece }), Value::Null)));
    if finish {
        frames.push(chunk(json!({}), json!("stop")));
        frames.push(Ok(Bytes::from_static(b"data: [DONE]\n\n")));
    } else {
        // An error from the body stream makes hyper abort the connection mid-response.
        frames.push(Err(std::io::Error::other("connection dropped by the fake")));
    }
    // The frame the hold comes before: after the role chunk and the first `n` pieces.
    let hold = hold.map(|(n, release)| (n + 1, release));
    let frames = stream::iter(frames.into_iter().enumerate()).then(move |(i, frame)| {
        // The closure owns the count, so it ends when hyper drops the body.
        let _ = &streaming;
        let release = hold.as_ref().filter(|(at, _)| *at == i).map(|(_, r)| r.clone());
        async move {
            // Meanwhile hyper flushes what it has, so the client sees the first pieces.
            if let Some(release) = release {
                release.notified().await;
            }
            // Before the drop, a pause: hyper flushes what it has while the body is pending, so
            // the client really receives the first pieces before the connection goes.
            let pause = if frame.is_err() { delay.max(Duration::from_millis(50)) } else { delay };
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            frame
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(frames))
        .expect("a valid response")
}
