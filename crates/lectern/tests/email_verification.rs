//! Verified addresses and changes of address, by mailed links (`LECTERN_EMAIL_VERIFICATION`):
//! sign-up mails a link, the link verifies and signs in, `required` keeps unverified readers
//! out without revealing who has an account, and a change of address is confirmed from the
//! old address and then the new one.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use lectern_auth::config::EmailVerification;
use lectern_auth::email_token::{self, EmailClaims};
use lectern_auth::mail::Mailer;
use lectern_testkit::{Backend, TestClient, backend_tests};
use serde_json::json;

struct Mailbox(PathBuf);

impl Mailbox {
    fn new() -> Self {
        Self(outbox())
    }

    fn all(&self) -> Vec<String> {
        std::fs::read_dir(&self.0)
            .expect("outbox")
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .map(|m| m.replace("=\r\n", "").replace("=3D", "="))
            .collect()
    }

    /// A link from the mails to `to` with `subject`, once there are `n` of them (the worker
    /// sends after the answer: polled, bounded 5 s). Such links are interchangeable.
    async fn link(&self, to: &str, subject: &str, n: usize) -> String {
        for _ in 0..250 {
            let links: Vec<String> = self
                .all()
                .into_iter()
                .filter(|m| {
                    m.contains(&format!("To: {to}")) && m.contains(&format!("Subject: {subject}"))
                })
                .map(|mail| {
                    let start =
                        mail.find("http://localhost:3000/api/auth/verify-email?").expect("a link");
                    let link = mail[start..].split_whitespace().next().expect("link");
                    link.strip_prefix("http://localhost:3000").expect("ours").to_owned()
                })
                .collect();
            if links.len() >= n {
                return links[0].clone();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("fewer than {n} mails {subject:?} to {to} in {} after 5 s", self.0.display());
    }

    fn count_to(&self, to: &str) -> usize {
        self.all().iter().filter(|m| m.contains(&format!("To: {to}"))).count()
    }
}

async fn app(backend: Backend, mode: EmailVerification) -> (TestApp, Mailbox) {
    let mailbox = Mailbox::new();
    let mailer = Mailer::outbox(mailbox.0.clone(), "Book <book@example.com>").expect("mailer");
    let app = TestApp::with(backend, |c| {
        c.mail = Some(mailer);
        c.email_verification = mode;
    })
    .await;
    (app, mailbox)
}

async fn sign_up_with(
    client: &TestClient,
    email: &str,
    callback: &str,
) -> lectern_testkit::TestResponse {
    client
        .post("/api/auth/sign-up/email")
        .json(&json!({ "name": "Ada", "email": email, "password": PASSWORD, "callbackURL": callback }))
        .send()
        .await
}

fn has_session_cookie(res: &lectern_testkit::TestResponse) -> bool {
    res.set_cookies()
        .iter()
        .any(|c| c.starts_with("better-auth.session_token=") && !c.contains("Max-Age=0"))
}

async fn the_sign_up_link_verifies_and_signs_in(backend: Backend) {
    let (app, mailbox) = app(backend, EmailVerification::Optional).await;
    let email = unique_email();
    let res = sign_up_with(&app.client, &email, "/welcome").await;
    assert!(res.assert_ok()["token"].is_string(), "optional: signed in at once");
    assert_eq!(session(&app.client).await["user"]["emailVerified"], false);
    let link = mailbox.link(&email, "Confirm your email address", 1).await;
    assert!(link.contains("callbackURL=%2Fwelcome"), "{link}");

    // Opened on another device: verified, and signed in there (autoSignInAfterVerification).
    let phone = app.browser();
    let res = phone.get(&link).send().await;
    assert_eq!((res.status.as_u16(), res.header("location")), (302, Some("/welcome")));
    assert!(has_session_cookie(&res));
    assert_eq!(session(&phone).await["user"]["emailVerified"], true);
    assert_eq!(session(&app.client).await["user"]["emailVerified"], true, "everywhere");
    // Again: nothing to do, no new session.
    let again = app.browser().get(&link).send().await;
    assert_eq!((again.status.as_u16(), has_session_cookie(&again)), (302, false));

    let now = chrono::Utc::now().timestamp();
    let claims = EmailClaims {
        email: email.clone(),
        update_to: None,
        request_type: None,
        user_id: None,
        iat: 0,
        exp: 0,
    };
    let expired = email_token::sign(&app.auth.config.secrets, claims, now - 7200);
    let res = app
        .browser()
        .get(&format!("/api/auth/verify-email?token={expired}&callbackURL=%2Fwelcome"))
        .send()
        .await;
    assert_eq!(res.header("location"), Some("/welcome?error=TOKEN_EXPIRED"));
    let forged = link.replace("token=ey", "token=eY");
    let res = app.browser().get(&forged.replace("&callbackURL=%2Fwelcome", "")).send().await;
    res.assert_error(401, "INVALID_TOKEN");
}

async fn ask(client: &TestClient, email: &str) -> lectern_testkit::TestResponse {
    let body = json!({ "email": email, "callbackURL": "/again" });
    client.post("/api/auth/send-verification-email").json(&body).send().await
}

async fn asking_for_a_link_reveals_nothing_and_checks_the_caller(backend: Backend) {
    let (app, mailbox) = app(backend, EmailVerification::Optional).await;
    let email = unique_email();
    sign_up_with(&app.client, &email, "/").await.assert_ok();
    mailbox.link(&email, "Confirm your email address", 1).await;
    ask(&app.client, "someone.else@example.com").await.assert_error(400, "EMAIL_MISMATCH");
    ask(&app.client, &email).await.assert_ok();
    mailbox.link(&email, "Confirm your email address", 2).await;
    // Signed out: the same answer for an unknown address and a real one.
    let stranger = app.browser();
    assert_eq!(ask(&stranger, "nobody@example.com").await.assert_ok(), json!({ "status": true }));
    assert_eq!(ask(&stranger, &email).await.assert_ok(), json!({ "status": true }));
    mailbox.link(&email, "Confirm your email address", 3).await;
    assert_eq!(mailbox.count_to("nobody@example.com"), 0);
    let link = mailbox.link(&email, "Confirm your email address", 3).await;
    app.client.get(&link).send().await;
    ask(&app.client, &email).await.assert_error(400, "EMAIL_ALREADY_VERIFIED");
}

async fn required_verification_keeps_unverified_readers_out(backend: Backend) {
    let (app, mailbox) = app(backend, EmailVerification::Required).await;
    let email = unique_email();
    let res = sign_up_with(&app.client, &email, "/book/").await;
    let body = res.assert_ok();
    assert!(body["token"].is_null() && !has_session_cookie(&res), "no session before the link");
    // The same address again: the same answer, no account revealed, no second user.
    let again = sign_up_with(&app.browser(), &email, "/book/").await;
    let again = again.assert_ok();
    assert!(again["token"].is_null());
    assert_eq!(again["user"]["email"], email.as_str());
    assert_ne!(again["user"]["id"], body["user"]["id"]);

    let refused = app
        .client
        .post("/api/auth/sign-in/email")
        .json(&json!({ "email": email, "password": PASSWORD, "callbackURL": "/book/" }))
        .send()
        .await;
    refused.assert_error(403, "EMAIL_NOT_VERIFIED");
    sign_in(&app.client, &email, "wrong password!")
        .await
        .assert_error(401, "INVALID_EMAIL_OR_PASSWORD");
    let fresh = mailbox.link(&email, "Confirm your email address", 2).await;
    assert_eq!(mailbox.count_to(&email), 2, "sign-up's link and sign-in's fresh one");
    let res = app.client.get(&fresh).send().await;
    assert_eq!(res.header("location"), Some("/book/"));
    assert_eq!(session(&app.client).await["user"]["email"], email.as_str());
    sign_in(&app.browser(), &email, PASSWORD).await.assert_ok();
}

async fn a_change_of_address_is_confirmed_by_both_addresses(backend: Backend) {
    let (app, mailbox) = app(backend, EmailVerification::Optional).await;
    let old = unique_email();
    sign_up_with(&app.client, &old, "/").await.assert_ok();
    app.client.get(&mailbox.link(&old, "Confirm your email address", 1).await).send().await;
    let new = unique_email();
    let change = |email: &str| {
        app.client
            .post("/api/auth/change-email")
            .json(&json!({ "newEmail": email, "callbackURL": "/settings" }))
            .send()
    };
    let same = change(&old.to_uppercase()).await;
    assert_eq!(
        (same.status.as_u16(), same.json()["message"].as_str()),
        (400, Some("Email is the same"))
    );
    let taken = unique_email();
    sign_up_with(&app.browser(), &taken, "/").await.assert_ok();
    assert_eq!(
        change(&taken).await.assert_ok(),
        json!({ "status": true }),
        "a taken address looks the same"
    );

    change(&new).await.assert_ok();
    let confirm = mailbox.link(&old, "Confirm the change of your email address", 1).await; // to the current address first
    assert_eq!(mailbox.count_to(&new), 0);
    // Someone else signed in cannot use it.
    let other = app.browser();
    sign_up(&other).await;
    let res = other.get(&confirm).send().await;
    assert_eq!(res.header("location"), Some("/settings?error=INVALID_USER"));

    let res = app.client.get(&confirm).send().await;
    assert_eq!(res.header("location"), Some("/settings"));
    assert_eq!(session(&app.client).await["user"]["email"], old.as_str(), "not yet");
    let verify_new = mailbox.link(&new, "Confirm your new email address", 1).await;
    let res = app.client.get(&verify_new).send().await;
    assert_eq!(res.header("location"), Some("/settings"));
    let me = session(&app.client).await;
    assert_eq!(
        (me["user"]["email"].as_str(), me["user"]["emailVerified"].as_bool()),
        (Some(new.as_str()), Some(true))
    );
    sign_in(&app.browser(), &new, PASSWORD).await.assert_ok();
    assert_eq!(mailbox.count_to(&taken), 1, "only its own sign-up mail");
}

async fn without_verification_the_flows_say_so(backend: Backend) {
    let (app, _mailbox) = app(backend, EmailVerification::Off).await;
    sign_up(&app.client).await;
    let res = app
        .client
        .post("/api/auth/change-email")
        .json(&json!({ "newEmail": unique_email() }))
        .send()
        .await;
    res.assert_error(400, "CHANGE_EMAIL_DISABLED");
    let res = app
        .client
        .post("/api/auth/send-verification-email")
        .json(&json!({ "email": unique_email() }))
        .send()
        .await;
    res.assert_error(400, "VERIFICATION_EMAIL_NOT_ENABLED");
}

backend_tests!(
    the_sign_up_link_verifies_and_signs_in,
    asking_for_a_link_reveals_nothing_and_checks_the_caller,
    required_verification_keeps_unverified_readers_out,
    a_change_of_address_is_confirmed_by_both_addresses,
    without_verification_the_flows_say_so,
);
