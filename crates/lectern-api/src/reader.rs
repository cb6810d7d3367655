//! The signed-in reader, as an extractor: a handler that takes [`SignedIn`] cannot forget
//! to authenticate.
//!
//! In `--role all` the session cookie or bearer session token is read directly (one cached
//! lookup); a bearer JWT is verified with the configured strategy everywhere.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use lectern_store::{Session, User};
use lectern_verify::{Reader, SessionId, UserId, Via};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::state::Api;

#[derive(Debug, Clone)]
pub struct SignedIn(pub Reader);

impl FromRequestParts<Api> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, api: &Api) -> Result<Self, ApiError> {
        if let Some(auth) = &api.auth {
            if let Some((session, user)) =
                lectern_auth::session::current(auth, &parts.headers).await?
            {
                return Ok(Self(from_session(&session, &user)));
            }
        }
        let credential =
            credential(parts, api).ok_or_else(|| ApiError::Unauthorized("no credential".into()))?;
        match api.verifier.verify(&credential).await {
            Ok(reader) => {
                lectern_auth::session::note_user(reader.id.as_str());
                Ok(Self(reader))
            }
            Err(err) if err.is_unavailable() => Err(ApiError::Unavailable(err.to_string())),
            Err(err) => Err(ApiError::Unauthorized(err.to_string())),
        }
    }
}

/// The bearer token, or, for the strategies that take session tokens, the session cookie.
fn credential(parts: &Parts, api: &Api) -> Option<String> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    bearer.or_else(|| {
        if !api.verifier.takes_session_tokens() {
            return None;
        }
        let cookies = parts.headers.get_all(header::COOKIE);
        cookies
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| name.ends_with("better-auth.session_token"))
            .map(|(_, value)| value.to_owned())
    })
}

fn from_session(session: &Session, user: &User) -> Reader {
    let mut extra = Map::new();
    for (field, value) in [
        ("softwareBackground", &user.software_background),
        ("hardwareBackground", &user.hardware_background),
    ] {
        extra.insert(field.into(), value.clone().map_or(Value::Null, Value::String));
    }
    Reader {
        id: UserId::new(user.id.as_str()),
        email: user.email.clone(),
        name: user.name.clone(),
        email_verified: user.email_verified,
        image: user.image.clone(),
        created_at: Some(user.created_at),
        updated_at: Some(user.updated_at),
        is_anonymous: user.is_guest(),
        extra,
        via: Via::Session,
        expires_at: session.expires_at,
        session_id: Some(SessionId::new(session.id.as_str())),
    }
}
