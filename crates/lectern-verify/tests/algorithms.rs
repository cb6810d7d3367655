//! Each supported algorithm verifies a real token from freshly generated keys, and the typed
//! claims and reader carry Better Auth's fields.

mod common;

use common::{ISSUER, TestKey, claims, verifier_for};
use lectern_verify::{
    Algorithm, AlgorithmSet, JwtConfig, JwtVerifier, KeySource, VerifyError, Via,
};
use serde_json::{Value, json};

async fn assert_verifies(key: &TestKey) {
    let verifier = verifier_for(&[key]);
    let token = key.token(&claims(json!({})));
    let reader = verifier.verify(&token).await.unwrap_or_else(|e| panic!("{}: {e}", key.alg));
    assert_eq!(reader.id.as_str(), "gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z");
    assert_eq!(reader.email, "ada@example.com");
    assert_eq!(reader.name, "Ada Lovelace");
    assert!(reader.email_verified);
    assert!(!reader.is_anonymous);
    assert_eq!(reader.via, Via::Jwt);
    assert_eq!(reader.extra_str("softwareBackground"), Some("rust"));
    assert_eq!(reader.extra.get("hardwareBackground"), Some(&Value::Null));
    assert!(!reader.extra.contains_key("exp"), "registered claims are not user fields");
    assert_eq!(reader.session_id, None);
}

#[tokio::test]
async fn eddsa_ed25519() {
    assert_verifies(&TestKey::ed25519("ed")).await;
}

#[tokio::test]
async fn rs256_rsa_2048() {
    assert_verifies(&TestKey::rsa("rsa", 0)).await;
}

#[tokio::test]
async fn es256_p256() {
    assert_verifies(&TestKey::p256("ec")).await;
}

#[tokio::test]
async fn one_set_holds_all_three_and_each_kid_picks_its_key() {
    let (ed, rsa, ec) = (TestKey::ed25519("a"), TestKey::rsa("b", 1), TestKey::p256("c"));
    let verifier = verifier_for(&[&ed, &rsa, &ec]);
    for key in [&ed, &rsa, &ec] {
        let token = key.token(&claims(json!({"email": format!("{}@example.com", key.kid)})));
        let reader = verifier.verify(&token).await.expect("verifies");
        assert_eq!(reader.email, format!("{}@example.com", key.kid));
    }
}

#[tokio::test]
async fn typed_claims_expose_the_registered_claims() {
    let key = TestKey::ed25519("k");
    let body =
        claims(json!({"iat": 1_795_327_135, "exp": 4_000_000_000_i64, "aud": [ISSUER, "other"]}));
    let decoded = verifier_for(&[&key]).decode(&key.token(&body)).await.expect("verifies");
    assert_eq!(decoded.sub, "gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z");
    assert_eq!(decoded.iss, ISSUER);
    assert_eq!(decoded.aud, vec![ISSUER.to_owned(), "other".to_owned()]);
    assert_eq!((decoded.iat, decoded.exp), (Some(1_795_327_135), 4_000_000_000));
    assert_eq!(decoded.user.email.as_deref(), Some("ada@example.com"));
}

#[tokio::test]
async fn the_allow_list_narrows_what_keys_would_allow() {
    let (ed, rsa) = (TestKey::ed25519("ed"), TestKey::rsa("rsa", 0));
    let mut config = JwtConfig::better_auth(ISSUER).expect("issuer");
    config.algorithms = AlgorithmSet::only(&[Algorithm::EdDsa]);
    let verifier = JwtVerifier::new(config, KeySource::fixed(&common::jwks(&[&ed, &rsa])));
    assert!(verifier.verify(&ed.token(&claims(json!({})))).await.is_ok());
    assert_eq!(
        verifier.verify(&rsa.token(&claims(json!({})))).await,
        Err(VerifyError::UnsupportedAlg("RS256".into()))
    );
}

#[tokio::test]
async fn the_sub_stands_in_when_a_custom_payload_leaves_out_id() {
    let key = TestKey::ed25519("k");
    let token = key.token(&claims(json!({"id": "__remove__", "sub": "user-from-sub"})));
    let reader = verifier_for(&[&key]).verify(&token).await.expect("verifies");
    assert_eq!(reader.id.as_str(), "user-from-sub");
}

#[tokio::test]
async fn static_keys_can_be_replaced_in_process() {
    let (old, new) = (TestKey::ed25519("old"), TestKey::ed25519("new"));
    let verifier = verifier_for(&[&old]);
    let KeySource::Static(keys) = verifier.keys() else { panic!("static source") };
    assert_eq!(
        verifier.verify(&new.token(&claims(json!({})))).await,
        Err(VerifyError::UnknownKid("new".into()))
    );
    keys.replace(&common::jwks(&[&new]));
    assert!(verifier.verify(&new.token(&claims(json!({})))).await.is_ok());
    assert_eq!(
        verifier.verify_cached(&old.token(&claims(json!({})))),
        Err(VerifyError::UnknownKid("old".into()))
    );
}

#[tokio::test]
async fn a_callback_key_source_is_cached_and_reloaded_on_an_unknown_kid() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    let (first, second) = (TestKey::ed25519("first"), TestKey::ed25519("second"));
    let table = Arc::new(Mutex::new(common::jwks(&[&first])));
    let loads = Arc::new(AtomicUsize::new(0));
    let (table_in, loads_in) = (Arc::clone(&table), Arc::clone(&loads));
    let mut policy = lectern_verify::CachePolicy::default();
    policy.refetch_interval = std::time::Duration::ZERO;
    let keys = KeySource::from_fn(
        move || {
            loads_in.fetch_add(1, Ordering::SeqCst);
            let set = table_in.lock().expect("lock").clone();
            async move { Ok::<_, std::convert::Infallible>(set) }
        },
        policy,
    );
    let verifier = JwtVerifier::new(JwtConfig::better_auth(ISSUER).expect("issuer"), keys);
    for _ in 0..3 {
        verifier.verify(&first.token(&claims(json!({})))).await.expect("first key");
    }
    assert_eq!(loads.load(Ordering::SeqCst), 1, "cached after the first load");
    *table.lock().expect("lock") = common::jwks(&[&first, &second]);
    verifier.verify(&second.token(&claims(json!({})))).await.expect("second key after reload");
    assert_eq!(loads.load(Ordering::SeqCst), 2);
}
