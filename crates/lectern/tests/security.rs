//! Bad input, origin checks, CORS and rate limits: every client mistake gets Better Auth's
//! status and `{"code","message"}` body, never a 500.

mod common;

use common::{ORIGIN, PASSWORD, TestApp, session, sign_in, sign_up, sign_up_as, unique_email};
use lectern_testkit::{Backend, backend_tests};
use serde_json::json;

async fn malformed_bodies_get_clear_errors(backend: Backend) {
    let app = TestApp::new(backend).await;
    let path = "/api/auth/sign-up/email";
    let post = || app.client.post(path);
    post().body("application/json", "{bad").send().await.assert_error(400, "BAD_REQUEST");
    post().body("text/plain", "hello").send().await.assert_error(415, "UNSUPPORTED_MEDIA_TYPE");
    for body in ["[1]", "\"str\"", "null", "42"] {
        post().body("application/json", body).send().await.assert_error(400, "VALIDATION_ERROR");
    }
    let res = post().json(&json!({ "name": 1, "email": null })).send().await;
    res.assert_error(400, "VALIDATION_ERROR");
    let message = res.json()["message"].as_str().expect("message").to_owned();
    assert!(
        message.contains("[body.name] Invalid input: expected string, received number"),
        "{message}"
    );
    assert!(message.contains("[body.password] Invalid input: expected string, received undefined"));

    let huge =
        json!({ "name": "x".repeat(100_000), "email": unique_email(), "password": PASSWORD });
    post().json(&huge).send().await.assert_error(413, "PAYLOAD_TOO_LARGE");
    let long = json!({ "name": "x".repeat(300), "email": unique_email(), "password": PASSWORD });
    post().json(&long).send().await.assert_error(400, "VALIDATION_ERROR");

    // NUL cannot be stored in PostgreSQL's text: a client error, never a 500.
    let nul = json!({ "name": "a\u{0}b", "email": unique_email(), "password": PASSWORD });
    post().json(&nul).send().await.assert_error(400, "VALIDATION_ERROR");

    let bad_email = json!({ "name": "x", "email": "not-an-email", "password": PASSWORD });
    post().json(&bad_email).send().await.assert_error(400, "VALIDATION_ERROR");
    let res = app
        .client
        .post("/api/auth/sign-in/email")
        .json(&json!({ "email": "not-an-email", "password": PASSWORD }))
        .send()
        .await;
    res.assert_error(400, "INVALID_EMAIL");

    for (password, code) in
        [("short", "PASSWORD_TOO_SHORT"), (&*"x".repeat(129), "PASSWORD_TOO_LONG")]
    {
        let body = json!({ "name": "x", "email": unique_email(), "password": password });
        post().json(&body).send().await.assert_error(400, code);
    }
    let res = app.client.get("/api/auth/no-such-endpoint").send().await;
    res.assert_error(404, "NOT_FOUND");
    app.client.get(path).send().await.assert_error(404, "NOT_FOUND");
    let res = app.client.post("/api/auth/get-session").send().await;
    res.assert_error(405, "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED");
}

