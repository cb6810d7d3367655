//! `POST /sign-in/email` (`src/api/routes/sign-in.ts`, 1.7.x).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use lectern_store::{AuditAction, AuditEvent, UserId};
use serde::{Deserialize, Serialize};

use super::email_flows;
use crate::audit::Audit;
use crate::body::{Field, FormOrJson, Kind, Schema};
use crate::client_ip::ClientIp;
use crate::config::EmailVerification;
use crate::error::{AuthError, AuthResult};
use crate::guest::{Guest, upgrade_guest};
use crate::session::{self, Client, SessionCookies};
use crate::state::Auth;
use crate::wire::UserJson;
use crate::{origin, validate};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    email: String,
    password: String,
    #[serde(rename = "callbackURL")]
    callback_url: Option<String>,
    remember_me: Option<bool>,
}

impl Schema for SignIn {
    const FIELDS: &'static [Field] = &[
        Field::required("email", Kind::String),
        Field::required("password", Kind::String),
        Field::optional("callbackURL", Kind::String),
        Field::optional("rememberMe", Kind::Boolean),
    ];
}

pub async fn handler(
    State(auth): State<Auth>,
    ClientIp(ip): ClientIp,
    audit: Audit,
    headers: HeaderMap,
    FormOrJson(body): FormOrJson<SignIn>,
) -> AuthResult<Response> {
    let email = validate::email(&body.email).ok_or_else(validate::invalid_email)?;
    validate::password_not_too_long(&body.password)?;
    if let Some(url) = &body.callback_url {
        origin::check_callback(&auth.config.trusted_origins, url, origin::UrlField::Callback)?;
    }
    let turn = auth.hashing_turn().await?;
    // Unknown emails and accounts without a password verify against a dummy hash, so the
    // answer takes as long as for a wrong password.
    let (user, stored) = match auth.store.find_login(&email).await? {
        Some((user, stored)) => (Some(user), stored),
        None => (None, None),
    };
    let verified = auth.verify_password(turn, stored, body.password).await?;
    let user = match user {
        Some(user) if verified => user,
        unknown_or_wrong => {
            let user = unknown_or_wrong.as_ref().map(|u| &u.id);
            audit.record(failed(&email, user, "INVALID_EMAIL_OR_PASSWORD"));
            return Err(AuthError::invalid_credentials());
        }
    };
    if auth.config.email_verification == EmailVerification::Required && !user.email_verified {
        audit.record(failed(&email, Some(&user.id), "EMAIL_NOT_VERIFIED"));
        // sendOnSignIn: a fresh link, since the last one may be lost or expired.
        email_flows::send_verification(&auth, &user, body.callback_url.as_deref()).await?;
        return Err(AuthError::forbidden("EMAIL_NOT_VERIFIED", "Email not verified"));
    }

    // The admin plugin's session hook: a banned user gets no session.
    let user_id = user.id.clone();
    let user = match crate::admin::admit(&auth, user).await {
        Ok(user) => user,
        Err(err) => {
            audit.record(failed(&email, Some(&user_id), "BANNED_USER"));
            return Err(err);
        }
    };

    let remember = body.remember_me.unwrap_or(true);
    let session = session::new_session(&auth, &user, remember, &Client::from_headers(&headers, ip));
    let guest = Guest::from_current(session::current(&auth, &headers).await?);
    auth.store.create_session(&session).await?;
    let method = serde_json::json!({ "method": "email" });
    audit.record(AuditEvent::success(AuditAction::SignIn).user(&user.id).detail(method));
    upgrade_guest(&auth, &audit, guest, &user).await;

    let cookies = SessionCookies::issue(&auth, &session.token, remember);
    let url = body.callback_url.as_deref();
    let json = Json(SignedIn {
        redirect: url.is_some(),
        token: &session.token,
        url,
        user: UserJson::from(&user),
    });
    let mut response = (cookies, json).into_response();
    if let Some(location) = url.and_then(|u| HeaderValue::try_from(u).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// A refused sign-in, against the account with that address; when no account has it, the
/// address tried is the only "who" there is. (An account's address is not written here: it
/// would outlive the account's deletion.)
fn failed(email: &str, user: Option<&UserId>, code: &str) -> AuditEvent {
    let detail = match user {
        Some(_) => serde_json::json!({ "method": "email", "code": code }),
        None => serde_json::json!({ "method": "email", "code": code, "email": email }),
    };
    AuditEvent::failure(AuditAction::SignIn).user(user).detail(detail)
}

#[derive(Serialize)]
struct SignedIn<'a> {
    redirect: bool,
    token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    user: UserJson<'a>,
}
