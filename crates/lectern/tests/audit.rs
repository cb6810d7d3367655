//! The audit trail: each flow records who did what, from where, and whether it worked;
//! nothing secret reaches it; `lectern audit` reads it; `LECTERN_AUDIT=off` stops it.

mod common;

use chrono::Utc;
use common::*;
use lectern_auth::mail::Mailer;
use lectern_store::{AuditEntry, UserId};
use lectern_testkit::{Backend, TestClient, TestDb, TestRequest, backend_tests};
use serde_json::{Value, json};

const AGENT: &str = "AuditTest/1.0 (a reader's browser)";
const NEW_PASSWORD: &str = "a brand new passphrase";

fn post<'a>(client: &'a TestClient, path: &str, body: Value) -> TestRequest<'a> {
    client.post(path).header("user-agent", AGENT).json(&body)
}

/// Everything recorded so far, oldest first.
async fn events(app: &TestApp) -> Vec<AuditEntry> {
    let store = &app.auth.store;
    store.flush_audit().await;
    let since = Utc::now() - chrono::Duration::hours(1);
    let mut events = store.audit_events(None, since, 1_000).await.expect("read");
    events.reverse();
    events
}

fn detail(event: &AuditEntry) -> Value {
    event.detail.as_deref().map_or(Value::Null, |d| serde_json::from_str(d).expect("JSON"))
}

async fn each_flow_records_who_what_where_and_the_outcome(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = &app.client;
    let email = unique_email();
    let signed_up = post(
        client,
        "/api/auth/sign-up/email",
        json!({ "name": "Ada", "email": email, "password": PASSWORD }),
    )
    .send()
    .await
    .assert_ok();
    let user = signed_up["user"]["id"].as_str().expect("id").to_owned();
    let mut secrets = vec![signed_up["token"].as_str().expect("token").to_owned()];

    let wrong = json!({ "email": email, "password": "not the password" });
    assert_eq!(post(client, "/api/auth/sign-in/email", wrong).send().await.status, 401);
    let right = json!({ "email": email, "password": PASSWORD });
    let signed_in = post(client, "/api/auth/sign-in/email", right.clone()).send().await.assert_ok();
    secrets.push(signed_in["token"].as_str().expect("token").to_owned());
    let bad_change = json!({ "currentPassword": "not the password", "newPassword": NEW_PASSWORD });
    assert_eq!(post(client, "/api/auth/change-password", bad_change).send().await.status, 400);
    let change = json!({ "currentPassword": PASSWORD, "newPassword": NEW_PASSWORD });
    post(client, "/api/auth/change-password", change).send().await.assert_ok();
    post(client, "/api/auth/revoke-other-sessions", json!({})).send().await.assert_ok();
    let answers = json!({ "answers": {
        "softwareExperience": "beginner", "operatingSystem": "linux", "gpu": "none",
        "roboticsHardware": ["none"]
    }});
    let profile = client
        .request(axum::http::Method::PUT, "/api/user/profile")
        .header("user-agent", AGENT)
        .json(&answers)
        .send()
        .await;
    assert!(profile.status.is_success(), "{}", String::from_utf8_lossy(&profile.body));
    let renamed = json!({ "name": "Ada Lovelace-Secret" });
    post(client, "/api/auth/update-user", renamed).send().await.assert_ok();
    secrets.extend(client.cookie("better-auth.session_token"));
    post(client, "/api/auth/sign-out", json!({})).send().await.assert_ok();
    let again = json!({ "email": email, "password": NEW_PASSWORD });
    let signed_in = post(client, "/api/auth/sign-in/email", again).send().await.assert_ok();
    secrets.push(signed_in["token"].as_str().expect("token").to_owned());
    post(client, "/api/auth/delete-user", json!({ "password": NEW_PASSWORD }))
        .send()
        .await
        .assert_ok();
    let stranger = json!({ "email": "Nobody@Example.com", "password": PASSWORD });
    assert_eq!(post(client, "/api/auth/sign-in/email", stranger).send().await.status, 401);

    let events = events(&app).await;
    let seen: Vec<(&str, &str)> =
        events.iter().map(|e| (e.event.as_str(), e.outcome.as_str())).collect();
    assert_eq!(
        seen,
        [
            ("sign_up", "success"),
            ("sign_in", "failure"),
            ("sign_in", "success"),
            ("password_change", "failure"),
            ("password_change", "success"),
            ("session_revoke", "success"),
            ("profile_update", "success"),
            ("user_update", "success"),
            ("sign_out", "success"),
            ("sign_in", "success"),
            ("user_delete", "success"),
            ("sign_in", "failure"),
        ]
    );
    let (stranger, mine) = events.split_last().expect("events");
    assert!(mine.iter().all(|e| e.user_id == Some(UserId(user.clone()))), "{mine:#?}");
    assert_eq!(stranger.user_id, None, "nobody has that address");
    assert_eq!(
        detail(stranger),
        json!({ "method": "email", "code": "INVALID_EMAIL_OR_PASSWORD", "email": "nobody@example.com" })
    );
    let wrong_password = json!({ "method": "email", "code": "INVALID_EMAIL_OR_PASSWORD" });
    assert_eq!(detail(&events[1]), wrong_password, "the account, not its address");
    assert_eq!(detail(&events[0]), json!({ "method": "email" }));
    assert_eq!(detail(&events[5]), json!({ "scope": "others", "count": 1 }));
    assert_eq!(detail(&events[7]), json!({ "fields": ["name"] }), "which fields, not their values");
    for event in &events {
        assert_eq!(event.ip.as_deref(), Some("127.0.0.1"), "{event:?}");
        assert_eq!(event.user_agent.as_deref(), Some(AGENT), "{event:?}");
    }
    // Nothing secret in any column.
    let written = serde_json::to_string(&events).expect("JSON");
    secrets
        .extend([PASSWORD, NEW_PASSWORD, "not the password", "Lovelace-Secret"].map(str::to_owned));
    for secret in &secrets {
        let token = secret.split('.').next().expect("token");
        assert!(!written.contains(token), "{secret} is in the audit trail: {written}");
    }
}

