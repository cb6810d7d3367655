//! The `state` of a social sign-in, kept as Better Auth keeps it (`src/state.ts`,
//! `src/oauth2/state.ts`, 1.7.x): a random 32-character value sent to the provider, a row
//! in `verification` (`auth-state:<state>`, ten minutes) holding the flow's data, and the
//! same value in a signed `state` cookie (five minutes), so only the browser that started
//! the flow can finish it. The row is deleted on first use: a replayed callback fails.

use axum::http::{HeaderMap, HeaderValue};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::cookies;
use crate::error::AuthResult;
use crate::ids;
use crate::state::Auth;
use crate::wire;

const ROW_LIFETIME: Duration = Duration::minutes(10);
const COOKIE_MAX_AGE: i64 = 300;

/// What the callback needs to finish the flow. Field names are Better Auth's, so a flow
/// started by either server on a shared database reads the same; Lectern's own fields are
/// prefixed (Better Auth's schema keeps unknown keys).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowState {
    #[serde(rename = "callbackURL")]
    pub callback_url: String,
    pub code_verifier: String,
    #[serde(rename = "errorURL", skip_serializing_if = "Option::is_none")]
    pub error_url: Option<String>,
    #[serde(rename = "newUserURL", skip_serializing_if = "Option::is_none")]
    pub new_user_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_sign_up: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth_state: Option<String>,
    /// The session of the guest (or, for a link, of the reader) that started the flow, so a
    /// widget holding its session as a bearer token is recognised when the provider sends
    /// the browser back without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lectern_session: Option<String>,
    /// Send the reader back with `?ott=<one-time token>` (a widget on another site).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lectern_one_time_token: bool,
    /// The provider URL, for [`crate::routes::social::redirect`] to send a browser to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lectern_authorization_url: Option<String>,
}

/// A link started by a signed-in reader (`link-social`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub email: String,
    pub user_id: String,
}

/// Why a callback's state was refused: Better Auth's `?error=` code, and the flow's own
/// error URL once the row was found.
#[derive(Debug)]
pub struct StateError {
    pub code: &'static str,
    pub error_url: Option<String>,
}

fn identifier(state: &str) -> String {
    format!("auth-state:{state}")
}

/// A fresh state value and PKCE verifier.
pub fn generate() -> (String, String) {
    (ids::random_url_safe(32), ids::random_url_safe(128))
}

/// Stores the flow under `state`; returns the `Set-Cookie` that binds it to this browser.
pub async fn save(auth: &Auth, state: &str, mut data: FlowState) -> AuthResult<HeaderValue> {
    let now = wire::now();
    data.expires_at = (now + ROW_LIFETIME).timestamp_millis();
    data.oauth_state = Some(state.to_owned());
    let value = serde_json::to_string(&data).map_err(crate::AuthError::internal)?;
    auth.store
        .create_verification(
            &ids::generate_id(),
            &identifier(state),
            &value,
            now + ROW_LIFETIME,
            now,
        )
        .await?;
    Ok(cookie(auth, state))
}

/// The `Set-Cookie` binding `state` to the browser that receives it.
pub fn cookie(auth: &Auth, state: &str) -> HeaderValue {
    let signed = cookies::sign(auth.config.secrets.current(), state);
    auth.cookies.set(&auth.cookies.state, &signed, Some(COOKIE_MAX_AGE))
}

/// The flow stored under `state`, without spending it (the redirect to the provider).
pub async fn peek(auth: &Auth, state: &str) -> AuthResult<Option<FlowState>> {
    let value = auth.store.find_verification(&identifier(state), wire::now()).await?;
    Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
}

/// Spends the flow stored under `state`, if this browser started it and it has not expired.
/// A browser without the cookie is refused without spending the flow (as Better Auth), so
/// opening someone's callback URL cannot cancel their sign-in.
pub async fn take(
    auth: &Auth,
    headers: &HeaderMap,
    state: &str,
) -> AuthResult<Result<FlowState, StateError>> {
    let mismatch = |error_url| StateError { code: "state_mismatch", error_url };
    let Some(data) = peek(auth, state).await? else {
        return Ok(Err(mismatch(None)));
    };
    let error_url = data.error_url.clone();
    let cookie = cookies::read(headers, &auth.cookies.state)
        .and_then(|c| cookies::verify(&auth.config.secrets, c));
    if data.oauth_state.as_deref().is_some_and(|s| s != state) || cookie.as_deref() != Some(state) {
        return Ok(Err(mismatch(error_url)));
    }
    // Of two callbacks at once, one spends the row; the other is refused.
    if auth.store.consume_verification(&identifier(state), wire::now()).await?.is_none()
        || data.expires_at < wire::now().timestamp_millis()
    {
        return Ok(Err(mismatch(error_url)));
    }
    Ok(Ok(data))
}
