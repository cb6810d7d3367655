//! Logs never contain passwords, session tokens, cookies, the secret, reset links or
//! readers' questions, even at the most verbose level; every request's line carries its
//! request id, route, status, latency and user. One test per binary: it installs the global
//! subscriber.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{PASSWORD, SECRET, TestApp, sign_in, tutor_reading, unique_email, with_profile};
use lectern_api::merge::ReaderMerge;
use lectern_auth::mail::Mailer;
use lectern_auth::rate_limit::TrustedProxies;
use lectern_testkit::Backend;
use lectern_tutor::Answerer;
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_hold_no_secrets_at_trace_level() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let outbox = std::env::temp_dir()
        .join(format!("lectern-log-outbox-{}", lectern_auth::ids::random_alphanumeric(8)));
    std::fs::create_dir_all(&outbox).expect("outbox");
    let mailer = Mailer::outbox(outbox.clone(), "Book <book@example.com>").expect("mailer");
    // The test client connects from 127.0.0.1, a trusted proxy here; `browser()` does not.
    let configure = |c: &mut lectern_auth::AuthConfig| {
        c.mail = Some(mailer);
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1").expect("proxies");
    };
    let reading = tutor_reading(Answerer::Extractive);
    let app = TestApp::build_with(Backend::Sqlite, configure, Arc::new(ReaderMerge), reading).await;
    let email = unique_email();
    let res = app
        .client
        .post("/api/auth/sign-up/email")
        .json(&json!({ "name": "Ada", "email": email, "password": PASSWORD }))
        .send()
        .await;
    let token = res.json()["token"].as_str().expect("token").to_owned();
    let user_id = res.json()["user"]["id"].as_str().expect("user id").to_owned();
    let bearer = res.header("set-auth-token").expect("bearer").to_owned();
    let cookie = app.client.cookie("better-auth.session_token").expect("cookie");
    app.client
        .get("/api/auth/get-session?token=in-the-query")
        .bearer(&bearer)
        .send()
        .await
        .assert_ok();
    sign_in(&app.browser(), &email, "a wrong password here")
        .await
        .assert_error(401, "INVALID_EMAIL_OR_PASSWORD");
    let new_password = "another secret phrase";
    app.client
        .post("/api/auth/change-password")
        .json(&json!({ "currentPassword": PASSWORD, "newPassword": new_password }))
        .send()
        .await
        .assert_ok();

    // A reset: the mailed token travels in a path and in a body.
    app.client
        .post("/api/auth/request-password-reset")
        .json(&json!({ "email": email, "redirectTo": "/reset" }))
        .send()
        .await
        .assert_ok();
    let reset_token = mailed_reset_token(&outbox).await;
    let link = app
        .client
        .get(&format!("/api/auth/reset-password/{reset_token}?callbackURL=%2Freset"))
        .send()
        .await;
    assert_eq!(link.status.as_u16(), 302);
    app.client
        .post("/api/auth/reset-password")
        .json(&json!({ "newPassword": "the reset password", "token": reset_token }))
        .send()
        .await
        .assert_ok();
    std::fs::remove_dir_all(&outbox).ok();

    // A question is the reader's own words: it is kept in their history, not in the log.
    sign_in(&app.client, &email, "the reset password").await.assert_ok();
    with_profile(&app.client, "beginner", "none").await;
    let question = "is my zebra-striped gizmo a robot";
    let chat = app.client.post("/api/chats").json(&json!({})).send().await.json()["id"]
        .as_str()
        .expect("chat id")
        .to_owned();
    let asked = app
        .client
        .post(&format!("/api/chats/{chat}/messages"))
        .json(&json!({ "content": question }))
        .send()
        .await;
    assert_eq!(asked.status.as_u16(), 200);

    // Request ids: a trusted proxy's is kept and echoed; anyone else's is replaced.
    let proxied = app.client.get("/api/auth/ok").header("x-request-id", "edge-7f3a9c").send().await;
    assert_eq!(proxied.header("x-request-id"), Some("edge-7f3a9c"));
    let forged =
        app.browser().get("/api/auth/ok").header("x-request-id", "forged-1d2c").send().await;
    let replaced = forged.header("x-request-id").expect("a request id").to_owned();
    assert_ne!(replaced, "forged-1d2c");

    let logs = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8");
    let line = |needles: &[&str]| {
        logs.lines().find(|l| needles.iter().all(|n| l.contains(n))).unwrap_or_else(|| {
            panic!("no log line with all of {needles:?}:\n{logs}");
        })
    };
    line(&["id=edge-7f3a9c", "route=/api/auth/ok", "status=200", "latency_ms=", "response"]);
    line(&[&format!("id={replaced}"), "status=200"]);
    assert!(!logs.contains("forged-1d2c"), "an untrusted request id reached the log");
    // The user is known on the line of an authenticated request, and of a sign-in.
    line(&["route=/api/chats/{id}/messages", &format!("user_id={user_id}"), "status=200"]);
    line(&["route=/api/auth/sign-in/email", &format!("user_id={user_id}"), "status=200"]);
    line(&["route=/api/auth/sign-in/email", "status=401"]);
    for secret in [
        PASSWORD,
        new_password,
        "a wrong password here",
        &token,
        &bearer,
        &cookie,
        SECRET,
        "in-the-query",
        &reset_token,
        "the reset password",
        question,
        "zebra",
    ] {
        assert!(!logs.contains(secret), "{secret:?} leaked into the logs:\n{logs}");
    }
}

/// The token of the reset mail in `outbox` (sent after the answer: polled, bounded, 5 s).
async fn mailed_reset_token(outbox: &std::path::Path) -> String {
    const LINK: &str = "/api/auth/reset-password/";
    for _ in 0..100 {
        for entry in std::fs::read_dir(outbox).expect("outbox").flatten() {
            let mail = std::fs::read_to_string(entry.path()).expect("mail").replace("=\r\n", "");
            if let Some(at) = mail.find(LINK) {
                let rest = &mail[at + LINK.len()..];
                return rest.split('?').next().expect("token").to_owned();
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no reset mail in {} after 5 s", outbox.display());
}
