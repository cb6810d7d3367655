//! In-process verification of a Better Auth-shaped token with a warm key cache: the cost a
//! resource server pays per request with the JWKS strategy. Target: EdDSA p50 under 50 µs.
//!
//! `cargo bench -p lectern-verify --bench verify`; medians land in
//! `target/criterion/<name>/new/estimates.json`.

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use lectern_verify::{CachePolicy, Jwk, JwkSet, JwtConfig, JwtVerifier, KeySource};
use p256::ecdsa::signature::Signer as _;
use rand::rngs::OsRng;
use serde_json::json;

const ISSUER: &str = "https://auth.example.com";

/// The payload Better Auth 1.7 signs for a user with two additional fields.
fn payload() -> String {
    json!({
        "iat": 1_795_327_135, "name": "Ada Lovelace", "email": "ada@example.com",
        "emailVerified": false, "image": null, "createdAt": "2026-11-22T05:58:52.436Z",
        "updatedAt": "2026-11-22T05:58:52.436Z", "isAnonymous": false,
        "softwareBackground": "rust", "hardwareBackground": null,
        "id": "gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z", "sub": "gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z",
        "exp": 4_000_000_000_i64, "iss": ISSUER, "aud": ISSUER,
    })
    .to_string()
}

fn token(alg: &str, kid: &str, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let header = json!({"alg": alg, "kid": kid}).to_string();
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload()));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn ed25519() -> (Jwk, String, ed25519_dalek::VerifyingKey) {
    let key = ed25519_dalek::SigningKey::generate(&mut OsRng);
    let jwk = Jwk {
        kty: "OKP".into(),
        crv: Some("Ed25519".into()),
        x: Some(URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())),
        kid: Some("ed".into()),
        ..Jwk::default()
    };
    let token =
        token("EdDSA", "ed", |input| ed25519_dalek::Signer::sign(&key, input).to_bytes().to_vec());
    (jwk, token, key.verifying_key())
}

fn p256() -> (Jwk, String) {
    let key = p256::ecdsa::SigningKey::random(&mut OsRng);
    let text = p256::PublicKey::from(key.verifying_key()).to_jwk_string();
    let mut jwk: Jwk = serde_json::from_str(&text).expect("JWK");
    jwk.kid = Some("ec".into());
    let token = token("ES256", "ec", |input| {
        let signature: p256::ecdsa::Signature = key.sign(input);
        signature.to_bytes().to_vec()
    });
    (jwk, token)
}

fn rsa() -> (Jwk, String) {
    use rsa::signature::SignatureEncoding as _;
    use rsa::traits::PublicKeyParts as _;
    let private = rsa::RsaPrivateKey::new(&mut OsRng, 2048).expect("RSA keygen");
    let jwk = Jwk {
        kty: "RSA".into(),
        n: Some(URL_SAFE_NO_PAD.encode(private.n().to_bytes_be())),
        e: Some(URL_SAFE_NO_PAD.encode(private.e().to_bytes_be())),
        kid: Some("rsa".into()),
        ..Jwk::default()
    };
    let signer = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(private);
    let token = token("RS256", "rsa", |input| signer.sign(input).to_vec());
    (jwk, token)
}

fn bench(c: &mut Criterion) {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let config = || JwtConfig::new(ISSUER, ISSUER);
    let (ed_jwk, ed_token, ed_key) = ed25519();
    let (ec_jwk, ec_token) = p256();
    let (rsa_jwk, rsa_token) = rsa();

    // The cached strategy a resource server runs, warmed once, as `refresh` at start-up would.
    let set = JwkSet { keys: vec![ed_jwk.clone(), ec_jwk, rsa_jwk] };
    let cached = KeySource::from_fn(
        move || {
            let set = set.clone();
            async move { Ok::<_, std::convert::Infallible>(set) }
        },
        CachePolicy::default(),
    );
    let KeySource::Cached(cache) = &cached else { unreachable!("from_fn caches") };
    runtime.block_on(cache.refresh()).expect("warm");
    let verifier = JwtVerifier::new(config(), cached);

    // `verify_at` always checks the signature; `verify` remembers tokens it has verified,
    // so the repeated case measures what a reader's second and later requests cost.
    let now = || chrono::Utc::now().timestamp();
    c.bench_function("eddsa_verify_warm_cache", |b| {
        b.iter(|| runtime.block_on(verifier.verify_at(black_box(&ed_token), now())).expect("valid"))
    });
    c.bench_function("eddsa_verify_repeated_token", |b| {
        b.iter(|| runtime.block_on(verifier.verify(black_box(&ed_token))).expect("valid"))
    });
    let in_process = JwtVerifier::new(config(), KeySource::fixed(&JwkSet { keys: vec![ed_jwk] }));
    c.bench_function("eddsa_verify_cached_sync", |b| {
        b.iter(|| in_process.verify_cached(black_box(&ed_token)).expect("valid"))
    });
    // The floor: the signature check alone, to show what the rest of the path adds.
    let (input, signature) = ed_token.rsplit_once('.').expect("three parts");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    let signature = ed25519_dalek::Signature::from_slice(&signature).expect("64 bytes");
    c.bench_function("ed25519_signature_only", |b| {
        b.iter(|| ed25519_dalek::Verifier::verify(&ed_key, black_box(input.as_bytes()), &signature))
    });
    let claims = payload();
    c.bench_function("claims_parse_only", |b| {
        b.iter(|| {
            serde_json::from_str::<lectern_verify::Claims>(black_box(&claims)).expect("claims")
        })
    });
    c.bench_function("es256_verify_warm_cache", |b| {
        b.iter(|| runtime.block_on(verifier.verify_at(black_box(&ec_token), now())).expect("valid"))
    });
    c.bench_function("rs256_verify_warm_cache", |b| {
        b.iter(|| {
            runtime.block_on(verifier.verify_at(black_box(&rsa_token), now())).expect("valid")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
