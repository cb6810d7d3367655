//! One module per Better Auth flow (`packages/better-auth/src/api/routes/*.ts`, 1.7.x).

pub mod accounts;
pub mod change_password;
pub mod delete_user;
pub mod email_flows;
pub mod get_session;
pub mod jwt;
pub mod one_time_token;
pub mod password_reset;
pub mod sessions;
pub mod sign_in_anonymous;
pub mod sign_in_email;
pub mod sign_out;
pub mod sign_up;
pub mod social;
pub mod update_user;

use std::collections::HashMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{AuthError, AuthResult};
use crate::origin::{self, UrlField};
use crate::state::Auth;
use crate::validate;

/// `GET /ok` → `{"ok":true}` (`src/api/routes/ok.ts`).
pub async fn ok() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

/// `{"status":true}`, the answer of most state-changing flows.
pub fn status_true() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": true }))
}

// What the flows that validate emails and follow links share.

/// The body field `name` as zod's `z.email()` checks it; the address lower-cased.
pub(crate) fn email_field(name: &str, value: &str) -> AuthResult<String> {
    validate::email(value)
        .ok_or_else(|| AuthError::validation(format!("[body.{name}] Invalid email address")))
}

/// zod's message for a required query parameter that is missing.
pub(crate) fn missing_query(name: &str) -> AuthError {
    AuthError::validation(format!(
        "[query.{name}] Invalid input: expected string, received undefined"
    ))
}

pub(crate) fn check_url(auth: &Auth, url: Option<&str>, field: UrlField) -> AuthResult<()> {
    url.map_or(Ok(()), |url| origin::check_callback(&auth.config.trusted_origins, url, field))
}

pub(crate) fn invalid_token(status: StatusCode) -> AuthError {
    AuthError::new(status, "INVALID_TOKEN", "Invalid token")
}

pub(crate) fn query_map(query: Option<String>) -> HashMap<String, String> {
    serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default()
}

/// A 302 as Better Auth sends it: naming a JSON body it leaves empty.
pub(crate) fn redirect(location: &str) -> AuthResult<Response> {
    let location = HeaderValue::try_from(location).map_err(|_| UrlField::Callback.invalid())?;
    let json = HeaderValue::from_static("application/json");
    Ok((StatusCode::FOUND, [(header::LOCATION, location), (header::CONTENT_TYPE, json)])
        .into_response())
}
