//! The crate's one error type. Every strategy reports through it, so a caller can tell a
//! forged token from an expired one from an issuer that is down, and map each to a status.

use thiserror::Error;

/// Why a credential was not accepted, or why the verifier could not decide.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("no credential was presented")]
    Missing,
    /// Checked before any parsing, so a huge header costs nothing to refuse.
    #[error("credential is longer than the {max}-byte limit")]
    TooLarge { max: usize },
    #[error("malformed credential: {0}")]
    Malformed(String),
    /// `none`, every HMAC algorithm, and anything outside the configured allow-list.
    #[error("algorithm {0:?} is not accepted")]
    UnsupportedAlg(String),
    #[error("no verification key has kid {0:?}")]
    UnknownKid(String),
    #[error("signature does not verify")]
    BadSignature,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("issuer {0:?} is not the expected one")]
    WrongIssuer(String),
    #[error("audience is not the expected one")]
    WrongAudience,
    /// The key set could not be fetched and no usable copy is cached.
    #[error("the key set is unavailable: {0}")]
    JwksUnavailable(String),
    /// Better Auth answered `null`, or the session table has no such token.
    #[error("no session matches this token")]
    NoSession,
    #[error("session has expired")]
    SessionExpired,
    /// The introspection endpoint or the session database could not answer.
    #[error("the session service is unavailable: {0}")]
    SessionUnavailable(String),
    /// A JWK that cannot serve as a verification key.
    #[error("unusable JWK: {0}")]
    InvalidJwk(&'static str),
    /// A mistake in how the verifier was built; no credential can fix it.
    #[error("invalid verifier configuration: {0}")]
    Config(String),
}

impl VerifyError {
    /// A stable machine-readable code, for logs and for clients that branch on it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "MISSING_CREDENTIAL",
            Self::TooLarge { .. } => "TOKEN_TOO_LARGE",
            Self::Malformed(_) => "MALFORMED_TOKEN",
            Self::UnsupportedAlg(_) => "UNSUPPORTED_ALG",
            Self::UnknownKid(_) => "UNKNOWN_KID",
            Self::BadSignature => "BAD_SIGNATURE",
            Self::Expired => "TOKEN_EXPIRED",
            Self::NotYetValid => "TOKEN_NOT_YET_VALID",
            Self::WrongIssuer(_) => "WRONG_ISSUER",
            Self::WrongAudience => "WRONG_AUDIENCE",
            Self::JwksUnavailable(_) => "JWKS_UNAVAILABLE",
            Self::NoSession => "NO_SESSION",
            Self::SessionExpired => "SESSION_EXPIRED",
            Self::SessionUnavailable(_) => "SESSION_UNAVAILABLE",
            Self::InvalidJwk(_) => "INVALID_JWK",
            Self::Config(_) => "INVALID_CONFIG",
        }
    }

    /// True when the verifier could not decide, as opposed to having decided "no": the
    /// caller should answer 503 and the client may retry, rather than sign in again.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::JwksUnavailable(_) | Self::SessionUnavailable(_))
    }

    /// A short message safe to show the client: it never echoes what the client sent.
    pub fn public_message(&self) -> &'static str {
        match self {
            Self::Missing => "Missing credential",
            Self::Expired => "Token expired",
            Self::NotYetValid => "Token not yet valid",
            Self::NoSession => "Invalid or revoked session",
            Self::SessionExpired => "Session expired",
            Self::JwksUnavailable(_) | Self::SessionUnavailable(_) => {
                "Authentication is temporarily unavailable"
            }
            Self::InvalidJwk(_) | Self::Config(_) => "Authentication is misconfigured",
            _ => "Invalid token",
        }
    }
}

/// Keeps attacker-chosen text (a kid, an alg, an issuer) short before it lands in an error
/// that may be logged.
pub(crate) fn clip(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_on_a_char_boundary() {
        assert_eq!(clip("kid-1"), "kid-1");
        let long = "é".repeat(100);
        let clipped = clip(&long);
        assert_eq!(clipped.chars().count(), 65);
    }

    #[test]
    fn unavailability_is_distinguished_from_rejection() {
        assert!(VerifyError::JwksUnavailable("down".into()).is_unavailable());
        assert!(!VerifyError::Expired.is_unavailable());
        assert_eq!(VerifyError::Expired.code(), "TOKEN_EXPIRED");
    }
}
