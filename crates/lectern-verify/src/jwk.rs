//! JSON Web Keys as Better Auth publishes them at `/api/auth/jwks`, and the parsed
//! verification keys they become.
//!
//! The algorithm a key verifies is fixed by the key itself (`kty`/`crv`), never by the token:
//! an RSA key only ever checks RS256, an Ed25519 key only EdDSA. That closes algorithm
//! confusion by construction, whatever the token header claims.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256};
use serde::{Deserialize, Serialize};

use crate::algorithm::Algorithm;
use crate::error::VerifyError;

/// `{"keys": [...]}`, the body of a JWKS endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// One public JWK. Members this crate never uses (`d` included, should an issuer leak it)
/// are ignored on input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

/// A public key ready to verify signatures of exactly one algorithm.
#[derive(Debug, Clone)]
pub struct VerifyingKey {
    algorithm: Algorithm,
    material: Material,
}

#[derive(Debug, Clone)]
enum Material {
    // Decompressed once here rather than on every verification.
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa { n: Vec<u8>, e: Vec<u8> },
    P256 { point: Vec<u8> },
}

impl VerifyingKey {
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, VerifyError> {
        if jwk.key_use.as_deref().is_some_and(|u| u != "sig") {
            return Err(VerifyError::InvalidJwk("key is not for signatures"));
        }
        let (algorithm, material) = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
            ("OKP", Some("Ed25519")) => (Algorithm::EdDsa, ed25519(jwk)?),
            ("RSA", _) => (Algorithm::Rs256, rsa(jwk)?),
            ("EC", Some("P-256")) => (Algorithm::Es256, p256(jwk)?),
            _ => return Err(VerifyError::InvalidJwk("unsupported key type or curve")),
        };
        // A declared alg that disagrees with the key (PS256 on an RSA key, say) means the
        // issuer signs with something this crate does not verify; using the key for RS256
        // anyway would widen what the issuer intended.
        if let Some(declared) = jwk.alg.as_deref() {
            if Algorithm::from_jose(declared) != Some(algorithm) {
                return Err(VerifyError::InvalidJwk("declared alg does not match the key"));
            }
        }
        Ok(Self { algorithm, material })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Checks `signature` over `message`; the caller has already matched the algorithm.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        let ok = match &self.material {
            Material::Ed25519(key) => {
                let bytes: &[u8; 64] = signature
                    .try_into()
                    .map_err(|_| VerifyError::Malformed("signature length".into()))?;
                // Cofactorless RFC 8032 verification, as OpenSSL (behind Node's jose) does.
                // `verify_strict` would also refuse small-order R at ~15% more cost; a
                // bearer token gains nothing from a malleated signature, and small-order
                // keys are already refused when the JWK is parsed.
                let signature = ed25519_dalek::Signature::from_bytes(bytes);
                ed25519_dalek::Verifier::verify(key, message, &signature).is_ok()
            }
            Material::Rsa { n, e } => {
                if signature.len() != n.len() {
                    return Err(VerifyError::Malformed("signature length".into()));
                }
                let key = ring::signature::RsaPublicKeyComponents { n, e };
                key.verify(&RSA_PKCS1_2048_8192_SHA256, message, signature).is_ok()
            }
            Material::P256 { point } => {
                if signature.len() != 64 {
                    return Err(VerifyError::Malformed("signature length".into()));
                }
                let key = ring::signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point);
                key.verify(message, signature).is_ok()
            }
        };
        if ok { Ok(()) } else { Err(VerifyError::BadSignature) }
    }
}

fn member(value: Option<&String>, what: &'static str) -> Result<Vec<u8>, VerifyError> {
    let text = value.ok_or(VerifyError::InvalidJwk(what))?;
    URL_SAFE_NO_PAD.decode(text).map_err(|_| VerifyError::InvalidJwk(what))
}

fn ed25519(jwk: &Jwk) -> Result<Material, VerifyError> {
    let x: [u8; 32] = member(jwk.x.as_ref(), "x is not a 32-byte Ed25519 key")?
        .try_into()
        .map_err(|_| VerifyError::InvalidJwk("x is not a 32-byte Ed25519 key"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&x)
        .map_err(|_| VerifyError::InvalidJwk("x is not an Ed25519 point"))?;
    if key.is_weak() {
        return Err(VerifyError::InvalidJwk("x is a small-order point"));
    }
    Ok(Material::Ed25519(key))
}

fn rsa(jwk: &Jwk) -> Result<Material, VerifyError> {
    let strip = |mut bytes: Vec<u8>| {
        let zeros = bytes.iter().take_while(|b| **b == 0).count();
        bytes.drain(..zeros);
        bytes
    };
    let n = strip(member(jwk.n.as_ref(), "n is missing or not base64url")?);
    let e = strip(member(jwk.e.as_ref(), "e is missing or not base64url")?);
    let bits = n.first().map_or(0, |top| (n.len() - 1) * 8 + (8 - top.leading_zeros() as usize));
    if !(2048..=8192).contains(&bits) {
        return Err(VerifyError::InvalidJwk("RSA modulus must have 2048 to 8192 bits"));
    }
    if e.is_empty() || e.len() > 4 {
        return Err(VerifyError::InvalidJwk("RSA exponent out of range"));
    }
    Ok(Material::Rsa { n, e })
}

fn p256(jwk: &Jwk) -> Result<Material, VerifyError> {
    let x = member(jwk.x.as_ref(), "x is missing or not base64url")?;
    let y = member(jwk.y.as_ref(), "y is missing or not base64url")?;
    if x.len() != 32 || y.len() != 32 {
        return Err(VerifyError::InvalidJwk("P-256 coordinates must be 32 bytes"));
    }
    let mut point = Vec::with_capacity(65);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Ok(Material::P256 { point })
}

/// The usable keys of a JWKS, by `kid`.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, VerifyingKey>,
}

impl KeySet {
    /// Keeps every key it can use and skips the rest, with a warning: one exotic key in an
    /// issuer's set must not take down verification with the others.
    pub fn from_jwks(set: &JwkSet) -> Self {
        let mut keys = HashMap::with_capacity(set.keys.len());
        for jwk in &set.keys {
            let Some(kid) = jwk.kid.as_deref() else {
                tracing::warn!(jwk.kty = %jwk.kty, "skipping a JWK without kid");
                continue;
            };
            match VerifyingKey::from_jwk(jwk) {
                Ok(key) => {
                    if keys.contains_key(kid) {
                        tracing::warn!(jwk.kid = kid, "skipping a JWK whose kid repeats");
                    } else {
                        keys.insert(kid.to_owned(), key);
                    }
                }
                Err(err) => tracing::warn!(jwk.kid = kid, error = %err, "skipping a JWK"),
            }
        }
        Self { keys }
    }

    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.get(kid)
    }

    pub fn contains(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
