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
    let store = Store::connect(&db.url, &StoreOptions::default()).await.expect("connect");
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
