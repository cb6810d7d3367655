//! Mail leaves the request path through the outbox: a mail the server refuses is retried
//! until it goes, and a mail queued before a restart is sent after it.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use lectern_auth::mail::Mailer;
use lectern_auth::{Auth, AuthConfig, Secret};
use lectern_store::{OutboxMail, Store, StoreOptions};
use lectern_testkit::{Backend, backend_tests};
use serde_json::json;

fn mail_count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// Polls `done` every 20 ms for at most 5 s (the worker runs on its own).
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..250 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not within 5 s: {what}");
}

async fn a_refused_mail_is_retried_until_it_is_delivered(backend: Backend) {
    let dir = outbox();
    let mailer = Mailer::outbox(dir.clone(), "Book <book@example.com>").expect("mailer");
    let app = TestApp::with(backend, |c| {
        c.mail = Some(mailer);
        c.mail_retry = Duration::from_millis(50);
    })
    .await;
    let email = unique_email();
    sign_up_as(&app.browser(), &email).await;
    // The mail server is down: its directory is gone.
    std::fs::remove_dir_all(&dir).expect("remove");
    let res = app
        .client
        .post("/api/auth/request-password-reset")
        .json(&json!({ "email": email, "redirectTo": "/reset" }))
        .send()
        .await;
    res.assert_ok();
    eventually("two failed deliveries recorded", async || {
        let pending = app.auth.store.pending_mail().await.expect("read");
        pending.len() == 1 && pending[0].2 >= 2 && pending[0].3.is_some()
    })
    .await;
    let pending = app.auth.store.pending_mail().await.expect("read");
    assert_eq!(
        (pending[0].0.as_str(), pending[0].1.as_str()),
        (email.as_str(), "Reset your password")
    );

    std::fs::create_dir_all(&dir).expect("the server is back");
    eventually("the mail delivered", async || mail_count(&dir) == 1).await;
    eventually("the queue empty", async || {
        app.auth.store.pending_mail().await.expect("read").is_empty()
    })
    .await;
    assert_eq!(mail_count(&dir), 1, "delivered once");
}

async fn mail_queued_before_a_restart_is_sent_after_it(backend: Backend) {
    let app = TestApp::new(backend).await; // no mailer: nothing delivers
    let queued = OutboxMail {
        id: "queued-before-restart".into(),
        recipient: "reader@example.com".into(),
        subject: "Confirm deleting your reader account".into(),
        text: "the link".into(),
        html: None,
        attempts: 0,
    };
    app.auth.store.enqueue_mail(&queued, chrono::Utc::now()).await.expect("queue");
    assert_eq!(app.auth.store.pending_mail().await.expect("read").len(), 1);

    let dir = outbox();
    let store = Store::connect(&app.db.url, &StoreOptions::default()).await.expect("connect");
    let mut config = AuthConfig::development(ORIGIN, Secret::new(SECRET));
    config.mail = Some(Mailer::outbox(dir.clone(), "Book <book@example.com>").expect("mailer"));
    let _restarted = Auth::new(store, config);
    eventually("the queued mail delivered", async || mail_count(&dir) == 1).await;
    let mail = std::fs::read_dir(&dir)
        .expect("dir")
        .find_map(|e| std::fs::read_to_string(e.ok()?.path()).ok());
    assert!(mail.is_some_and(|m| m.contains("Confirm deleting your reader account")));
    eventually("the queue empty", async || {
        app.auth.store.pending_mail().await.expect("read").is_empty()
    })
    .await;
}

backend_tests!(
    a_refused_mail_is_retried_until_it_is_delivered,
    mail_queued_before_a_restart_is_sent_after_it,
);
