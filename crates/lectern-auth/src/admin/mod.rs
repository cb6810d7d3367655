//! Better Auth 1.7's admin plugin (`packages/better-auth/src/plugins/admin/`, 1.7.24): roles,
//! bans, impersonation and user management under `/api/auth/admin/*`, with the plugin's
//! default options (`defaultRole: "user"`, `adminRoles: ["admin"]`, the default access
//! control, impersonation for an hour, `bannedUserMessage`). Lectern always serves it, as a
//! Better Auth server configured with `plugins: [..., admin()]`.
//!
//! Deliberate differences: none on the wire. Lectern has no `adminUserIds` option; the first
//! admins come from `LECTERN_ADMIN_EMAILS` (their `role` is set to `admin` when they sign up,
//! and at start for accounts that already exist) or `lectern admin grant EMAIL`, so a Better
//! Auth server sharing the database sees the same admins.

pub mod bans;
pub mod impersonate;
pub mod permission;
pub mod sessions;
pub mod users;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use lectern_store::{AdminPatch, User};

use crate::error::{AuthError, AuthResult};
use crate::session::{self, CurrentSession};
use crate::state::Auth;

/// `bannedUserMessage`'s default: what a banned user's sign-in answers.
pub const BANNED_MESSAGE: &str = "You have been banned from this application. Please contact support if you believe this is an error.";
/// `impersonationSessionDuration`'s default: an hour.
pub const IMPERSONATION_LIFETIME: chrono::Duration = chrono::Duration::hours(1);

/// The actions of the default access control (`access/statement.ts`): what the `admin` role
/// may do. The `user` role may do none of them; `impersonate-admins`, `set-email` and
/// `set-phone` exist as statements, and only `set-email`/`set-phone` are the admin's.
const ADMIN_USER_ACTIONS: &[&str] = &[
    "create",
    "list",
    "set-role",
    "ban",
    "impersonate",
    "delete",
    "set-password",
    "set-email",
    "set-phone",
    "get",
    "update",
];
const ADMIN_SESSION_ACTIONS: &[&str] = &["list", "revoke", "delete"];

/// What one role allows on one resource: `None` for a role or resource the access control
/// does not know (an unknown resource refuses the whole request).
fn allowed(role: &str, resource: &str) -> Option<&'static [&'static str]> {
    match (role, resource) {
        ("admin", "user") => Some(ADMIN_USER_ACTIONS),
        ("admin", "session") => Some(ADMIN_SESSION_ACTIONS),
        ("user", "user" | "session") => Some(&[]),
        _ => None,
    }
}

/// The plugin's `hasPermission`: whether any of the comma-separated `role`s (the default
/// role when unset) allows every requested action on every requested resource.
pub fn has_permission(role: Option<&str>, request: &[(&str, &[&str])]) -> bool {
    role.unwrap_or(lectern_store::DEFAULT_ROLE).split(',').any(|role| {
        !request.is_empty()
            && request.iter().all(|(resource, actions)| {
                allowed(role, resource)
                    .is_some_and(|ok| !actions.is_empty() && actions.iter().all(|a| ok.contains(a)))
            })
    })
}

/// The caller of an admin route: signed in, whatever their role (`adminMiddleware`); each
/// route then checks its permission. Without a session: 401 with an empty body, as the
/// plugin's `APIError.fromStatus("UNAUTHORIZED")`.
#[derive(Debug, Clone)]
pub struct Caller(pub CurrentSession);

impl FromRequestParts<Auth> for Caller {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, auth: &Auth) -> AuthResult<Self> {
        match session::current(auth, &parts.headers).await? {
            Some((session, user)) => Ok(Self(CurrentSession { session, user })),
            None => Err(AuthError::Status(StatusCode::UNAUTHORIZED)),
        }
    }
}

impl Caller {
    /// 403 with the plugin's code unless the caller's role has `permission`.
    pub fn require(&self, permission: Permission) -> AuthResult<()> {
        let (resource, action) = permission.statement();
        if has_permission(self.0.user.role.as_deref(), &[(resource, &[action])]) {
            Ok(())
        } else {
            Err(permission.into())
        }
    }

    pub fn user(&self) -> &User {
        &self.0.user
    }
}

/// A permission a route checks (`{user: [action]}` or `{session: [action]}`), refused with
/// the plugin's error code (`error-codes.ts`).
#[derive(Debug, Clone, Copy)]
pub enum Permission {
    ChangeRole,
    Create,
    List,
    ListSessions,
    Ban,
    Impersonate,
    RevokeSessions,
    Delete,
    SetPassword,
    Get,
    Update,
    SetEmail,
}

