//! One module per Better Auth flow (`packages/better-auth/src/api/routes/*.ts`, 1.7.x).

pub mod accounts;
pub mod change_password;
pub mod email_flows;
pub mod get_session;
pub mod jwt;
pub mod sessions;
pub mod sign_in_anonymous;
pub mod sign_in_email;
pub mod sign_out;
pub mod sign_up;
pub mod update_user;

use axum::Json;

/// `GET /ok` → `{"ok":true}` (`src/api/routes/ok.ts`).
pub async fn ok() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

/// `{"status":true}`, the answer of most state-changing flows.
pub fn status_true() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": true }))
}
