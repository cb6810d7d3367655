//! `ban-user` and `unban-user` (`src/plugins/admin/routes.ts`, 1.7.24). A ban ends every
//! session of the user in the same transaction, and evicts them from every replica's cache
//! (the store's eviction here, PostgreSQL's `"user"` and `session` triggers elsewhere); the
//! user's next sign-in answers 403 `BANNED_USER` until the ban ends ([`super::admit`]).

use axum::Json;
use axum::extract::State;
use chrono::Duration;
use lectern_store::{AdminPatch, AuditAction};
use serde::Deserialize;
use serde_json::{Value, json};

use super::users::{UserIdBody, event, update, wrapped};
use super::{Caller, Permission, target};
use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::error::{AuthError, AuthResult};
use crate::state::Auth;
use crate::{validate, wire};

/// `defaultBanReason`'s default.
const DEFAULT_REASON: &str = "No reason";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ban {
    user_id: String,
    ban_reason: Option<String>,
    ban_expires_in: Option<Value>,
}

impl Schema for Ban {
    const FIELDS: &'static [Field] = &[
        Field::required("userId", Kind::Coerced),
        Field::optional("banReason", Kind::String),
        Field::optional("banExpiresIn", Kind::Any),
    ];
}

/// `POST /admin/ban-user {userId, banReason?, banExpiresIn?}` (seconds) → `{user}`.
pub async fn ban(
    State(auth): State<Auth>,
    audit: Audit,
    caller: Result<Caller, AuthError>,
    Body(body): Body<Ban>,
) -> AuthResult<Json<Value>> {
    let expires_in = match &body.ban_expires_in {
        None => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(other) => {
            let got = if other.is_string() { "string" } else { "value" };
            return Err(AuthError::validation(format!(
                "[body.banExpiresIn] Invalid input: expected number, received {got}"
            )));
        }
    };
    let caller = Permission::Ban.check(caller)?;
    let user = target(&auth, &body.user_id).await?;
    if user.id == caller.user().id {
        return Err(AuthError::bad_request("YOU_CANNOT_BAN_YOURSELF", "You cannot ban yourself"));
    }
    let reason = body.ban_reason.filter(|r| !r.is_empty()).unwrap_or_else(|| DEFAULT_REASON.into());
    validate::text("banReason", &reason, validate::MAX_BACKGROUND)?;
    // `banExpiresIn: 0` is no end, as JavaScript's `0 ? … : null`.
    let expires = expires_in
        .filter(|s| *s != 0.0 && s.is_finite())
        .map(|s| wire::now() + Duration::milliseconds((s * 1000.0).clamp(-1e15, 1e15) as i64));
    let patch = AdminPatch {
        banned: Some(Some(true)),
        ban_reason: Some(Some(reason)),
        ban_expires: Some(expires),
        ..AdminPatch::default()
    };
    let banned = update(&auth, &user.id, &patch, true).await?;
    tracing::info!(user.id = %user.id, by = %caller.user().id, "user banned");
    let detail = json!({ "expires": expires.map(|e| e.to_rfc3339()) });
    audit.record(event(AuditAction::Ban, &caller, &user.id, detail));
    wrapped(&banned)
}

/// `POST /admin/unban-user {userId}` → `{user}`.
pub async fn unban(
    State(auth): State<Auth>,
    audit: Audit,
    caller: Result<Caller, AuthError>,
    Body(body): Body<UserIdBody>,
) -> AuthResult<Json<Value>> {
    let caller = Permission::Ban.check(caller)?;
    let user = target(&auth, &body.user_id).await?;
    let unbanned = update(&auth, &user.id, &AdminPatch::unban(), false).await?;
    audit.record(event(AuditAction::Unban, &caller, &user.id, json!({})));
    wrapped(&unbanned)
}
