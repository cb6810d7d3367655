//! Several Lectern processes on one PostgreSQL database: each caches sessions, and a
//! revocation anywhere (another replica, or a Better Auth server writing the tables
//! directly) reaches every cache.

mod common;

use common::{ORIGIN, SECRET, session, sign_up};
use lectern_auth::{Auth, AuthConfig, Secret};
use lectern_store::{Store, StoreOptions};
use lectern_testkit::{Backend, TestClient, TestDb};
use serde_json::Value;

async fn replica(db: &TestDb) -> (Auth, TestClient) {
    replica_at(&db.url).await
}

async fn replica_at(url: &str) -> (Auth, TestClient) {
    let store = Store::connect(url, &StoreOptions::default()).await.expect("connect");
    store.migrate().await.expect("migrate");
    let mut config = AuthConfig::development(ORIGIN, Secret::new(SECRET));
    config.rate_limit = false;
    let auth = Auth::new(store, config);
    let client = TestClient::new(lectern::app(auth.clone()), Some(ORIGIN));
    (auth, client)
}

/// Notifications are asynchronous: poll (bounded) until the replica sees the change.
async fn eventually_signed_out(client: &TestClient) {
    for _ in 0..200 {
        if session(client).await.is_null() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the revoked session was still served after 2 s");
}

fn token_of(client: &TestClient) -> String {
    client.cookie("better-auth.session_token").expect("session cookie")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_reaches_every_replica_cache() {
    let db = TestDb::new(Backend::Postgres).await;
    let (_, a) = replica(&db).await;
    let (_, b) = replica(&db).await;

    // Sign in on A, warm both caches.
    sign_up(&a).await;
    let cookie = token_of(&a);
    b.set_cookie("better-auth.session_token", &cookie);
    assert!(session(&a).await.is_object());
    assert!(session(&b).await.is_object());

    // Signing out on A revokes on B too.
    a.post("/api/auth/sign-out").send().await.assert_ok();
    eventually_signed_out(&b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_written_by_another_server_evict_cached_sessions() {
    let db = TestDb::new(Backend::Postgres).await;
    let (_, a) = replica(&db).await;
    sign_up(&a).await;
    let user: Value = session(&a).await["user"].clone();
    assert_eq!(user["name"], "Ada");

    // Another server (Better Auth, say) renames the user and then deletes the session,
    // straight in the tables.
    let raw = Store::connect(
        &db.url,
        &StoreOptions { session_cache_ttl: Default::default(), ..Default::default() },
    )
    .await
    .expect("connect");
    let id = lectern_store::UserId(user["id"].as_str().expect("id").to_owned());
    raw.update_user(
        &id,
        &lectern_store::UserPatch { name: Some("Grace".into()), ..Default::default() },
        chrono::Utc::now(),
    )
    .await
    .expect("update");
    let mut renamed = false;
    for _ in 0..200 {
        if session(&a).await["user"]["name"] == "Grace" {
            renamed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(renamed, "the rename reached the cache");

    let token = session(&a).await["session"]["token"].as_str().expect("token").to_owned();
    raw.delete_session(&token).await.expect("delete");
    eventually_signed_out(&a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_made_on_one_replica_opens_the_gate_on_every_other() {
    let db = TestDb::new(Backend::Postgres).await;
    let (_, a) = replica(&db).await;
    let (_, b) = replica(&db).await;
    sign_up(&a).await;
    b.set_cookie("better-auth.session_token", &token_of(&a));
    // B remembers "no profile yet".
    b.get("/api/chats").send().await.assert_error(403, "PROFILE_REQUIRED");
    assert_eq!(b.get("/api/me").send().await.assert_ok()["profileComplete"], false);

    common::with_profile(&a, "beginner", "none").await;
    let mut opened = false;
    for _ in 0..200 {
        if b.get("/api/me").send().await.assert_ok()["profileComplete"] == true {
            opened = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(opened, "B learnt of the profile within 2 s");
    b.get("/api/chats").send().await.assert_ok();
}

/// Polls (bounded, 5 s) until `store`'s cache is, or is not, following notifications.
async fn until_revocations_live(auth: &Auth, live: bool) {
    for _ in 0..500 {
        if auth.store.revocations_live() == live {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("revocations_live() did not become {live} within 5 s");
}

/// What PostgreSQL restarting (or Neon resuming) does to one replica: while its `LISTEN`
/// connection is gone and cannot come back, a sign-out on another replica must not leave the
/// old session served from its cache (it answers 503 rather than a stale 200); once it
/// listens again, the cache is back in use and revocations reach it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_cut_off_from_notifications_never_serves_a_cached_session() {
    let db = TestDb::new(Backend::Postgres).await;
    let (_, a) = replica(&db).await;
    let separator = if db.url.contains('?') { '&' } else { '?' };
    let (b_auth, b) = replica_at(&format!("{}{separator}application_name=lectern_b", db.url)).await;
    sign_up(&a).await;
    b.set_cookie("better-auth.session_token", &token_of(&a));
    assert!(session(&b).await.is_object(), "B caches the session");
    assert!(b_auth.store.revocations_live());

    // B loses every connection and may open none: its listener cannot come back.
    let (server, name) = db.url.rsplit_once('/').expect("a database URL");
    let name = name.split('?').next().expect("name").to_owned();
    // From another database: PostgreSQL refuses to disallow connections to the current one.
    let admin = sqlx::PgPool::connect(&format!("{server}/postgres")).await.expect("admin");
    let set = |allow: bool| format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS {allow}"#);
    sqlx::query(&set(false)).execute(&admin).await.expect("refuse connections");
    let cut = format!(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND application_name = 'lectern_b') t"
    );
    let (cut_count,): (i64,) = sqlx::query_as(&cut).fetch_one(&admin).await.expect("terminate B");
    assert!(cut_count >= 2, "B's listener and pool were cut ({cut_count})");
    until_revocations_live(&b_auth, false).await;

    // Signed out on A: B has missed the notification, and must not answer from its cache.
    a.post("/api/auth/sign-out").json(&serde_json::json!({})).send().await.assert_ok();
    let res = b.get("/api/auth/get-session").send().await;
    res.assert_error(503, "STORAGE_UNAVAILABLE");

    sqlx::query(&set(true)).execute(&admin).await.expect("allow connections");
    until_revocations_live(&b_auth, true).await;
    assert!(session(&b).await.is_null(), "back, B reads that the session is gone");
    sign_up(&a).await;
    b.set_cookie("better-auth.session_token", &token_of(&a));
    assert!(session(&b).await.is_object());
    a.post("/api/auth/sign-out").json(&serde_json::json!({})).send().await.assert_ok();
    eventually_signed_out(&b).await;
    admin.close().await;
}
