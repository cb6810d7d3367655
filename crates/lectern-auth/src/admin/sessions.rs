//! A user's sessions, seen and ended by an admin (`list-user-sessions`,
//! `revoke-user-session`, `revoke-user-sessions` in `src/plugins/admin/routes.ts`, 1.7.24).

use axum::Json;
use axum::extract::State;
use lectern_store::{AuditAction, UserId};
use serde::Deserialize;
use serde_json::{Value, json};

use super::users::{UserIdBody, event};
use super::{Caller, Permission};
use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::error::{AuthError, AuthResult};
use crate::state::Auth;
use crate::wire::SessionJson;

/// `POST /admin/list-user-sessions {userId}` → `{sessions}`: every session of the user,
/// impersonations included, as Better Auth's `listSessions` (an unknown user has none).
pub async fn list(
    State(auth): State<Auth>,
    caller: Result<Caller, AuthError>,
    Body(body): Body<UserIdBody>,
) -> AuthResult<Json<Value>> {
    Permission::ListSessions.check(caller)?;
    let now = chrono::Utc::now();
    let sessions = auth.store.user_sessions(&UserId(body.user_id)).await?;
    let live: Vec<SessionJson<'_>> =
        sessions.iter().filter(|s| s.expires_at > now).map(SessionJson::from).collect();
    Ok(Json(json!({ "sessions": serde_json::to_value(live).map_err(AuthError::internal)? })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeOne {
    session_token: String,
}

impl Schema for RevokeOne {
    const FIELDS: &'static [Field] = &[Field::required("sessionToken", Kind::String)];
}

/// `POST /admin/revoke-user-session {sessionToken}` → `{"success":true}`, whether or not a
/// session had that token.
pub async fn revoke_one(
    State(auth): State<Auth>,
    audit: Audit,
    caller: Result<Caller, AuthError>,
    Body(body): Body<RevokeOne>,
) -> AuthResult<Json<Value>> {
    let caller = Permission::RevokeSessions.check(caller)?;
    if let Some(user) = auth.store.delete_session(&body.session_token).await? {
        let detail = json!({ "scope": "one", "count": 1 });
        audit.record(event(AuditAction::AdminSessionRevoke, &caller, &user, detail));
    }
    Ok(Json(json!({ "success": true })))
}

/// `POST /admin/revoke-user-sessions {userId}` → `{"success":true}`.
pub async fn revoke_all(
    State(auth): State<Auth>,
    audit: Audit,
    caller: Result<Caller, AuthError>,
    Body(body): Body<UserIdBody>,
) -> AuthResult<Json<Value>> {
    let caller = Permission::RevokeSessions.check(caller)?;
    let user = UserId(body.user_id);
    let count = auth.store.delete_user_sessions(&user, None).await?;
    let detail = json!({ "scope": "all", "count": count });
    audit.record(event(AuditAction::AdminSessionRevoke, &caller, &user, detail));
    Ok(Json(json!({ "success": true })))
}
