//! Every way of forging or mangling a token is refused, each with its own error.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{TestKey, claims, now, sign_raw, verifier_for};
use hmac::{Hmac, Mac};
use lectern_verify::{JwtVerifier, VerifyError};
use serde_json::{Value, json};
use sha2::Sha256;

fn setup() -> (TestKey, JwtVerifier) {
    let key = TestKey::ed25519("real-kid");
    let verifier = verifier_for(&[&key]);
    (key, verifier)
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64(header), b64(claims));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn alg_none_is_refused_in_every_spelling() {
    let (_, verifier) = setup();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "kid": "real-kid"});
        for signature in ["", "c2ln"] {
            let token = format!("{}.{}.{signature}", b64(&header), b64(&claims(json!({}))));
            assert_eq!(verifier.verify(&token).await, Err(VerifyError::UnsupportedAlg(alg.into())));
        }
    }
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let (key, verifier) = setup();
    let x = key.jwk.x.clone().expect("x");
    let raw_public = URL_SAFE_NO_PAD.decode(&x).expect("x decodes");
    let jwk_json = serde_json::to_string(&key.jwk).expect("JWK");
    for alg in ["HS256", "HS384", "HS512"] {
        let header = json!({"alg": alg, "kid": "real-kid"});
        for secret in [raw_public.as_slice(), x.as_bytes(), jwk_json.as_bytes()] {
            let token = hs256(secret, &header, &claims(json!({})));
            assert_eq!(verifier.verify(&token).await, Err(VerifyError::UnsupportedAlg(alg.into())));
        }
    }
}

#[tokio::test]
async fn a_header_alg_that_does_not_match_the_key_is_refused() {
    let (key, verifier) = setup();
    let header = json!({"alg": "RS256", "kid": "real-kid"});
    let token = key.token_with_header(&header, &claims(json!({})));
    assert_eq!(
        verifier.verify(&token).await,
        Err(VerifyError::UnsupportedAlg("RS256 with a EdDSA key".into()))
    );
}

#[tokio::test]
async fn a_wrong_or_missing_kid_is_refused() {
    let (key, verifier) = setup();
    let token = key.token_with_header(&json!({"alg": "EdDSA", "kid": "other"}), &claims(json!({})));
    assert_eq!(verifier.verify(&token).await, Err(VerifyError::UnknownKid("other".into())));
    let token = key.token_with_header(&json!({"alg": "EdDSA"}), &claims(json!({})));
    assert!(matches!(verifier.verify(&token).await, Err(VerifyError::Malformed(_))));
}

#[tokio::test]
async fn time_window_and_audience_are_enforced() {
    let (key, verifier) = setup();
    let t = now();
    let cases = [
        (json!({"exp": t - 120}), VerifyError::Expired),
        (json!({"nbf": t + 120}), VerifyError::NotYetValid),
        (
            json!({"iss": "https://evil.example"}),
            VerifyError::WrongIssuer("https://evil.example".into()),
        ),
        (
            json!({"iss": "http://127.0.0.1:4177/"}),
            VerifyError::WrongIssuer("http://127.0.0.1:4177/".into()),
        ),
        (json!({"aud": "https://evil.example"}), VerifyError::WrongAudience),
        (json!({"aud": []}), VerifyError::WrongAudience),
    ];
    for (changes, expected) in cases {
        let token = key.token(&claims(changes.clone()));
        assert_eq!(verifier.verify(&token).await, Err(expected), "{changes}");
    }
    // Within the default 30 s leeway both ways.
    assert!(verifier.verify(&key.token(&claims(json!({"exp": t - 10})))).await.is_ok());
    assert!(verifier.verify(&key.token(&claims(json!({"nbf": t + 10})))).await.is_ok());
}

#[tokio::test]
async fn a_bad_signature_is_refused_and_hides_the_claims() {
    let (key, verifier) = setup();
    let token = key.token(&claims(json!({})));
    let (input, signature) = token.rsplit_once('.').expect("three parts");
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).expect("signature");
    bytes[10] ^= 1;
    let flipped = format!("{input}.{}", URL_SAFE_NO_PAD.encode(&bytes));
    assert_eq!(verifier.verify(&flipped).await, Err(VerifyError::BadSignature));

    let (header, _) = input.split_once('.').expect("header");
    let forged =
        format!("{header}.{}.{signature}", b64(&claims(json!({"email": "eve@example.com"}))));
    assert_eq!(verifier.verify(&forged).await, Err(VerifyError::BadSignature));

    // Signed by another key under the real kid; expired too, and still BadSignature: a
    // forged token learns nothing about which claims would have failed.
    let impostor = TestKey::ed25519("real-kid");
    let token = impostor.token(&claims(json!({"exp": now() - 3600})));
    assert_eq!(verifier.verify(&token).await, Err(VerifyError::BadSignature));
}

