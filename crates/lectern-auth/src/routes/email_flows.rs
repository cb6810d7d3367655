//! The flows that need mail: changing the email, resetting a forgotten password, verifying
//! an address (`src/api/routes/{update-user,password,email-verification}.ts`, 1.7.x).
//! Lectern sends no mail yet, so they answer exactly as Better Auth does when its mail
//! callbacks are not configured, which is the reference configuration: the same validation
//! and redirect checks first, then the same "not enabled" error. No reset or verification
//! token can exist without mail, so every token is invalid.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::body::{Body, Field, Kind, Schema};
use crate::error::{AuthError, AuthResult};
use crate::origin::{self, UrlField};
use crate::session::CurrentSession;
use crate::state::Auth;
use crate::validate;

fn email_field(name: &str, value: &str) -> AuthResult<()> {
    match validate::email(value) {
        Some(_) => Ok(()),
        None => Err(AuthError::validation(format!("[body.{name}] Invalid email address"))),
    }
}

fn check_url(auth: &Auth, url: Option<&str>, field: UrlField) -> AuthResult<()> {
    url.map_or(Ok(()), |url| origin::check_callback(&auth.config.trusted_origins, url, field))
}

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
pub struct RequestReset {
    email: String,
    #[serde(rename = "redirectTo")]
    redirect_to: Option<String>,
}

impl Schema for RequestReset {
    const FIELDS: &'static [Field] =
        &[Field::required("email", Kind::String), Field::optional("redirectTo", Kind::String)];
}

/// `POST /request-password-reset`: no `sendResetPassword`.
pub async fn request_password_reset(
    State(auth): State<Auth>,
    Body(body): Body<RequestReset>,
) -> AuthResult<Response> {
    email_field("email", &body.email)?;
    check_url(&auth, body.redirect_to.as_deref(), UrlField::Redirect)?;
    Err(AuthError::bad_request("RESET_PASSWORD_DISABLED", "Reset password isn't enabled"))
}

#[derive(Debug, Deserialize)]
pub struct ResetPassword {
    #[serde(rename = "newPassword")]
    new_password: String,
    token: Option<String>,
}

impl Schema for ResetPassword {
    const FIELDS: &'static [Field] =
        &[Field::required("newPassword", Kind::String), Field::optional("token", Kind::String)];
}

/// `POST /reset-password[?token=…]`: a token must be given (in the body or the query), then
/// the new password is checked, then the token, which cannot exist.
pub async fn reset_password(
    RawQuery(query): RawQuery,
    Body(body): Body<ResetPassword>,
) -> AuthResult<Response> {
    if body.token.is_none() && !query_map(query).contains_key("token") {
        return Err(invalid_token(StatusCode::BAD_REQUEST));
    }
    validate::new_password(&body.new_password)?;
    Err(invalid_token(StatusCode::BAD_REQUEST))
}

/// `GET /reset-password/:token?callbackURL=…`, the link a reset mail holds: the browser is
/// sent to the callback URL (resolved against the public URL) with `error=INVALID_TOKEN`.
pub async fn reset_password_link(
    State(auth): State<Auth>,
    RawQuery(query): RawQuery,
) -> AuthResult<Response> {
    let query = query_map(query);
    let Some(callback) = query.get("callbackURL") else {
        return Err(AuthError::validation(
            "[query.callbackURL] Invalid input: expected string, received undefined",
        ));
    };
    check_url(&auth, Some(callback), UrlField::Callback)?;
    let mut url = url::Url::parse(&auth.config.base_url)
        .and_then(|base| base.join(callback))
        .map_err(|_| AuthError::forbidden("INVALID_CALLBACK_URL", "Invalid callbackURL"))?;
    // As `URLSearchParams.set`: replaces an `error` the URL may already carry.
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "error")
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    url.query_pairs_mut().clear().extend_pairs(kept).append_pair("error", "INVALID_TOKEN");
    redirect(url.as_str())
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
        return Err(AuthError::validation(
            "[query.token] Invalid input: expected string, received undefined",
        ));
    }
    let callback = query.get("callbackURL").map(String::as_str);
    check_url(&auth, callback, UrlField::Callback)?;
    let Some(callback) = callback else {
        return Err(invalid_token(StatusCode::UNAUTHORIZED));
    };
    let separator = if callback.contains('?') { '&' } else { '?' };
    redirect(&format!("{callback}{separator}error=INVALID_TOKEN"))
}

fn invalid_token(status: StatusCode) -> AuthError {
    AuthError::new(status, "INVALID_TOKEN", "Invalid token")
}

fn query_map(query: Option<String>) -> HashMap<String, String> {
    serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default()
}

/// A 302 as Better Auth sends it: naming a JSON body it leaves empty.
fn redirect(location: &str) -> AuthResult<Response> {
    let location = HeaderValue::try_from(location)
        .map_err(|_| AuthError::forbidden("INVALID_CALLBACK_URL", "Invalid callbackURL"))?;
    let json = HeaderValue::from_static("application/json");
    Ok((StatusCode::FOUND, [(header::LOCATION, location), (header::CONTENT_TYPE, json)])
        .into_response())
}
