//! The identity server's shared state, cloned into every handler.

use std::sync::{Arc, OnceLock};

use lectern_store::Store;

use crate::config::AuthConfig;
use crate::cookies::CookieNames;
use crate::guest::{GuestMerge, NoMerge};
use crate::jwt::{KeyRing, Signer};
use crate::password::{self, HashPool, Turn};
use crate::rate_limit::RateLimiter;

#[derive(Debug, Clone)]
pub struct Auth(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub store: Store,
    pub config: AuthConfig,
    pub cookies: CookieNames,
    pub hasher: HashPool,
    /// Verified against when an email is unknown, so that sign-in takes as long for an
    /// unknown account as for a wrong password. Made on first use, on the hashing pool, so
    /// start-up stays fast and small.
    dummy_hash: Arc<OnceLock<String>>,
    pub merge: Arc<dyn GuestMerge>,
    pub limiter: RateLimiter,
    pub keys: KeyRing,
    pub providers: crate::oauth::Providers,
    /// Queued mail, delivered by a worker; `None` without a mailer.
    pub outbox: Option<crate::outbox::Outbox>,
}

impl std::ops::Deref for Auth {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Auth {
    pub fn new(store: Store, config: AuthConfig) -> Self {
        Self::with_merge(store, config, Arc::new(NoMerge))
    }

    /// `merge` runs whenever a guest becomes a real account (see [`GuestMerge`]).
    pub fn with_merge(store: Store, config: AuthConfig, merge: Arc<dyn GuestMerge>) -> Self {
        let hasher = HashPool::new(config.hash_workers, config.hash_queue, config.hash_wait);
        let cookies = CookieNames::new("better-auth", config.secure_cookies);
        let limiter = RateLimiter::new(config.shared_rate_limits.clone());
        let outbox = config
            .mail
            .clone()
            .map(|mailer| crate::outbox::Outbox::start(store.clone(), mailer, config.mail_retry));
        Self(Arc::new(Inner {
            store,
            cookies,
            hasher,
            dummy_hash: Arc::default(),
            merge,
            limiter,
            keys: KeyRing::default(),
            providers: crate::oauth::Providers::new(config.providers.clone()),
            outbox,
            config,
        }))
    }

    /// A JWT for the user of `session`, signed with the current key (made on first use).
    pub async fn jwt_for(
        &self,
        session: &lectern_store::Session,
        user: &lectern_store::User,
    ) -> crate::AuthResult<String> {
        let signer: Arc<Signer> =
            self.keys.signer(&self.store, &self.config.secrets, &self.config.jwt).await?;
        let (issuer, lifetime) = (&self.config.base_url, self.config.jwt.lifetime);
        Ok(self.keys.token_for(&signer, &session.id, user, issuer, lifetime))
    }

    /// A turn on the hashing pool, taken before any database work is spent on a request
    /// that would be refused anyway (see [`crate::password::HashPool`]).
    pub async fn hashing_turn(&self) -> crate::AuthResult<Turn> {
        self.hasher.turn().await
    }

    /// Hashes a password in `turn`.
    pub async fn hash_password(&self, turn: Turn, password: String) -> crate::AuthResult<String> {
        let algorithm = self.config.password_hash;
        turn.run(move || password::hash(algorithm, &password)).await
    }

    /// Verifies a password in `turn`; with no stored hash, verifies against the dummy so the
    /// answer takes the same time, and fails.
    pub async fn verify_password(
        &self,
        turn: Turn,
        stored: Option<String>,
        password: String,
    ) -> crate::AuthResult<bool> {
        let algorithm = self.config.password_hash;
        let dummy = Arc::clone(&self.dummy_hash);
        turn.run(move || match stored {
            Some(stored) => password::verify(&stored, &password),
            None => {
                let dummy = dummy.get_or_init(|| password::hash(algorithm, "lectern dummy"));
                let _ = password::verify(dummy, &password);
                false
            }
        })
        .await
    }
}
