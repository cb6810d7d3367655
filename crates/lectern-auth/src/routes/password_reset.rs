//! A forgotten password, reset by mail (`src/api/routes/password.ts`, 1.7.x). With a mailer
//! (`LECTERN_SMTP_URL` or `LECTERN_MAIL_OUTBOX`) it works as Better Auth's with
//! `sendResetPassword`: a single-use token in `verification` for an hour, a mailed link to
//! `GET /reset-password/:token`, then `POST /reset-password`. Without one, the request
//! answers `RESET_PASSWORD_DISABLED` as Better Auth does, and no token can exist.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use lectern_store::{AuditAction, AuditEvent};
use percent_encoding::utf8_percent_encode;
use serde::Deserialize;

use super::{check_url, email_field, invalid_token, missing_query, query_map, redirect};
use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::error::{AuthError, AuthResult};
use crate::ids;
use crate::mail_templates::Letter;
use crate::origin::UrlField;
use crate::state::Auth;
use crate::validate;
use crate::wire::{self, URI_COMPONENT};

/// Better Auth's `resetPasswordTokenExpiresIn` default.
const RESET_TOKEN_LIFETIME: Duration = Duration::hours(1);
const RESET_SENT: &str = "If this email exists in our system, check your email for the reset link";

fn reset_identifier(token: &str) -> String {
    format!("reset-password:{token}")
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

/// `POST /request-password-reset`: mails a reset link if the email belongs to a reader.
/// The answer is the same either way, and the mail is only queued (the outbox sends it), so
/// its words do not tell whether an account exists and its timing hardly does.
pub async fn request_password_reset(
    State(auth): State<Auth>,
    audit: Audit,
    Body(body): Body<RequestReset>,
) -> AuthResult<Response> {
    let email = email_field("email", &body.email)?;
    check_url(&auth, body.redirect_to.as_deref(), UrlField::Redirect)?;
    let Some(outbox) = &auth.outbox else {
        return Err(AuthError::bad_request(
            "RESET_PASSWORD_DISABLED",
            "Reset password isn't enabled",
        ));
    };
    let now = wire::now();
    let sent = Json(serde_json::json!({ "status": true, "message": RESET_SENT }));
    // Guests have no address to write to.
    let reader =
        auth.store.find_login(&email).await?.map(|(user, _)| user).filter(|u| !u.is_guest());
    let Some(user) = reader else {
        // The same reads as for a reader, as Better Auth does against timing.
        auth.store.find_verification(&reset_identifier("dummy-verification-token"), now).await?;
        return Ok(sent.into_response());
    };
    let token = ids::random_alphanumeric(24);
    let identifier = reset_identifier(&token);
    let expires = now + RESET_TOKEN_LIFETIME;
    auth.store
        .create_verification(&ids::generate_id(), &identifier, user.id.as_str(), expires, now)
        .await?;
    let callback = body.redirect_to.as_deref().unwrap_or("");
    let site = &auth.config.base_url;
    let link = format!(
        "{site}/api/auth/reset-password/{token}?callbackURL={}",
        utf8_percent_encode(callback, URI_COMPONENT)
    );
    let mail = auth.config.mail_templates.render(Letter::ResetPassword, &user.email, &link, None);
    outbox.send(mail).await?;
    audit.record(AuditEvent::success(AuditAction::PasswordResetRequest).user(&user.id));
    Ok(sent.into_response())
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
/// the new password is checked, then the token: unknown, expired or used is `INVALID_TOKEN`.
pub async fn reset_password(
    State(auth): State<Auth>,
    audit: Audit,
    RawQuery(query): RawQuery,
    Body(body): Body<ResetPassword>,
) -> AuthResult<Response> {
    let Some(token) = body.token.or_else(|| query_map(query).remove("token")) else {
        return Err(invalid_token(StatusCode::BAD_REQUEST));
    };
    validate::new_password(&body.new_password)?;
    // Someone holds a link that is unknown, expired or already used.
    let refused = || {
        let detail = serde_json::json!({ "code": "INVALID_TOKEN" });
        audit.record(AuditEvent::failure(AuditAction::PasswordReset).detail(detail));
        invalid_token(StatusCode::BAD_REQUEST)
    };
    let identifier = reset_identifier(&token);
    let Some(user_id) = auth.store.find_verification(&identifier, wire::now()).await? else {
        return Err(refused());
    };
    let user_id = lectern_store::UserId(user_id);
    if auth.store.find_user(&user_id).await?.is_none() {
        return Err(AuthError::bad_request("USER_NOT_FOUND", "User not found"));
    }
    let hash = auth.hash_password(auth.hashing_turn().await?, body.new_password).await?;
    let account = ids::generate_id();
    if !auth.store.reset_password(&identifier, &user_id, &hash, &account, wire::now()).await? {
        return Err(refused());
    }
    audit.record(AuditEvent::success(AuditAction::PasswordReset).user(&user_id));
    Ok(crate::routes::status_true().into_response())
}

/// `GET /reset-password/:token?callbackURL=…`, the link a reset mail holds: the browser is
/// sent to the callback URL (resolved against the public URL) with `token=…`, or with
/// `error=INVALID_TOKEN` if the token is unknown or expired.
pub async fn reset_password_link(
    State(auth): State<Auth>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
) -> AuthResult<Response> {
    let query = query_map(query);
    let callback = query.get("callbackURL").ok_or_else(|| missing_query("callbackURL"))?;
    check_url(&auth, Some(callback), UrlField::Callback)?;
    let mut url = url::Url::parse(&auth.config.base_url)
        .and_then(|base| base.join(callback))
        .map_err(|_| UrlField::Callback.invalid())?;
    let valid = auth.store.find_verification(&reset_identifier(&token), wire::now()).await?;
    let (key, value) = match valid {
        Some(_) => ("token", token.as_str()),
        None => ("error", "INVALID_TOKEN"),
    };
    // As `URLSearchParams.set`: replaces a parameter of that name the URL may carry.
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| k != key).map(|(k, v)| (k.into(), v.into())).collect();
    url.query_pairs_mut().clear().extend_pairs(kept).append_pair(key, value);
    redirect(url.as_str())
}
