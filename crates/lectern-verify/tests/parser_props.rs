//! Whatever a client sends, the parsers answer with an error and never panic; and no
//! change to a valid token leaves it valid.

mod common;

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{TestKey, claims, verifier_for};
use lectern_verify::{Jwk, JwtVerifier, VerifyingKey, session_token};
use proptest::prelude::*;
use serde_json::json;

fn fixture() -> &'static (JwtVerifier, String) {
    static FIXTURE: OnceLock<(JwtVerifier, String)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = TestKey::ed25519("kid");
        // Valid for the whole run, whatever its length.
        let token = key.token(&claims(json!({"exp": 4_000_000_000_i64})));
        (verifier_for(&[&key]), token)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_strings_are_refused_without_panicking(input in ".{0,600}") {
        prop_assert!(fixture().0.verify_cached(&input).is_err());
    }

    #[test]
    fn arbitrary_token_shaped_input_is_refused(
        header in proptest::collection::vec(any::<u8>(), 0..200),
        payload in proptest::collection::vec(any::<u8>(), 0..400),
        signature in proptest::collection::vec(any::<u8>(), 0..100),
    ) {
        let token = [header, payload, signature].map(|part| URL_SAFE_NO_PAD.encode(part)).join(".");
        prop_assert!(fixture().0.verify_cached(&token).is_err());
    }

    #[test]
    fn json_headers_with_arbitrary_fields_are_refused(
        alg in prop_oneof![Just("EdDSA".to_owned()), Just("none".to_owned()), Just("HS256".to_owned()), ".{0,12}"],
        kid in prop_oneof![Just("kid".to_owned()), ".{0,40}"],
        payload in ".{0,300}",
    ) {
        let header = json!({"alg": alg, "kid": kid}).to_string();
        let token = format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload), "A".repeat(86));
        prop_assert!(fixture().0.verify_cached(&token).is_err());
    }

    #[test]
    fn session_values_never_panic(input in ".{0,200}", secret in proptest::option::of(".{0,40}")) {
        let _ = session_token(&input, secret.as_deref().map(str::as_bytes), false);
    }

    #[test]
    fn jwks_members_never_panic(kty in "OKP|RSA|EC|oct|.{0,4}", crv in proptest::option::of("Ed25519|P-256|.{0,8}"),
                                x in proptest::option::of("[A-Za-z0-9_-]{0,90}"), y in proptest::option::of("[A-Za-z0-9_-]{0,50}"),
                                n in proptest::option::of("[A-Za-z0-9_-]{0,400}"), e in proptest::option::of("[A-Za-z0-9_-]{0,8}")) {
        let jwk = Jwk { kty, crv, x, y, n, e, kid: Some("k".into()), ..Jwk::default() };
        let _ = VerifyingKey::from_jwk(&jwk);
    }
}

proptest! {
    // Each case checks an Ed25519 signature, slow in a debug build: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_single_character_change_to_a_valid_token_is_refused(
        index in 0usize..10_000,
        // Mostly base64url characters, so most changes get past decoding to the signature.
        replacement in prop_oneof![4 => "[A-Za-z0-9_-]", 1 => "\\PC"],
    ) {
        let (verifier, token) = fixture();
        let replacement = replacement.chars().next().unwrap_or('A');
        let index = index % token.len();
        let mut changed: Vec<char> = token.chars().collect();
        prop_assume!(changed[index] != replacement);
        changed[index] = replacement;
        let changed: String = changed.into_iter().collect();
        prop_assert!(verifier.verify_cached(&changed).is_err(), "accepted {changed}");
    }
}

#[test]
fn the_token_the_mutations_start_from_is_valid() {
    let (verifier, token) = fixture();
    assert!(verifier.verify_cached(token).is_ok());
}
