//! Keys held in memory and swapped whole by their owner, e.g. the issuing server after it
//! rotates: readers never wait, and a swap is atomic.

use std::sync::{Arc, PoisonError, RwLock};

use crate::jwk::{JwkSet, KeySet};

#[derive(Debug, Clone, Default)]
pub struct StaticKeys {
    keys: Arc<RwLock<Arc<KeySet>>>,
}

impl StaticKeys {
    pub fn new(keys: &JwkSet) -> Self {
        Self { keys: Arc::new(RwLock::new(Arc::new(KeySet::from_jwks(keys)))) }
    }

    /// Replaces the whole set: keys left out are no longer accepted from the next request.
    pub fn replace(&self, keys: &JwkSet) {
        let parsed = Arc::new(KeySet::from_jwks(keys));
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = parsed;
    }

    pub fn current(&self) -> Arc<KeySet> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }
}
