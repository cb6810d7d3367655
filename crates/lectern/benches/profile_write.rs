//! Profile writes through the real router, on SQLite and PostgreSQL: `PUT` (replace) and
//! `PATCH` (read, merge, conditional write), each one transaction that also rewrites the
//! user's background summaries. Target (issue 4): p50 under 2 ms on both.
//!
//! `cargo bench -p lectern --bench profile_write` (PostgreSQL on 127.0.0.1:5432, as the
//! tests use; `LECTERN_TEST_POSTGRES_URL` overrides).

use std::sync::Arc;

use axum::http::Method;
use criterion::{Criterion, criterion_group, criterion_main};
use lectern_api::merge::ReaderMerge;
use lectern_auth::{Auth, AuthConfig, Secret};
use lectern_store::{Store, StoreOptions};
use lectern_testkit::{Backend, TestClient, TestDb};
use serde_json::json;

const ORIGIN: &str = "http://localhost:3000";

async fn signed_in(backend: Backend) -> (TestDb, TestClient) {
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url, &StoreOptions::default()).await.expect("connect");
    store.migrate().await.expect("migrate");
    let mut config =
        AuthConfig::development(ORIGIN, Secret::new("bench-secret-bench-secret-bench-secret"));
    config.rate_limit = false;
    let auth = Auth::with_merge(store, config, Arc::new(ReaderMerge));
    let client = TestClient::new(lectern::app(auth), Some(ORIGIN));
    let body = json!({ "name": "Bench", "email": "bench@example.com", "password": "correct horse battery" });
    client.post("/api/auth/sign-up/email").json(&body).send().await.assert_ok();
    (db, client)
}

fn answers(level: &str) -> serde_json::Value {
    json!({ "answers": {
        "softwareExperience": level, "programmingLanguages": ["python", "cpp"],
        "operatingSystem": "linux", "gpu": "nvidia", "gpuModel": "RTX 4070",
        "roboticsHardware": ["jetson"], "learningGoals": "Walk, then run"
    }})
}

fn profile_write(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (_db, client) = runtime.block_on(signed_in(backend));
        let name = format!("{backend:?}").to_lowercase();
        let levels = ["beginner", "advanced"];
        let mut turn = 0usize;
        c.bench_function(&format!("profile_put/{name}"), |b| {
            b.to_async(&runtime).iter(|| {
                turn += 1;
                let body = answers(levels[turn % 2]);
                let client = &client;
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
                let client = &client;
                async move {
                    let res =
                        client.request(Method::PATCH, "/api/user/profile").json(&body).send().await;
                    assert!(res.status.is_success());
                }
            })
        });
    }
}

criterion_group!(benches, profile_write);
criterion_main!(benches);
