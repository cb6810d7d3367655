//! Verifying an address and changing it (`src/api/routes/email-verification.ts` and
//! `update-user.ts` `changeEmail`, 1.7.x), as Better Auth runs them with
//! `emailVerification.sendVerificationEmail`, `sendOnSignUp`, `autoSignInAfterVerification`
//! and `user.changeEmail` with `sendChangeEmailConfirmation`. `LECTERN_EMAIL_VERIFICATION`
//! turns them on (`optional`, or `required` to refuse unverified sign-ins); off, they answer
//! as Better Auth does without the callbacks. Links carry [`crate::email_token`]s.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lectern_store::{AuditAction, AuditEvent, StoreError, User, UserId};
use serde::Deserialize;

use super::{check_url, email_field, missing_query, query_map, redirect};
use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::client_ip::ClientIp;
use crate::config::EmailVerification;
use crate::email_token::{self, EmailClaims, TokenError};
use crate::error::{AuthError, AuthResult};
use crate::guest::{Guest, upgrade_guest};
use crate::mail_templates::Letter;
use crate::origin::UrlField;
use crate::session::{self, Client, CurrentSession, SessionCookies};
use crate::state::Auth;
use crate::wire::{self, UserJson};

/// `encodeURIComponent`.
fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, crate::wire::URI_COMPONENT).to_string()
}

/// Queues a mail to `to` with a link carrying `claims`, back to `callback` (or `/`).
async fn mail_link(
    auth: &Auth,
    to: &str,
    claims: EmailClaims,
    callback: Option<&str>,
    letter: Letter,
) -> AuthResult<()> {
    let Some(outbox) = &auth.outbox else {
        return Err(not_enabled());
    };
    let token = email_token::sign(&auth.config.secrets, claims.clone(), wire::now().timestamp());
    let site = &auth.config.base_url;
    let url = format!(
        "{site}/api/auth/verify-email?token={token}&callbackURL={}",
        encode(callback.unwrap_or("/"))
    );
    let mail = auth.config.mail_templates.render(letter, to, &url, claims.update_to.as_deref());
    outbox.send(mail).await
}

fn not_enabled() -> AuthError {
    AuthError::bad_request("VERIFICATION_EMAIL_NOT_ENABLED", "Verification email isn't enabled")
}

fn verify_claims(user: &User) -> EmailClaims {
    EmailClaims {
        email: user.email.to_lowercase(),
        update_to: None,
        request_type: None,
        user_id: Some(user.id.0.clone()),
        iat: 0,
        exp: 0,
    }
}

