//! Where verification keys come from: a JWKS fetched over HTTP, a callback (the issuing
//! server reading its own key table), or a set pushed in-process. The first two share one
//! cache with the same refetch rules; the third is whatever was last pushed.

mod cache;
mod fixed;
mod http;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use cache::JwksCache;
pub use fixed::StaticKeys;
pub use http::HttpJwks;

use crate::error::VerifyError;
use crate::jwk::{JwkSet, KeySet};

/// A source of verification keys, cheap to clone.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// Fetched on demand and cached by `kid`.
    Cached(JwksCache),
    /// Held in memory and replaced by the owner; an unknown `kid` never triggers a fetch.
    Static(StaticKeys),
}

impl KeySource {
    /// A JWKS URL, e.g. `https://auth.example.com/api/auth/jwks`, with the default policy.
    pub fn http(url: &str) -> Result<Self, VerifyError> {
        let policy = CachePolicy::default();
        Ok(Self::Cached(JwksCache::new(Fetcher::Http(HttpJwks::new(url, &policy)?), policy)))
    }

    pub fn http_with(jwks: HttpJwks, policy: CachePolicy) -> Self {
        Self::Cached(JwksCache::new(Fetcher::Http(jwks), policy))
    }

    /// Keys produced by a callback, cached and refetched exactly like an HTTP JWKS. This is
    /// how the issuing server verifies its own tokens without a network round trip: the
    /// callback reads its key table, and a token signed by a key another replica just
    /// created triggers a re-read.
    pub fn from_fn<F, Fut, E>(load: F, policy: CachePolicy) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<JwkSet, E>> + Send + 'static,
        E: fmt::Display,
    {
        let load: LoadFn = Box::new(move || {
            let future = load();
            Box::pin(async move {
                future.await.map(|keys| Fetched { keys, max_age: None }).map_err(|e| e.to_string())
            })
        });
        Self::Cached(JwksCache::new(Fetcher::Callback(load), policy))
    }

    /// A fixed set, replaceable later through [`StaticKeys::replace`].
    pub fn fixed(keys: &JwkSet) -> Self {
        Self::Static(StaticKeys::new(keys))
    }

    /// A key set that holds `kid`, fetching if the rules allow. The returned set may be
    /// stale when the issuer is down; it is never older than the last successful fetch.
    pub(crate) async fn keys_for(&self, kid: &str) -> Result<Arc<KeySet>, VerifyError> {
        match self {
            Self::Cached(cache) => cache.keys_for(kid).await,
            Self::Static(keys) => Ok(keys.current()),
        }
    }

    /// What is in memory now, without fetching.
    pub fn current(&self) -> Arc<KeySet> {
        match self {
            Self::Cached(cache) => cache.current(),
            Self::Static(keys) => keys.current(),
        }
    }
}

/// When the cache fetches. The defaults follow Better Auth's advice (cache indefinitely,
/// refetch on an unknown `kid`) with bounds that keep an attacker who invents kids from
/// turning every request into a fetch.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CachePolicy {
    /// How long a fetched set is fresh when the response has no `Cache-Control: max-age`.
    pub default_ttl: Duration,
    /// Upper bound on `max-age`, so a removed (compromised) key stops being accepted.
    pub max_ttl: Duration,
    /// At most one fetch per interval, whatever the trigger; also the lower bound on
    /// `max-age`, so `no-store` does not mean a fetch per request.
    pub refetch_interval: Duration,
    /// A fetch that takes longer is abandoned and counted as a failure.
    pub fetch_timeout: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            default_ttl: Duration::from_secs(300),
            max_ttl: Duration::from_secs(24 * 3600),
            refetch_interval: Duration::from_secs(10),
            fetch_timeout: Duration::from_secs(5),
        }
    }
}

impl CachePolicy {
    pub(crate) fn ttl(&self, max_age: Option<Duration>) -> Duration {
        max_age
            .unwrap_or(self.default_ttl)
            .clamp(self.refetch_interval, self.max_ttl.max(self.refetch_interval))
    }
}

/// One successful fetch.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) keys: JwkSet,
    pub(crate) max_age: Option<Duration>,
}

type FetchFuture = Pin<Box<dyn Future<Output = Result<Fetched, String>> + Send>>;
type LoadFn = Box<dyn Fn() -> FetchFuture + Send + Sync>;

pub(crate) enum Fetcher {
    Http(HttpJwks),
    Callback(LoadFn),
}

impl Fetcher {
    pub(crate) fn fetch(&self) -> FetchFuture {
        match self {
            Self::Http(http) => {
                let http = http.clone();
                Box::pin(async move { http.fetch().await })
            }
            Self::Callback(load) => load(),
        }
    }
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http(http) => http.fmt(f),
            Self::Callback(_) => f.write_str("Callback"),
        }
    }
}
