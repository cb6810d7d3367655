//! The axum extractor: a handler that takes [`VerifiedReader`] cannot run unauthenticated.
//!
//! The verifier comes from the router state through `FromRef`, so any state that can hand
//! out a [`Verifier`] works. Rejections use Better Auth's error shape
//! (`{"code":"UNAUTHORIZED","message":...}`, as its `sessionMiddleware` sends).

use ::axum::Json;
use ::axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use ::axum::http::request::Parts;
use ::axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use ::axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::VerifyError;
use crate::reader::Reader;
use crate::verifier::Verifier;

/// Better Auth's cookie names (`src/cookies/index.ts`); the `__Secure-` one is set on https.
const SESSION_COOKIES: [&str; 2] =
    ["__Secure-better-auth.session_token", "better-auth.session_token"];

/// A reader whose credential has been verified.
#[derive(Debug, Clone)]
pub struct VerifiedReader(pub Reader);

impl std::ops::Deref for VerifiedReader {
    type Target = Reader;

    fn deref(&self) -> &Reader {
        &self.0
    }
}

impl<S> FromRequestParts<S> for VerifiedReader
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let credential = credential(&parts.headers, &verifier).ok_or(VerifyError::Missing)?;
        Ok(Self(verifier.verify(credential).await?))
    }
}

/// `Option<VerifiedReader>`: no credential gives `None`; a bad one is still rejected, so a
/// client with an expired token learns it instead of silently seeing the signed-out view.
impl<S> OptionalFromRequestParts<S> for VerifiedReader
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        match credential(&parts.headers, &verifier) {
            None => Ok(None),
            Some(credential) => Ok(Some(Self(verifier.verify(credential).await?))),
        }
    }
}

/// `Authorization: Bearer` (scheme compared case-insensitively, as Better Auth does), then,
/// for the session strategies, the session cookie.
fn credential<'h>(headers: &'h HeaderMap, verifier: &Verifier) -> Option<&'h str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    if bearer.is_some() || !verifier.takes_session_tokens() {
        return bearer;
    }
    let cookies: Vec<(&str, &str)> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .collect();
    SESSION_COOKIES
        .iter()
        .find_map(|name| cookies.iter().find(|(n, _)| n == name).map(|(_, value)| *value))
        .filter(|value| !value.is_empty())
}

/// Why the extractor refused: 401 for a credential that is missing or not accepted, 503
/// when the verifier could not decide (keys or session service unreachable), 500 for a
/// verifier misconfiguration.
#[derive(Debug, Clone)]
pub struct AuthRejection(pub VerifyError);

impl From<VerifyError> for AuthRejection {
    fn from(error: VerifyError) -> Self {
        Self(error)
    }
}

#[derive(Serialize)]
struct ErrorBody {
    code: &'static str,
    message: &'static str,
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let error = self.0;
        let (status, code) = match &error {
            e if e.is_unavailable() => (StatusCode::SERVICE_UNAVAILABLE, "AUTH_UNAVAILABLE"),
            VerifyError::Config(_) | VerifyError::InvalidJwk(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_SERVER_ERROR")
            }
            _ => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
        };
        if status == StatusCode::UNAUTHORIZED {
            tracing::debug!(error.code = error.code(), %error, "credential refused");
        } else {
            tracing::warn!(error.code = error.code(), %error, "credential could not be checked");
        }
        let body = ErrorBody { code, message: error.public_message() };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
