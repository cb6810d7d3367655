//! `GET /token` and `GET /jwks` (`src/plugins/jwt/index.ts`, 1.7.x).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::error::AuthResult;
use crate::jwt::{self, new_row};
use crate::session::CurrentSession;
use crate::state::Auth;
use crate::wire;

/// `{token}`: a JWT for the signed-in caller.
pub async fn token(
    State(auth): State<Auth>,
    current: CurrentSession,
) -> AuthResult<Json<serde_json::Value>> {
    let token = auth.jwt_for(&current.session, &current.user).await?;
    Ok(Json(serde_json::json!({ "token": token })))
}

/// The public keys, a key made on first use. No `Cache-Control`, as Better Auth: a shared
/// cache holding an old set could hide a freshly rotated key, while verifiers cache by `kid`
/// and refetch on an unknown one anyway.
pub async fn jwks(State(auth): State<Auth>) -> AuthResult<Response> {
    let mut rows = auth.store.jwks().await?;
    if rows.is_empty() {
        let config = &auth.config.jwt;
        let secrets = &auth.config.secrets;
        auth.store
            .ensure_jwk(config.alg.as_str(), Utc::now(), || new_row(config, secrets, wire::now()))
            .await?;
        rows = auth.store.jwks().await?;
    }
    Ok(Json(jwt::jwk_set(&rows, auth.config.jwt.grace, Utc::now())).into_response())
}
