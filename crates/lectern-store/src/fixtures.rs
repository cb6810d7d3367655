//! Rows the store's own tests start from.

use chrono::Utc;

use crate::{Session, SessionId, User, UserId};

/// A guest user, with a session, whose id, email and token derive from `id`.
pub(crate) fn guest(id: &str) -> (User, Session) {
    let now = Utc::now();
    let user = User {
        id: UserId(id.into()),
        name: "Guest".into(),
        email: format!("{id}@example.com"),
        email_verified: false,
        image: None,
        created_at: now,
        updated_at: now,
        is_anonymous: Some(true),
        software_background: None,
        hardware_background: None,
        role: Some(crate::DEFAULT_ROLE.into()),
        banned: Some(false),
        ban_reason: None,
        ban_expires: None,
    };
    let session = Session {
        id: SessionId(format!("s-{id}")),
        token: format!("t{id}"),
        user_id: user.id.clone(),
        expires_at: now + chrono::Duration::days(1),
        created_at: now,
        updated_at: now,
        ip_address: None,
        user_agent: None,
        impersonated_by: None,
    };
    (user, session)
}
