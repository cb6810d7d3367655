//! Better Auth's `one-time-token` plugin (`src/plugins/one-time-token/index.ts`, 1.7.x): a
//! signed-in client trades its session for a short, single-use token, and whoever presents
//! that token once gets the session. A link that leaves the book's page and comes back (a
//! reset mail, a provider's sign-in) carries one, so a widget that keeps its session as a
//! bearer token, on a site Lectern's cookie cannot reach, is signed in again on its return.
//! Tokens are stored plain, the plugin's default, so either server can verify the other's.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::body::{Body, Field, Kind, Schema};
use crate::error::{AuthError, AuthResult};
use crate::ids;
use crate::session::{CurrentSession, SessionCookies};
use crate::state::Auth;
use crate::wire::{self, SessionJson, UserJson};

/// The plugin's default `expiresIn`: three minutes.
const LIFETIME: Duration = Duration::minutes(3);

fn identifier(token: &str) -> String {
    format!("one-time-token:{token}")
}

/// `GET /one-time-token/generate` → `{"token"}`, for the caller's session.
pub async fn generate(State(auth): State<Auth>, current: CurrentSession) -> AuthResult<Response> {
    let token = issue(&auth, &current.session.token).await?;
    Ok(Json(serde_json::json!({ "token": token })).into_response())
}

/// A new one-time token for the session `session_token`.
pub(crate) async fn issue(auth: &Auth, session_token: &str) -> AuthResult<String> {
    let token = ids::random_url_safe(32);
    let now = wire::now();
    auth.store
        .create_verification(
            &ids::generate_id(),
            &identifier(&token),
            session_token,
            now + LIFETIME,
            now,
        )
        .await?;
    Ok(token)
}

#[derive(Debug, Deserialize)]
pub struct Verify {
    token: String,
}

impl Schema for Verify {
    const FIELDS: &'static [Field] = &[Field::required("token", Kind::String)];
}

/// `POST /one-time-token/verify {"token"}` → the session and its user, as `get-session`
/// answers them, with the session cookie and `set-auth-token`. The token is spent whatever
/// follows; an unknown, spent or expired one is `Invalid token`.
pub async fn verify(State(auth): State<Auth>, Body(body): Body<Verify>) -> AuthResult<Response> {
    let plain = |message| AuthError::Plain { status: StatusCode::BAD_REQUEST, message };
    let session_token = auth
        .store
        .consume_verification(&identifier(&body.token), wire::now())
        .await?
        .ok_or_else(|| plain("Invalid token"))?;
    let (session, user) =
        auth.store.find_session(&session_token).await?.ok_or_else(|| plain("Session not found"))?;
    if session.expires_at < Utc::now() {
        return Err(plain("Session expired"));
    }
    let body = Json(serde_json::json!({
        "session": SessionJson::from(&session),
        "user": UserJson::from(&user),
    }));
    Ok((SessionCookies::issue(&auth, &session.token, true), body).into_response())
}
