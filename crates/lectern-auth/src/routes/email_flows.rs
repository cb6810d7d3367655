//! The flows that need mail and that Lectern does not build yet: changing the email and
//! verifying an address (`src/api/routes/{update-user,email-verification}.ts`, 1.7.x).
//! They answer exactly as Better Auth does without the callbacks: the same validation and
//! redirect checks first, then the same "not enabled" error. Password reset, which does
//! work with a mailer, is in [`super::password_reset`].

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{check_url, email_field, invalid_token, missing_query, query_map, redirect};
use crate::body::{Body, Field, Kind, Schema};
use crate::error::{AuthError, AuthResult};
use crate::origin::UrlField;
use crate::session::CurrentSession;
use crate::state::Auth;

#[derive(Debug, Deserialize)]
pub struct ChangeEmail {
    #[serde(rename = "newEmail")]
    new_email: String,
    #[serde(rename = "callbackURL")]
    callback_url: Option<String>,
}

impl Schema for ChangeEmail {
    const FIELDS: &'static [Field] =
        &[Field::required("newEmail", Kind::String), Field::optional("callbackURL", Kind::String)];
}

/// `POST /change-email`: `user.changeEmail` is off.
pub async fn change_email(
    State(auth): State<Auth>,
    _: CurrentSession,
    Body(body): Body<ChangeEmail>,
) -> AuthResult<Response> {
    email_field("newEmail", &body.new_email)?;
    check_url(&auth, body.callback_url.as_deref(), UrlField::Callback)?;
    Err(AuthError::bad_request("CHANGE_EMAIL_DISABLED", "Change email is disabled"))
}

#[derive(Debug, Deserialize)]
pub struct SendVerification {
    email: String,
    #[serde(rename = "callbackURL")]
    callback_url: Option<String>,
}

impl Schema for SendVerification {
    const FIELDS: &'static [Field] =
        &[Field::required("email", Kind::String), Field::optional("callbackURL", Kind::String)];
}

/// `POST /send-verification-email`: no `emailVerification.sendVerificationEmail`.
pub async fn send_verification_email(
    State(auth): State<Auth>,
    Body(body): Body<SendVerification>,
) -> AuthResult<Response> {
    email_field("email", &body.email)?;
    check_url(&auth, body.callback_url.as_deref(), UrlField::Callback)?;
    Err(AuthError::bad_request(
        "VERIFICATION_EMAIL_NOT_ENABLED",
        "Verification email isn't enabled",
    ))
}

/// `GET /verify-email?token=…[&callbackURL=…]`: with a callback URL, the browser is sent
/// back there with `?error=INVALID_TOKEN`, as from a link in a mail.
pub async fn verify_email(
    State(auth): State<Auth>,
    RawQuery(query): RawQuery,
) -> AuthResult<Response> {
    let query = query_map(query);
    if !query.contains_key("token") {
        return Err(missing_query("token"));
    }
    let callback = query.get("callbackURL").map(String::as_str);
    check_url(&auth, callback, UrlField::Callback)?;
    let Some(callback) = callback else {
        return Err(invalid_token(StatusCode::UNAUTHORIZED));
    };
    let separator = if callback.contains('?') { '&' } else { '?' };
    redirect(&format!("{callback}{separator}error=INVALID_TOKEN"))
}
