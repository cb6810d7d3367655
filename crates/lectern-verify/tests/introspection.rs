//! The introspection strategy against a real HTTP server answering `get-session` the way
//! Better Auth does (shape taken from the recorded fixture, dates moved to now).

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use chrono::{SecondsFormat, Utc};
use common::fixture;
use common::servers::{SessionServer, closed_port_url};
use lectern_verify::{IntrospectionConfig, IntrospectionVerifier, VerifyError, Via};
use serde_json::Value;

const RAW: &str = "f2c584bzBAIJ27NXhn8TDKeZGS52C5DC";
const SIGNED: &str =
    "f2c584bzBAIJ27NXhn8TDKeZGS52C5DC.qfzcFpgdniO5fvSvZ7Jsqd3Fp7q1wo8jBSZtXcc7UrA=";

/// Better Auth's recorded answer, expiring `expires_in` from now.
fn answer(expires_in: chrono::Duration) -> Value {
    let mut answer = fixture()["getSession"].clone();
    let expires = (Utc::now() + expires_in).to_rfc3339_opts(SecondsFormat::Millis, true);
    answer["session"]["expiresAt"] = Value::from(expires);
    answer
}

fn verifier(server: &SessionServer, ttl: Duration, max_entries: usize) -> IntrospectionVerifier {
    let mut config = IntrospectionConfig::better_auth(&server.base_url);
    config.ttl = ttl;
    config.max_entries = max_entries;
    IntrospectionVerifier::new(config).expect("config")
}

#[tokio::test]
async fn a_live_session_becomes_a_reader() {
    let server = SessionServer::start().await;
    server.insert(SIGNED, answer(chrono::Duration::days(7)));
    let reader =
        verifier(&server, Duration::from_secs(5), 100).verify(SIGNED).await.expect("signed in");
    assert_eq!(reader.via, Via::Introspection);
    assert_eq!(reader.id.as_str(), "gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z");
    assert_eq!(reader.email, "ada@example.com");
    assert_eq!(reader.extra_str("softwareBackground"), Some("rust"));
    assert_eq!(
        reader.session_id.as_ref().map(|id| id.as_str()),
        Some("rYoH97Jziu40UooYGhEiKKqejU7bZ1LG")
    );
    assert_eq!(
        server.seen(),
        vec![SIGNED.to_owned()],
        "the credential is passed through untouched"
    );
}

#[tokio::test]
async fn a_null_answer_means_not_signed_in() {
    let server = SessionServer::start().await;
    let verifier = verifier(&server, Duration::from_secs(5), 100);
    assert_eq!(verifier.verify(RAW).await, Err(VerifyError::NoSession));
    assert_eq!(verifier.verify(RAW).await, Err(VerifyError::NoSession));
    assert_eq!(server.requests(), 1, "a negative answer is cached too");
}

#[tokio::test]
async fn answers_are_cached_for_the_ttl_so_revocation_shows_after_it() {
    let server = SessionServer::start().await;
    server.insert(RAW, answer(chrono::Duration::days(7)));
    let verifier = verifier(&server, Duration::from_secs(1), 100);
    for _ in 0..10 {
        verifier.verify(RAW).await.expect("signed in");
    }
    assert_eq!(server.requests(), 1);
    server.revoke(RAW);
    verifier.verify(RAW).await.expect("still cached");
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(verifier.verify(RAW).await, Err(VerifyError::NoSession));
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_session_is_never_served_from_cache_past_its_expiry() {
    let server = SessionServer::start().await;
    server.insert(RAW, answer(chrono::Duration::milliseconds(1500)));
    let verifier = verifier(&server, Duration::from_secs(60), 100);
    verifier.verify(RAW).await.expect("live");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(verifier.verify(RAW).await, Err(VerifyError::SessionExpired));
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn the_cache_is_bounded() {
    let server = SessionServer::start().await;
    let verifier = verifier(&server, Duration::from_secs(60), 3);
    let tokens: Vec<String> = (0..5).map(|n| format!("token{n:0>27}")).collect();
    for token in &tokens {
        assert_eq!(verifier.verify(token).await, Err(VerifyError::NoSession));
    }
    assert_eq!(server.requests(), 5);
    let _ = verifier.verify(&tokens[4]).await;
    assert_eq!(server.requests(), 5, "recent entries stay");
    let _ = verifier.verify(&tokens[0]).await;
    assert_eq!(server.requests(), 6, "the oldest was evicted");
}

#[tokio::test]
async fn an_auth_server_in_trouble_is_unavailable_and_not_cached() {
    let server = SessionServer::start().await;
    server.insert(RAW, answer(chrono::Duration::days(7)));
    let verifier = verifier(&server, Duration::from_secs(60), 100);
    server.set_status(Some(StatusCode::INTERNAL_SERVER_ERROR));
    let result = verifier.verify(RAW).await;
    assert!(matches!(result, Err(VerifyError::SessionUnavailable(_))), "{result:?}");
    server.set_status(None);
    verifier.verify(RAW).await.expect("the failure was not cached");

    server.set_status(Some(StatusCode::UNAUTHORIZED));
    let other = "ZZZZ84bzBAIJ27NXhn8TDKeZGS52C5DC";
    assert_eq!(verifier.verify(other).await, Err(VerifyError::NoSession));
}

#[tokio::test]
async fn an_unreachable_auth_server_is_unavailable() {
    let url = closed_port_url("/api/auth/get-session").await;
    let verifier = IntrospectionVerifier::new(IntrospectionConfig::new(url)).expect("config");
    let result = verifier.verify(RAW).await;
    assert!(matches!(result, Err(VerifyError::SessionUnavailable(_))), "{result:?}");
}

#[tokio::test]
async fn credentials_that_cannot_be_tokens_never_leave_the_process() {
    let server = SessionServer::start().await;
    let verifier = verifier(&server, Duration::from_secs(5), 100);
    assert_eq!(verifier.verify("").await, Err(VerifyError::Missing));
    assert!(matches!(verifier.verify("has space").await, Err(VerifyError::Malformed(_))));
    assert!(matches!(verifier.verify("line\nbreak").await, Err(VerifyError::Malformed(_))));
    assert_eq!(verifier.verify(&"a".repeat(5000)).await, Err(VerifyError::TooLarge { max: 4096 }));
    assert_eq!(server.requests(), 0);
}
