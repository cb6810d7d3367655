//! A forgotten password, reset by mail: the request, the mail's link, the new password. The
//! mail goes to a real directory of `.eml` files (`LECTERN_MAIL_OUTBOX`); over SMTP it is
//! tested in tests/compat against a real SMTP server.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{PASSWORD, TestApp, outbox, sign_in, sign_up_as, unique_email};
use lectern_auth::mail::Mailer;
use lectern_testkit::{Backend, backend_tests};
use serde_json::json;

const NEW_PASSWORD: &str = "a brand new password";

async fn app(backend: Backend, outbox: &Path) -> TestApp {
    let mailer = Mailer::outbox(outbox.to_owned(), "Book <book@example.com>").expect("mailer");
    TestApp::with(backend, |c| c.mail = Some(mailer)).await
}

/// The mails in the outbox (sent after the answer, so polled: bounded, 5 s).
async fn mails(dir: &Path, want: usize) -> Vec<String> {
    for _ in 0..100 {
        let found: Vec<String> = std::fs::read_dir(dir)
            .expect("read outbox")
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect();
        if found.len() >= want {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {want} mails in {} after 5 s", dir.display());
}

/// The reset link in a mail (quoted-printable may wrap it: soft breaks removed first).
fn link(mail: &str) -> String {
    let text = mail.replace("=\r\n", "").replace("=3D", "=");
    let start = text.find("http://localhost:3000/api/auth/reset-password/").expect("a reset link");
    text[start..].split_whitespace().next().expect("link").to_owned()
}

async fn request(app: &TestApp, email: &str) -> serde_json::Value {
    app.client
        .post("/api/auth/request-password-reset")
        .json(&json!({ "email": email, "redirectTo": "/reset" }))
        .send()
        .await
        .assert_ok()
}

async fn reset(app: &TestApp, token: &str) -> lectern_testkit::TestResponse {
    app.client
        .post("/api/auth/reset-password")
        .json(&json!({ "newPassword": NEW_PASSWORD, "token": token }))
        .send()
        .await
}

async fn a_reader_resets_a_forgotten_password_by_mail(backend: Backend) {
    let dir = outbox();
    let app = app(backend, &dir).await;
    let email = unique_email();
    sign_up_as(&app.browser(), &email).await;

    let sent = request(&app, &email).await;
    let nobody = request(&app, &unique_email()).await;
    assert_eq!(sent, nobody, "the answer does not tell whether the account exists");
    assert_eq!(sent["status"], true);

    let mail = mails(&dir, 1).await.remove(0);
    assert!(mail.contains(&format!("To: {email}")), "{mail}");
    assert!(mail.contains("Subject: Reset your password"), "{mail}");
    let link = link(&mail);
    let token = link["http://localhost:3000/api/auth/reset-password/".len()..]
        .split('?')
        .next()
        .expect("token")
        .to_owned();
    assert!(link.ends_with("?callbackURL=%2Freset"), "{link}");

    // The link sends the browser to the site's reset page with the token.
    let path = link.trim_start_matches("http://localhost:3000");
    let hop = app.client.get(path).send().await;
    assert_eq!(hop.status.as_u16(), 302);
    assert_eq!(
        hop.header("location"),
        Some(format!("http://localhost:3000/reset?token={token}").as_str())
    );

    assert_eq!(reset(&app, &token).await.assert_ok(), json!({ "status": true }));
    sign_in(&app.client, &email, NEW_PASSWORD).await.assert_ok();
    sign_in(&app.client, &email, PASSWORD).await.assert_error(401, "INVALID_EMAIL_OR_PASSWORD");

    // Single use.
    reset(&app, &token).await.assert_error(400, "INVALID_TOKEN");
    let again = app.client.get(path).send().await;
    assert_eq!(again.header("location"), Some("http://localhost:3000/reset?error=INVALID_TOKEN"));
    assert_eq!(mails(&dir, 1).await.len(), 1, "no mail for an unknown address");
    std::fs::remove_dir_all(&dir).ok();
}

async fn a_reset_token_works_once_under_concurrency(backend: Backend) {
    let dir = outbox();
    let app = app(backend, &dir).await;
    let email = unique_email();
    sign_up_as(&app.browser(), &email).await;
    request(&app, &email).await;
    let mail = mails(&dir, 1).await.remove(0);
    let token = link(&mail)["http://localhost:3000/api/auth/reset-password/".len()..]
        .split('?')
        .next()
        .expect("token")
        .to_owned();
    let (a, b) = tokio::join!(reset(&app, &token), reset(&app, &token));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "exactly one reset succeeds");
    std::fs::remove_dir_all(&dir).ok();
}

backend_tests!(
    a_reader_resets_a_forgotten_password_by_mail,
    a_reset_token_works_once_under_concurrency
);
