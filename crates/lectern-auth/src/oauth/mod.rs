//! Social sign-in: GitHub, Google and any OpenID Connect provider, on Better Auth 1.7's
//! protocol (`socialProviders`, the `genericOAuth` plugin, `src/oauth2/*`). The routes are
//! in [`crate::routes::social`]; this module owns the providers, the flow's state and who
//! a provider's identity becomes.

pub mod accounts;
pub mod config;
pub mod provider;
pub mod state;

use std::sync::Arc;

pub use config::ProviderConfig;
pub use provider::{Identity, Provider, Tokens};

/// The configured providers, in configuration order. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Providers(Arc<Vec<Provider>>);

impl Providers {
    pub fn new(configs: Vec<ProviderConfig>) -> Self {
        Self(Arc::new(configs.into_iter().map(Provider::new).collect()))
    }

    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.0.iter().find(|p| p.id() == id)
    }

    /// `(id, display name)` of each provider, for the widget's buttons.
    pub fn list(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|p| (p.config.id.as_str(), p.config.name.as_str()))
    }
}
