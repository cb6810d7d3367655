//! `POST /change-password` (`src/api/routes/update-user.ts`, 1.7.x).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use lectern_store::{AuditAction, AuditEvent};
use serde::Deserialize;

use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::client_ip::ClientIp;
use crate::error::{AuthError, AuthResult};
use crate::session::{self, Client, CurrentSession, SessionCookies};
use crate::state::Auth;
use crate::validate;
use crate::wire::{self, UserJson};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePassword {
    new_password: String,
    current_password: String,
    revoke_other_sessions: Option<bool>,
}

impl Schema for ChangePassword {
    const FIELDS: &'static [Field] = &[
        Field::required("newPassword", Kind::String),
        Field::required("currentPassword", Kind::String),
        Field::optional("revokeOtherSessions", Kind::Boolean),
    ];
}

pub async fn handler(
    State(auth): State<Auth>,
    ClientIp(ip): ClientIp,
    audit: Audit,
    headers: HeaderMap,
    current: CurrentSession,
    Body(body): Body<ChangePassword>,
) -> AuthResult<Response> {
    validate::new_password(&body.new_password)?;
    validate::password_not_too_long(&body.current_password)?;
    let Some(account) = auth.store.credential_account(&current.user.id).await? else {
        return Err(AuthError::bad_request(
            "CREDENTIAL_ACCOUNT_NOT_FOUND",
            "Credential account not found",
        ));
    };
    if !auth
        .verify_password(
            auth.hashing_turn().await?,
            Some(account.password_hash),
            body.current_password,
        )
        .await?
    {
        let detail = serde_json::json!({ "code": "INVALID_PASSWORD" });
        audit.record(
            AuditEvent::failure(AuditAction::PasswordChange).user(&current.user.id).detail(detail),
        );
        return Err(AuthError::bad_request("INVALID_PASSWORD", "Invalid password"));
    }
    let password_hash = auth.hash_password(auth.hashing_turn().await?, body.new_password).await?;
    let user = current.user;
    // Revoking the other sessions replaces them all with one new session for this device.
    let new_session = body
        .revoke_other_sessions
        .unwrap_or(false)
        .then(|| session::new_session(&auth, &user, true, &Client::from_headers(&headers, ip)));
    auth.store.set_password(&user.id, &password_hash, wire::now(), new_session.as_ref()).await?;
    let detail = serde_json::json!({ "revokeOtherSessions": new_session.is_some() });
    audit.record(AuditEvent::success(AuditAction::PasswordChange).user(&user.id).detail(detail));

    let token = new_session.as_ref().map(|s| s.token.as_str());
    let body = Json(serde_json::json!({ "token": token, "user": UserJson::from(&user) }));
    Ok(match token {
        Some(token) => (SessionCookies::issue(&auth, token, true), body).into_response(),
        None => body.into_response(),
    })
}