async fn a_failed_sign_up_leaves_nothing_behind(backend: Backend) {
    let app = TestApp::new(backend).await;
    let email = unique_email();
    sign_up_as(&app.client, &email).await;
    let res = app
        .browser()
        .post("/api/auth/sign-up/email")
        .json(&json!({ "name": "Twin", "email": email.to_uppercase(), "password": PASSWORD }))
        .send()
        .await;
    res.assert_error(422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
    assert!(res.set_cookies().is_empty());
    // The first account is intact and still signs in with its own password.
    sign_in(&app.browser(), &email, PASSWORD).await.assert_ok();
}

async fn state_changing_requests_need_a_trusted_origin(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let update = |origin: Option<&str>| {
        let req = app.client.post("/api/auth/update-user").json(&json!({ "name": "Mallory" }));
        match origin {
            Some(o) => req.header("origin", o),
            None => req.without_header("origin"),
        }
    };
    update(Some("http://evil.example")).send().await.assert_error(403, "INVALID_ORIGIN");
    update(None).send().await.assert_error(403, "MISSING_OR_NULL_ORIGIN");
    update(Some("null")).send().await.assert_error(403, "MISSING_OR_NULL_ORIGIN");
    assert_eq!(session(&app.client).await["user"]["name"], "Ada", "no forged update went through");
    let referer = update(None).header("referer", &format!("{ORIGIN}/docs/intro")).send().await;
    referer.assert_ok();
    assert_eq!(
        session(&app.client).await["user"]["name"],
        "Mallory",
        "a trusted Referer is enough"
    );

    // Sign-in forms: a cross-site navigation is refused, a claimed foreign origin too.
    let stranger = app.browser();
    let form = || {
        stranger
            .post("/api/auth/sign-in/email")
            .json(&json!({ "email": unique_email(), "password": PASSWORD }))
    };
    let res = form()
        .header("sec-fetch-site", "cross-site")
        .header("sec-fetch-mode", "navigate")
        .send()
        .await;
    res.assert_error(403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED");
    let res = form().header("origin", "http://evil.example").send().await;
    res.assert_error(403, "INVALID_ORIGIN");
    let res = form().without_header("origin").header("sec-fetch-site", "same-origin").send().await;
    res.assert_error(403, "MISSING_OR_NULL_ORIGIN");
    // Server-to-server callers (no browser headers at all) are not origin-checked.
    let res = form().without_header("origin").send().await;
    res.assert_error(401, "INVALID_EMAIL_OR_PASSWORD");
    // A bearer-only client sends no cookies and is not origin-checked either.
    let res = app.client.post("/api/auth/sign-in/email").header("origin", "http://evil.example");
    let callback = json!({ "email": unique_email(), "password": PASSWORD, "callbackURL": "https://evil.example/x" });
    res.without_cookies().json(&callback).send().await.assert_error(403, "INVALID_ORIGIN");
}

async fn callback_urls_cannot_redirect_off_site(backend: Backend) {
    let app = TestApp::new(backend).await;
    let email = unique_email();
    sign_up_as(&app.browser(), &email).await;
    let browser = app.browser();
    let sign_in_to = |url: &str| {
        browser
            .post("/api/auth/sign-in/email")
            .json(&json!({ "email": email, "password": PASSWORD, "callbackURL": url }))
    };
    for evil in ["https://evil.example/", "//evil.example", "javascript:alert(1)"] {
        sign_in_to(evil).send().await.assert_error(403, "INVALID_CALLBACK_URL");
    }
    let res = sign_in_to("/dashboard").send().await;
    let body = res.assert_ok();
    assert_eq!(body["redirect"], true);
    assert_eq!(body["url"], "/dashboard");
    assert_eq!(res.header("location"), Some("/dashboard"));
}

async fn cors_answers_trusted_origins_only(backend: Backend) {
    let app = TestApp::new(backend).await;
    let res = app.client.get("/api/auth/get-session").send().await;
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
    assert!(
        res.header("access-control-expose-headers").is_some_and(|h| h.contains("set-auth-token"))
    );

    let res = app
        .client
        .get("/api/auth/get-session")
        .header("origin", "http://evil.example")
        .send()
        .await;
    assert_eq!(res.header("access-control-allow-origin"), None);
    assert_eq!(res.header("access-control-allow-credentials"), None);

    let preflight = app
        .client
        .request(http::Method::OPTIONS, "/api/auth/sign-in/email")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(
        preflight
            .header("access-control-allow-headers")
            .is_some_and(|h| h.contains("content-type"))
    );
    let evil = app
        .client
        .request(http::Method::OPTIONS, "/api/auth/sign-in/email")
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await;
    assert_eq!(evil.header("access-control-allow-origin"), None);
}

async fn sign_in_is_rate_limited_per_client(backend: Backend) {
    let app = TestApp::with(backend, |c| c.rate_limit = true).await;
    let email = unique_email();
    // Sign-up counts in its own bucket; three sign-ins pass, the fourth is refused.
    sign_up_as(&app.browser(), &email).await;
    for _ in 0..3 {
        sign_in(&app.client, &email, PASSWORD).await.assert_ok();
    }
    let refused = sign_in(&app.client, &email, PASSWORD).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.json(), json!({ "message": "Too many requests. Please try again later." }));
    let retry: u64 =
        refused.header("x-retry-after").expect("X-Retry-After").parse().expect("seconds");
    assert!((1..=10).contains(&retry), "{retry}");
    // Another client is not affected, nor are other endpoints.
    sign_in(&app.client.fork(([127, 0, 0, 9], 1).into()), &email, PASSWORD).await.assert_ok();
    assert!(session(&app.client).await.is_object());
}

backend_tests!(
    malformed_bodies_get_clear_errors,
    a_failed_sign_up_leaves_nothing_behind,
    state_changing_requests_need_a_trusted_origin,
    callback_urls_cannot_redirect_off_site,
    cors_answers_trusted_origins_only,
    sign_in_is_rate_limited_per_client,
);
