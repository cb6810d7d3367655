//! Expired sessions and tokens are deleted by the periodic cleanup, live ones never, and on
//! PostgreSQL one replica cleans at a time.

mod common;

use chrono::{Duration, Utc};
use common::*;
use lectern_testkit::{Backend, backend_tests};

async fn expired_rows_go_and_live_ones_stay(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let live = session(&app.client).await["session"]["token"].as_str().expect("token").to_owned();
    let store = &app.auth.store;
    let now = Utc::now();
    // Another reader's sessions: three long expired, made as the server makes them.
    let other = sign_up_as(&app.browser(), &unique_email()).await;
    let user = lectern_store::UserId(other["user"]["id"].as_str().expect("id").into());
    for n in 0..3 {
        let session = lectern_store::Session {
            id: lectern_store::SessionId(format!("expired-{n}")),
            token: format!("expired-token-{n}"),
            user_id: user.clone(),
            expires_at: now - Duration::days(1),
            created_at: now - Duration::days(8),
            updated_at: now - Duration::days(8),
            ip_address: None,
            user_agent: None,
            impersonated_by: None,
        };
        store.create_session(&session).await.expect("session");
    }
    store
        .create_verification(
            "spent",
            "reset-password:old",
            "u",
            now - Duration::minutes(1),
            now - Duration::hours(2),
        )
        .await
        .expect("token");
    store
        .create_verification("pending", "reset-password:new", "u", now + Duration::hours(1), now)
        .await
        .expect("token");

    // Batches of two: the caller repeats until nothing is left.
    let mut deleted = 0;
    while let Some(n) = store.purge_expired(now, 2).await.expect("purge").filter(|n| *n > 0) {
        deleted += n;
    }
    assert_eq!(deleted, 4, "three sessions and one token");
    for n in 0..3 {
        assert!(store.find_session(&format!("expired-token-{n}")).await.expect("read").is_none());
    }
    assert!(store.find_session(&live).await.expect("read").is_some(), "live sessions stay");
    assert!(store.find_verification("reset-password:new", now).await.expect("read").is_some());
    assert!(session(&app.client).await["user"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_cleans_at_a_time() {
    let app = TestApp::new(Backend::Postgres).await;
    let pool = sqlx::PgPool::connect(&app.db.url).await.expect("connect");
    let mut holder = pool.acquire().await.expect("connection");
    // Another replica is cleaning: it holds the lock for its transaction.
    sqlx::query("BEGIN").execute(&mut *holder).await.expect("begin");
    sqlx::query("SELECT pg_advisory_xact_lock(7810758480313347585)")
        .execute(&mut *holder)
        .await
        .expect("lock");
    assert_eq!(app.auth.store.purge_expired(Utc::now(), 10).await.expect("purge"), None);
    sqlx::query("COMMIT").execute(&mut *holder).await.expect("commit");
    assert_eq!(app.auth.store.purge_expired(Utc::now(), 10).await.expect("purge"), Some(0));
}

backend_tests!(expired_rows_go_and_live_ones_stay);
