//! The hard gate: a signed-in reader answers the background questionnaire before using
//! the tutor. Handlers that take [`Profiled`] cannot forget it; guests are not gated.

use std::collections::HashSet;
use std::sync::RwLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use lectern_store::UserId;
use lectern_verify::Reader;

use crate::error::ApiError;
use crate::reader::SignedIn;
use crate::state::Api;

/// A reader allowed past the gate: a guest, or a user with a profile.
#[derive(Debug, Clone)]
pub struct Profiled(pub Reader);

impl FromRequestParts<Api> for Profiled {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, api: &Api) -> Result<Self, ApiError> {
        let SignedIn(reader) = SignedIn::from_request_parts(parts, api).await?;
        if reader.is_anonymous || has_profile(api, reader.id.as_str()).await? {
            Ok(Self(reader))
        } else {
            Err(ApiError::profile_required())
        }
    }
}

/// Whether `user` has answered the questionnaire: usually from memory, else one indexed
/// read.
pub async fn has_profile(api: &Api, user: &str) -> Result<bool, ApiError> {
    if api.profiles.contains(user) {
        return Ok(true);
    }
    let found = api.store.profile(&UserId(user.to_owned())).await?.is_some();
    if found {
        api.profiles.insert(user);
    }
    Ok(found)
}

/// Users known to have a profile. Only "yes" is remembered: a profile is never removed
/// but with its user, so a "yes" cannot go stale in any replica, while a "no" could (the
/// reader may answer through another replica) and is always read again.
#[derive(Debug, Default)]
pub struct KnownProfiles(RwLock<HashSet<String>>);

/// Beyond this many users the set starts over rather than grow without bound.
const MAX_KNOWN: usize = 100_000;

impl KnownProfiles {
    pub fn contains(&self, user: &str) -> bool {
        self.0.read().unwrap_or_else(|e| e.into_inner()).contains(user)
    }

    pub fn insert(&self, user: &str) {
        let mut known = self.0.write().unwrap_or_else(|e| e.into_inner());
        if known.len() >= MAX_KNOWN {
            known.clear();
        }
        known.insert(user.to_owned());
    }
}
