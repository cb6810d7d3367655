//! Logs never contain passwords, session tokens, cookies or the secret, even at the most
//! verbose level. One test per binary: it installs the global subscriber.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{PASSWORD, SECRET, TestApp, sign_in, unique_email};
use lectern_auth::mail::Mailer;
use lectern_testkit::Backend;
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
        .with_writer(move || writer.clone())
        .init();

    let outbox = std::env::temp_dir()
        .join(format!("lectern-log-outbox-{}", lectern_auth::ids::random_alphanumeric(8)));
    std::fs::create_dir_all(&outbox).expect("outbox");
    let mailer = Mailer::outbox(outbox.clone(), "Book <book@example.com>").expect("mailer");
    let app = TestApp::with(Backend::Sqlite, |c| c.mail = Some(mailer)).await;
    let email = unique_email();
    let res = app
        .client
        .post("/api/auth/sign-up/email")
        .json(&json!({ "name": "Ada", "email": email, "password": PASSWORD }))
        .send()
        .await;
    let token = res.json()["token"].as_str().expect("token").to_owned();
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

    let logs = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8");
    assert!(logs.contains("response"), "the request log is on, so the test can see leaks:\n{logs}");
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
