//! The guest merge (DESIGN.md §4): when a guest signs up or signs in, what the guest made
//! moves to the account, through the identity server's [`GuestMerge`] hook; and the
//! explicit merge, `POST /api/chat/session/merge`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use lectern_auth::audit::Audit;
use lectern_auth::guest::{BoxFuture, GuestMerge};
use lectern_store::{AuditAction, AuditEvent, MergeReceipt, Store, User, UserId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::body::ApiJson;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::openapi::{BodyErrors, SignedInErrors};
use crate::reader::SignedIn;
use crate::state::Api;

/// Moves a guest's chats, and their profile when the account has none, to the account, and
/// removes the guest, in one transaction.
#[derive(Debug, Default)]
pub struct ReaderMerge;

impl GuestMerge for ReaderMerge {
    fn merge<'a>(
        &'a self,
        store: &'a Store,
        guest: &'a User,
        account: &'a User,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let merged =
                store.merge_guest(&guest.id, &account.id, None).await.map_err(|e| e.to_string())?;
            tracing::info!(
                guest.id = %guest.id,
                user.id = %account.id,
                chats = merged.chats,
                profile = merged.profile,
                "guest merged"
            );
            Ok(())
        })
    }
}

/// `{"guestToken": "<the guest's session token>"}` (**contract**, DESIGN.md §5).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MergeRequest {
    /// The guest's session token (`token` of `sign-in/anonymous`), or its signed cookie value.
    guest_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MergeResult {
    merged: MergedCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MergedCounts {
    /// Chats moved by this call; 0 when a repeated call finds them already moved.
    chats: u64,
}

/// How long a finished merge is remembered, so a retried call gets the same success.
const MERGE_MEMORY: chrono::Duration = chrono::Duration::days(7);

/// Moves a guest's chats (and profile) to the signed-in account, for clients that kept the
/// guest's session themselves. Possessing the guest's session token is the proof; a user id
/// would be guessable. Idempotent, and safe when two calls race.
#[utoipa::path(post, path = "/api/chat/session/merge", operation_id = "mergeGuest", tag = "chats",
    request_body = MergeRequest, security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Merged (or already merged into this account)", body = MergeResult),
        (status = 404, description = "No guest session has this token", body = ErrorBody),
        SignedInErrors,
        BodyErrors,
    ))]
pub async fn explicit(
    State(api): State<Api>,
    SignedIn(reader): SignedIn,
    audit: Audit,
    ApiJson(body): ApiJson<MergeRequest>,
) -> ApiResult<Json<MergeResult>> {
    if reader.is_anonymous {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "SIGN_IN_FIRST",
            "Sign in to an account to keep a guest's chats",
        ));
    }
    let account = UserId(reader.id.as_str().to_owned());
    let token = body.guest_token.split('.').next().unwrap_or_default();
    let not_found = || ApiError::not_found("GUEST_NOT_FOUND", "No guest session has this token");
    // Session tokens are alphanumeric; anything else cannot name a session.
    if token.is_empty() || token.len() > 128 || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(not_found());
    }
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    let now = chrono::Utc::now();
    let Some((_, guest)) = api.store.find_session(token).await? else {
        return match api.store.guest_merged_into(&hash, now).await? {
            Some(into) if into == account => {
                Ok(Json(MergeResult { merged: MergedCounts { chats: 0 } }))
            }
            _ => Err(not_found()),
        };
    };
    if !guest.is_guest() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "NOT_A_GUEST",
            "This token is not a guest's session",
        ));
    }
    let receipt = MergeReceipt { token_hash: &hash, now, expires_at: now + MERGE_MEMORY };
    let merged = api.store.merge_guest(&guest.id, &account, Some(&receipt)).await?;
    tracing::info!(guest.id = %guest.id, user.id = %account, chats = merged.chats, "guest merged on request");
    let detail = serde_json::json!({ "guest": guest.id, "chats": merged.chats });
    audit.record(AuditEvent::success(AuditAction::GuestMerge).user(&account).detail(detail));
    Ok(Json(MergeResult { merged: MergedCounts { chats: merged.chats } }))
}
