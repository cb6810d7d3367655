//! What the reader API needs: a verifier for credentials, the database, the questionnaire,
//! the request checks it shares with the identity routes and, when it runs in the same
//! process as the identity server, that server's state for session cookies.

use std::sync::Arc;

use lectern_auth::audit::AuditLog;
use lectern_auth::origin::TrustedOrigins;
use lectern_auth::rate_limit::{RateLimiter, SharedCounters, TrustedProxies};
use lectern_auth::{Auth, AuthConfig};
use lectern_store::Store;
use lectern_verify::{CachePolicy, JwkSet, JwtConfig, JwtVerifier, KeySource, Verifier};

use crate::chat::stop::Generations;
use crate::openapi;
use crate::profile::Questionnaire;
use crate::tutor::Tutor;

#[derive(Debug, Clone)]
pub struct Api(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub verifier: Verifier,
    /// Present in `--role all`: sessions are then read directly, not verified over HTTP.
    pub auth: Option<Auth>,
    pub store: Store,
    pub settings: Settings,
    pub questionnaire: Questionnaire,
    pub limiter: RateLimiter,
    /// The book's index and the answerer; `None` where no book is loaded.
    pub tutor: Option<Arc<Tutor>>,
    /// The answers this process is generating, so Stop reaches them at once.
    pub generations: Arc<Generations>,
    /// `/api/openapi.json`, made once: it describes this questionnaire's answers.
    pub openapi: String,
}

/// The request checks' settings, the same as the identity routes'.
#[derive(Debug, Clone)]
pub struct Settings {
    pub trusted_origins: TrustedOrigins,
    pub trusted_proxies: TrustedProxies,
    pub rate_limit: bool,
    pub shared_rate_limits: Option<SharedCounters>,
    /// Whether profile changes and merges are recorded to the audit trail.
    pub audit: bool,
}

impl From<&AuthConfig> for Settings {
    fn from(config: &AuthConfig) -> Self {
        Self {
            trusted_origins: config.trusted_origins.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
            rate_limit: config.rate_limit,
            shared_rate_limits: config.shared_rate_limits.clone(),
            audit: config.audit,
        }
    }
}

impl AuditLog for Api {
    fn audit_log(&self) -> Option<&Store> {
        self.settings.audit.then_some(&self.store)
    }
}

impl std::ops::Deref for Api {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Api {
    pub fn new(
        verifier: Verifier,
        auth: Option<Auth>,
        store: Store,
        settings: Settings,
        questionnaire: Questionnaire,
        tutor: Option<Arc<Tutor>>,
        generations: Arc<Generations>,
    ) -> Self {
        let openapi = openapi::document(&questionnaire);
        let limiter = RateLimiter::new(settings.shared_rate_limits.clone());
        Self(Arc::new(Inner {
            verifier,
            auth,
            store,
            settings,
            questionnaire,
            limiter,
            tutor,
            generations,
            openapi,
        }))
    }

    /// `--role all`: the identity server's own store, settings and keys.
    pub fn in_process(
        auth: &Auth,
        questionnaire: Questionnaire,
        tutor: Option<Arc<Tutor>>,
        generations: Arc<Generations>,
    ) -> Result<Self, String> {
        let verifier = in_process_verifier(auth)?;
        let settings = Settings::from(&auth.config);
        let store = auth.store.clone();
        let auth = Some(auth.clone());
        Ok(Self::new(verifier, auth, store, settings, questionnaire, tutor, generations))
    }
}

/// The verifier of `--role all`: JWTs checked against this server's own key table, read in
/// process (no HTTP) and re-read when a token names a key another replica just made.
fn in_process_verifier(auth: &Auth) -> Result<Verifier, String> {
    let config = JwtConfig::better_auth(&auth.config.base_url).map_err(|e| e.to_string())?;
    let store = auth.store.clone();
    let grace = auth.config.jwt.grace;
    let keys = KeySource::from_fn(
        move || {
            let store = store.clone();
            async move {
                let rows = store.jwks().await.map_err(|e| e.to_string())?;
                let set = lectern_auth::jwt::jwk_set(&rows, grace, chrono::Utc::now());
                serde_json::from_value::<JwkSet>(set).map_err(|e| e.to_string())
            }
        },
        CachePolicy::default(),
    );
    Ok(Verifier::from(JwtVerifier::new(config, keys)))
}
