//! `POST /sign-in/anonymous` (`src/plugins/anonymous/index.ts`, 1.7.x): a guest user with
//! a session, so a reader can chat before signing up.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use lectern_store::{AuditAction, AuditEvent, User, UserId};

use crate::audit::Audit;
use crate::client_ip::ClientIp;
use crate::error::{AuthError, AuthResult};
use crate::ids::generate_id;
use crate::session::{self, Client, SessionCookies};
use crate::state::Auth;
use crate::wire::{self, UserJson};

pub async fn handler(
    State(auth): State<Auth>,
    ClientIp(ip): ClientIp,
    audit: Audit,
    headers: HeaderMap,
) -> AuthResult<Response> {
    if let Some((_, user)) = session::current(&auth, &headers).await? {
        if user.is_guest() {
            return Err(AuthError::bad_request(
                "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY",
                "Anonymous users cannot sign in again anonymously",
            ));
        }
    }
    let now = wire::now();
    let user = User {
        // Better Auth 1.7's placeholder: a random id on a reserved (`.invalid`) domain.
        email: format!("{}@anonymous.placeholder.invalid", generate_id().to_lowercase()),
        id: UserId(generate_id()),
        name: "Anonymous".to_owned(),
        email_verified: false,
        image: None,
        created_at: now,
        updated_at: now,
        is_anonymous: Some(true),
        software_background: None,
        hardware_background: None,
        role: Some(lectern_store::DEFAULT_ROLE.into()),
        banned: Some(false),
        ban_reason: None,
        ban_expires: None,
    };
    let session = session::new_session(&auth, &user, true, &Client::from_headers(&headers, ip));
    auth.store.create_user_with_session(&user, &session).await?;
    audit.record(AuditEvent::success(AuditAction::GuestSignIn).user(&user.id));
    let cookies = SessionCookies::issue(&auth, &session.token, true);
    let body = serde_json::json!({ "token": session.token, "user": UserJson::from(&user) });
    Ok((cookies, Json(body)).into_response())
}
