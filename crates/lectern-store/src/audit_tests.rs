//! The audit writer on both backends: every event of a burst larger than a batch is written,
//! intact and in order; old events go with the retention, recent ones stay.

use std::time::Duration;

use chrono::Utc;
use lectern_testkit::{Backend, TestDb, backend_tests};

use crate::{AuditAction, AuditEvent, MAX_USER_AGENT, Store, StoreOptions, UserId};

async fn store(db: &TestDb, options: &StoreOptions) -> Store {
    let store = Store::connect(&db.url, options).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

async fn a_burst_is_written_whole_in_batches(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = store(&db, &StoreOptions::default()).await;
    let user = UserId("auditburst".into());
    // Two and a half batches, recorded at once as a busy server would.
    let events = 1_250;
    for n in 0..events {
        let event = AuditEvent::success(AuditAction::SignIn)
            .user(&user)
            .detail(serde_json::json!({ "n": n }));
        store.audit(AuditEvent { ip: Some("192.0.2.7".into()), ..event });
    }
    store.audit(AuditEvent {
        user_agent: Some("é".repeat(1_000)),
        ..AuditEvent::failure(AuditAction::SignIn)
    });
    store.flush_audit().await;

    let since = Utc::now() - chrono::Duration::minutes(1);
    let all = store.audit_events(None, since, 10_000).await.expect("read");
    assert_eq!(all.len(), events + 1, "every event written");
    let newest = &all[0];
    assert_eq!((newest.event.as_str(), newest.outcome.as_str()), ("sign_in", "failure"));
    let agent = newest.user_agent.as_deref().expect("user agent");
    assert_eq!(agent.chars().count(), MAX_USER_AGENT, "cut to {MAX_USER_AGENT} characters");
    assert_eq!(newest.user_id, None);
    let mine = store.audit_events(Some(&user), since, 10_000).await.expect("read");
    assert_eq!(mine.len(), events);
    // Newest first, in the order they were recorded.
    let order: Vec<i64> = mine
        .iter()
        .map(|e| {
            let detail: serde_json::Value =
                serde_json::from_str(e.detail.as_deref().expect("detail")).expect("JSON");
            detail["n"].as_i64().expect("n")
        })
        .collect();
    assert_eq!(order, (0..events as i64).rev().collect::<Vec<_>>());
    assert!(mine.iter().all(|e| e.ip.as_deref() == Some("192.0.2.7") && e.outcome == "success"));
    assert_eq!(store.audit_events(Some(&user), since, 10).await.expect("read").len(), 10);
    store.close().await;
}

async fn close_writes_what_is_still_queued(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = store(&db, &StoreOptions::default()).await;
    store.audit(AuditEvent::success(AuditAction::KeyRotation));
    // No flush: closing must not lose it.
    store.close().await;
    let reopened = self::store(&db, &StoreOptions::default()).await;
    let since = Utc::now() - chrono::Duration::minutes(1);
    let events = reopened.audit_events(None, since, 10).await.expect("read");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event, "key_rotation");
    reopened.close().await;
}

async fn old_events_expire_with_the_retention(backend: Backend) {
    let db = TestDb::new(backend).await;
    let retention = StoreOptions {
        audit_retention: Duration::from_secs(30 * 24 * 3600),
        ..StoreOptions::default()
    };
    let store = store(&db, &retention).await;
    let now = Utc::now();
    for days in [45, 31, 29, 0] {
        let at = now - chrono::Duration::days(days);
        let user = UserId(format!("aged{days}"));
        store.audit(AuditEvent { at, ..AuditEvent::success(AuditAction::SignIn).user(&user) });
    }
    store.flush_audit().await;

    // Batches of one: the caller repeats until nothing is left.
    let mut deleted = 0;
    while let Some(n) = store.purge_expired(now, 1).await.expect("purge").filter(|n| *n > 0) {
        deleted += n;
    }
    assert_eq!(deleted, 2, "the events older than 30 days");
    let left = store.audit_events(None, now - chrono::Duration::days(365), 10).await.expect("read");
    let users: Vec<&str> =
        left.iter().filter_map(|e| e.user_id.as_ref()).map(|u| u.as_str()).collect();
    assert_eq!(users, ["aged0", "aged29"]);
    store.close().await;
}

backend_tests!(
    a_burst_is_written_whole_in_batches,
    close_writes_what_is_still_queued,
    old_events_expire_with_the_retention
);
