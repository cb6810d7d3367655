//! Real keys, real signatures and real HTTP servers for the integration tests. Tokens are
//! signed with the RustCrypto crates (ed25519-dalek, rsa, p256), an implementation
//! independent of the one the verifier uses for RS256 and ES256.
#![allow(dead_code)]

pub mod servers;

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lectern_verify::{Jwk, JwkSet, JwtConfig, JwtVerifier, KeySource};
use p256::ecdsa::signature::{SignatureEncoding, Signer as _};
use rand::rngs::OsRng;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

pub const ISSUER: &str = "http://127.0.0.1:4177";

pub enum Signer {
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(rsa::pkcs1v15::SigningKey<rsa::sha2::Sha256>),
    P256(p256::ecdsa::SigningKey),
}

pub struct TestKey {
    pub kid: String,
    pub alg: &'static str,
    pub jwk: Jwk,
    pub signer: Signer,
}

impl TestKey {
    pub fn ed25519(kid: &str) -> Self {
        let key = ed25519_dalek::SigningKey::generate(&mut OsRng);
        let jwk = Jwk {
            kty: "OKP".into(),
            crv: Some("Ed25519".into()),
            x: Some(URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())),
            alg: Some("EdDSA".into()),
            kid: Some(kid.into()),
            ..Jwk::default()
        };
        Self { kid: kid.into(), alg: "EdDSA", jwk, signer: Signer::Ed25519(key) }
    }

    /// RSA 2048. Generating one takes seconds in a debug build, so the tests share a few.
    pub fn rsa(kid: &str, which: usize) -> Self {
        static KEYS: OnceLock<Vec<rsa::RsaPrivateKey>> = OnceLock::new();
        let keys = KEYS.get_or_init(|| {
            (0..2).map(|_| rsa::RsaPrivateKey::new(&mut OsRng, 2048).expect("RSA keygen")).collect()
        });
        let private = keys[which % keys.len()].clone();
        let jwk = Jwk {
            kty: "RSA".into(),
            n: Some(URL_SAFE_NO_PAD.encode(private.n().to_bytes_be())),
            e: Some(URL_SAFE_NO_PAD.encode(private.e().to_bytes_be())),
            alg: Some("RS256".into()),
            kid: Some(kid.into()),
            ..Jwk::default()
        };
        let signer = Signer::Rsa(rsa::pkcs1v15::SigningKey::new(private));
        Self { kid: kid.into(), alg: "RS256", jwk, signer }
    }

    pub fn p256(kid: &str) -> Self {
        let key = p256::ecdsa::SigningKey::random(&mut OsRng);
        // The JWK comes from p256's own encoder, not from this crate's types.
        let text = p256::PublicKey::from(key.verifying_key()).to_jwk_string();
        let mut jwk: Jwk = serde_json::from_str(&text).expect("p256 JWK");
        jwk.kid = Some(kid.into());
        jwk.alg = Some("ES256".into());
        Self { kid: kid.into(), alg: "ES256", jwk, signer: Signer::P256(key) }
    }

    /// Better Auth's header: exactly `{alg, kid}`.
    pub fn token(&self, claims: &Value) -> String {
        sign_raw(&self.signer, &json!({"alg": self.alg, "kid": self.kid}), claims)
    }

    pub fn token_with_header(&self, header: &Value, claims: &Value) -> String {
        sign_raw(&self.signer, header, claims)
    }
}

pub fn sign_raw(signer: &Signer, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature: Vec<u8> = match signer {
        Signer::Ed25519(key) => {
            ed25519_dalek::Signer::sign(key, input.as_bytes()).to_bytes().to_vec()
        }
        Signer::Rsa(key) => key.sign(input.as_bytes()).to_vec(),
        Signer::P256(key) => {
            let signature: p256::ecdsa::Signature = key.sign(input.as_bytes());
            signature.to_bytes().to_vec()
        }
    };
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

pub fn jwks(keys: &[&TestKey]) -> JwkSet {
    JwkSet { keys: keys.iter().map(|key| key.jwk.clone()).collect() }
}

pub fn now() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
    i64::try_from(since.as_secs()).expect("seconds fit")
}

/// A payload shaped like Better Auth's: the user object, `iat`, `sub`, `exp = iat + 15 min`,
/// `iss` and `aud` the base URL's origin. `changes` overrides or adds members.
pub fn claims(changes: Value) -> Value {
    let iat = now();
    let mut claims = json!({
        "iat": iat,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "emailVerified": true,
        "image": null,
        "createdAt": "2026-11-22T05:58:52.436Z",
        "updatedAt": "2026-11-22T05:58:52.436Z",
        "isAnonymous": false,
        "softwareBackground": "rust",
        "hardwareBackground": null,
        "id": "gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z",
        "sub": "gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z",
        "exp": iat + 900,
        "iss": ISSUER,
        "aud": ISSUER,
    });
    if let (Some(target), Value::Object(changes)) = (claims.as_object_mut(), changes) {
        for (name, value) in changes {
            if value == json!("__remove__") {
                target.remove(&name);
            } else {
                target.insert(name, value);
            }
        }
    }
    claims
}

/// A verifier over in-process keys, with Better Auth's `iss`/`aud`.
pub fn verifier_for(keys: &[&TestKey]) -> JwtVerifier {
    let config = JwtConfig::better_auth(ISSUER).expect("issuer URL");
    JwtVerifier::new(config, KeySource::fixed(&jwks(keys)))
}

pub fn fixture() -> Value {
    let text = include_str!("../fixtures/better_auth_1_7.json");
    serde_json::from_str(text).expect("fixture JSON")
}
