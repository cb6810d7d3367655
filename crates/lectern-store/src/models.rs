use chrono::{DateTime, Utc};

/// `account.providerId` of email-and-password accounts, as Better Auth writes it.
pub const CREDENTIAL_PROVIDER: &str = "credential";

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, sqlx::Type, serde::Serialize, serde::Deserialize)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// `user.id`: Better Auth's 32-character alphanumeric id (or whatever an existing database holds).
    UserId
);
string_id!(
    /// `session.id`, never the session token.
    SessionId
);
string_id!(
    /// `chat.id`: a conversation with the tutor.
    ChatId
);
string_id!(
    /// `chat_message.id`: time-ordered, so ordering by id is ordering by creation.
    MessageId
);

/// A row of Better Auth's `user` table.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub image: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub is_anonymous: Option<bool>,
    pub software_background: Option<String>,
    pub hardware_background: Option<String>,
    /// The admin plugin's `role`: `None` in rows written before the plugin (Better Auth
    /// then reads the default role, `user`). Comma-separated when a user has several.
    pub role: Option<String>,
    pub banned: Option<bool>,
    pub ban_reason: Option<String>,
    pub ban_expires: Option<DateTime<Utc>>,
}

/// The admin plugin's default role (`defaultRole`), and the role that may use its routes.
pub const DEFAULT_ROLE: &str = "user";
pub const ADMIN_ROLE: &str = "admin";

impl User {
    pub fn is_guest(&self) -> bool {
        self.is_anonymous == Some(true)
    }

    /// The user's roles as the admin plugin reads them: the comma-separated `role`, or
    /// [`DEFAULT_ROLE`] when it is unset.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.role.as_deref().unwrap_or(DEFAULT_ROLE).split(',').map(str::trim)
    }

    pub fn is_admin(&self) -> bool {
        self.roles().any(|r| r == ADMIN_ROLE)
    }

    /// Banned at `now`: `banned` set and the ban without an end or not yet over (an
    /// expired ban lifts itself, as the plugin's session hook does).
    pub fn is_banned(&self, now: DateTime<Utc>) -> bool {
        self.banned == Some(true) && self.ban_expires.is_none_or(|end| end > now)
    }
}

/// What sign-up and anonymous sign-in insert.
pub type NewUser = User;

/// A row of Better Auth's `session` table.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct Session {
    pub id: SessionId,
    pub token: String,
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// The admin plugin's `impersonatedBy`: the admin who opened this session as the user.
    pub impersonated_by: Option<UserId>,
}

/// The `credential` account row that holds a user's password hash.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialAccount {
    pub id: String,
    pub user_id: UserId,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// Fields `update-user` may change; `None` leaves a field as it is. For the nullable
/// fields, `Some(None)` clears the value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserPatch {
    pub name: Option<String>,
    pub image: Option<Option<String>>,
    pub software_background: Option<Option<String>>,
    pub hardware_background: Option<Option<String>>,
}

impl UserPatch {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
