//! What the reader API needs: a verifier for credentials and, when it runs in the same
//! process as the identity server, that server's state for session cookies.

use std::sync::Arc;

use lectern_auth::Auth;
use lectern_verify::{CachePolicy, JwkSet, JwtConfig, JwtVerifier, KeySource, Verifier};

#[derive(Debug, Clone)]
pub struct Api(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub verifier: Verifier,
    /// Present in `--role all`: sessions are then read directly, not verified over HTTP.
    pub auth: Option<Auth>,
}

impl std::ops::Deref for Api {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Api {
    pub fn new(verifier: Verifier, auth: Option<Auth>) -> Self {
        Self(Arc::new(Inner { verifier, auth }))
    }
}

/// The verifier of `--role all`: JWTs checked against this server's own key table, read in
/// process (no HTTP) and re-read when a token names a key another replica just made.
pub fn in_process_verifier(auth: &Auth) -> Result<Verifier, String> {
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
