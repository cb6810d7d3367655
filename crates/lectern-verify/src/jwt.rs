//! The stateless strategy: a JWT from Better Auth's jwt plugin (`GET /api/auth/token` or
//! the `set-auth-jwt` header), checked against the issuer's keys with no call per request.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::DateTime;

use crate::claims::{Claims, JwtConfig};
use crate::error::VerifyError;
use crate::key_source::KeySource;
use crate::reader::{Reader, Via};
use crate::token;

/// Verifies JWTs; cheap to clone.
#[derive(Debug, Clone)]
pub struct JwtVerifier {
    config: Arc<JwtConfig>,
    keys: KeySource,
}

impl JwtVerifier {
    pub fn new(config: JwtConfig, keys: KeySource) -> Self {
        Self { config: Arc::new(config), keys }
    }

    /// Everything from the base URL Better Auth was given: `iss` and `aud` are its origin,
    /// the keys come from `<base>/api/auth/jwks`.
    pub fn better_auth(base_url: &str) -> Result<Self, VerifyError> {
        let config = JwtConfig::better_auth(base_url)?;
        let keys = KeySource::http(&format!("{}/api/auth/jwks", config.issuer))?;
        Ok(Self::new(config, keys))
    }

    pub fn config(&self) -> &JwtConfig {
        &self.config
    }

    pub fn keys(&self) -> &KeySource {
        &self.keys
    }

    /// The reader a token proves.
    pub async fn verify(&self, token: &str) -> Result<Reader, VerifyError> {
        reader(self.decode(token).await?)
    }

    /// As [`verify`](Self::verify), at a given time in seconds since the epoch.
    pub async fn verify_at(&self, token: &str, now: i64) -> Result<Reader, VerifyError> {
        reader(self.decode_at(token, now).await?)
    }

    /// The token's verified claims, for callers that want `iss`, `aud` or `iat` too.
    pub async fn decode(&self, token: &str) -> Result<Claims, VerifyError> {
        self.decode_at(token, unix_now()).await
    }

    /// As [`decode`](Self::decode), at a given time in seconds since the epoch: for replaying
    /// recorded tokens in tests.
    pub async fn decode_at(&self, token: &str, now: i64) -> Result<Claims, VerifyError> {
        let unverified = token::parse(token, &self.config)?;
        let keys = self.keys.keys_for(&unverified.kid).await?;
        unverified.verify(&keys, &self.config, now)
    }

    /// Verification with the keys already in memory, never fetching and never waiting: for
    /// synchronous callers, and for the issuing server checking its own tokens.
    pub fn verify_cached(&self, token: &str) -> Result<Reader, VerifyError> {
        let unverified = token::parse(token, &self.config)?;
        reader(unverified.verify(&self.keys.current(), &self.config, unix_now())?)
    }
}

pub(crate) fn reader(claims: Claims) -> Result<Reader, VerifyError> {
    let expires_at = DateTime::from_timestamp(claims.exp, 0)
        .ok_or_else(|| VerifyError::Malformed("exp out of range".into()))?;
    Reader::from_user(claims.user, Some(&claims.sub), Via::Jwt, expires_at, None)
}

fn unix_now() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}
