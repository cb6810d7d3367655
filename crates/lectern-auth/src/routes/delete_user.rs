//! Deleting one's account (`src/api/routes/update-user.ts` `deleteUser`, 1.7.x, with
//! `user.deleteUser.enabled`): with the password, from a fresh session, or, when
//! `LECTERN_DELETE_USER=mail`, through a link mailed to the reader
//! (`sendDeleteAccountVerification`, `GET /delete-user/callback`). Everything of theirs goes
//! in one transaction.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use lectern_store::{AuditAction, AuditEvent};
use serde::Deserialize;

use super::{check_url, query_map};
use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::config::DeleteUser;
use crate::error::{AuthError, AuthResult};
use crate::mail_templates::Letter;
use crate::origin::UrlField;
use crate::session::{CurrentSession, SessionCookies};
use crate::state::Auth;
use crate::{ids, validate, wire};

/// Better Auth's `deleteTokenExpiresIn` default: a day.
const LINK_LIFETIME: Duration = Duration::days(1);

#[derive(Debug, Deserialize)]
pub struct DeleteRequest {
    #[serde(rename = "callbackURL")]
    callback_url: Option<String>,
    password: Option<String>,
    token: Option<String>,
}

impl Schema for DeleteRequest {
    const FIELDS: &'static [Field] = &[
        Field::optional("callbackURL", Kind::String),
        Field::optional("password", Kind::String),
        Field::optional("token", Kind::String),
    ];
}

fn identifier(token: &str) -> String {
    format!("delete-account-{token}")
}

fn not_found() -> AuthError {
    AuthError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Not found")
}

/// `POST /delete-user {password?, token?, callbackURL?}` → `{"success":true,"message"}`.
pub async fn handler(
    State(auth): State<Auth>,
    audit: Audit,
    current: CurrentSession,
    Body(body): Body<DeleteRequest>,
) -> AuthResult<Response> {
    if auth.config.delete_user == DeleteUser::Off {
        return Err(not_found());
    }
    check_url(&auth, body.callback_url.as_deref(), UrlField::Callback)?;
    if let Some(password) = body.password {
        validate::password_not_too_long(&password)?;
        let account = auth.store.credential_account(&current.user.id).await?.ok_or_else(|| {
            AuthError::bad_request("CREDENTIAL_ACCOUNT_NOT_FOUND", "Credential account not found")
        })?;
        if !auth
            .verify_password(auth.hashing_turn().await?, Some(account.password_hash), password)
            .await?
        {
            let detail = serde_json::json!({ "code": "INVALID_PASSWORD" });
            let event = AuditEvent::failure(AuditAction::UserDelete).user(&current.user.id);
            audit.record(event.detail(detail));
            return Err(AuthError::bad_request("INVALID_PASSWORD", "Invalid password"));
        }
    } else if body.token.is_none() && auth.config.delete_user != DeleteUser::Mail {
        let age = (Utc::now() - current.session.created_at).to_std().unwrap_or_default();
        if age >= auth.config.session.fresh_age {
            return Err(AuthError::bad_request(
                "SESSION_EXPIRED",
                "Session expired. Re-authenticate to perform this action.",
            ));
        }
    }
    if let Some(token) = body.token {
        let erased = erase_with_token(&auth, &audit, &current, &token).await;
        return erased.map(|c| deleted(c).into_response());
    }
    if auth.config.delete_user == DeleteUser::Mail {
        send_link(&auth, &current, body.callback_url.as_deref()).await?;
        let body = serde_json::json!({ "success": true, "message": "Verification email sent" });
        return Ok(Json(body).into_response());
    }
    auth.store.erase_user(&current.user.id, None, wire::now()).await?;
    tracing::info!(user.id = %current.user.id, "account deleted by its owner");
    audit.record(AuditEvent::success(AuditAction::UserDelete).user(&current.user.id));
    Ok(deleted(SessionCookies::clear(&auth)).into_response())
}

fn deleted(cookies: SessionCookies) -> impl IntoResponse {
    (cookies, Json(serde_json::json!({ "success": true, "message": "User deleted" })))
}

async fn send_link(
    auth: &Auth,
    current: &CurrentSession,
    callback: Option<&str>,
) -> AuthResult<()> {
    let outbox = auth.outbox.as_ref().ok_or_else(not_found)?;
    let token = ids::random_lowercase(32);
    let now = wire::now();
    auth.store
        .create_verification(
            &ids::generate_id(),
            &identifier(&token),
            current.user.id.as_str(),
            now + LINK_LIFETIME,
            now,
        )
        .await?;
    let callback: String =
        url::form_urlencoded::byte_serialize(callback.unwrap_or("/").as_bytes()).collect();
    let url = format!(
        "{}/api/auth/delete-user/callback?token={token}&callbackURL={callback}",
        auth.config.base_url
    );
    let mail =
        auth.config.mail_templates.render(Letter::DeleteAccount, &current.user.email, &url, None);
    outbox.send(mail).await
}

async fn erase_with_token(
    auth: &Auth,
    audit: &Audit,
    current: &CurrentSession,
    token: &str,
) -> AuthResult<SessionCookies> {
    // Spent only by its owner: someone else opening the link cannot void it.
    if !auth.store.erase_user(&current.user.id, Some(&identifier(token)), wire::now()).await? {
        return Err(AuthError::new(StatusCode::NOT_FOUND, "INVALID_TOKEN", "Invalid token"));
    }
    tracing::info!(user.id = %current.user.id, "account deleted through the mailed link");
    let detail = serde_json::json!({ "via": "mailed_link" });
    audit
        .record(AuditEvent::success(AuditAction::UserDelete).user(&current.user.id).detail(detail));
    Ok(SessionCookies::clear(auth))
}

/// `GET /delete-user/callback?token=…&callbackURL=…`: the mailed link, opened signed in.
pub async fn callback(
    State(auth): State<Auth>,
    audit: Audit,
    headers: axum::http::HeaderMap,
    RawQuery(query): RawQuery,
) -> AuthResult<Response> {
    if auth.config.delete_user == DeleteUser::Off {
        return Err(not_found());
    }
    let query = query_map(query);
    let callback = query.get("callbackURL").map(String::as_str);
    check_url(&auth, callback, UrlField::Callback)?;
    let Some((session, user)) = crate::session::current(&auth, &headers).await? else {
        return Err(AuthError::new(
            StatusCode::NOT_FOUND,
            "FAILED_TO_GET_USER_INFO",
            "Failed to get user info",
        ));
    };
    let token = query.get("token").ok_or_else(|| super::missing_query("token"))?;
    let cookies = erase_with_token(&auth, &audit, &CurrentSession { session, user }, token).await?;
    match callback {
        Some(url) => Ok((cookies, super::redirect(url)?).into_response()),
        None => Ok(deleted(cookies).into_response()),
    }
}
