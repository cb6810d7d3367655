//! `GET /metrics`: Prometheus text with requests by route template (never raw paths, which
//! carry ids and tokens), latency histograms, and what the identity server counts.

mod common;

use common::*;
use lectern_testkit::{Backend, TestClient, backend_tests};
use serde_json::json;

/// The value of the series whose name and labels contain every part of `parts`.
fn value(text: &str, parts: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && parts.iter().all(|p| l.contains(p)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .reduce(f64::max)
}

async fn metrics_count_requests_by_route_and_what_the_server_refuses(backend: Backend) {
    let app = TestApp::with(backend, |c| c.rate_limit = true).await;
    let client = TestClient::new(
        lectern::app(app.auth.clone()).merge(lectern::metrics::routes(app.auth.store.clone())),
        Some(ORIGIN),
    );
    let email = unique_email();
    sign_up_as(&client, &email).await;
    session(&client).await;
    session(&client).await;
    client.get("/api/auth/reset-password/secret-token-in-a-path").send().await;
    client.get("/no/such/page").send().await;
    let purge = axum::http::Method::from_bytes(b"PURGE").expect("method");
    client.request(purge, "/no/such/page").send().await;
    for _ in 0..4 {
        client
            .post("/api/auth/sign-in/email")
            .json(&json!({ "email": email, "password": "wrong password!" }))
            .send()
            .await;
    }

    let res = client.get("/metrics").send().await;
    assert_eq!(res.status.as_u16(), 200);
    assert!(res.header("content-type").is_some_and(|c| c.starts_with("text/plain; version=0.0.4")));
    let text = String::from_utf8_lossy(&res.body).into_owned();
    let sign_ups = [
        "lectern_http_requests_total{",
        r#"route="/api/auth/sign-up/email""#,
        r#"method="POST""#,
        r#"status="200""#,
    ];
    assert!(value(&text, &sign_ups).is_some_and(|n| n >= 1.0), "{text}");
    let timed =
        ["lectern_http_request_duration_seconds_count{", r#"route="/api/auth/get-session""#];
    assert!(value(&text, &timed).is_some_and(|n| n >= 2.0));
    assert!(text.contains(r#"route="/api/auth/reset-password/{token}""#), "templates, not paths");
    assert!(!text.contains("secret-token-in-a-path"), "no raw path reaches the metrics");
    assert!(
        value(&text, &["lectern_http_requests_total{", r#"route="unmatched""#, r#"status="404""#])
            .is_some()
    );
    assert!(
        value(&text, &["lectern_rate_limited_total{", r#"rule="sign-in""#])
            .is_some_and(|n| n >= 1.0)
    );
    assert!(
        value(&text, &["lectern_session_cache_total{", r#"result="hit""#])
            .is_some_and(|n| n >= 1.0)
    );
    assert!(
        value(&text, &["lectern_db_pool_connections{", r#"state="open""#])
            .is_some_and(|n| n >= 1.0)
    );
    assert_eq!(value(&text, &["lectern_session_cache_live"]), Some(1.0));
    assert!(text.contains("lectern_http_requests_in_flight"));
    assert!(text.contains("lectern_password_hash_queue_depth"), "sign-up hashed a password");
    assert!(
        value(&text, &[r#"method="OTHER""#, r#"route="unmatched""#]).is_some(),
        "odd methods share one label"
    );
    assert!(!text.contains("PURGE"));
}

/// The tutor's figures: retrieval and first-token latency, pieces streamed, answers by
/// outcome, and open answer streams (none once the answer is read).
async fn metrics_follow_the_tutor(backend: Backend) {
    let app = TestApp::new(backend).await;
    let reading = tutor_reading(lectern_tutor::Answerer::Extractive);
    let client = TestClient::new(
        lectern::app_with(app.auth.clone(), reading)
            .merge(lectern::metrics::routes(app.auth.store.clone())),
        Some(ORIGIN),
    );
    sign_up(&client).await;
    with_profile(&client, "beginner", "none").await;
    let chat = client.post("/api/chats").json(&json!({})).send().await.json()["id"]
        .as_str()
        .expect("chat id")
        .to_owned();
    let asked = client
        .post(&format!("/api/chats/{chat}/messages"))
        .json(&json!({ "content": "What is a ROS 2 topic?" }))
        .send()
        .await;
    assert!(String::from_utf8_lossy(&asked.body).contains("event: done"));

    let text = String::from_utf8_lossy(&client.get("/metrics").send().await.body).into_owned();
    for series in [
        "lectern_tutor_retrieval_duration_seconds_count",
        "lectern_tutor_first_token_duration_seconds_count",
        "lectern_tutor_pieces_streamed_total",
    ] {
        assert!(value(&text, &[series]).is_some_and(|n| n >= 1.0), "{series}:\n{text}");
    }
    let complete = ["lectern_tutor_answers_total{", r#"outcome="complete""#];
    assert!(value(&text, &complete).is_some_and(|n| n >= 1.0), "{text}");
    assert!(text.contains("lectern_sse_streams_open"), "{text}");
}

backend_tests!(
    metrics_count_requests_by_route_and_what_the_server_refuses,
    metrics_follow_the_tutor
);