/// The verification mail for a new (or still unverified) reader, when verification is on.
pub(crate) async fn send_verification(
    auth: &Auth,
    user: &User,
    callback: Option<&str>,
) -> AuthResult<()> {
    if auth.config.email_verification == EmailVerification::Off {
        return Ok(());
    }
    mail_link(auth, &user.email, verify_claims(user), callback, Letter::VerifyEmail).await
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

/// Better Auth's floor on `send-verification-email`'s answer time without a session, so it
/// does not tell whether an address has an unverified account.
const ANSWER_FLOOR: std::time::Duration = std::time::Duration::from_millis(500);

/// `POST /send-verification-email {email, callbackURL?}`.
pub async fn send_verification_email(
    State(auth): State<Auth>,
    headers: HeaderMap,
    Body(body): Body<SendVerification>,
) -> AuthResult<Response> {
    let email = email_field("email", &body.email)?;
    check_url(&auth, body.callback_url.as_deref(), UrlField::Callback)?;
    if auth.config.email_verification == EmailVerification::Off || auth.outbox.is_none() {
        return Err(not_enabled());
    }
    let callback = body.callback_url.as_deref();
    let done = Json(serde_json::json!({ "status": true })).into_response();
    if let Some((_, user)) = session::current(&auth, &headers).await? {
        if user.email.to_lowercase() != email {
            return Err(AuthError::bad_request("EMAIL_MISMATCH", "Email mismatch"));
        }
        if user.email_verified {
            return Err(AuthError::bad_request(
                "EMAIL_ALREADY_VERIFIED",
                "Email is already verified",
            ));
        }
        send_verification(&auth, &user, callback).await?;
        return Ok(done);
    }
    let started = tokio::time::Instant::now();
    let user = auth.store.find_login(&email).await?.map(|(u, _)| u);
    let sent = match user.filter(|u| !u.email_verified && !u.is_guest()) {
        Some(user) => send_verification(&auth, &user, callback).await,
        None => Ok(()),
    };
    tokio::time::sleep_until(started + ANSWER_FLOOR).await;
    sent.map(|()| done)
}

/// `GET /verify-email?token=…&callbackURL=…`: the link in the mails. With a callback URL the
/// browser always goes there (with `?error=` on failure); without one the answer is JSON.
pub async fn verify_email(
    State(auth): State<Auth>,
    ClientIp(ip): ClientIp,
    audit: Audit,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> AuthResult<Response> {
    let query = query_map(query);
    let callback = query.get("callbackURL").map(String::as_str);
    check_url(&auth, callback, UrlField::Callback)?;
    let token = query.get("token").ok_or_else(|| missing_query("token"))?;
    let failed = |code: &'static str, message: &'static str| match callback {
        Some(url) => {
            let separator = if url.contains('?') { '&' } else { '?' };
            redirect(&format!("{url}{separator}error={code}"))
        }
        None => Err(AuthError::new(StatusCode::UNAUTHORIZED, code, message)),
    };
    let claims = match email_token::verify(&auth.config.secrets, token, wire::now().timestamp()) {
        Ok(claims) => claims,
        Err(TokenError::Expired) => return failed("TOKEN_EXPIRED", "Token expired"),
        Err(TokenError::Invalid) => return failed("INVALID_TOKEN", "Invalid token"),
    };
    let current = session::current(&auth, &headers).await?;
    let done = |body: serde_json::Value, cookies: Option<SessionCookies>| -> AuthResult<Response> {
        let response = match callback {
            Some(url) => redirect(url)?,
            None => Json(body).into_response(),
        };
        Ok((cookies, response).into_response())
    };

    if claims.update_to.is_some() {
        change_address(&auth, &audit, claims, current, callback, failed, done).await
    } else {
        let client = Client::from_headers(&headers, ip);
        verify_address(&auth, &audit, claims, current, &client, failed, done).await
    }
}

type Current = Option<(lectern_store::Session, User)>;

/// A verification link: the address is the reader's.
async fn verify_address(
    auth: &Auth,
    audit: &Audit,
    claims: EmailClaims,
    current: Current,
    client: &Client,
    failed: impl Fn(&'static str, &'static str) -> AuthResult<Response>,
    done: impl Fn(serde_json::Value, Option<SessionCookies>) -> AuthResult<Response>,
) -> AuthResult<Response> {
    let Some((user, _)) = auth.store.find_login(&claims.email).await? else {
        return failed("USER_NOT_FOUND", "User not found");
    };
    if claims.user_id.as_deref().is_some_and(|id| id != user.id.as_str()) {
        return failed("INVALID_TOKEN", "Invalid token");
    }
    if user.email_verified {
        return done(serde_json::json!({ "status": true, "user": null }), None);
    }
    // autoSignInAfterVerification: a session unless this browser is already the reader's.
    let signed_in = current.as_ref().is_some_and(|(_, u)| u.email == user.email);
    // The admin plugin's session hook: no session for a banned reader.
    let user = if signed_in { user } else { crate::admin::admit(auth, user).await? };
    let session = (!signed_in).then(|| session::new_session(auth, &user, true, client));
    auth.store.verify_email(&user.id, session.as_ref(), wire::now()).await?;
    audit.record(AuditEvent::success(AuditAction::EmailVerification).user(&user.id));
    let cookies = session.map(|s| SessionCookies::issue(auth, &s.token, true));
    upgrade_guest(auth, audit, Guest::from_current(current), &user).await;
    done(serde_json::json!({ "status": true, "user": null }), cookies)
}

/// A change-of-address link: from the current address (confirmation), or the new one.
async fn change_address(
    auth: &Auth,
    audit: &Audit,
    claims: EmailClaims,
    current: Current,
    callback: Option<&str>,
    failed: impl Fn(&'static str, &'static str) -> AuthResult<Response>,
    done: impl Fn(serde_json::Value, Option<SessionCookies>) -> AuthResult<Response>,
) -> AuthResult<Response> {
    let (Some(id), Some(update_to)) = (claims.user_id.clone(), claims.update_to.clone()) else {
        return failed("INVALID_TOKEN", "Invalid token");
    };
    let Some(bound) = auth.store.find_user(&UserId(id)).await? else {
        return failed("USER_NOT_FOUND", "User not found");
    };
    if bound.email.to_lowercase() != claims.email {
        return failed("INVALID_TOKEN", "Invalid token");
    }
    if current.as_ref().is_some_and(|(_, u)| u.id != bound.id) {
        return failed("INVALID_USER", "Invalid user");
    }
    if claims.request_type.as_deref() == Some("change-email-confirmation") {
        // The current address agreed: now the new one must prove it is the reader's.
        let next = EmailClaims { request_type: Some("change-email-verification".into()), ..claims };
        mail_link(auth, &update_to, next, callback, Letter::VerifyNewEmail).await?;
        return done(serde_json::json!({ "status": true }), None);
    }
    // A change-email-verification link proved the new address; Better Auth keeps the
    // account's verified flag. Any other change leaves the new address unverified.
    let verified =
        claims.request_type.as_deref() == Some("change-email-verification") && bound.email_verified;
    let updated = match auth.store.change_email(&bound.id, &update_to, verified, wire::now()).await
    {
        Ok(Some(user)) => user,
        Ok(None) => return failed("USER_NOT_FOUND", "User not found"),
        Err(StoreError::Conflict) => return failed("USER_ALREADY_EXISTS", "User already exists."),
        Err(err) => return Err(err.into()),
    };
    tracing::info!(user.id = %updated.id, "email address changed");
    audit.record(AuditEvent::success(AuditAction::EmailChange).user(&updated.id));
    done(serde_json::json!({ "status": true, "user": UserJson::from(&updated) }), None)
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

/// `POST /change-email {newEmail, callbackURL?}`: a verified reader confirms from the current
/// address first, then from the new one; an unverified reader from the new one. Whether the
/// new address is taken is not revealed.
pub async fn change_email(
    State(auth): State<Auth>,
    audit: Audit,
    current: CurrentSession,
    Body(body): Body<ChangeEmail>,
) -> AuthResult<Response> {
    let new_email = email_field("newEmail", &body.new_email)?;
    check_url(&auth, body.callback_url.as_deref(), UrlField::Callback)?;
    if auth.config.email_verification == EmailVerification::Off || auth.outbox.is_none() {
        return Err(AuthError::bad_request("CHANGE_EMAIL_DISABLED", "Change email is disabled"));
    }
    let user = &current.user;
    if new_email == user.email.to_lowercase() {
        return Err(AuthError::Plain {
            status: StatusCode::BAD_REQUEST,
            message: "Email is the same",
        });
    }
    let done = Json(serde_json::json!({ "status": true })).into_response();
    // Recorded whether or not the new address is free: the reader asked either way.
    audit.record(AuditEvent::success(AuditAction::EmailChangeRequest).user(&user.id));
    if auth.store.find_login(&new_email).await?.is_some() {
        tracing::info!(user.id = %user.id, "change of email to an address in use: nothing sent");
        return Ok(done);
    }
    let (letter, to, request) = if user.email_verified {
        (Letter::ConfirmEmailChange, user.email.clone(), "change-email-confirmation")
    } else {
        (Letter::VerifyNewEmail, new_email.clone(), "change-email-verification")
    };
    let claims = EmailClaims {
        update_to: Some(new_email),
        request_type: Some(request.into()),
        ..verify_claims(user)
    };
    mail_link(&auth, &to, claims, body.callback_url.as_deref(), letter).await?;
    Ok(done)
}
