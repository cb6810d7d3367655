//! Signing key pairs as JWKs, in the shapes `jose`'s `exportJWK` gives Better Auth, so a key
//! either server created signs on the other.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::Signer as _;
use rand::rngs::OsRng;
use rsa::pkcs1v15;
use rsa::signature::SignatureEncoding;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use serde_json::{Value, json};
use sha2::Sha256;

/// The JWS algorithms Lectern signs with: Better Auth's default and the two that verifiers
/// without EdDSA support (some gateways) can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    EdDSA,
    ES256,
    RS256,
}

impl Alg {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EdDSA => "EdDSA",
            Self::ES256 => "ES256",
            Self::RS256 => "RS256",
        }
    }

    /// The `crv` column Better Auth writes for keys of this algorithm.
    pub fn crv(self) -> Option<&'static str> {
        match self {
            Self::EdDSA => Some("Ed25519"),
            Self::ES256 => Some("P-256"),
            Self::RS256 => None,
        }
    }
}

impl std::str::FromStr for Alg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "EdDSA" => Ok(Self::EdDSA),
            "ES256" => Ok(Self::ES256),
            "RS256" => Ok(Self::RS256),
            other => Err(format!("unsupported JWT algorithm {other:?}: use EdDSA, ES256 or RS256")),
        }
    }
}

/// A private key ready to sign.
pub enum SigningKey {
    Ed(ed25519_dalek::SigningKey),
    Es(p256::ecdsa::SigningKey),
    Rs(Box<pkcs1v15::SigningKey<Sha256>>),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl SigningKey {
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Ed(key) => key.sign(message).to_bytes().to_vec(),
            Self::Es(key) => {
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_bytes().to_vec()
            }
            Self::Rs(key) => key.sign(message).to_vec(),
        }
    }
}

/// A new key pair as (public JWK, private JWK) JSON texts.
pub fn generate(alg: Alg) -> (String, String) {
    let (public, private) = match alg {
        Alg::EdDSA => {
            let key = ed25519_dalek::SigningKey::generate(&mut OsRng);
            let x = B64.encode(key.verifying_key().as_bytes());
            let d = B64.encode(key.to_bytes());
            (
                json!({ "crv": "Ed25519", "x": x, "kty": "OKP" }),
                json!({ "crv": "Ed25519", "d": d, "x": x, "kty": "OKP" }),
            )
        }
        Alg::ES256 => {
            let key = p256::ecdsa::SigningKey::random(&mut OsRng);
            let point = key.verifying_key().to_encoded_point(false);
            let (x, y) = (
                B64.encode(point.x().map_or(&[][..], |x| x)),
                B64.encode(point.y().map_or(&[][..], |y| y)),
            );
            let d = B64.encode(key.to_bytes());
            (
                json!({ "kty": "EC", "x": x, "y": y, "crv": "P-256" }),
                json!({ "kty": "EC", "x": x, "y": y, "crv": "P-256", "d": d }),
            )
        }
        Alg::RS256 => {
            let key = rsa::RsaPrivateKey::new(&mut OsRng, 2048).expect("RSA-2048 key generation");
            let b = |n: &rsa::BigUint| B64.encode(n.to_bytes_be());
            let (n, e) = (b(key.n()), b(key.e()));
            let primes = key.primes();
            let (dp, dq, qi) = (
                key.dp().map(b).unwrap_or_default(),
                key.dq().map(b).unwrap_or_default(),
                key.crt_coefficient().map(|c| b(&c)).unwrap_or_default(),
            );
            (
                json!({ "kty": "RSA", "n": n, "e": e }),
                json!({ "kty": "RSA", "n": n, "e": e, "d": b(key.d()), "p": b(&primes[0]), "q": b(&primes[1]), "dp": dp, "dq": dq, "qi": qi }),
            )
        }
    };
    (public.to_string(), private.to_string())
}

/// The signing key in a private JWK (ours or Better Auth's).
pub fn import(alg: Alg, private_jwk: &str) -> Option<SigningKey> {
    let jwk: Value = serde_json::from_str(private_jwk).ok()?;
    let field = |name: &str| jwk.get(name).and_then(Value::as_str).and_then(|v| B64.decode(v).ok());
    match alg {
        Alg::EdDSA => {
            let d: [u8; 32] = field("d")?.try_into().ok()?;
            Some(SigningKey::Ed(ed25519_dalek::SigningKey::from_bytes(&d)))
        }
        Alg::ES256 => {
            let d = field("d")?;
            p256::ecdsa::SigningKey::from_slice(&d).ok().map(SigningKey::Es)
        }
        Alg::RS256 => {
            let n = |name: &str| field(name).map(|b| rsa::BigUint::from_bytes_be(&b));
            let key = rsa::RsaPrivateKey::from_components(
                n("n")?,
                n("e")?,
                n("d")?,
                vec![n("p")?, n("q")?],
            )
            .ok()?;
            Some(SigningKey::Rs(Box::new(pkcs1v15::SigningKey::<Sha256>::new(key))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_import_and_sign() {
        for alg in [Alg::EdDSA, Alg::ES256, Alg::RS256] {
            let (public, private) = generate(alg);
            assert!(!public.contains("\"d\""), "{alg:?}: the public JWK holds no private part");
            let key = import(alg, &private).expect("imports");
            assert!(!key.sign(b"message").is_empty());
        }
    }

    #[test]
    fn garbage_does_not_import() {
        for junk in ["", "{}", "{\"d\":\"!!\"}", "[1,2]"] {
            assert!(import(Alg::EdDSA, junk).is_none());
            assert!(import(Alg::RS256, junk).is_none());
        }
    }
}
