//! Finding the caller's session (cookie or bearer token) and issuing new ones.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponseParts, ResponseParts};
use chrono::Utc;
use lectern_store::{Session, SessionId, User};

use crate::cookies;
use crate::error::{AuthError, AuthResult};
use crate::ids::generate_id;
use crate::state::Auth;
use crate::wire;

/// The session token a request presents: a valid `Authorization: Bearer` first (Better
/// Auth's bearer plugin, `src/plugins/bearer/index.ts`: signed `token.sig`, or a raw token),
/// else the signed session cookie. An invalid bearer falls back to the cookie.
pub fn presented_token(auth: &Auth, headers: &HeaderMap) -> Option<String> {
    bearer_token(auth, headers).or_else(|| {
        let cookie = cookies::read(headers, &auth.cookies.session_token)?;
        cookies::verify(&auth.config.secrets, cookie)
    })
}

fn bearer_token(auth: &Auth, headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    // A session token, signed or not, is under 256 bytes; a JWT (for the reader API's
    // verifier) is longer and needs no decoding here.
    if token.is_empty() || token.len() > 256 {
        None
    } else if token.contains('.') || token.contains("%2E") {
        cookies::verify(&auth.config.secrets, token)
    } else {
        Some(token.to_owned())
    }
}

/// The live session and user behind the request; an expired session is deleted when the
/// database takes writes.
pub async fn current(auth: &Auth, headers: &HeaderMap) -> AuthResult<Option<(Session, User)>> {
    let Some(token) = presented_token(auth, headers) else {
        return Ok(None);
    };
    let Some((session, user)) = auth.store.find_session(&token).await? else {
        return Ok(None);
    };
    if session.expires_at <= Utc::now() {
        // Tidying only: the session is dead whether or not the row goes now, and reading it
        // must not need a writable database.
        if let Err(err) = auth.store.delete_session(&token).await {
            tracing::debug!(error = %err, "expired session left for later");
        }
        return Ok(None);
    }
    note_user(user.id.as_str());
    Ok(Some((session, user)))
}

/// Puts the caller's user id on the request's log line (see the server's access log).
pub fn note_user(id: &str) {
    tracing::Span::current().record("user_id", tracing::field::display(id));
}

/// The authenticated caller: a handler that takes it cannot forget to authenticate.
/// Without a live session it answers 401 `UNAUTHORIZED` (`sessionMiddleware`).
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub session: Session,
    pub user: User,
}

impl CurrentSession {
    /// Refuses a session made longer ago than `freshAge` (`freshSessionMiddleware`), for the
    /// flows a stolen old cookie must not reach: listing devices, unlinking accounts.
    pub fn require_fresh(&self, auth: &Auth) -> AuthResult<()> {
        let age = (Utc::now() - self.session.created_at).to_std().unwrap_or_default();
        if age > auth.config.session.fresh_age {
            return Err(AuthError::forbidden("SESSION_NOT_FRESH", "Session is not fresh"));
        }
        Ok(())
    }
}

impl FromRequestParts<Auth> for CurrentSession {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, auth: &Auth) -> AuthResult<Self> {
        match current(auth, &parts.headers).await? {
            Some((session, user)) => Ok(Self { session, user }),
            None => Err(AuthError::unauthorized()),
        }
    }
}

/// Where a new session comes from, for the `session` row.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Client {
    pub fn from_headers(headers: &HeaderMap, ip: Option<std::net::IpAddr>) -> Self {
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect());
        Self { ip: ip.map(|ip| ip.to_string()), user_agent }
    }
}

/// A new session row for `user`; `remember: false` makes it last a day.
pub fn new_session(auth: &Auth, user: &User, remember: bool, client: &Client) -> Session {
    note_user(user.id.as_str());
    let now = wire::now();
    let policy = auth.config.session;
    let lifetime = if remember { policy.expires_in } else { policy.dont_remember };
    Session {
        id: SessionId(generate_id()),
        token: generate_id(),
        user_id: user.id.clone(),
        expires_at: now + lifetime,
        created_at: now,
        updated_at: now,
        ip_address: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        impersonated_by: None,
    }
}

/// Response headers that hand a session to the browser: the signed cookie (a browser-session
/// cookie plus a signed `dont_remember` when `remember` is false), and `set-auth-token` for
/// bearer clients (the CORS layer exposes it to scripts).
#[derive(Debug)]
pub struct SessionCookies {
    set_cookies: Vec<HeaderValue>,
    auth_token: Option<String>,
}

impl SessionCookies {
    pub fn issue(auth: &Auth, token: &str, remember: bool) -> Self {
        let signed = cookies::sign(auth.config.secrets.current(), token);
        let names = &auth.cookies;
        let mut set_cookies = Vec::with_capacity(2);
        if remember {
            let max_age = auth.config.session.expires_in.as_secs() as i64;
            set_cookies.push(names.set(&names.session_token, &signed, Some(max_age)));
        } else {
            set_cookies.push(names.set(&names.session_token, &signed, None));
            let flag = cookies::sign(auth.config.secrets.current(), "true");
            set_cookies.push(names.set(&names.dont_remember, &flag, None));
        }
        Self {
            set_cookies,
            auth_token: Some(cookies::sign_raw(auth.config.secrets.current(), token)),
        }
    }

    /// Deletes the session cookies (sign-out, a dead session).
    pub fn clear(auth: &Auth) -> Self {
        let names = &auth.cookies;
        Self {
            set_cookies: vec![
                names.clear(&names.session_token),
                names.clear(&names.session_data),
                names.clear(&names.dont_remember),
            ],
            auth_token: None,
        }
    }
}

impl IntoResponseParts for SessionCookies {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        let headers = res.headers_mut();
        for cookie in self.set_cookies {
            headers.append(header::SET_COOKIE, cookie);
        }
        if let Some(token) = self.auth_token.and_then(|t| HeaderValue::try_from(t).ok()) {
            headers.insert("set-auth-token", token);
            // Better Auth's bearer plugin exposes it even without CORS; the CORS layer
            // widens this for trusted origins.
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("set-auth-token"),
            );
        }
        Ok(res)
    }
}
