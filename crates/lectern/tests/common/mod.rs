//! The application under test: the real router on a fresh database of either backend.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::sync::{Arc, OnceLock};

use lectern_api::merge::ReaderMerge;
use lectern_api::tutor::Tutor;
use lectern_auth::guest::GuestMerge;
use lectern_auth::{Auth, AuthConfig, Secret};
use lectern_store::{Store, StoreOptions};
use lectern_testkit::{Backend, TestClient, TestDb, TestResponse};
use lectern_tutor::{Answerer, Book, Index};
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
        Self::build_with(backend, configure, merge, lectern::Reading::default()).await
    }

    /// With the sample book's index and `answerer` behind the reader API.
    pub async fn with_tutor(backend: Backend, answerer: Answerer) -> Self {
        Self::build_with(backend, |_| {}, Arc::new(ReaderMerge), tutor_reading(answerer)).await
    }

    pub async fn build_with(
        backend: Backend,
        configure: impl FnOnce(&mut AuthConfig),
        merge: Arc<dyn GuestMerge>,
        reading: lectern::Reading,
    ) -> Self {
        Self::assemble(TestDb::new(backend).await, configure, merge, reading).await
    }

    /// On the database at `url`, which the test owns (a file on a file system it controls,
    /// say) and which outlives the app.
    pub async fn on_database(url: &str, reading: lectern::Reading) -> Self {
        Self::assemble(TestDb::existing(url), |_| {}, Arc::new(ReaderMerge), reading).await
    }

    /// With the sample book's index and `answerer`, on a store opened with `options`.
    pub async fn with_store_options(
        backend: Backend,
        answerer: Answerer,
        options: StoreOptions,
    ) -> Self {
        let db = TestDb::new(backend).await;
        let reading = tutor_reading(answerer);
        Self::assemble_with(db, |_| {}, Arc::new(ReaderMerge), reading, &options).await
    }

    async fn assemble(
        db: TestDb,
        configure: impl FnOnce(&mut AuthConfig),
        merge: Arc<dyn GuestMerge>,
        reading: lectern::Reading,
    ) -> Self {
        Self::assemble_with(db, configure, merge, reading, &StoreOptions::default()).await
    }

    async fn assemble_with(
        db: TestDb,
        configure: impl FnOnce(&mut AuthConfig),
        merge: Arc<dyn GuestMerge>,
        reading: lectern::Reading,
        options: &StoreOptions,
    ) -> Self {
        let store = Store::connect(&db.url, options).await.expect("connect");
        store.migrate().await.expect("migrate");
        let mut config = AuthConfig::development(ORIGIN, Secret::new(SECRET));
        config.rate_limit = false;
        config.hash_workers = 2;
        configure(&mut config);
        let auth = Auth::with_merge(store, config, merge);
        let client = TestClient::new(lectern::app_with(auth.clone(), reading), Some(ORIGIN));
        Self { auth, client, db }
    }

    /// A second browser, with no cookies of its own.
    pub fn browser(&self) -> TestClient {
        self.client.fork(std::net::SocketAddr::from(([127, 0, 0, 2], 50001)))
    }
}

/// The reader API with the sample book's index and `answerer` as the tutor.
pub fn tutor_reading(answerer: Answerer) -> lectern::Reading {
    let tutor = Tutor {
        index: sample_index(),
        answerer,
        top_k: 3,
        max_answer_chars: lectern_api::tutor::DEFAULT_MAX_ANSWER_CHARS,
        toc: lectern_api::tutor::Toc::of(
            lectern_tutor::Book::bundled("/docs").expect("the sample book").sections(),
        ),
    };
    lectern::Reading { tutor: Some(Arc::new(tutor)), ..Default::default() }
}

/// The sample book's index, built once per test binary.
pub fn sample_index() -> Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let dir =
                std::env::temp_dir().join(format!("lectern-test-index-{}", std::process::id()));
            let book = Book::bundled("/docs").expect("the bundled book");
            Index::open_or_build(&book, &dir, |_, _| {}).expect("index").0
        })
        .clone()
}

/// A new, empty directory for `LECTERN_MAIL_OUTBOX`-style mail (one `.eml` file per mail).
pub fn outbox() -> std::path::PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("lectern-outbox-{}", lectern_auth::ids::random_alphanumeric(10)));
    std::fs::create_dir_all(&dir).expect("outbox");
    dir
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

/// Answers the questionnaire for `client` (past the gate) at this experience level with this
/// robotics hardware.
pub async fn with_profile(client: &TestClient, level: &str, hardware: &str) {
    let answers = json!({
        "softwareExperience": level, "operatingSystem": "linux", "gpu": "none",
        "roboticsHardware": [hardware]
    });
    let res = client
        .request(axum::http::Method::PUT, "/api/user/profile")
        .json(&json!({ "answers": answers }))
        .send()
        .await;
    assert!(res.status.is_success(), "{}", String::from_utf8_lossy(&res.body));
}
