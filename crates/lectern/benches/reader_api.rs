//! The reader API through the real router, in process (criterion):
//! - `profile_put/*`, `profile_patch/*` (issue 4): `PUT` (replace) and `PATCH` (read, merge,
//!   conditional write), each one transaction that also rewrites the user's background
//!   summaries, on SQLite and PostgreSQL. Target: p50 under 2 ms.
//! - `ask_first_event/extractive/*` (issue 5): request sent → first SSE event (`sources`)
//!   received, with the extractive answerer. Target: under 20 ms.
//! - `model_first_token/direct`: a plain HTTP client's time to the first streamed piece of a
//!   local OpenAI-compatible stand-in; `model_first_token/through_lectern`: the same model
//!   behind Lectern, request → first `token` event. Their difference is what Lectern adds
//!   (authentication, the gate, history, retrieval, storing the question). Target: < 5 ms.
//!
//! `cargo bench -p lectern --bench reader_api` (PostgreSQL on 127.0.0.1:5432, as the tests
//! use; `LECTERN_TEST_POSTGRES_URL` overrides).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request};
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use lectern_api::merge::ReaderMerge;
use lectern_api::tutor::Tutor;
use lectern_auth::{Auth, AuthConfig, Secret};
use lectern_store::{Store, StoreOptions};
use lectern_testkit::llm::{FakeLlm, Reply};
use lectern_testkit::{Backend, TestClient, TestDb};
use lectern_tutor::{Answerer, Book, Index, OpenAiConfig};
use serde_json::json;
use tower::ServiceExt;

const ORIGIN: &str = "http://localhost:3000";

/// A signed-up reader with a profile and a chat, on a fresh database.
struct Reader {
    _db: TestDb,
    app: axum::Router,
    client: TestClient,
    token: String,
    chat: String,
}

async fn reader(backend: Backend, tutor: Option<Tutor>) -> Reader {
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url, &StoreOptions::default()).await.expect("connect");
    store.migrate().await.expect("migrate");
    let mut config =
        AuthConfig::development(ORIGIN, Secret::new("bench-secret-bench-secret-bench-secret"));
    config.rate_limit = false;
    let auth = Auth::with_merge(store, config, Arc::new(ReaderMerge));
    let reading = lectern::Reading { tutor: tutor.map(Arc::new), ..Default::default() };
    let app = lectern::app_with(auth, reading);
    let client = TestClient::new(app.clone(), Some(ORIGIN));
    let body = json!({ "name": "Bench", "email": "bench@example.com", "password": "correct horse battery" });
    let token =
        client.post("/api/auth/sign-up/email").json(&body).send().await.assert_ok()["token"]
            .as_str()
            .expect("token")
            .to_owned();
    client.request(Method::PUT, "/api/user/profile").json(&answers("beginner")).send().await;
    let chat = client.post("/api/chats").json(&json!({})).send().await.json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    Reader { _db: db, app, client, token, chat }
}

fn answers(level: &str) -> serde_json::Value {
    json!({ "answers": {
        "softwareExperience": level, "programmingLanguages": ["python", "cpp"],
        "operatingSystem": "linux", "gpu": "nvidia", "gpuModel": "RTX 4070",
        "roboticsHardware": ["jetson"], "learningGoals": "Walk, then run"
    }})
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn profile_writes(c: &mut Criterion) {
    let runtime = runtime();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let reader = runtime.block_on(reader(backend, None));
        let name = format!("{backend:?}").to_lowercase();
        let levels = ["beginner", "advanced"];
        let mut turn = 0usize;
        c.bench_function(&format!("profile_put/{name}"), |b| {
            b.to_async(&runtime).iter(|| {
                turn += 1;
                let body = answers(levels[turn % 2]);
                let client = &reader.client;
                async move {
                    let res =
                        client.request(Method::PUT, "/api/user/profile").json(&body).send().await;
                    assert!(res.status.is_success());
                }
            })
        });
        c.bench_function(&format!("profile_patch/{name}"), |b| {
            b.to_async(&runtime).iter(|| {
                turn += 1;
                let body = json!({ "answers": { "learningGoals": format!("goal {turn}") } });
                let client = &reader.client;
                async move {
                    let res =
                        client.request(Method::PATCH, "/api/user/profile").json(&body).send().await;
                    assert!(res.status.is_success());
                }
            })
        });
    }
}

/// Sends a question and reads the answer's frames until one contains `until`.
async fn ask_until(reader: &Reader, until: &str) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/chats/{}/messages", reader.chat))
        .header("authorization", format!("Bearer {}", reader.token))
        .header("content-type", "application/json")
        .body(Body::from(r#"{"content":"How do I publish to a ROS 2 topic from a Jetson?"}"#))
        .expect("request");
    let response = reader.app.clone().oneshot(request).await.expect("infallible");
    assert!(response.status().is_success());
    let mut body = response.into_body();
    while let Some(frame) = body.frame().await {
        let frame = frame.expect("frame");
        if frame.data_ref().is_some_and(|d| String::from_utf8_lossy(d).contains(until)) {
            return;
        }
    }
    panic!("the stream ended without {until}");
}

fn asking(c: &mut Criterion) {
    let runtime = runtime();
    let dir = std::env::temp_dir().join(format!("lectern-bench-index-{}", std::process::id()));
    let book = Book::bundled("/docs").expect("book");
    let index = Index::open_or_build(&book, &dir, |_, _| {}).expect("index").0;
    let tutor = |answerer| {
        let max_answer_chars = lectern_api::tutor::DEFAULT_MAX_ANSWER_CHARS;
        Some(Tutor {
            index: index.clone(),
            answerer,
            top_k: 3,
            max_answer_chars,
            toc: Default::default(),
        })
    };

    for backend in [Backend::Sqlite, Backend::Postgres] {
        let reader = runtime.block_on(reader(backend, tutor(Answerer::Extractive)));
        let name = format!("{backend:?}").to_lowercase();
        c.bench_function(&format!("ask_first_event/extractive/{name}"), |b| {
            b.to_async(&runtime).iter(|| ask_until(&reader, "event: sources"))
        });
    }

    let llm =
        runtime.block_on(FakeLlm::start(Reply::chunks(["A topic ", "is a named channel [1]."])));
    let mut config = OpenAiConfig::new(llm.base_url(), "bench-model");
    config.first_byte_timeout = Duration::from_secs(5);
    let direct = reqwest::Client::new();
    let url = format!("{}/chat/completions", llm.base_url());
    let prompt = json!({ "model": "bench-model", "stream": true, "messages": [{ "role": "user", "content": "hi" }] });
    c.bench_function("model_first_token/direct", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = direct.post(&url).json(&prompt).send().await.expect("model answers");
            let mut chunks = response.bytes_stream();
            chunks.next().await.expect("a first chunk").expect("readable");
        })
    });
    let answerer = Answerer::openai(config).expect("config");
    let reader = runtime.block_on(reader(Backend::Postgres, tutor(answerer)));
    c.bench_function("model_first_token/through_lectern", |b| {
        b.to_async(&runtime).iter(|| ask_until(&reader, "event: token"))
    });
}

criterion_group!(benches, profile_writes, asking);
criterion_main!(benches);