impl Permission {
    fn statement(self) -> (&'static str, &'static str) {
        use Permission::*;
        match self {
            ChangeRole => ("user", "set-role"),
            Create => ("user", "create"),
            List => ("user", "list"),
            ListSessions => ("session", "list"),
            Ban => ("user", "ban"),
            Impersonate => ("user", "impersonate"),
            RevokeSessions => ("session", "revoke"),
            Delete => ("user", "delete"),
            SetPassword => ("user", "set-password"),
            Get => ("user", "get"),
            Update => ("user", "update"),
            SetEmail => ("user", "set-email"),
        }
    }

    /// The signed-in caller (`adminMiddleware` failed first: 401) if they have it.
    pub fn check(self, caller: AuthResult<Caller>) -> AuthResult<Caller> {
        let caller = caller?;
        caller.require(self)?;
        Ok(caller)
    }
}

impl From<Permission> for AuthError {
    fn from(r: Permission) -> Self {
        let (code, message) = match r {
            Permission::ChangeRole => (
                "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE",
                "You are not allowed to change users role",
            ),
            Permission::Create => {
                ("YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS", "You are not allowed to create users")
            }
            Permission::List => {
                ("YOU_ARE_NOT_ALLOWED_TO_LIST_USERS", "You are not allowed to list users")
            }
            Permission::ListSessions => (
                "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS",
                "You are not allowed to list users sessions",
            ),
            Permission::Ban => {
                ("YOU_ARE_NOT_ALLOWED_TO_BAN_USERS", "You are not allowed to ban users")
            }
            Permission::Impersonate => (
                "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS",
                "You are not allowed to impersonate users",
            ),
            Permission::RevokeSessions => (
                "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
                "You are not allowed to revoke users sessions",
            ),
            Permission::Delete => {
                ("YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS", "You are not allowed to delete users")
            }
            Permission::SetPassword => (
                "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD",
                "You are not allowed to set users password",
            ),
            Permission::Get => {
                ("YOU_ARE_NOT_ALLOWED_TO_GET_USER", "You are not allowed to get user")
            }
            Permission::Update => {
                ("YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS", "You are not allowed to update users")
            }
            Permission::SetEmail => (
                "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL",
                "You are not allowed to update users email",
            ),
        };
        AuthError::forbidden(code, message)
    }
}

/// The role a new account gets: `admin` when `LECTERN_ADMIN_EMAILS` lists its (lower-cased)
/// address, else the default role (the plugin's user-create hook).
pub fn initial_role(auth: &Auth, email: &str) -> String {
    let listed = auth.config.admin_emails.iter().any(|e| e == email);
    if listed { lectern_store::ADMIN_ROLE } else { lectern_store::DEFAULT_ROLE }.to_owned()
}

/// `USER_NOT_FOUND` (404), Better Auth's base error.
pub fn user_not_found() -> AuthError {
    AuthError::new(StatusCode::NOT_FOUND, "USER_NOT_FOUND", "User not found")
}

/// The user `id`, or 404 `USER_NOT_FOUND`.
pub async fn target(auth: &Auth, id: &str) -> AuthResult<User> {
    auth.store.find_user(&lectern_store::UserId(id.to_owned())).await?.ok_or_else(user_not_found)
}

/// The plugin's session hook, run before any session is made for `user` (sign-in by
/// password, by a provider, by a mailed link): a banned user gets 403 `BANNED_USER`; a ban
/// whose end has passed is lifted instead, and the user returned as it now is.
pub async fn admit(auth: &Auth, user: User) -> AuthResult<User> {
    if user.banned != Some(true) {
        return Ok(user);
    }
    let now = Utc::now();
    if user.is_banned(now) {
        return Err(AuthError::forbidden("BANNED_USER", BANNED_MESSAGE));
    }
    lift_ban(auth, &user, now).await
}

async fn lift_ban(auth: &Auth, user: &User, now: DateTime<Utc>) -> AuthResult<User> {
    let patch = AdminPatch::unban();
    let lifted = auth.store.admin_update_user(&user.id, &patch, crate::wire::now(), false).await?;
    tracing::info!(user.id = %user.id, at = %now, "an expired ban lifted itself");
    lifted.ok_or_else(user_not_found)
}

#[cfg(test)]
mod tests {
    use super::has_permission;

    #[test]
    fn the_default_access_control() {
        assert!(has_permission(Some("admin"), &[("user", &["list", "ban"])]));
        assert!(has_permission(Some("admin"), &[("session", &["revoke"])]));
        assert!(!has_permission(Some("admin"), &[("user", &["impersonate-admins"])]));
        assert!(!has_permission(Some("admin"), &[("user", &["list"]), ("nothing", &["x"])]));
        assert!(!has_permission(Some("admin"), &[("user", &[])]));
        assert!(!has_permission(Some("admin"), &[]));
        assert!(!has_permission(Some("user"), &[("user", &["list"])]));
        assert!(!has_permission(None, &[("user", &["get"])]));
        assert!(has_permission(Some("user,admin"), &[("user", &["get"])]));
        assert!(!has_permission(Some("moderator"), &[("user", &["get"])]));
    }
}
