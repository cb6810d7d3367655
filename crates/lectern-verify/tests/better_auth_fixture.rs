//! Tokens, keys and cookies recorded from the real Better Auth 1.7 (the reference peer in
//! shared/peers/better-auth), replayed at the time they were issued: what the verifier
//! accepts is what Better Auth really emits, not what we believe it emits.

mod common;

use common::fixture;
use common::servers::JwksServer;
use lectern_verify::{
    CachePolicy, HttpJwks, JwkSet, JwtConfig, JwtVerifier, KeySource, VerifyError, Via,
    session_token, sign_session_token,
};
use serde_json::Value;

fn recorded(name: &str) -> String {
    fixture()[name].as_str().unwrap_or_else(|| panic!("fixture has {name}")).to_owned()
}

fn jwks() -> JwkSet {
    serde_json::from_value(fixture()["jwks"].clone()).expect("fixture JWKS")
}

fn verifier(keys: KeySource) -> JwtVerifier {
    let config = JwtConfig::better_auth(&recorded("baseURL")).expect("base URL");
    JwtVerifier::new(config, keys)
}

const ISSUED_AT: i64 = 1_795_327_135;

#[tokio::test]
async fn a_better_auth_user_jwt_verifies_against_its_published_jwks() {
    let verifier = verifier(KeySource::fixed(&jwks()));
    let reader = verifier.verify_at(&recorded("userJwt"), ISSUED_AT + 60).await.expect("verifies");
    let user = &fixture()["getSession"]["user"];
    assert_eq!(reader.id.as_str(), user["id"].as_str().expect("id"));
    assert_eq!(reader.email, "ada@example.com");
    assert_eq!(reader.name, "Ada Lovelace");
    assert!(!reader.email_verified && !reader.is_anonymous);
    assert_eq!(reader.image, None);
    assert_eq!(reader.extra_str("softwareBackground"), Some("rust"));
    assert_eq!(
        reader.created_at.map(|d| d.to_rfc3339()),
        Some("2026-11-22T05:58:52.436+00:00".into())
    );
    assert_eq!(reader.expires_at.timestamp(), ISSUED_AT + 15 * 60, "exp = iat + 15 min");
    assert_eq!(reader.via, Via::Jwt);
}

#[tokio::test]
async fn a_better_auth_anonymous_jwt_says_so() {
    let verifier = verifier(KeySource::fixed(&jwks()));
    let reader =
        verifier.verify_at(&recorded("anonymousJwt"), ISSUED_AT + 60).await.expect("verifies");
    assert!(reader.is_anonymous);
    assert_eq!(reader.name, "Anonymous");
}

#[tokio::test]
async fn the_recorded_claims_are_exactly_better_auths() {
    let verifier = verifier(KeySource::fixed(&jwks()));
    let claims = verifier.decode_at(&recorded("userJwt"), ISSUED_AT).await.expect("verifies");
    assert_eq!(claims.iss, "http://127.0.0.1:4177");
    assert_eq!(claims.aud, vec!["http://127.0.0.1:4177".to_owned()]);
    assert_eq!(claims.iat, Some(ISSUED_AT));
    assert_eq!(claims.sub, claims.user.id.clone().expect("id"));
}

#[tokio::test]
async fn recorded_tokens_expire_after_fifteen_minutes_and_the_leeway() {
    let verifier = verifier(KeySource::fixed(&jwks()));
    let exp = ISSUED_AT + 900;
    assert!(verifier.verify_at(&recorded("userJwt"), exp + 29).await.is_ok());
    assert_eq!(verifier.verify_at(&recorded("userJwt"), exp + 30).await, Err(VerifyError::Expired));
}

#[tokio::test]
async fn the_recorded_jwks_is_fetched_over_http_like_better_auths_endpoint() {
    let server = JwksServer::start(jwks()).await;
    let http = HttpJwks::new(&server.url, &CachePolicy::default()).expect("URL");
    let verifier = verifier(KeySource::http_with(http, CachePolicy::default()));
    for _ in 0..5 {
        verifier.verify_at(&recorded("userJwt"), ISSUED_AT + 1).await.expect("verifies");
    }
    assert_eq!(server.fetches(), 1);
}

#[test]
fn better_auths_signed_session_values_verify_with_its_secret() {
    let secret = recorded("secret");
    let token = recorded("sessionToken");
    assert_eq!(sign_session_token(&token, secret.as_bytes()), recorded("setAuthToken"));
    for value in [recorded("setAuthToken"), recorded("sessionCookie")] {
        assert_eq!(session_token(&value, Some(secret.as_bytes()), true), Ok(token.clone()));
    }
    let anonymous = recorded("anonymousSetAuthToken");
    assert!(session_token(&anonymous, Some(secret.as_bytes()), true).is_ok());
    assert_eq!(
        session_token(&anonymous, Some(b"wrong secret"), true),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn the_recorded_get_session_answer_has_the_shape_the_introspection_strategy_reads() {
    let answer = fixture()["getSession"].clone();
    let user: lectern_verify::UserFields =
        serde_json::from_value(answer["user"].clone()).expect("user parses");
    assert_eq!(user.extra.get("hardwareBackground"), Some(&Value::Null));
    assert!(answer["session"]["expiresAt"].is_string());
}
