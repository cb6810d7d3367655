//! The JWKS cache. Three rules, in the order they matter:
//! 1. a request never fetches more than once per `refetch_interval`, however many unknown
//!    kids arrive, and requests waiting on the same fetch share it;
//! 2. a failed fetch keeps the last good set (the issuer being down must not sign everyone
//!    out), and is retried no more often than rule 1 allows;
//! 3. a set past its `max-age` is refreshed by the one request that notices first, while
//!    concurrent requests go on verifying with the set they have.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use super::{CachePolicy, Fetcher};
use crate::error::{VerifyError, clip};
use crate::jwk::KeySet;

/// A cache in front of a fetcher; clones share it.
#[derive(Debug, Clone)]
pub struct JwksCache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    fetcher: Fetcher,
    policy: CachePolicy,
    state: RwLock<State>,
    // A tokio mutex because it is held across the fetch; it serialises fetching, while
    // `state` is only ever held for a copy.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct State {
    keys: Arc<KeySet>,
    fresh_until: Option<Instant>,
    last_attempt: Option<Instant>,
    last_error: Option<String>,
    attempts: u64,
}

struct Peek {
    keys: Arc<KeySet>,
    fresh_until: Option<Instant>,
    last_attempt: Option<Instant>,
    attempts: u64,
}

impl JwksCache {
    pub(crate) fn new(fetcher: Fetcher, policy: CachePolicy) -> Self {
        let inner = Inner {
            fetcher,
            policy,
            state: RwLock::default(),
            fetching: tokio::sync::Mutex::new(()),
        };
        Self { inner: Arc::new(inner) }
    }

    pub fn current(&self) -> Arc<KeySet> {
        self.peek().keys
    }

    /// Fetches now, ignoring freshness and the rate limit: for warming the cache at start-up
    /// (so the first request does not pay for the fetch) and for tests.
    pub async fn refresh(&self) -> Result<(), VerifyError> {
        let _guard = self.inner.fetching.lock().await;
        self.fetch_locked().await
    }

    pub(crate) async fn keys_for(&self, kid: &str) -> Result<Arc<KeySet>, VerifyError> {
        let seen = self.peek();
        if seen.keys.contains(kid) {
            if seen.fresh_until.is_some_and(|until| Instant::now() < until) {
                return Ok(seen.keys);
            }
            // Stale: refresh only if nobody else is, and keep the stale set if it fails.
            if let Ok(_guard) = self.inner.fetching.try_lock() {
                if self.should_fetch(seen.attempts) {
                    let _ = self.fetch_locked().await;
                }
            }
            return self.lookup(kid);
        }
        let _guard = self.inner.fetching.lock().await;
        if self.should_fetch(seen.attempts) {
            let _ = self.fetch_locked().await;
        }
        self.lookup(kid)
    }

    /// False when someone fetched since `attempts` was read (their answer is this
    /// request's answer) or when the last attempt is too recent.
    fn should_fetch(&self, attempts: u64) -> bool {
        let now = self.peek();
        now.attempts == attempts
            && now.last_attempt.is_none_or(|at| at.elapsed() >= self.inner.policy.refetch_interval)
    }

    fn lookup(&self, kid: &str) -> Result<Arc<KeySet>, VerifyError> {
        let state = self.inner.state.read().unwrap_or_else(PoisonError::into_inner);
        if state.keys.contains(kid) {
            return Ok(Arc::clone(&state.keys));
        }
        match &state.last_error {
            Some(error) if state.keys.is_empty() => {
                Err(VerifyError::JwksUnavailable(error.clone()))
            }
            _ => Err(VerifyError::UnknownKid(clip(kid))),
        }
    }

    /// Callers hold `fetching`.
    async fn fetch_locked(&self) -> Result<(), VerifyError> {
        let policy = self.inner.policy;
        let started = Instant::now();
        let result = tokio::time::timeout(policy.fetch_timeout, self.inner.fetcher.fetch())
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {:?}", policy.fetch_timeout)));
        let mut state = self.inner.state.write().unwrap_or_else(PoisonError::into_inner);
        state.last_attempt = Some(started);
        state.attempts += 1;
        match result {
            Ok(fetched) => {
                let keys = KeySet::from_jwks(&fetched.keys);
                tracing::debug!(jwks.keys = keys.len(), "fetched the JWKS");
                state.keys = Arc::new(keys);
                state.fresh_until = Some(started + policy.ttl(fetched.max_age));
                state.last_error = None;
                Ok(())
            }
            Err(error) => {
                tracing::warn!(jwks.cached = state.keys.len(), %error, "JWKS fetch failed");
                state.last_error = Some(error.clone());
                Err(VerifyError::JwksUnavailable(error))
            }
        }
    }

    /// Everything but the error text, so the hot path copies no string.
    fn peek(&self) -> Peek {
        let state = self.inner.state.read().unwrap_or_else(PoisonError::into_inner);
        Peek {
            keys: Arc::clone(&state.keys),
            fresh_until: state.fresh_until,
            last_attempt: state.last_attempt,
            attempts: state.attempts,
        }
    }
}
