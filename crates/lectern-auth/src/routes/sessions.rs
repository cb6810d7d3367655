//! Listing and revoking a user's sessions (`src/api/routes/session.ts`, 1.7.x).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use lectern_store::{AuditAction, AuditEvent};
use serde::Deserialize;

use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::error::{AuthError, AuthResult};
use crate::routes::status_true;
use crate::session::{CurrentSession, SessionCookies};
use crate::state::Auth;
use crate::wire::SessionJson;

/// `GET /list-sessions`: the user's live sessions. Needs a *fresh* session (created less than
/// `freshAge` ago, `freshSessionMiddleware`), so a stolen old cookie cannot enumerate devices.
/// An admin's impersonation sessions are left out, as the admin plugin's hook does.
pub async fn list(
    State(auth): State<Auth>,
    current: CurrentSession,
) -> AuthResult<Json<serde_json::Value>> {
    current.require_fresh(&auth)?;
    let now = Utc::now();
    let sessions = auth.store.user_sessions(&current.user.id).await?;
    let live: Vec<SessionJson<'_>> = sessions
        .iter()
        .filter(|s| s.expires_at > now && s.impersonated_by.is_none())
        .map(SessionJson::from)
        .collect();
    Ok(Json(serde_json::to_value(live).map_err(AuthError::internal)?))
}

#[derive(Debug, Deserialize)]
pub struct Revoke {
    token: String,
}

impl Schema for Revoke {
    const FIELDS: &'static [Field] = &[Field::required("token", Kind::String)];
}

/// `POST /revoke-session` `{token}`: revokes one of the caller's own sessions; a token of
/// another user's session changes nothing (and, as in Better Auth, says so no differently).
/// Revoking the current session also clears its cookies.
pub async fn revoke(
    State(auth): State<Auth>,
    audit: Audit,
    current: CurrentSession,
    Body(body): Body<Revoke>,
) -> AuthResult<Response> {
    if auth.store.delete_user_session(&current.user.id, &body.token).await? {
        revoked(&audit, &current, "one", 1);
    }
    Ok(cleared_if(body.token == current.session.token, &auth))
}

/// `POST /revoke-sessions`: every session of the caller, this one included.
pub async fn revoke_all(
    State(auth): State<Auth>,
    audit: Audit,
    current: CurrentSession,
) -> AuthResult<Response> {
    let count = auth.store.delete_user_sessions(&current.user.id, None).await?;
    revoked(&audit, &current, "all", count);
    Ok(cleared_if(true, &auth))
}

fn revoked(audit: &Audit, current: &CurrentSession, scope: &str, count: u64) {
    let detail = serde_json::json!({ "scope": scope, "count": count });
    audit.record(
        AuditEvent::success(AuditAction::SessionRevoke).user(&current.user.id).detail(detail),
    );
}

fn cleared_if(clear: bool, auth: &Auth) -> Response {
    if clear {
        (SessionCookies::clear(auth), status_true()).into_response()
    } else {
        status_true().into_response()
    }
}

/// `POST /revoke-other-sessions`: every session of the caller but this one.
pub async fn revoke_others(
    State(auth): State<Auth>,
    audit: Audit,
    current: CurrentSession,
) -> AuthResult<Json<serde_json::Value>> {
    let token = Some(current.session.token.as_str());
    let count = auth.store.delete_user_sessions(&current.user.id, token).await?;
    revoked(&audit, &current, "others", count);
    Ok(status_true())
}
