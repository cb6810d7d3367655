//! The Better Auth flows end to end through the real router, on SQLite and PostgreSQL.

mod common;

use chrono::{Duration, Utc};
use common::{PASSWORD, TestApp, session, sign_in, sign_up, sign_up_as, unique_email};
use lectern_store::SessionId;
use lectern_testkit::{Backend, backend_tests};
use serde_json::json;

const COOKIE: &str = "better-auth.session_token";

async fn sign_up_sets_a_signed_cookie_and_returns_the_user(backend: Backend) {
    let app = TestApp::new(backend).await;
    let email = unique_email();
    let res = app
        .client
        .post("/api/auth/sign-up/email")
        .json(&json!({
            "name": "Ada", "email": email.to_uppercase(), "password": PASSWORD,
            "softwareBackground": "Python, some ROS 2", "hardwareBackground": "Jetson Orin"
        }))
        .send()
        .await;
    let body = res.assert_ok();
    let token = body["token"].as_str().expect("token");
    assert_eq!(token.len(), 32);
    assert_eq!(body["user"]["email"], email, "emails are stored lower-case");
    assert_eq!(body["user"]["isAnonymous"], false);
    assert_eq!(body["user"]["emailVerified"], false);
    assert_eq!(body["user"]["softwareBackground"], "Python, some ROS 2");
    assert_eq!(body["user"]["hardwareBackground"], "Jetson Orin");

    let cookie = res.set_cookies().into_iter().find(|c| c.starts_with(COOKIE)).expect("cookie");
    assert!(cookie.starts_with(&format!("{COOKIE}={token}.")), "{cookie}");
    assert!(cookie.ends_with("; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"), "{cookie}");
    let bearer = res.header("set-auth-token").expect("set-auth-token");
    assert!(bearer.starts_with(&format!("{token}.")) && bearer.len() == 32 + 1 + 44, "{bearer}");

    let current = session(&app.client).await;
    assert_eq!(current["user"]["id"], body["user"]["id"]);
    assert_eq!(current["session"]["token"], token);
    assert_eq!(current["session"]["userId"], body["user"]["id"]);
}

async fn sign_in_and_sign_out(backend: Backend) {
    let app = TestApp::new(backend).await;
    let email = unique_email();
    sign_up_as(&app.client, &email).await;
    app.client.clear_cookies();
    assert_eq!(session(&app.client).await, serde_json::Value::Null);

    let res = sign_in(&app.client, &email.to_uppercase(), PASSWORD).await;
    let body = res.assert_ok();
    assert_eq!(body["redirect"], false);
    assert!(body.get("url").is_none());
    assert_eq!(body["user"]["email"], email);
    assert_eq!(session(&app.client).await["session"]["token"], body["token"]);

    let out = app.client.post("/api/auth/sign-out").send().await;
    assert_eq!(out.assert_ok(), json!({ "success": true }));
    assert!(
        out.set_cookies()
            .iter()
            .any(|c| c.starts_with(&format!("{COOKIE}=;")) && c.contains("Max-Age=0"))
    );
    assert_eq!(session(&app.client).await, serde_json::Value::Null);
    // The session is gone from the database, not just from the browser.
    let token = body["token"].as_str().expect("token");
    assert!(app.auth.store.find_session(token).await.expect("query").is_none());
}

async fn wrong_password_and_unknown_email_look_the_same(backend: Backend) {
    let app = TestApp::new(backend).await;
    let email = unique_email();
    sign_up_as(&app.client, &email).await;
    let wrong = sign_in(&app.browser(), &email, "not the password").await;
    wrong.assert_error(401, "INVALID_EMAIL_OR_PASSWORD");
    let unknown = sign_in(&app.browser(), &unique_email(), PASSWORD).await;
    unknown.assert_error(401, "INVALID_EMAIL_OR_PASSWORD");
    assert_eq!(wrong.json(), unknown.json());
}

async fn bearer_tokens_work_signed_and_raw(backend: Backend) {
    let app = TestApp::new(backend).await;
    let res = app
        .client
        .post("/api/auth/sign-up/email")
        .json(&json!({ "name": "Ada", "email": unique_email(), "password": PASSWORD }))
        .send()
        .await;
    let signed = res.header("set-auth-token").expect("header").to_owned();
    let raw = res.json()["token"].as_str().expect("token").to_owned();
    let other = app.browser();
    for token in [&signed, &raw] {
        let body = other.get("/api/auth/get-session").bearer(token).send().await.assert_ok();
        assert_eq!(body["session"]["token"], raw.as_str());
    }
    // A bad signature is ignored: no session.
    let forged = format!("{raw}.{}", "A".repeat(43) + "=");
    let body = other.get("/api/auth/get-session").bearer(&forged).send().await.assert_ok();
    assert_eq!(body, serde_json::Value::Null);
}

