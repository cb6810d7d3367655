//! The one place where reader-API errors become HTTP responses, in the identity routes'
//! shape `{"code","message"}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credential, or one that does not verify. The detail is logged, not returned.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The issuer's keys could not be fetched and none are cached.
    #[error("cannot verify credentials now: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<lectern_auth::AuthError> for ApiError {
    fn from(err: lectern_auth::AuthError) -> Self {
        Self::Internal(err.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            Self::Unauthorized(detail) => {
                tracing::debug!(reason = %detail, "credential refused");
                (StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Unauthorized")
            }
            Self::Unavailable(detail) => {
                tracing::warn!(error = %detail, "verification unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "VERIFICATION_UNAVAILABLE",
                    "Cannot verify credentials right now",
                )
            }
            Self::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_SERVER_ERROR",
                    "Internal server error",
                )
            }
        };
        (status, Json(json!({ "message": message, "code": code }))).into_response()
    }
}
