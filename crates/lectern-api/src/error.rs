//! The one place where reader-API errors become HTTP responses, in the identity routes'
//! shape `{"code","message"}` (plus `fields` for validation errors a form can show).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::profile::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credential, or one that does not verify. The detail is logged, not returned.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// A client mistake with its status, code and message.
    #[error("{code}: {message}")]
    Client { status: StatusCode, code: &'static str, message: String },
    /// Answers that failed validation, one error per question.
    #[error("invalid answers")]
    Invalid(FieldErrors),
    /// The identity server's own answer (rate limits, origin checks, bodies).
    #[error(transparent)]
    Auth(#[from] lectern_auth::AuthError),
    /// The issuer's keys could not be fetched and none are cached.
    #[error("cannot verify credentials now: {0}")]
    Unavailable(String),
    /// Too many questions are waiting for retrieval: shed before anything is stored.
    #[error("the tutor is busy")]
    TutorBusy,
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Client { status, code, message: message.into() }
    }

    pub fn not_found(code: &'static str, message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn profile_required() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "PROFILE_REQUIRED",
            "Tell us about your background before using the tutor",
        )
    }
}

impl From<lectern_store::StoreError> for ApiError {
    fn from(err: lectern_store::StoreError) -> Self {
        // The identity routes' answer, so both halves say the same thing for the same fault.
        match lectern_auth::AuthError::from(err) {
            lectern_auth::AuthError::Internal(detail) => Self::Internal(detail),
            unavailable => Self::Auth(unavailable),
        }
    }
}

/// The body every reader-API error has; `fields` only on validation errors.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    pub message: &'a str,
    pub code: &'a str,
    /// On `VALIDATION_ERROR` for answers: an error per question id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<std::collections::BTreeMap<String, crate::profile::FieldError>>)]
    pub fields: Option<&'a FieldErrors>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = |status: StatusCode, code: &str, message: &str| {
            (status, Json(ErrorBody { code, message, fields: None })).into_response()
        };
        match self {
            Self::Unauthorized(detail) => {
                tracing::debug!(reason = %detail, "credential refused");
                body(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Unauthorized")
            }
            Self::Client { status, code, message } => body(status, code, &message),
            Self::Invalid(fields) => (
                StatusCode::BAD_REQUEST,
                Json(ErrorBody {
                    code: "VALIDATION_ERROR",
                    message: "Some answers need another look",
                    fields: Some(&fields),
                }),
            )
                .into_response(),
            Self::Auth(err) => err.into_response(),
            Self::Unavailable(detail) => {
                tracing::warn!(error = %detail, "verification unavailable");
                body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "VERIFICATION_UNAVAILABLE",
                    "Cannot verify credentials right now",
                )
            }
            Self::TutorBusy => {
                let mut res = body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "TUTOR_BUSY",
                    "The tutor is answering many readers right now. Please ask again in a moment.",
                );
                res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
                res
            }
            Self::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                body(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_SERVER_ERROR",
                    "Internal server error",
                )
            }
        }
    }
}
