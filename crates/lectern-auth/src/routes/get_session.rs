//! `GET /get-session` (`src/api/routes/session.ts`, 1.7.x): the session and its user, or
//! the JSON literal `null`. A session older than `updateAge` since its last extension is
//! extended by one write and its cookie re-sent.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::cookies;
use crate::error::{AuthError, AuthResult};
use crate::session::{self, SessionCookies};
use crate::state::Auth;
use crate::wire::{self, SessionJson, UserJson};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Params {
    disable_refresh: Option<String>,
}

pub async fn handler(
    State(auth): State<Auth>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> AuthResult<Response> {
    let Some((mut session, user)) = session::current(&auth, &headers).await? else {
        // A validly signed token that names no live session has its cookies cleared, as
        // Better Auth does; a forged or garbled cookie is just ignored.
        let body = Json(serde_json::Value::Null);
        let response = if session::presented_token(&auth, &headers).is_some() {
            (SessionCookies::clear(&auth), body).into_response()
        } else {
            body.into_response()
        };
        return Ok(no_store(response));
    };

    let policy = auth.config.session;
    // A malformed query string is ignored rather than failing the session check.
    let params: Params =
        query.and_then(|q| serde_urlencoded::from_str(&q).ok()).unwrap_or_default();
    let disable_refresh = params.disable_refresh.is_some_and(|v| v != "false");
    let remembered = cookies::read(&headers, &auth.cookies.dont_remember).is_none();
    let last_extended = session.expires_at - policy.expires_in;
    let mut refreshed = None;
    if !disable_refresh && remembered && last_extended + policy.update_age <= Utc::now() {
        let now = wire::now();
        let expires_at = now + policy.expires_in;
        // The refresh is opportunistic: when the database cannot take it (a full disk),
        // the session is still good for days and is answered as it is.
        match auth.store.extend_session(&session.id, expires_at, now).await {
            Ok(()) => {
                (session.expires_at, session.updated_at) = (expires_at, now);
                refreshed = Some(SessionCookies::issue(&auth, &session.token, true));
            }
            Err(err) => tracing::debug!(error = %err, "session refresh skipped"),
        }
    }
    let body = Json(serde_json::json!({
        "session": SessionJson::from(&session),
        "user": UserJson::from(&user),
    }));
    // Better Auth's jwt plugin signs a JWT into every answer that has a session. Only the
    // first ever needs a write (the signing key); without a usable key (it cannot be stored,
    // or its secret is gone) the session is still answered: a site must not lose sign-in
    // over tokens.
    let jwt = match auth.jwt_for(&session, &user).await {
        Ok(jwt) => Some(HeaderValue::try_from(jwt).map_err(AuthError::internal)?),
        Err(AuthError::StorageUnavailable(detail) | AuthError::SigningKeyUnavailable(detail)) => {
            tracing::debug!(error = %detail, "no JWT: no usable signing key");
            None
        }
        Err(err) => return Err(err),
    };
    let exposed = if refreshed.is_some() { "set-auth-jwt, set-auth-token" } else { "set-auth-jwt" };
    let mut response = match refreshed {
        Some(cookies) => (cookies, body).into_response(),
        None => body.into_response(),
    };
    let out = response.headers_mut();
    if let Some(jwt) = jwt {
        out.insert("set-auth-jwt", jwt);
    }
    out.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(exposed));
    // Lectern keeps no cookie cache: a stale one (from a Better Auth server configured with
    // one) is cleared, as Better Auth does when its cache is off.
    if cookies::read(&headers, &auth.cookies.session_data).is_some() {
        let clear = auth.cookies.clear(&auth.cookies.session_data);
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    Ok(no_store(response))
}

/// `POST /get-session` is only served with Better Auth's `deferSessionRefresh` option,
/// which Lectern does not need: it answers as Better Auth does without it.
pub async fn post() -> Response {
    let error = AuthError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED",
        "POST method requires deferSessionRefresh to be enabled in session config",
    );
    no_store(error.into_response())
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
