//! JSON request bodies and query strings for the reader API, with the identity routes'
//! limits and errors: at most 64 KiB, `application/json` only, and a clear 400 for anything
//! malformed.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let is_json = content_type.is_some_and(|v| {
            v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json")
        });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "Send the body as application/json",
            ));
        }
        let value = json_value(req.into_body()).await?;
        serde_json::from_value(value).map(Self).map_err(|err| {
            ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", format!("[body] {err}"))
        })
    }
}

/// A body of at most 64 KiB parsed as JSON, with no NUL anywhere in it: PostgreSQL's text
/// cannot hold NUL, and refusing it here keeps every field safe to store.
pub async fn json_value(body: axum::body::Body) -> Result<serde_json::Value, ApiError> {
    let bytes = lectern_auth::body::read_limited(body).await?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
        ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", "Invalid JSON in request body")
    })?;
    if lectern_auth::body::has_nul(&value) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "[body] NUL characters are not allowed",
        ));
    }
    Ok(value)
}

/// Text a reader typed: any line breaks and tabs, but no other control characters.
pub fn is_typed_text(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
}

/// A query string deserialised into `T`; a malformed one is a 400 in the API's shape.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query).map(Self).map_err(|err| {
            ApiError::new(StatusCode::BAD_REQUEST, "INVALID_QUERY", format!("[query] {err}"))
        })
    }
}
