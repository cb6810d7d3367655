//! The application under test: the real router on a fresh database of either backend.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::sync::Arc;

use lectern_api::merge::ReaderMerge;
use lectern_auth::guest::GuestMerge;
use lectern_auth::{Auth, AuthConfig, Secret};
use lectern_store::{Store, StoreOptions};
use lectern_testkit::{Backend, TestClient, TestDb, TestResponse};
use serde_json::{Value, json};

pub const ORIGIN: &str = "http://localhost:3000";
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub auth: Auth,
    pub client: TestClient,
    pub db: TestDb,
}

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        Self::build(backend, |_| {}, Arc::new(ReaderMerge)).await
    }

    pub async fn with(backend: Backend, configure: impl FnOnce(&mut AuthConfig)) -> Self {
        Self::build(backend, configure, Arc::new(ReaderMerge)).await
    }

    pub async fn build(
        backend: Backend,
        configure: impl FnOnce(&mut AuthConfig),
        merge: Arc<dyn GuestMerge>,
    ) -> Self {
        let db = TestDb::new(backend).await;
        let store = Store::connect(&db.url, &StoreOptions::default()).await.expect("connect");
        store.migrate().await.expect("migrate");
        let mut config = AuthConfig::development(ORIGIN, Secret::new(SECRET));
        config.rate_limit = false;
        config.hash_workers = 2;
        configure(&mut config);
        let auth = Auth::with_merge(store, config, merge);
        let client = TestClient::new(lectern::app(auth.clone()), Some(ORIGIN));
        Self { auth, client, db }
    }

    /// A second browser, with no cookies of its own.
    pub fn browser(&self) -> TestClient {
        self.client.fork(std::net::SocketAddr::from(([127, 0, 0, 2], 50001)))
    }
}

pub fn unique_email() -> String {
    format!("reader-{}@example.com", lectern_auth::ids::random_alphanumeric(10).to_lowercase())
}

/// Signs `client` up with a fresh email; returns the response body.
pub async fn sign_up(client: &TestClient) -> Value {
    sign_up_as(client, &unique_email()).await
}

pub async fn sign_up_as(client: &TestClient, email: &str) -> Value {
    let res = client
        .post("/api/auth/sign-up/email")
        .json(&json!({ "name": "Ada", "email": email, "password": PASSWORD }))
        .send()
        .await;
    res.assert_ok()
}

pub async fn sign_in(client: &TestClient, email: &str, password: &str) -> TestResponse {
    client
        .post("/api/auth/sign-in/email")
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
}

pub async fn session(client: &TestClient) -> Value {
    client.get("/api/auth/get-session").send().await.assert_ok()
}