async fn a_reset_is_recorded_and_so_are_bad_links(backend: Backend) {
    let mailer = Mailer::outbox(outbox(), "Book <book@example.com>").expect("mailer");
    let app = TestApp::with(backend, |c| c.mail = Some(mailer)).await;
    let email = unique_email();
    let user =
        sign_up_as(&app.browser(), &email).await["user"]["id"].as_str().expect("id").to_owned();
    let client = &app.client;
    post(client, "/api/auth/request-password-reset", json!({ "email": email }))
        .send()
        .await
        .assert_ok();
    // The token a mailed link carries, made as the flow makes it.
    let now = Utc::now();
    let (identifier, expires) =
        ("reset-password:known-reset-token", now + chrono::Duration::hours(1));
    app.auth.store.create_verification("r1", identifier, &user, expires, now).await.expect("token");
    let guessed = json!({ "newPassword": NEW_PASSWORD, "token": "guessed-reset-token" });
    assert_eq!(post(client, "/api/auth/reset-password", guessed).send().await.status, 400);
    let known = json!({ "newPassword": NEW_PASSWORD, "token": "known-reset-token" });
    post(client, "/api/auth/reset-password", known).send().await.assert_ok();

    let events = events(&app).await;
    let seen: Vec<(&str, &str, Option<&str>)> = events
        .iter()
        .map(|e| (e.event.as_str(), e.outcome.as_str(), e.user_id.as_ref().map(|u| u.as_str())))
        .collect();
    let user = Some(user.as_str());
    assert_eq!(
        seen,
        [
            ("sign_up", "success", user),
            ("password_reset_request", "success", user),
            ("password_reset", "failure", None),
            ("password_reset", "success", user),
        ]
    );
    assert_eq!(detail(&events[2]), json!({ "code": "INVALID_TOKEN" }));
    let written = serde_json::to_string(&events).expect("JSON");
    assert!(!written.contains("reset-token"), "a reset token is in the audit trail: {written}");
}

async fn a_guest_who_signs_up_is_traced_to_the_account(backend: Backend) {
    let app = TestApp::new(backend).await;
    let guest =
        post(&app.client, "/api/auth/sign-in/anonymous", json!({})).send().await.assert_ok();
    let guest = guest["user"]["id"].as_str().expect("id").to_owned();
    let account = sign_up(&app.client).await["user"]["id"].as_str().expect("id").to_owned();

    let events = events(&app).await;
    let seen: Vec<(&str, Option<&str>)> =
        events.iter().map(|e| (e.event.as_str(), e.user_id.as_ref().map(|u| u.as_str()))).collect();
    assert_eq!(
        seen,
        [
            ("guest_sign_in", Some(guest.as_str())),
            ("sign_up", Some(account.as_str())),
            ("guest_merge", Some(account.as_str())),
        ]
    );
    assert_eq!(detail(&events[2]), json!({ "guest": guest }));
}

async fn nothing_is_recorded_when_the_trail_is_off(backend: Backend) {
    let app = TestApp::with(backend, |config| config.audit = false).await;
    sign_up(&app.client).await;
    with_profile(&app.client, "beginner", "none").await;
    assert_eq!(events(&app).await, []);
}

/// `lectern audit` run as an operator runs it, against the database the server wrote.
async fn the_command_line_prints_a_users_events(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = sign_up(&app.client).await["user"]["id"].as_str().expect("id").to_owned();
    sign_up(&app.browser()).await;
    app.auth.store.flush_audit().await;
    let rotated = lectern(&app.db, &["keys", "rotate", "--grace", "1h"]);
    assert!(rotated.status.success(), "{}", String::from_utf8_lossy(&rotated.stderr));

    let mine = lectern(&app.db, &["audit", "--json", "--user", &user]);
    assert!(mine.status.success(), "{}", String::from_utf8_lossy(&mine.stderr));
    let lines: Vec<Value> = String::from_utf8_lossy(&mine.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["event"], "sign_up");
    assert_eq!(lines[0]["userId"], user.as_str());
    assert_eq!(lines[0]["detail"], json!({ "method": "email" }), "detail is JSON, not a string");

    let all = lectern(&app.db, &["audit", "--since", "10m"]);
    let out = String::from_utf8_lossy(&all.stdout);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.lines().next().expect("newest first").contains("key_rotation"), "{out}");
    let none = lectern(&app.db, &["audit", "--user", "nobody"]);
    assert!(String::from_utf8_lossy(&none.stdout).contains("no audit events"));
    let bad = lectern(&app.db, &["audit", "--since", "yesterday"]);
    assert!(!bad.status.success());
}

fn lectern(db: &TestDb, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("BETTER_AUTH_SECRET", SECRET)
        .env_remove("LECTERN_ENV")
        .env_remove("LECTERN_AUDIT")
        .output()
        .expect("run lectern")
}

backend_tests!(
    each_flow_records_who_what_where_and_the_outcome,
    a_reset_is_recorded_and_so_are_bad_links,
    a_guest_who_signs_up_is_traced_to_the_account,
    nothing_is_recorded_when_the_trail_is_off,
    the_command_line_prints_a_users_events
);