async fn remember_me_false_makes_a_browser_session(backend: Backend) {
    let app = TestApp::new(backend).await;
    let email = unique_email();
    sign_up_as(&app.browser(), &email).await;
    let res = app
        .client
        .post("/api/auth/sign-in/email")
        .json(&json!({ "email": email, "password": PASSWORD, "rememberMe": false }))
        .send()
        .await;
    res.assert_ok();
    let cookies = res.set_cookies();
    let token = cookies.iter().find(|c| c.starts_with(COOKIE)).expect("session cookie");
    assert!(!token.contains("Max-Age"), "a browser-session cookie: {token}");
    assert!(cookies.iter().any(|c| c.starts_with("better-auth.dont_remember=true.")));
    let current = session(&app.client).await;
    let expires: chrono::DateTime<Utc> =
        current["session"]["expiresAt"].as_str().expect("expiresAt").parse().expect("date");
    assert!(expires < Utc::now() + Duration::hours(25), "a one-day session");
}

/// Better Auth's one-time-token plugin: single use under a race, expired after three
/// minutes, and worthless once its session has ended.
async fn one_time_tokens_are_single_use_and_expire(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let session_token =
        session(&app.client).await["session"]["token"].as_str().expect("token").to_owned();
    let generate = || async {
        let body = app.client.get("/api/auth/one-time-token/generate").send().await.assert_ok();
        body["token"].as_str().expect("token").to_owned()
    };
    let verify = |token: String| {
        let client = app.browser();
        async move {
            client
                .post("/api/auth/one-time-token/verify")
                .json(&json!({ "token": token }))
                .send()
                .await
        }
    };

    let token = generate().await;
    let (a, b) = tokio::join!(verify(token.clone()), verify(token.clone()));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "of two at once, one gets the session");
    let won = if a.status.as_u16() == 200 { &a } else { &b };
    assert_eq!(won.json()["session"]["token"], session_token.as_str());
    assert!(won.header("set-auth-token").is_some_and(|t| t.starts_with(&session_token)));
    assert!(won.set_cookies().iter().any(|c| c.starts_with(COOKIE)));

    let now = Utc::now();
    let stale = "s".repeat(32);
    let identifier = format!("one-time-token:{stale}");
    let (created, expired) = (now - Duration::minutes(4), now - Duration::minutes(1));
    app.auth
        .store
        .create_verification("ott-stale", &identifier, &session_token, expired, created)
        .await
        .expect("insert");
    let res = verify(stale).await;
    assert_eq!((res.status.as_u16(), res.json()), (400, json!({ "message": "Invalid token" })));
    assert_eq!(app.auth.store.find_verification(&identifier, created).await.expect("read"), None);

    let token = generate().await;
    app.client.post("/api/auth/sign-out").json(&json!({})).send().await.assert_ok();
    let res = verify(token).await;
    assert_eq!((res.status.as_u16(), res.json()), (400, json!({ "message": "Session not found" })));
}

async fn get_session_refreshes_after_a_day_and_drops_expired_sessions(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let current = session(&app.client).await;
    let id = SessionId(current["session"]["id"].as_str().expect("id").to_owned());
    let token = current["session"]["token"].as_str().expect("token").to_owned();

    // Fresh: no write, no cookie.
    let res = app.client.get("/api/auth/get-session").send().await;
    assert!(res.set_cookies().is_empty());
    assert_eq!(res.header("cache-control"), Some("no-store"));

    // Last extended two days ago: extended to seven days from now, cookie re-sent.
    let now = Utc::now();
    app.auth.store.extend_session(&id, now + Duration::days(5), now).await.expect("update");
    let res = app.client.get("/api/auth/get-session").send().await;
    let body = res.assert_ok();
    let expires: chrono::DateTime<Utc> =
        body["session"]["expiresAt"].as_str().expect("date").parse().expect("date");
    assert!(expires > now + Duration::days(6), "{expires}");
    assert!(res.set_cookies().iter().any(|c| c.starts_with(COOKIE) && c.contains("Max-Age=")));

    // Expired: deleted, cookie cleared, null.
    app.auth.store.extend_session(&id, now - Duration::seconds(1), now).await.expect("update");
    let res = app.client.get("/api/auth/get-session").send().await;
    assert_eq!(res.assert_ok(), serde_json::Value::Null);
    assert!(res.set_cookies().iter().any(|c| c.starts_with(COOKIE) && c.contains("Max-Age=0")));
    assert!(app.auth.store.find_session(&token).await.expect("query").is_none());
}

async fn update_user_changes_name_and_background(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let res = app
        .client
        .post("/api/auth/update-user")
        .json(&json!({ "name": "Grace", "softwareBackground": "Rust", "hardwareBackground": null }))
        .send()
        .await;
    assert_eq!(res.assert_ok(), json!({ "status": true }));
    let user = &session(&app.client).await["user"];
    assert_eq!(user["name"], "Grace");
    assert_eq!(user["softwareBackground"], "Rust");
    assert_eq!(user["hardwareBackground"], serde_json::Value::Null);

    let res = app
        .client
        .post("/api/auth/update-user")
        .json(&json!({ "email": "x@example.com" }))
        .send()
        .await;
    res.assert_error(400, "EMAIL_CAN_NOT_BE_UPDATED");
    let res = app.client.post("/api/auth/update-user").json(&json!({ "name": 5 })).send().await;
    res.assert_error(400, "VALIDATION_ERROR");
}

