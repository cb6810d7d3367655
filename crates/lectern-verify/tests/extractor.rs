//! The axum extractor through a real server: what a handler receives, and the status and
//! body a client sees for each refusal.

mod common;

use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use axum::{Json, http::StatusCode};
use common::servers::{SessionServer, closed_port_url};
use common::{ISSUER, TestKey, claims, now, verifier_for};
use lectern_verify::axum::VerifiedReader;
use lectern_verify::{
    IntrospectionConfig, IntrospectionVerifier, JwtConfig, JwtVerifier, KeySource, Reader, Verifier,
};
use serde_json::{Value, json};

#[derive(Clone)]
struct AppState {
    verifier: Verifier,
}

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

async fn me(VerifiedReader(reader): VerifiedReader) -> Json<Reader> {
    Json(reader)
}

async fn maybe(reader: Option<VerifiedReader>) -> Json<Option<String>> {
    Json(reader.map(|r| r.id.to_string()))
}

async fn start(verifier: Verifier) -> String {
    let app = Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .with_state(AppState { verifier });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{addr}")
}

async fn get_json(url: &str, headers: &[(&str, &str)]) -> (StatusCode, Value, Option<String>) {
    let mut request = reqwest::Client::new().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
    let challenge =
        response.headers().get("www-authenticate").map(|v| v.to_str().expect("ascii").to_owned());
    (status, response.json().await.expect("JSON body"), challenge)
}

#[tokio::test]
async fn a_valid_bearer_jwt_reaches_the_handler() {
    let key = TestKey::ed25519("k");
    let base = start(verifier_for(&[&key]).into()).await;
    let token = key.token(&claims(json!({})));
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let (status, body, _) =
            get_json(&format!("{base}/me"), &[("authorization", &format!("{scheme} {token}"))])
                .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["id"], "gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z");
        assert_eq!(body["email"], "ada@example.com");
        assert_eq!(body["isAnonymous"], false);
        assert_eq!(body["softwareBackground"], "rust");
        assert_eq!(body["via"], "jwt");
    }
}

#[tokio::test]
async fn refusals_are_401_in_better_auths_error_shape() {
    let key = TestKey::ed25519("k");
    let base = start(verifier_for(&[&key]).into()).await;
    let url = format!("{base}/me");
    let expired = format!("Bearer {}", key.token(&claims(json!({"exp": now() - 3600}))));
    let forged = format!("Bearer {}", TestKey::ed25519("k").token(&claims(json!({}))));
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[], "Missing credential"),
        (&[("authorization", "Basic dXNlcjpwYXNz")], "Missing credential"),
        (&[("authorization", expired.as_str())], "Token expired"),
        (&[("authorization", forged.as_str())], "Invalid token"),
        // A JWT verifier does not read session cookies.
        (&[("cookie", "better-auth.session_token=abc")], "Missing credential"),
    ];
    for (headers, message) in cases {
        let (status, body, challenge) = get_json(&url, headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(body, json!({"code": "UNAUTHORIZED", "message": message}), "{headers:?}");
        assert_eq!(challenge.as_deref(), Some("Bearer"));
    }
}

#[tokio::test]
async fn an_unreachable_jwks_with_nothing_cached_is_503() {
    let mut policy = lectern_verify::CachePolicy::default();
    policy.fetch_timeout = Duration::from_secs(2);
    let http =
        lectern_verify::HttpJwks::new(&closed_port_url("/jwks").await, &policy).expect("URL");
    let verifier = JwtVerifier::new(
        JwtConfig::better_auth(ISSUER).expect("issuer"),
        KeySource::http_with(http, policy),
    );
    let base = start(verifier.into()).await;
    let token = TestKey::ed25519("k").token(&claims(json!({})));
    let (status, body, _) =
        get_json(&format!("{base}/me"), &[("authorization", &format!("Bearer {token}"))]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["code"], "AUTH_UNAVAILABLE");
}

#[tokio::test]
async fn the_optional_extractor_lets_anonymous_requests_through_but_not_bad_tokens() {
    let key = TestKey::ed25519("k");
    let base = start(verifier_for(&[&key]).into()).await;
    let url = format!("{base}/maybe");
    assert_eq!(get_json(&url, &[]).await.1, Value::Null);
    let token = format!("Bearer {}", key.token(&claims(json!({}))));
    assert_eq!(
        get_json(&url, &[("authorization", &token)]).await.1,
        json!("gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z")
    );
    let (status, _, _) = get_json(&url, &[("authorization", "Bearer not.a.jwt")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn session_strategies_also_read_better_auths_session_cookie() {
    let server = SessionServer::start().await;
    let signed = "f2c584bzBAIJ27NXhn8TDKeZGS52C5DC.qfzcFpgdniO5fvSvZ7Jsqd3Fp7q1wo8jBSZtXcc7UrA%3D";
    let mut answer = common::fixture()["getSession"].clone();
    answer["session"]["expiresAt"] =
        json!((chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339());
    server.insert(signed, answer);
    let verifier = IntrospectionVerifier::new(IntrospectionConfig::better_auth(&server.base_url))
        .expect("config");
    let base = start(verifier.into()).await;
    for name in ["better-auth.session_token", "__Secure-better-auth.session_token"] {
        let cookie = format!("theme=dark; {name}={signed}; other=1");
        let (status, body, _) = get_json(&format!("{base}/me"), &[("cookie", &cookie)]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(body["via"], "introspection");
        assert_eq!(body["sessionId"], "rYoH97Jziu40UooYGhEiKKqejU7bZ1LG");
    }
    let (status, body, _) = get_json(
        &format!("{base}/me"),
        &[("cookie", "better-auth.session_token=revokedXXXXXXXXXXXXXXXXXXXXXXXXXX")],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Invalid or revoked session");
}
