//! The verified identity every strategy returns, whichever way the credential was checked.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::VerifyError;
use crate::user::UserFields;

/// A Better Auth user id. A newtype so a session id or a token can never stand in for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Better Auth session id (`session.id`, not the secret `session.token`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(String);

impl SessionId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How the reader was verified: revocation is seen at once with `Introspection` and
/// `Session`, only when the token expires with `Jwt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Jwt,
    Introspection,
    Session,
}

/// A signed-in reader. Serialises in Better Auth's user shape (camelCase, additional fields
/// at the top level) plus `via`, `expiresAt` and, for session strategies, `sessionId`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reader {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub email_verified: bool,
    pub image: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub is_anonymous: bool,
    /// `softwareBackground`, `hardwareBackground` and any other field the issuer added.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    pub via: Via,
    /// When this proof of identity stops being valid: the JWT's `exp` or the session's
    /// `expiresAt`.
    pub expires_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
}

impl Reader {
    /// Builds a reader from Better Auth's user object. `id_fallback` is the JWT `sub`,
    /// used only when the payload was customised to leave out `id`.
    pub(crate) fn from_user(
        user: UserFields,
        id_fallback: Option<&str>,
        via: Via,
        expires_at: DateTime<Utc>,
        session_id: Option<SessionId>,
    ) -> Result<Self, VerifyError> {
        let id = user
            .id
            .or_else(|| id_fallback.map(str::to_owned))
            .filter(|id| !id.is_empty())
            .ok_or_else(|| VerifyError::Malformed("the user has no id".into()))?;
        let email =
            user.email.ok_or_else(|| VerifyError::Malformed("the user has no email".into()))?;
        let name =
            user.name.ok_or_else(|| VerifyError::Malformed("the user has no name".into()))?;
        Ok(Self {
            id: UserId(id),
            email,
            name,
            email_verified: user.email_verified,
            image: user.image,
            created_at: user.created_at,
            updated_at: user.updated_at,
            is_anonymous: user.is_anonymous,
            extra: user.extra,
            via,
            expires_at,
            session_id,
        })
    }

    /// An additional field as a string, e.g. `reader.extra_str("softwareBackground")`.
    pub fn extra_str(&self, field: &str) -> Option<&str> {
        self.extra.get(field).and_then(Value::as_str)
    }
}
