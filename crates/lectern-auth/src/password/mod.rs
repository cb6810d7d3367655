//! Password hashes: Better Auth's scrypt format, always readable, and argon2id for new
//! hashes where no Better Auth server needs to read them.

mod pool;

pub use pool::{HashPool, Turn};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use rand::rngs::OsRng;
use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;

/// Better Auth's scrypt parameters (better-auth/utils `src/password.node.ts`): N=16384, r=16,
/// p=1, 64-byte key.
const SCRYPT_LOG_N: u8 = 14;
const SCRYPT_R: u32 = 16;
const SCRYPT_P: u32 = 1;
const SCRYPT_KEY_LEN: usize = 64;

/// The format new hashes are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// OWASP's argon2id parameters (19 MiB, 2 passes); Better Auth cannot read these.
    Argon2id,
    /// `<salt hex>:<key hex>`, byte-compatible with Better Auth.
    Scrypt,
}

impl std::str::FromStr for HashAlgorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "argon2id" => Ok(Self::Argon2id),
            "scrypt" => Ok(Self::Scrypt),
            other => Err(format!("unknown password hash {other:?}: expected argon2id or scrypt")),
        }
    }
}

/// Passwords are compared after NFKC, as Better Auth does, so the same password typed on
/// two keyboards matches.
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

pub fn hash(algorithm: HashAlgorithm, password: &str) -> String {
    let password = normalize(password);
    match algorithm {
        HashAlgorithm::Argon2id => {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .expect("argon2 with default parameters and a fresh salt cannot fail")
        }
        HashAlgorithm::Scrypt => {
            let mut salt = [0u8; 16];
            OsRng.fill_bytes(&mut salt);
            let salt = hex::encode(salt);
            let key = scrypt_key(&password, &salt);
            format!("{salt}:{}", hex::encode(key))
        }
    }
}

/// Checks `password` against a stored hash in either format; anything unreadable is a
/// mismatch, never an error the caller could leak.
pub fn verify(stored: &str, password: &str) -> bool {
    let password = normalize(password);
    if stored.starts_with("$argon2") {
        return PasswordHash::new(stored)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false);
    }
    let Some((salt, key_hex)) = stored.split_once(':') else {
        return false;
    };
    let Ok(expected) = hex::decode(key_hex) else {
        return false;
    };
    if expected.len() != SCRYPT_KEY_LEN {
        return false;
    }
    scrypt_key(&password, salt).ct_eq(&expected).into()
}

/// Whether a stored hash is in Better Auth's scrypt format.
pub fn is_better_auth_format(stored: &str) -> bool {
    matches!(stored.split_once(':'), Some((salt, key)) if salt.len() == 32 && key.len() == 128)
}

fn scrypt_key(password: &str, salt_hex: &str) -> [u8; SCRYPT_KEY_LEN] {
    // Better Auth passes the salt's hex *text* as the scrypt salt, not the decoded bytes.
    let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, SCRYPT_KEY_LEN)
        .expect("constant scrypt parameters are valid");
    let mut key = [0u8; SCRYPT_KEY_LEN];
    scrypt::scrypt(password.as_bytes(), salt_hex.as_bytes(), &params, &mut key)
        .expect("the output length matches the parameters");
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Produced by Better Auth 1.7.24's `hashPassword("correct horse battery")`.
    const BETTER_AUTH_HASH: &str = include_str!("../../tests/fixtures/better-auth-scrypt.txt");

    #[test]
    fn verifies_a_hash_made_by_better_auth() {
        let stored = BETTER_AUTH_HASH.trim();
        assert!(is_better_auth_format(stored));
        assert!(verify(stored, "correct horse battery"));
        assert!(!verify(stored, "correct horse batterz"));
    }

    #[test]
    fn both_formats_roundtrip_after_nfkc() {
        for algorithm in [HashAlgorithm::Argon2id, HashAlgorithm::Scrypt] {
            // U+FB01 (the "fi" ligature) normalises to "fi" under NFKC.
            let stored = hash(algorithm, "\u{FB01}ne password");
            assert!(verify(&stored, "fine password"), "{algorithm:?}");
            assert!(!verify(&stored, "fine passwore"), "{algorithm:?}");
            assert_eq!(is_better_auth_format(&stored), algorithm == HashAlgorithm::Scrypt);
        }
    }

    #[test]
    fn garbage_never_verifies() {
        for stored in ["", ":", "zz:zz", "$argon2id$junk", &"a".repeat(161)] {
            assert!(!verify(stored, "password"));
        }
    }
}
