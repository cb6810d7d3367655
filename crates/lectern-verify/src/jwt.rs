//! The stateless strategy: a JWT from Better Auth's jwt plugin (`GET /api/auth/token` or
//! the `set-auth-jwt` header), checked against the issuer's keys with no call per request.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::DateTime;
use sha2::{Digest, Sha256};

use crate::claims::{Claims, JwtConfig};
use crate::error::VerifyError;
use crate::key_source::KeySource;
use crate::reader::{Reader, Via};
use crate::token;
use crate::ttl_cache::TtlCache;

/// How many verified tokens are remembered; beyond it the oldest go first.
const VERIFIED_CAPACITY: usize = 20_000;

/// Verifies JWTs; cheap to clone.
#[derive(Debug, Clone)]
pub struct JwtVerifier {
    config: Arc<JwtConfig>,
    keys: KeySource,
    verified: Arc<RwLock<TtlCache<[u8; 32], Verified>>>,
}

/// A token that verified, remembered by its SHA-256 until it expires. A browser sends the
/// same JWT with every request for its whole life, so most requests need no signature
/// check. A JWT cannot be revoked before `exp` anyway; what can change is the key set, so a
/// remembered token is only accepted while its key is still published.
#[derive(Debug, Clone)]
struct Verified {
    reader: Reader,
    kid: String,
}

impl JwtVerifier {
    pub fn new(config: JwtConfig, keys: KeySource) -> Self {
        let verified = Arc::new(RwLock::new(TtlCache::new(VERIFIED_CAPACITY)));
        Self { config: Arc::new(config), keys, verified }
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
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let hit =
            self.verified.read().unwrap_or_else(|e| e.into_inner()).get(&digest, Instant::now());
        if let Some(hit) = hit {
            // Also refreshes a stale key set, as a full check would.
            if self.keys.keys_for(&hit.kid).await.is_ok_and(|keys| keys.get(&hit.kid).is_some()) {
                return Ok(hit.reader);
            }
        }
        let now = unix_now();
        let unverified = token::parse(token, &self.config)?;
        let keys = self.keys.keys_for(&unverified.kid).await?;
        let kid = unverified.kid.clone();
        let claims = unverified.verify(&keys, &self.config, now)?;
        let lifetime = Duration::from_secs(u64::try_from(claims.exp - now).unwrap_or(0));
        let reader = reader(claims)?;
        if !lifetime.is_zero() {
            let entry = Verified { reader: reader.clone(), kid };
            let at = Instant::now();
            let mut verified = self.verified.write().unwrap_or_else(|e| e.into_inner());
            verified.insert(digest, entry, at + lifetime, at);
        }
        Ok(reader)
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
