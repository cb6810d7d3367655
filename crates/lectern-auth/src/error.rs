//! The one place where identity errors become HTTP responses, in Better Auth's shape
//! `{"code","message"}` (packages/core/src/error/codes.ts, 1.7.x).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A client error with Better Auth's status, code and message.
    #[error("{code}: {message}")]
    Client { status: StatusCode, code: &'static str, message: String },
    /// The few Better Auth errors that carry only a message (`No fields to update`).
    #[error("{message}")]
    Plain { status: StatusCode, message: &'static str },
    /// A status with an empty JSON body, as Better Auth's `APIError.fromStatus("UNAUTHORIZED")`
    /// answers (the admin plugin's `adminMiddleware`).
    #[error("{0}")]
    Status(StatusCode),
    /// Better Auth's rate limiter answers 429 with no `code` and an `X-Retry-After` header.
    #[error("rate limited for {retry_after}s")]
    RateLimited { retry_after: u64 },
    /// The password-hashing queue is full: shed load instead of letting latency grow.
    #[error("password hashing is saturated")]
    Busy,
    /// The database cannot take the request now (a full disk, a server down): the same
    /// request may succeed later. The store logs the cause once per episode.
    #[error("storage unavailable: {0}")]
    StorageUnavailable(String),
    /// The JWT signing key cannot be opened with the configured secrets (the secret it was
    /// sealed with is gone from `BETTER_AUTH_SECRETS`): sessions still work, tokens cannot
    /// be issued until the secret is restored or the keys rotated.
    #[error("no usable signing key: {0}")]
    SigningKeyUnavailable(String),
    /// A server-side failure; the detail goes to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AuthResult<T> = Result<T, AuthError>;

impl AuthError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Client { status, code, message: message.into() }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Unauthorized")
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::bad_request("VALIDATION_ERROR", message)
    }

    pub fn invalid_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_EMAIL_OR_PASSWORD",
            "Invalid email or password",
        )
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self::Internal(detail.to_string())
    }
}

impl From<lectern_store::StoreError> for AuthError {
    fn from(err: lectern_store::StoreError) -> Self {
        match err {
            lectern_store::StoreError::Unavailable(cause) => {
                Self::StorageUnavailable(cause.to_string())
            }
            other => Self::internal(other),
        }
    }
}

/// Seconds a client is asked to wait after `STORAGE_UNAVAILABLE`.
const STORAGE_RETRY_AFTER: &str = "5";

#[derive(Serialize)]
struct Body<'a> {
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        match self {
            Self::Client { status, code, message } => {
                (status, Json(Body { code: Some(code), message: &message })).into_response()
            }
            Self::Plain { status, message } => {
                (status, Json(Body { message, code: None })).into_response()
            }
            Self::Status(status) => {
                let json = HeaderValue::from_static("application/json");
                (status, [(header::CONTENT_TYPE, json)]).into_response()
            }
            Self::RateLimited { retry_after } => {
                let mut res = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(Body {
                        code: None,
                        message: "Too many requests. Please try again later.",
                    }),
                )
                    .into_response();
                res.headers_mut().insert("x-retry-after", HeaderValue::from(retry_after));
                res
            }
            Self::Busy => {
                metrics::counter!("lectern_shed_total", "reason" => "password_hashing")
                    .increment(1);
                unavailable(
                    "SERVER_BUSY",
                    "The server is busy signing other readers in. Please try again.",
                    "1",
                )
            }
            Self::StorageUnavailable(detail) => {
                metrics::counter!("lectern_shed_total", "reason" => "storage").increment(1);
                tracing::debug!(error = %detail, "storage unavailable");
                unavailable(
                    "STORAGE_UNAVAILABLE",
                    "The server cannot save changes right now. Please try again in a moment.",
                    STORAGE_RETRY_AFTER,
                )
            }
            Self::SigningKeyUnavailable(detail) => {
                tracing::debug!(error = %detail, "no token: no usable signing key");
                // No Retry-After: it lasts until an operator acts.
                let body = Json(Body {
                    code: Some("SIGNING_KEY_UNAVAILABLE"),
                    message: "The server cannot sign tokens right now.",
                });
                (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
            }
            Self::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(Body {
                        code: Some("INTERNAL_SERVER_ERROR"),
                        message: "Internal server error",
                    }),
                )
                    .into_response()
            }
        }
    }
}

/// A 503 that tells the client when to try again.
fn unavailable(code: &str, message: &str, retry_after: &'static str) -> Response {
    let mut res =
        (StatusCode::SERVICE_UNAVAILABLE, Json(Body { code: Some(code), message })).into_response();
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(retry_after));
    res
}
