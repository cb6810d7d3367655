//! The hard gate: a signed-in reader answers the background questionnaire before using
//! the tutor. Handlers that take [`Profiled`] cannot forget it; guests are not gated.

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

/// Whether `user` has answered the questionnaire (remembered by the store, and forgotten
/// in every process when it changes).
pub async fn has_profile(api: &Api, user: &str) -> Result<bool, ApiError> {
    Ok(api.store.has_profile(&UserId(user.to_owned())).await?)
}