async fn change_password_keeps_or_revokes_other_sessions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let email = unique_email();
    sign_up_as(&app.client, &email).await;
    let phone = app.browser();
    sign_in(&phone, &email, PASSWORD).await.assert_ok();

    let res = app
        .client
        .post("/api/auth/change-password")
        .json(&json!({ "currentPassword": "wrong password", "newPassword": "new password 1" }))
        .send()
        .await;
    res.assert_error(400, "INVALID_PASSWORD");

    let res = app
        .client
        .post("/api/auth/change-password")
        .json(&json!({ "currentPassword": PASSWORD, "newPassword": "new password 1" }))
        .send()
        .await;
    let body = res.assert_ok();
    assert_eq!(body["token"], serde_json::Value::Null);
    assert_eq!(body["user"]["email"], email);
    assert!(session(&phone).await.is_object(), "other sessions kept");
    sign_in(&app.browser(), &email, PASSWORD).await.assert_error(401, "INVALID_EMAIL_OR_PASSWORD");
    sign_in(&app.browser(), &email, "new password 1").await.assert_ok();

    let res = app
        .client
        .post("/api/auth/change-password")
        .json(&json!({ "currentPassword": "new password 1", "newPassword": "new password 2", "revokeOtherSessions": true }))
        .send()
        .await;
    let body = res.assert_ok();
    let token = body["token"].as_str().expect("a new session");
    assert_eq!(
        session(&app.client).await["session"]["token"],
        token,
        "this device keeps a session"
    );
    assert!(session(&phone).await.is_null(), "other sessions revoked");
}

async fn list_and_revoke_sessions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let email = unique_email();
    sign_up_as(&app.client, &email).await;
    let (phone, tablet) = (app.browser(), app.client.fork(([127, 0, 0, 3], 1).into()));
    let phone_token = sign_in(&phone, &email, PASSWORD).await.assert_ok()["token"]
        .as_str()
        .expect("t")
        .to_owned();
    sign_in(&tablet, &email, PASSWORD).await.assert_ok();

    let list = app.client.get("/api/auth/list-sessions").send().await.assert_ok();
    assert_eq!(list.as_array().expect("array").len(), 3);

    let res = app
        .client
        .post("/api/auth/revoke-session")
        .json(&json!({ "token": phone_token }))
        .send()
        .await;
    assert_eq!(res.assert_ok(), json!({ "status": true }));
    assert!(session(&phone).await.is_null());

    app.client.post("/api/auth/revoke-other-sessions").send().await.assert_ok();
    assert!(session(&tablet).await.is_null());
    assert!(session(&app.client).await.is_object());

    app.client.post("/api/auth/revoke-sessions").send().await.assert_ok();
    assert!(session(&app.client).await.is_null());
}

async fn list_sessions_needs_a_fresh_session(backend: Backend) {
    let app = TestApp::with(backend, |c| c.session.fresh_age = std::time::Duration::ZERO).await;
    sign_up(&app.client).await;
    app.client.get("/api/auth/list-sessions").send().await.assert_error(403, "SESSION_NOT_FRESH");
}

async fn protected_endpoints_need_a_session(backend: Backend) {
    let app = TestApp::new(backend).await;
    for (method, path) in [
        ("GET", "/api/auth/list-sessions"),
        ("POST", "/api/auth/revoke-session"),
        ("POST", "/api/auth/revoke-sessions"),
        ("POST", "/api/auth/revoke-other-sessions"),
        ("POST", "/api/auth/update-user"),
        ("POST", "/api/auth/change-password"),
    ] {
        let res = app
            .client
            .request(method.parse().expect("method"), path)
            .json(&json!({ "token": "x", "name": "x", "newPassword": "xxxxxxxxxx", "currentPassword": "xxxxxxxxxx" }))
            .send()
            .await;
        res.assert_error(401, "UNAUTHORIZED");
    }
}

async fn one_reader_cannot_revoke_another_readers_session(backend: Backend) {
    let app = TestApp::new(backend).await;
    let victim = app.browser();
    let victim_token = sign_up(&victim).await["token"].as_str().expect("t").to_owned();
    sign_up(&app.client).await;
    let res = app
        .client
        .post("/api/auth/revoke-session")
        .json(&json!({ "token": victim_token }))
        .send()
        .await;
    res.assert_ok();
    assert!(session(&victim).await.is_object(), "the other reader's session survives");
}

backend_tests!(
    sign_up_sets_a_signed_cookie_and_returns_the_user,
    sign_in_and_sign_out,
    wrong_password_and_unknown_email_look_the_same,
    bearer_tokens_work_signed_and_raw,
    one_time_tokens_are_single_use_and_expire,
    remember_me_false_makes_a_browser_session,
    get_session_refreshes_after_a_day_and_drops_expired_sessions,
    update_user_changes_name_and_background,
    change_password_keeps_or_revokes_other_sessions,
    list_and_revoke_sessions,
    list_sessions_needs_a_fresh_session,
    protected_endpoints_need_a_session,
    one_reader_cannot_revoke_another_readers_session,
);
