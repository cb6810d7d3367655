//! PostgreSQL going away and coming back (a restart, a Neon compute suspending) under two
//! replicas: requests answer a prompt 503 while it is down, no replica serves a session it
//! cannot know is still valid, and once it is back every replica listens again and sees a
//! sign-out made on the other.

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{ORIGIN, PASSWORD, SECRET, session, sign_in, sign_up_as, unique_email};
use lectern_auth::{Auth, AuthConfig, Secret};
use lectern_store::{Store, StoreOptions};
use lectern_testkit::{Backend, TestClient, TestDb};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// A TCP relay in front of PostgreSQL that can be taken down (every connection cut, new ones
/// refused) and brought back on the same port: what the replicas see of a restart.
struct Relay {
    port: u16,
    upstream: String,
    tasks: Mutex<JoinSet<()>>,
}

impl Relay {
    async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let relay = Self {
            port: listener.local_addr().expect("addr").port(),
            upstream: upstream.to_owned(),
            tasks: Mutex::new(JoinSet::new()),
        };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        let mut tasks = self.tasks.lock().expect("tasks");
        tasks.spawn(async move {
            let mut pipes = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                pipes.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
    }

    /// Cuts every connection and refuses new ones.
    fn down(&self) {
        // Aborting the accept task drops its listener and, with it, every pipe.
        self.tasks.lock().expect("tasks").abort_all();
    }

    async fn up(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.expect("rebind");
        self.serve(listener);
    }
}

async fn replica(url: &str) -> (Auth, TestClient) {
    let store = Store::connect(url, &StoreOptions::default()).await.expect("connect");
    let mut config = AuthConfig::development(ORIGIN, Secret::new(SECRET));
    config.rate_limit = false;
    let auth = Auth::new(store, config);
    let client = TestClient::new(lectern::app(auth.clone()), Some(ORIGIN));
    (auth, client)
}

/// Polls `done` every 20 ms, for at most `limit`.
async fn within(limit: Duration, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not within {limit:?}: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_answer_503_while_postgres_is_down_and_recover_without_stale_sessions() {
    let db = TestDb::new(Backend::Postgres).await;
    db_migrate(&db.url).await;
    let (host, rest) = db.url.split_once("@").expect("user@host/db");
    let (address, name) = rest.split_once('/').expect("host/db");
    let relay = Relay::start(address).await;
    let through = format!("{host}@127.0.0.1:{}/{name}", relay.port);
    let (a_auth, a) = replica(&through).await;
    let (b_auth, b) = replica(&through).await;

    let email = unique_email();
    sign_up_as(&a, &email).await;
    b.set_cookie(
        "better-auth.session_token",
        &a.cookie("better-auth.session_token").expect("cookie"),
    );
    assert!(session(&b).await.is_object(), "B has the session in its cache");

    relay.down();
    within(Duration::from_secs(5), "B notices its notifications are gone", async || {
        !b_auth.store.revocations_live()
    })
    .await;
    // B must not vouch for a session it cannot know is still valid.
    b.get("/api/auth/get-session").send().await.assert_error(503, "STORAGE_UNAVAILABLE");
    // A learns of the outage from its first failed request (its readiness check here);
    // after that, each request is answered promptly, not after the pool's whole acquire
    // timeout (5 s).
    assert_eq!(a.get("/readyz").send().await.status.as_u16(), 503);
    let started = Instant::now();
    let refused = sign_in(&a, &email, PASSWORD).await;
    refused.assert_error(503, "STORAGE_UNAVAILABLE");
    assert_eq!(refused.header("retry-after"), Some("5"));
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(4), "answered after {waited:?}");

    relay.up().await;
    within(Duration::from_secs(10), "A ready again", async || {
        a.get("/readyz").send().await.status.as_u16() == 200
    })
    .await;
    within(Duration::from_secs(10), "both replicas listen again", async || {
        a_auth.store.revocations_live() && b_auth.store.revocations_live()
    })
    .await;
    // What was acknowledged before is there, and a sign-out on A reaches B's cache.
    assert!(session(&b).await.is_object());
    a.post("/api/auth/sign-out").json(&serde_json::json!({})).send().await.assert_ok();
    within(Duration::from_secs(2), "B sees the sign-out", async || session(&b).await.is_null())
        .await;
    sign_in(&a, &email, PASSWORD).await.assert_ok();
}

async fn db_migrate(url: &str) {
    let store = Store::connect(url, &StoreOptions::default()).await.expect("connect");
    store.migrate().await.expect("migrate");
    store.close().await;
}
