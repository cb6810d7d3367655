//! JWTs and the JWKS as Better Auth's jwt plugin serves them, on SQLite and PostgreSQL.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{Duration, Utc};
use common::{TestApp, sign_up};
use lectern_auth::jwt::{self, Alg, JwtConfig};
use lectern_testkit::{Backend, backend_tests};
use serde_json::Value;

/// Splits a JWT and checks its signature against the JWKS with the RustCrypto verifiers.
fn verify(token: &str, jwks: &Value) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let decode =
        |p: &str| -> Value { serde_json::from_slice(&B64.decode(p).expect("b64")).expect("json") };
    let (header, claims) = (decode(parts[0]), decode(parts[1]));
    let signature = B64.decode(parts[2]).expect("b64 signature");
    let message = format!("{}.{}", parts[0], parts[1]);
    let jwk = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap_or_else(|| panic!("kid {} not in {jwks}", header["kid"]));
    let field = |name: &str| B64.decode(jwk[name].as_str().expect(name)).expect("b64 field");
    match header["alg"].as_str().expect("alg") {
        "EdDSA" => {
            use ed25519_dalek::Verifier;
            let key =
                ed25519_dalek::VerifyingKey::from_bytes(&field("x").try_into().expect("32 bytes"))
                    .expect("key");
            let sig = ed25519_dalek::Signature::from_slice(&signature).expect("signature");
            key.verify(message.as_bytes(), &sig).expect("valid EdDSA signature");
        }
        "ES256" => {
            use p256::ecdsa::signature::Verifier;
            let mut point = vec![4u8];
            point.extend(field("x"));
            point.extend(field("y"));
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).expect("key");
            let sig = p256::ecdsa::Signature::from_slice(&signature).expect("signature");
            key.verify(message.as_bytes(), &sig).expect("valid ES256 signature");
        }
        "RS256" => {
            use rsa::signature::Verifier;
            let n = rsa::BigUint::from_bytes_be(&field("n"));
            let e = rsa::BigUint::from_bytes_be(&field("e"));
            let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(
                rsa::RsaPublicKey::new(n, e).expect("key"),
            );
            let sig = rsa::pkcs1v15::Signature::try_from(signature.as_slice()).expect("signature");
            key.verify(message.as_bytes(), &sig).expect("valid RS256 signature");
        }
        other => panic!("unexpected alg {other}"),
    }
    (header, claims)
}

async fn jwks(app: &TestApp) -> Value {
    let res = app.client.get("/api/auth/jwks").send().await;
    assert_eq!(res.header("cache-control"), None, "no shared caching of the key set");
    res.assert_ok()
}

async fn tokens_carry_the_user_and_verify_against_the_jwks(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = sign_up(&app.client).await["user"].clone();
    let token = app.client.get("/api/auth/token").send().await.assert_ok()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let set = jwks(&app).await;
    let (header, claims) = verify(&token, &set);
    assert_eq!(header, serde_json::json!({ "alg": "EdDSA", "kid": set["keys"][0]["kid"] }));
    assert_eq!(set["keys"][0]["crv"], "Ed25519");
    assert_eq!(set["keys"][0]["kty"], "OKP");
    assert_eq!(claims["sub"], user["id"]);
    assert_eq!(claims["email"], user["email"]);
    assert_eq!(claims["iss"], common::ORIGIN);
    assert_eq!(claims["aud"], common::ORIGIN);
    assert_eq!(claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat"), 900);
    let keys: Vec<&str> = claims.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys.first(), Some(&"iat"), "Better Auth's claim order: {keys:?}");
    assert_eq!(&keys[keys.len() - 4..], ["sub", "exp", "iss", "aud"]);

    let res = app.client.get("/api/auth/get-session").send().await;
    let jwt = res.header("set-auth-jwt").expect("set-auth-jwt on get-session");
    verify(jwt, &set);
    assert!(
        res.header("access-control-expose-headers").is_some_and(|h| h.contains("set-auth-jwt"))
    );

    app.browser().get("/api/auth/token").send().await.assert_error(401, "UNAUTHORIZED");
    let signed_out = app.browser().get("/api/auth/get-session").send().await;
    assert!(signed_out.header("set-auth-jwt").is_none());
}

async fn concurrent_first_requests_make_exactly_one_key(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let requests = (0..16).map(|i| {
        let path = if i % 2 == 0 { "/api/auth/jwks" } else { "/api/auth/token" };
        app.client.get(path).send()
    });
    for res in futures_util::future::join_all(requests).await {
        assert_eq!(res.status, 200);
    }
    assert_eq!(app.auth.store.jwks().await.expect("query").len(), 1);
}

async fn es256_and_rs256_are_configurable(backend: Backend) {
    for alg in [Alg::ES256, Alg::RS256] {
        let app = TestApp::with(backend, |c| c.jwt.alg = alg).await;
        sign_up(&app.client).await;
        let token = app.client.get("/api/auth/token").send().await.assert_ok()["token"]
            .as_str()
            .expect("t")
            .to_owned();
        let (header, _) = verify(&token, &jwks(&app).await);
        assert_eq!(header["alg"], alg.as_str());
    }
}