#[tokio::test]
async fn truncated_tokens_are_malformed() {
    let (key, verifier) = setup();
    let token = key.token(&claims(json!({})));
    let second_dot = token.rfind('.').expect("dot");
    let first_dot = token.find('.').expect("dot");
    for cut in
        [token.len() - 1, token.len() - 2, second_dot + 1, second_dot, first_dot + 5, first_dot, 3]
    {
        let result = verifier.verify(&token[..cut]).await;
        assert!(matches!(result, Err(VerifyError::Malformed(_))), "cut at {cut}: {result:?}");
    }
    assert_eq!(verifier.verify("").await, Err(VerifyError::Missing));
}

#[tokio::test]
async fn oversized_tokens_are_refused_before_parsing() {
    let (key, verifier) = setup();
    let big = key.token(&claims(json!({"padding": "x".repeat(9 * 1024)})));
    assert_eq!(verifier.verify(&big).await, Err(VerifyError::TooLarge { max: 8192 }));
    let junk = "!".repeat(100_000);
    assert_eq!(verifier.verify(&junk).await, Err(VerifyError::TooLarge { max: 8192 }));
}

#[tokio::test]
async fn junk_base64_is_malformed() {
    let (key, verifier) = setup();
    let token = key.token(&claims(json!({})));
    let parts: Vec<&str> = token.split('.').collect();
    let junk = [
        format!("{}*.{}.{}", parts[0], parts[1], parts[2]),
        format!("{}==.{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}.{}=", parts[0], parts[1], parts[2]),
        format!("{}.{}.{}", parts[0].replace('e', "+"), parts[1], parts[2]),
        format!("{} .{}.{}", parts[0], parts[1], parts[2]),
        "e30.e30.e30".to_owned(),
        "...".to_owned(),
        format!("{}.{}", parts[0], parts[1]),
    ];
    for token in junk {
        let result = verifier.verify(&token).await;
        assert!(matches!(result, Err(VerifyError::Malformed(_))), "{token}: {result:?}");
    }
}

#[tokio::test]
async fn signed_garbage_is_malformed_not_accepted() {
    let (key, verifier) = setup();
    let header = json!({"alg": "EdDSA", "kid": "real-kid"});
    let not_json = {
        let input = format!("{}.{}", b64(&header), URL_SAFE_NO_PAD.encode("not json"));
        let common::Signer::Ed25519(signer) = &key.signer else { unreachable!() };
        let signature = ed25519_dalek::Signer::sign(signer, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    };
    let without_exp = sign_raw(&key.signer, &header, &claims(json!({"exp": "__remove__"})));
    let string_exp = sign_raw(&key.signer, &header, &claims(json!({"exp": "tomorrow"})));
    let without_email = sign_raw(&key.signer, &header, &claims(json!({"email": "__remove__"})));
    let with_crit = sign_raw(
        &key.signer,
        &json!({"alg": "EdDSA", "kid": "real-kid", "crit": ["exp"]}),
        &claims(json!({})),
    );
    for token in [not_json, without_exp, string_exp, without_email, with_crit] {
        let result = verifier.verify(&token).await;
        assert!(matches!(result, Err(VerifyError::Malformed(_))), "{result:?}");
    }
}

#[tokio::test]
async fn a_remembered_token_does_not_vouch_for_a_tampered_copy() {
    let key = TestKey::ed25519("k");
    let verifier = verifier_for(&[&key]);
    let token = key.token(&claims(json!({})));
    verifier.verify(&token).await.expect("valid");
    verifier.verify(&token).await.expect("still valid, remembered");
    // Same signature, another payload: a different token, checked in full.
    let (header, rest) = token.split_once('.').expect("header");
    let (_, signature) = rest.split_once('.').expect("payload");
    let forged_claims =
        URL_SAFE_NO_PAD.encode(claims(json!({ "sub": "someone-else" })).to_string());
    let forged = format!("{header}.{forged_claims}.{signature}");
    assert_eq!(verifier.verify(&forged).await, Err(VerifyError::BadSignature));
}
