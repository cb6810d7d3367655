//! The signature algorithms this crate will ever verify.
//!
//! `none` and the HMAC family have no variant at all, so no configuration can turn them on:
//! a token "signed" with HS256 using the public key as the secret is refused before any key
//! is looked up.

use std::fmt;

/// A JWS algorithm with an asymmetric key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Ed25519 (`kty: OKP, crv: Ed25519`), Better Auth's default.
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-256, keys of 2048 to 8192 bits.
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
}

impl Algorithm {
    /// Maps a JOSE `alg` name. `Ed25519` is the fully specified name of RFC 9864 for what
    /// older issuers, Better Auth 1.7 among them, call `EdDSA`.
    pub fn from_jose(name: &str) -> Option<Self> {
        match name {
            "EdDSA" | "Ed25519" => Some(Self::EdDsa),
            "RS256" => Some(Self::Rs256),
            "ES256" => Some(Self::Es256),
            _ => None,
        }
    }

    pub fn as_jose(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Self::EdDsa => 1,
            Self::Rs256 => 2,
            Self::Es256 => 4,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_jose())
    }
}

/// The allow-list a verifier checks the token header against, before looking up a key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AlgorithmSet(u8);

impl AlgorithmSet {
    /// EdDSA, RS256 and ES256: what Better Auth's jwt plugin can be configured to sign with
    /// among the algorithms this crate supports.
    pub const ALL: Self = Self(1 | 2 | 4);

    pub fn only(algorithms: &[Algorithm]) -> Self {
        Self(algorithms.iter().fold(0, |bits, alg| bits | alg.bit()))
    }

    pub fn contains(self, algorithm: Algorithm) -> bool {
        self.0 & algorithm.bit() != 0
    }
}

impl Default for AlgorithmSet {
    fn default() -> Self {
        Self::ALL
    }
}

impl fmt::Debug for AlgorithmSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all = [Algorithm::EdDsa, Algorithm::Rs256, Algorithm::Es256];
        f.debug_set().entries(all.into_iter().filter(|alg| self.contains(*alg))).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_and_unsigned_algorithms_have_no_name() {
        for name in ["none", "None", "HS256", "HS384", "HS512", "PS256", "ES512", ""] {
            assert_eq!(Algorithm::from_jose(name), None, "{name}");
        }
    }

    #[test]
    fn an_allow_list_holds_exactly_what_it_was_given() {
        let set = AlgorithmSet::only(&[Algorithm::EdDsa]);
        assert!(set.contains(Algorithm::EdDsa));
        assert!(!set.contains(Algorithm::Rs256));
        assert_eq!(format!("{:?}", AlgorithmSet::ALL), "{EdDsa, Rs256, Es256}");
    }
}
