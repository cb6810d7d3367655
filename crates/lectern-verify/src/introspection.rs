//! The revocation-sensitive strategy: ask Better Auth itself. `GET /api/auth/get-session`
//! (`src/api/routes/session.ts`, 1.7.x) with `Authorization: Bearer <session token>` answers
//! `{session, user}` or the JSON literal `null`; the bearer plugin accepts both the raw token
//! and the signed `token.signature` form, so the credential is passed through untouched.
//!
//! Answers are cached for a few seconds, keyed by a hash of the token so the cache never
//! holds a usable credential: a revocation is seen within that TTL.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::VerifyError;
use crate::reader::{Reader, SessionId, Via};
use crate::ttl_cache::TtlCache;
use crate::user::{UserFields, required_date};

const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IntrospectionConfig {
    /// The full `get-session` URL.
    pub url: String,
    /// How long an answer, signed in or not, is reused. Zero disables the cache.
    pub ttl: Duration,
    /// Bound on cached answers; the oldest go first.
    pub max_entries: usize,
    pub timeout: Duration,
    pub max_credential_bytes: usize,
}

impl IntrospectionConfig {
    pub fn new(get_session_url: impl Into<String>) -> Self {
        Self {
            url: get_session_url.into(),
            ttl: Duration::from_secs(5),
            max_entries: 10_000,
            timeout: Duration::from_secs(5),
            max_credential_bytes: 4 * 1024,
        }
    }

    /// `<base>/api/auth/get-session`, Better Auth's default base path.
    pub fn better_auth(base_url: &str) -> Self {
        Self::new(format!("{}/api/auth/get-session", base_url.trim_end_matches('/')))
    }
}

/// Verifies session tokens by asking the auth server; cheap to clone.
#[derive(Debug, Clone)]
pub struct IntrospectionVerifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    url: reqwest::Url,
    config: IntrospectionConfig,
    /// `None` remembers "not signed in", so a flood of one bad token costs one request.
    cache: Mutex<TtlCache<[u8; 32], Option<Reader>>>,
}

#[derive(Deserialize)]
struct SessionAnswer {
    session: SessionFields,
    user: UserFields,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionFields {
    id: String,
    #[serde(deserialize_with = "required_date")]
    expires_at: DateTime<Utc>,
}

impl IntrospectionVerifier {
    pub fn new(config: IntrospectionConfig) -> Result<Self, VerifyError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("lectern-verify/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .build()
            .map_err(|err| VerifyError::Config(format!("HTTP client: {err}")))?;
        Self::with_client(client, config)
    }

    pub fn with_client(
        client: reqwest::Client,
        config: IntrospectionConfig,
    ) -> Result<Self, VerifyError> {
        let url = reqwest::Url::parse(&config.url).map_err(|err| {
            VerifyError::Config(format!("get-session URL {:?}: {err}", config.url))
        })?;
        let cache = Mutex::new(TtlCache::new(config.max_entries));
        Ok(Self { inner: Arc::new(Inner { client, url, config, cache }) })
    }

    pub async fn verify(&self, token: &str) -> Result<Reader, VerifyError> {
        check_credential(token, self.inner.config.max_credential_bytes)?;
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cached = self.cache().get(&key, Instant::now());
        if let Some(answer) = cached {
            return answer.ok_or(VerifyError::NoSession);
        }
        let answer = self.ask(token).await?;
        let now = Instant::now();
        let mut deadline = now + self.inner.config.ttl;
        if let Some(reader) = &answer {
            // Never serve a session from cache past its own expiry.
            let left = (reader.expires_at - Utc::now()).to_std().unwrap_or_default();
            deadline = deadline.min(now + left);
        }
        if deadline > now {
            self.cache().insert(key, answer.clone(), deadline, now);
        }
        answer.ok_or(VerifyError::NoSession)
    }

    async fn ask(&self, token: &str) -> Result<Option<Reader>, VerifyError> {
        let unavailable = |detail: String| VerifyError::SessionUnavailable(detail);
        let mut response = self
            .inner
            .client
            .get(self.inner.url.clone())
            .bearer_auth(token)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|err| unavailable(format!("GET {}: {err}", self.inner.url)))?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => return Ok(None),
            status => return Err(unavailable(format!("GET {} answered {status}", self.inner.url))),
        }
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|err| unavailable(err.to_string()))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(unavailable(format!("GET {}: body too large", self.inner.url)));
            }
            body.extend_from_slice(&chunk);
        }
        let answer: Option<SessionAnswer> = serde_json::from_slice(&body).map_err(|err| {
            unavailable(format!("GET {}: unexpected body: {err}", self.inner.url))
        })?;
        let Some(SessionAnswer { session, user }) = answer else {
            return Ok(None);
        };
        if session.expires_at <= Utc::now() {
            return Err(VerifyError::SessionExpired);
        }
        let session_id = Some(SessionId::new(session.id));
        Reader::from_user(user, None, Via::Introspection, session.expires_at, session_id).map(Some)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, TtlCache<[u8; 32], Option<Reader>>> {
        self.inner.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A session token or signed cookie value is short printable ASCII; anything else cannot be
/// one and must not be put into a header.
pub(crate) fn check_credential(token: &str, max: usize) -> Result<(), VerifyError> {
    if token.is_empty() {
        return Err(VerifyError::Missing);
    }
    if token.len() > max {
        return Err(VerifyError::TooLarge { max });
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(VerifyError::Malformed(
            "session token has characters a token cannot have".into(),
        ));
    }
    Ok(())
}
