//! Replicas behind a load balancer count a client's requests in one Redis (`REDIS_URL`), so
//! spreading sign-in attempts over them gains nothing. When Redis stops answering, each
//! replica keeps limiting on its own, and they share again once Redis is back.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::TestApp;
use lectern_auth::rate_limit::SharedCounters;
use lectern_testkit::redis::PrivateRedis;
use lectern_testkit::{Backend, TestClient};
use serde_json::json;

/// The machine's Redis, as CI has it.
fn redis_url() -> String {
    std::env::var("LECTERN_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A fresh key prefix, so that tests and CI runs sharing one Redis never count together.
fn prefix() -> String {
    format!("lectern-test:{}:", lectern_auth::ids::random_alphanumeric(12))
}

async fn replica(shared: &SharedCounters) -> TestApp {
    TestApp::with(Backend::Sqlite, |c| {
        c.rate_limit = true;
        c.shared_rate_limits = Some(shared.clone());
    })
    .await
}

/// A sign-in attempt with a wrong password: its status (401 while allowed, 429 once limited).
async fn attempt(client: &TestClient) -> u16 {
    client
        .post("/api/auth/sign-in/email")
        .json(&json!({ "email": "nobody@example.com", "password": "not the password" }))
        .send()
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn replicas_share_one_limit() {
    let shared =
        SharedCounters::connect(&redis_url(), &prefix()).await.expect("Redis on 127.0.0.1:6379");
    let (a, b) = (replica(&shared).await, replica(&shared).await);
    // Three attempts allowed in all, wherever they land; the fourth is refused on either.
    assert_eq!(
        [attempt(&a.client).await, attempt(&b.client).await, attempt(&a.client).await],
        [401; 3]
    );
    let refused = b
        .client
        .post("/api/auth/sign-in/email")
        .json(&json!({ "email": "nobody@example.com", "password": "x" }))
        .send()
        .await;
    assert_eq!(refused.status, 429, "the fourth attempt, on the other replica");
    let retry: u64 = refused.header("x-retry-after").expect("X-Retry-After").parse().expect("s");
    assert!((1..=10).contains(&retry), "{retry}");
    // Another client is not affected.
    assert_eq!(attempt(&b.client.fork(([127, 0, 0, 9], 1).into())).await, 401);

    // Control: without Redis, each replica would have allowed three of its own.
    let alone = TestApp::with(Backend::Sqlite, |c| c.rate_limit = true).await;
    assert_eq!(attempt(&alone.client).await, 401);
}

/// Connects once the server answers.
async fn connect(redis: &PrivateRedis, prefix: &str) -> SharedCounters {
    SharedCounters::connect(&redis.url(), prefix).await.expect("connect to the private Redis")
}

#[tokio::test]
async fn without_redis_each_replica_limits_alone_then_they_share_again() {
    let port =
        TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    let redis = PrivateRedis::start(port).await;
    let shared = connect(&redis, &prefix()).await;
    let (a, b) = (replica(&shared).await, replica(&shared).await);
    assert_eq!([attempt(&a.client).await, attempt(&b.client).await], [401; 2]);

    // Redis goes away: requests still get answers, and each replica counts on its own.
    redis.stop();
    assert_eq!(
        [
            attempt(&a.client).await,
            attempt(&a.client).await,
            attempt(&a.client).await,
            attempt(&a.client).await
        ],
        [401, 401, 401, 429],
        "A limits alone"
    );
    assert_eq!(attempt(&b.client).await, 401, "B has its own counters meanwhile");

    // Redis is back (empty): the next attempts are counted there again, by both.
    let redis = PrivateRedis::start(port).await;
    let mut shared_again = false;
    for _ in 0..100 {
        // A's own counters are over the limit, so a 401 can only come from Redis.
        if attempt(&a.client).await == 401 {
            shared_again = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(shared_again, "A did not count in Redis again within 5 s");
    assert_eq!(
        [attempt(&b.client).await, attempt(&b.client).await, attempt(&b.client).await],
        [401, 401, 429]
    );
    drop(redis);
}
