//! A user's linked accounts (`src/api/routes/account.ts`, 1.7.x): listing them and unlinking
//! one. The last account cannot go, or the user could never sign in again.

use axum::Json;
use axum::extract::State;
use lectern_store::{AuditAction, AuditEvent};
use serde::Deserialize;

use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::error::{AuthError, AuthResult};
use crate::routes::status_true;
use crate::session::CurrentSession;
use crate::state::Auth;
use crate::wire::AccountJson;

/// `GET /list-accounts`.
pub async fn list(
    State(auth): State<Auth>,
    current: CurrentSession,
) -> AuthResult<Json<serde_json::Value>> {
    let accounts = auth.store.user_accounts(&current.user.id).await?;
    let json: Vec<AccountJson<'_>> = accounts.iter().map(AccountJson::from).collect();
    Ok(Json(serde_json::to_value(json).map_err(AuthError::internal)?))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unlink {
    /// The `account` row's id, as `list-accounts` shows it.
    account_id: String,
}

impl Schema for Unlink {
    const FIELDS: &'static [Field] = &[Field::required("accountId", Kind::String)];
}

/// `POST /unlink-account` `{accountId}`, from a fresh session only.
pub async fn unlink(
    State(auth): State<Auth>,
    audit: Audit,
    current: CurrentSession,
    Body(body): Body<Unlink>,
) -> AuthResult<Json<serde_json::Value>> {
    current.require_fresh(&auth)?;
    let accounts = auth.store.user_accounts(&current.user.id).await?;
    if accounts.len() == 1 {
        return Err(AuthError::bad_request(
            "FAILED_TO_UNLINK_LAST_ACCOUNT",
            "You can't unlink your last account",
        ));
    }
    let Some(account) = accounts.iter().find(|a| a.id == body.account_id) else {
        return Err(AuthError::bad_request("ACCOUNT_NOT_FOUND", "Account not found"));
    };
    auth.store.delete_account(&current.user.id, &body.account_id).await?;
    let detail = serde_json::json!({ "provider": account.provider_id });
    audit.record(
        AuditEvent::success(AuditAction::AccountUnlink).user(&current.user.id).detail(detail),
    );
    Ok(status_true())
}
