//! Liveness and readiness, for load balancers and `lectern healthcheck`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use lectern_store::Store;
use serde_json::{Value, json};

pub async fn live() -> Json<Value> {
    Json(json!({ "ok": true }))
}

/// Ready when the database answers.
pub async fn ready(State(store): State<Store>) -> (StatusCode, Json<Value>) {
    match store.ping().await {
        // Ready either way: without notifications every session check reads the database,
        // slower but never stale. Operators see which it is.
        Ok(()) => {
            let cache = if store.revocations_live() { "live" } else { "reading the database" };
            (StatusCode::OK, Json(json!({ "ok": true, "sessionCache": cache })))
        }
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "ok": false })))
        }
    }
}
