//! `POST /sign-out` (`src/api/routes/sign-out.ts`, 1.7.x): deletes the session and its
//! cookies; without a session it still answers success and clears the cookies.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use lectern_store::{AuditAction, AuditEvent};

use crate::audit::Audit;
use crate::error::AuthResult;
use crate::session::{self, SessionCookies};
use crate::state::Auth;

pub async fn handler(
    State(auth): State<Auth>,
    audit: Audit,
    headers: HeaderMap,
) -> AuthResult<Response> {
    if let Some(token) = session::presented_token(&auth, &headers) {
        if let Some(user) = auth.store.delete_session(&token).await? {
            audit.record(AuditEvent::success(AuditAction::SignOut).user(&user));
        }
    }
    let body = Json(serde_json::json!({ "success": true }));
    Ok((SessionCookies::clear(&auth), body).into_response())
}
