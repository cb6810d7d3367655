//! `impersonate-user` and `stop-impersonating` (`src/plugins/admin/routes.ts`, 1.7.24). The
//! admin gets a session of the user's that lasts an hour and carries `impersonatedBy`; their
//! own session token waits, signed, in the `admin_session` cookie until they go back. Both
//! are recorded in the audit trail, on the user, with the admin in `detail.by`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use lectern_store::AuditAction;
use serde_json::json;

use super::users::{UserIdBody, event, user_json};
use super::{Caller, IMPERSONATION_LIFETIME, Permission, target};
use crate::audit::Audit;
use crate::body::Body;
use crate::client_ip::ClientIp;
use crate::cookies;
use crate::error::{AuthError, AuthResult};
use crate::session::{self, Client, SessionCookies};
use crate::state::Auth;
use crate::wire::SessionJson;

/// `POST /admin/impersonate-user {userId}` → `{session, user}`, with the user's session in
/// the session cookie (for the browser's session only) and the admin's in `admin_session`.
pub async fn start(
    State(auth): State<Auth>,
    ClientIp(ip): ClientIp,
    audit: Audit,
    headers: HeaderMap,
    caller: Result<Caller, AuthError>,
    Body(body): Body<UserIdBody>,
) -> AuthResult<Response> {
    let caller = Permission::Impersonate.check(caller)?;
    let user = target(&auth, &body.user_id).await?;
    // Impersonating an admin needs `impersonate-admins`, which no default role has.
    if user.roles().any(|r| r == lectern_store::ADMIN_ROLE)
        && !super::has_permission(
            caller.user().role.as_deref(),
            &[("user", &["impersonate-admins"])],
        )
    {
        return Err(AuthError::forbidden(
            "YOU_CANNOT_IMPERSONATE_ADMINS",
            "You cannot impersonate admins",
        ));
    }
    let mut impersonation =
        session::new_session(&auth, &user, true, &Client::from_headers(&headers, ip));
    impersonation.expires_at = impersonation.created_at + IMPERSONATION_LIFETIME;
    impersonation.impersonated_by = Some(caller.user().id.clone());
    auth.store.create_session(&impersonation).await?;
    tracing::info!(user.id = %user.id, by = %caller.user().id, "impersonation started");
    audit.record(event(AuditAction::ImpersonationStart, &caller, &user.id, json!({})));

    // Better Auth keeps the admin's token and whether their cookie was remembered.
    let names = &auth.cookies;
    let dont_remember = cookies::read(&headers, &names.dont_remember)
        .and_then(|c| cookies::verify(&auth.config.secrets, c))
        .unwrap_or_default();
    let kept = format!("{}:{dont_remember}", caller.0.session.token);
    let admin_cookie = names.set(
        &names.admin_session,
        &cookies::sign(auth.config.secrets.current(), &kept),
        Some(auth.config.session.expires_in.as_secs() as i64),
    );
    let body = json!({
        "session": SessionJson::from(&impersonation),
        "user": user_json(&user)?,
    });
    let mut response = (
        SessionCookies::clear(&auth),
        SessionCookies::issue(&auth, &impersonation.token, false),
        Json(body),
    )
        .into_response();
    response.headers_mut().append(header::SET_COOKIE, admin_cookie);
    Ok(response)
}

fn server_error(message: &'static str) -> AuthError {
    AuthError::Plain { status: StatusCode::INTERNAL_SERVER_ERROR, message }
}

/// `POST /admin/stop-impersonating` → `{session, user}` of the admin, whose session is back
/// in the cookie; the impersonation session is deleted.
pub async fn stop(
    State(auth): State<Auth>,
    audit: Audit,
    headers: HeaderMap,
) -> AuthResult<Response> {
    let Some((current, _)) = session::current(&auth, &headers).await? else {
        return Err(AuthError::Status(StatusCode::UNAUTHORIZED));
    };
    let Some(admin_id) = current.impersonated_by.clone() else {
        return Err(AuthError::Plain {
            status: StatusCode::BAD_REQUEST,
            message: "You are not impersonating anyone",
        });
    };
    if auth.store.find_user(&admin_id).await?.is_none() {
        return Err(server_error("Failed to find user"));
    }
    let names = &auth.cookies;
    let kept = cookies::read(&headers, &names.admin_session)
        .and_then(|c| cookies::verify(&auth.config.secrets, c))
        .ok_or_else(|| server_error("Failed to find admin session"))?;
    let (admin_token, dont_remember) = kept.split_once(':').unwrap_or((kept.as_str(), ""));
    let (admin_session, admin) = match auth.store.find_session(admin_token).await? {
        Some((s, u)) if s.user_id == admin_id && s.expires_at > Utc::now() => (s, u),
        _ => return Err(server_error("Failed to find admin session")),
    };
    auth.store.delete_session(&current.token).await?;
    audit.record(
        lectern_store::AuditEvent::success(AuditAction::ImpersonationStop)
            .user(&current.user_id)
            .detail(json!({ "by": admin_id.as_str() })),
    );
    let body = json!({
        "session": SessionJson::from(&admin_session),
        "user": user_json(&admin)?,
    });
    let mut response =
        (SessionCookies::issue(&auth, &admin_session.token, dont_remember.is_empty()), Json(body))
            .into_response();
    response.headers_mut().append(header::SET_COOKIE, names.clear(&names.admin_session));
    Ok(response)
}