async fn rotated_keys_stay_in_the_jwks_for_their_grace_period(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let before = app.client.get("/api/auth/token").send().await.assert_ok()["token"]
        .as_str()
        .expect("t")
        .to_owned();
    let config = JwtConfig::default();
    let now = Utc::now();
    let new = jwt::new_row(&config, &app.auth.config.secrets, now);
    app.auth.store.rotate_jwks("EdDSA", now, &new).await.expect("rotate");
    app.auth.keys.reset().await;

    let after = app.client.get("/api/auth/token").send().await.assert_ok()["token"]
        .as_str()
        .expect("t")
        .to_owned();
    let set = jwks(&app).await;
    assert_eq!(verify(&after, &set).0["kid"], new.id.as_str(), "new tokens use the new key");
    verify(&before, &set); // the old key is still listed
    // Past its grace period the old key leaves the set: a token it signed no longer verifies.
    let later = jwt::jwk_set(
        &app.auth.store.jwks().await.expect("rows"),
        config.grace,
        now + Duration::days(31),
    );
    assert_eq!(later["keys"].as_array().expect("keys").len(), 1);
    assert_eq!(later["keys"][0]["kid"], new.id.as_str());
}

async fn a_rotated_secret_still_opens_the_signing_key(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let first = app.client.get("/api/auth/token").send().await.assert_ok()["token"]
        .as_str()
        .expect("t")
        .to_owned();
    // Same database, the secret rotated: the old one is kept as the legacy secret.
    let store = app.auth.store.clone();
    let mut config = app.auth.config.clone();
    config.secrets = lectern_auth::secrets::Secrets::versioned(
        "2:a-brand-new-secret-0123456789-abcdef",
        Some(lectern_auth::Secret::new(common::SECRET)),
    )
    .expect("secrets");
    let rotated = lectern_auth::Auth::new(store, config);
    let client = lectern_testkit::TestClient::new(lectern::app(rotated), Some(common::ORIGIN));
    let res = client
        .get("/api/auth/get-session")
        .bearer(&app.client.cookie("better-auth.session_token").expect("cookie"))
        .send()
        .await;
    let jwt = res.header("set-auth-jwt").expect("still signs").to_owned();
    let kid = |t: &str| -> Value {
        serde_json::from_slice::<Value>(
            &B64.decode(t.split('.').next().expect("header")).expect("b64"),
        )
        .expect("json")["kid"]
            .clone()
    };
    assert_eq!(kid(&jwt), kid(&first), "the same key, opened with the previous secret");
}

/// The secret the signing key was sealed with is gone (rotated without keeping the old one):
/// readers stay signed in, only tokens are refused, and the public key stays published.
async fn a_lost_secret_costs_tokens_not_sessions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let token = sign_up(&app.client).await["token"].as_str().expect("session token").to_owned();
    app.client.get("/api/auth/token").send().await.assert_ok();
    let mut config = app.auth.config.clone();
    config.secrets =
        lectern_auth::secrets::Secrets::versioned("2:a-brand-new-secret-0123456789-abcdef", None)
            .expect("secrets");
    let forgetful = lectern_auth::Auth::new(app.auth.store.clone(), config);
    let client = lectern_testkit::TestClient::new(lectern::app(forgetful), Some(common::ORIGIN));
    // The bare session token, as native apps send it: cookies' signatures die with the secret.
    let res = client.get("/api/auth/get-session").bearer(&token).send().await;
    let session = res.assert_ok();
    assert!(session["user"]["id"].is_string(), "the reader is still signed in: {session}");
    assert_eq!(res.header("set-auth-jwt"), None, "no token without a usable key");
    let refused = client.get("/api/auth/token").bearer(&token).send().await;
    refused.assert_error(503, "SIGNING_KEY_UNAVAILABLE");
    let published = client.get("/api/auth/jwks").send().await.assert_ok();
    assert_eq!(published["keys"].as_array().map(Vec::len), Some(1), "{published}");
}

async fn a_token_is_reused_until_the_user_changes(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let token =
        || async { app.client.get("/api/auth/token").send().await.assert_ok()["token"].clone() };
    let first = token().await;
    assert_eq!(token().await, first, "no new signature while the token is fresh");
    let update = serde_json::json!({ "name": "Grace" });
    app.client.post("/api/auth/update-user").json(&update).send().await.assert_ok();
    let renamed = token().await;
    assert_ne!(renamed, first);
    let (_, claims) = verify(renamed.as_str().expect("token"), &jwks(&app).await);
    assert_eq!(claims["name"], "Grace", "the new token carries the change");
}

backend_tests!(
    a_token_is_reused_until_the_user_changes,
    tokens_carry_the_user_and_verify_against_the_jwks,
    concurrent_first_requests_make_exactly_one_key,
    es256_and_rs256_are_configurable,
    rotated_keys_stay_in_the_jwks_for_their_grace_period,
    a_rotated_secret_still_opens_the_signing_key,
    a_lost_secret_costs_tokens_not_sessions,
);
