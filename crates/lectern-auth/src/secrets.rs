//! The server secrets: the current one signs cookies and encrypts new private keys; older
//! ones still verify and decrypt, so rotating the secret neither signs everyone out nor
//! bricks JWT signing (the failure Better Auth users hit before versioned secrets).
//!
//! Same formats as Better Auth 1.7 (`src/crypto/index.ts`, `src/context/secret-utils.ts`):
//! `BETTER_AUTH_SECRETS="2:new,1:old"` (first is current) beside the legacy
//! `BETTER_AUTH_SECRET`; private keys encrypted with XChaCha20-Poly1305 under
//! SHA-256(secret), hex of nonce‖ciphertext‖tag, wrapped as `$ba$<version>$<hex>` when the
//! secrets are versioned and bare hex under the legacy secret.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use crate::config::Secret;

const ENVELOPE: &str = "$ba$";
const NONCE_LEN: usize = 24;

#[derive(Debug, Clone)]
pub struct Secrets {
    /// Versioned secrets, current first; empty when only a legacy secret is set.
    versions: Vec<(u32, Secret)>,
    /// `BETTER_AUTH_SECRET`: bare-hex payloads and, without versions, everything.
    legacy: Option<Secret>,
}

impl Secrets {
    /// One unversioned secret, as `BETTER_AUTH_SECRET` alone gives.
    pub fn single(secret: Secret) -> Self {
        Self { versions: Vec::new(), legacy: Some(secret) }
    }

    /// Parses `BETTER_AUTH_SECRETS` (`"<version>:<secret>,…"`, current first) with the legacy
    /// secret, if any, kept for old payloads.
    pub fn versioned(list: &str, legacy: Option<Secret>) -> Result<Self, String> {
        let mut versions: Vec<(u32, Secret)> = Vec::new();
        for (i, entry) in list.split(',').map(str::trim).enumerate() {
            let (version, value) = entry
                .split_once(':')
                .ok_or(format!("entry {} must be <version>:<secret>", i + 1))?;
            let version: u32 =
                version.trim().parse().map_err(|_| format!("entry {}: bad version", i + 1))?;
            let value = value.trim();
            if value.is_empty() {
                return Err(format!("entry {}: empty secret", i + 1));
            }
            if versions.iter().any(|(v, _)| *v == version) {
                return Err(format!("version {version} appears twice"));
            }
            versions.push((version, Secret::new(value)));
        }
        if versions.is_empty() {
            return Err("no secrets".into());
        }
        Ok(Self { versions, legacy })
    }

    /// The secret that signs and encrypts now.
    pub fn current(&self) -> &Secret {
        match (self.versions.first(), &self.legacy) {
            (Some((_, s)), _) | (None, Some(s)) => s,
            (None, None) => unreachable!("constructors always keep one secret"),
        }
    }

    /// Every secret, current first: signatures made with any of them still verify.
    pub fn all(&self) -> impl Iterator<Item = &Secret> {
        self.versions.iter().map(|(_, s)| s).chain(self.legacy.iter())
    }

    /// Encrypts with the current secret in Better Auth's format.
    pub fn encrypt(&self, plaintext: &str) -> String {
        match self.versions.first() {
            Some((version, secret)) => format!("{ENVELOPE}{version}${}", seal(secret, plaintext)),
            None => seal(self.current(), plaintext),
        }
    }

    /// Decrypts either format; `None` if no known secret opens it.
    pub fn decrypt(&self, sealed: &str) -> Option<String> {
        if let Some(rest) = sealed.strip_prefix(ENVELOPE) {
            let (version, hex) = rest.split_once('$')?;
            let version: u32 = version.parse().ok()?;
            let (_, secret) = self.versions.iter().find(|(v, _)| *v == version)?;
            return open(secret, hex);
        }
        open(self.legacy.as_ref()?, sealed)
    }
}

fn cipher(secret: &Secret) -> XChaCha20Poly1305 {
    let key = Sha256::digest(secret.expose());
    XChaCha20Poly1305::new(&key)
}

fn seal(secret: &Secret, plaintext: &str) -> String {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher(secret)
        .encrypt(&nonce, plaintext.as_bytes())
        .expect("XChaCha20-Poly1305 encrypts any length a key can have");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    hex::encode(out)
}

fn open(secret: &Secret, hex: &str) -> Option<String> {
    let bytes = hex::decode(hex).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let plain = cipher(secret).decrypt(XNonce::from_slice(nonce), sealed).ok()?;
    String::from_utf8(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A private key row Better Auth 1.7.24 wrote with secret
    /// `the-same-secret-you-give-lectern-0123456789` (the `privateKey` column, JSON-decoded).
    const BETTER_AUTH_SEALED: &str = include_str!("../tests/fixtures/better-auth-jwks-private.txt");

    #[test]
    fn opens_a_key_better_auth_sealed() {
        let secrets = Secrets::single(Secret::new("the-same-secret-you-give-lectern-0123456789"));
        let jwk = secrets.decrypt(BETTER_AUTH_SEALED.trim()).expect("decrypts");
        assert!(jwk.starts_with('{') && jwk.contains("\"kty\":\"OKP\""), "{jwk}");
        assert!(
            Secrets::single(Secret::new("another secret"))
                .decrypt(BETTER_AUTH_SEALED.trim())
                .is_none()
        );
    }

    #[test]
    fn rotation_keeps_old_payloads_readable() {
        let old = Secrets::single(Secret::new("old secret"));
        let legacy_payload = old.encrypt("legacy");
        let v1 = Secrets::versioned("1:first secret", Some(Secret::new("old secret"))).expect("v1");
        let v1_payload = v1.encrypt("one");
        assert!(v1_payload.starts_with("$ba$1$"));
        let v2 =
            Secrets::versioned("2:second secret, 1:first secret", Some(Secret::new("old secret")))
                .expect("v2");
        assert_eq!(v2.decrypt(&legacy_payload).as_deref(), Some("legacy"));
        assert_eq!(v2.decrypt(&v1_payload).as_deref(), Some("one"));
        assert!(v2.encrypt("two").starts_with("$ba$2$"));
        assert_eq!(v2.current().expose(), b"second secret");
        assert_eq!(v2.all().count(), 3);
        // A retired version no longer opens anything.
        let v3 = Secrets::versioned("3:third", None).expect("v3");
        assert_eq!(v3.decrypt(&v1_payload), None);
        assert_eq!(v3.decrypt(&legacy_payload), None);
    }

    #[test]
    fn rejects_malformed_secret_lists() {
        for bad in ["", "nope", "x:secret", "1:", "1:a,1:b"] {
            assert!(Secrets::versioned(bad, None).is_err(), "{bad:?}");
        }
    }
}
