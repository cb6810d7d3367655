//! The JWKS cache against a real HTTP server that counts its fetches: Cache-Control,
//! refetch on an unknown kid (shared and rate-limited), an issuer that goes down, rotation.

mod common;

use std::time::Duration;

use common::servers::{JwksServer, closed_port_url};
use common::{ISSUER, TestKey, claims, jwks};
use lectern_verify::{CachePolicy, HttpJwks, JwtConfig, JwtVerifier, KeySource, VerifyError};
use serde_json::json;

fn policy(refetch_interval: Duration, default_ttl: Duration) -> CachePolicy {
    let mut policy = CachePolicy::default();
    policy.refetch_interval = refetch_interval;
    policy.default_ttl = default_ttl;
    policy.fetch_timeout = Duration::from_secs(2);
    policy
}

fn verifier(url: &str, policy: CachePolicy) -> JwtVerifier {
    let http = HttpJwks::new(url, &policy).expect("JWKS URL");
    JwtVerifier::new(
        JwtConfig::better_auth(ISSUER).expect("issuer"),
        KeySource::http_with(http, policy),
    )
}

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn the_set_is_fetched_once_then_served_from_cache() {
    let key = TestKey::ed25519("a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = verifier(&server.url, policy(Duration::ZERO, HOUR));
    assert_eq!(server.fetches(), 0, "nothing is fetched before the first token");
    for _ in 0..20 {
        verifier.verify(&key.token(&claims(json!({})))).await.expect("verifies");
    }
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn cache_control_max_age_decides_when_the_set_goes_stale() {
    let key = TestKey::ed25519("a");
    let server = JwksServer::start(jwks(&[&key])).await;
    server.set_cache_control(Some("public, max-age=1"));
    let verifier = verifier(&server.url, policy(Duration::from_millis(100), HOUR));
    let token = key.token(&claims(json!({})));
    verifier.verify(&token).await.expect("verifies");
    verifier.verify(&token).await.expect("verifies");
    assert_eq!(server.fetches(), 1, "fresh for max-age");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    verifier.verify(&token).await.expect("verifies");
    assert_eq!(server.fetches(), 2, "refetched once max-age passed");

    // Without max-age the (one-hour) default applies.
    server.set_cache_control(None);
    let verifier = self::verifier(&server.url, policy(Duration::from_millis(100), HOUR));
    verifier.verify(&token).await.expect("verifies");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    verifier.verify(&token).await.expect("verifies");
    assert_eq!(server.fetches(), 3);
}

#[tokio::test]
async fn no_store_is_raised_to_the_refetch_interval_not_a_fetch_per_request() {
    let key = TestKey::ed25519("a");
    let server = JwksServer::start(jwks(&[&key])).await;
    server.set_cache_control(Some("no-store"));
    let verifier = verifier(&server.url, policy(Duration::from_secs(60), HOUR));
    for _ in 0..10 {
        verifier.verify(&key.token(&claims(json!({})))).await.expect("verifies");
    }
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn concurrent_requests_with_the_same_unknown_kid_share_one_fetch() {
    let (old, new) = (TestKey::ed25519("old"), TestKey::ed25519("new"));
    let server = JwksServer::start(jwks(&[&old])).await;
    let verifier = verifier(&server.url, policy(Duration::ZERO, HOUR));
    verifier.verify(&old.token(&claims(json!({})))).await.expect("warm");
    assert_eq!(server.fetches(), 1);

    server.set_keys(jwks(&[&old, &new]));
    // Slow enough that every request arrives while the fetch is in flight.
    server.set_delay(Duration::from_millis(300));
    let token = new.token(&claims(json!({})));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.clone());
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("new kid verifies after the shared fetch");
    }
    assert_eq!(server.fetches(), 2, "one fetch for fifty requests");
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_interval() {
    let key = TestKey::ed25519("a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = verifier(&server.url, policy(Duration::from_secs(1), HOUR));
    // Signed up front: key generation in a debug build must not eat into the interval.
    let forged: Vec<String> = (0..20)
        .map(|n| TestKey::ed25519(&format!("invented-{n}")).token(&claims(json!({}))))
        .collect();
    let late = TestKey::ed25519("invented-late").token(&claims(json!({})));
    verifier.verify(&key.token(&claims(json!({})))).await.expect("warm");
    // An attacker inventing kids: none of these may cause a fetch within the interval.
    for (n, token) in forged.iter().enumerate() {
        let result = verifier.verify(token).await;
        assert_eq!(result, Err(VerifyError::UnknownKid(format!("invented-{n}"))));
    }
    assert_eq!(server.fetches(), 1);
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert!(matches!(verifier.verify(&late).await, Err(VerifyError::UnknownKid(_))));
    assert_eq!(server.fetches(), 2, "one refetch once the interval passed");
}

#[tokio::test]
async fn an_issuer_that_goes_down_does_not_sign_anyone_out() {
    let key = TestKey::ed25519("a");
    let server = JwksServer::start(jwks(&[&key])).await;
    server.set_cache_control(Some("max-age=1"));
    let verifier = verifier(&server.url, policy(Duration::from_secs(1), HOUR));
    let token = key.token(&claims(json!({})));
    let unknown = TestKey::ed25519("b").token(&claims(json!({})));
    verifier.verify(&token).await.expect("warm");

    server.set_down(true);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..5 {
        verifier.verify(&token).await.expect("stale keys still verify while the issuer is down");
    }
    assert_eq!(server.fetches(), 2, "one failed refresh, then the rate limit holds");
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(verifier.verify(&unknown).await, Err(VerifyError::UnknownKid("b".into())));

    server.set_down(false);
    tokio::time::sleep(Duration::from_millis(1050)).await;
    verifier.verify(&token).await.expect("verifies");
    assert_eq!(server.fetches(), 4, "a refresh after recovery");
    verifier.verify(&token).await.expect("verifies");
    assert_eq!(server.fetches(), 4, "and fresh again");
}

#[tokio::test]
async fn with_nothing_cached_an_unreachable_issuer_is_reported_as_unavailable() {
    let key = TestKey::ed25519("a");
    let url = closed_port_url("/api/auth/jwks").await;
    let verifier = verifier(&url, policy(Duration::from_millis(200), HOUR));
    let token = key.token(&claims(json!({})));
    let result = verifier.verify(&token).await;
    assert!(matches!(result, Err(VerifyError::JwksUnavailable(_))), "{result:?}");
    assert!(result.expect_err("unavailable").is_unavailable());

    let server = JwksServer::start(jwks(&[&key])).await;
    server.set_down(true);
    let verifier = self::verifier(&server.url, policy(Duration::from_secs(1), HOUR));
    assert!(matches!(verifier.verify(&token).await, Err(VerifyError::JwksUnavailable(_))));
    assert!(matches!(verifier.verify(&token).await, Err(VerifyError::JwksUnavailable(_))));
    assert_eq!(server.fetches(), 1, "failures are rate-limited too");
    server.set_down(false);
    tokio::time::sleep(Duration::from_millis(1050)).await;
    verifier.verify(&token).await.expect("verifies once the issuer is back");
}

#[tokio::test]
async fn rotation_keeps_old_tokens_while_listed_and_drops_them_after() {
    let (old, new) = (TestKey::ed25519("2026-01"), TestKey::p256("2026-02"));
    let server = JwksServer::start(jwks(&[&old])).await;
    server.set_cache_control(Some("max-age=2"));
    let verifier = verifier(&server.url, policy(Duration::ZERO, HOUR));
    let old_token = old.token(&claims(json!({})));
    verifier.verify(&old_token).await.expect("old key");

    // The issuer rotates: the new key signs, the old one stays listed for its grace period.
    server.set_keys(jwks(&[&old, &new]));
    let new_token = new.token(&claims(json!({})));
    verifier.verify(&new_token).await.expect("new kid triggers a refetch");
    verifier.verify(&old_token).await.expect("old key still listed");
    assert_eq!(server.fetches(), 2);

    // The grace period ends: the old key disappears, and with the next refresh so do its tokens.
    server.set_keys(jwks(&[&new]));
    verifier.verify(&old_token).await.expect("cached until max-age");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(verifier.verify(&old_token).await, Err(VerifyError::UnknownKid("2026-01".into())));
    verifier.verify(&new_token).await.expect("new key");
}

#[tokio::test]
async fn warming_the_cache_fetches_before_the_first_request() {
    let key = TestKey::ed25519("a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = verifier(&server.url, policy(Duration::from_secs(60), HOUR));
    let KeySource::Cached(cache) = verifier.keys() else { panic!("cached source") };
    cache.refresh().await.expect("warm");
    assert_eq!(verifier.keys().current().len(), 1);
    verifier.verify_cached(&key.token(&claims(json!({})))).expect("sync path uses the warm cache");
    assert_eq!(server.fetches(), 1);
}
