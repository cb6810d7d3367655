//! The shared-database strategy: read Better Auth's own `session` and `"user"` tables
//! (`packages/core/src/db/schema/{session,user}.ts`, 1.7.x; quoted camelCase columns) on
//! PostgreSQL, as its `findSession` does. Revocation is seen at once and no auth server
//! needs to be up, at the price of a database read per request.
//!
//! Read-only by design: Better Auth's sliding refresh (`updateAge`) stays with the auth
//! server, so this never writes.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::PgPool;

use crate::error::VerifyError;
use crate::introspection::check_credential;
use crate::reader::{Reader, SessionId, Via};
use crate::session_token::session_token;
use crate::user::{UserFields, required_date};

// `to_jsonb` of the whole user row rather than named columns: additional fields come along
// without configuration, and a database without the anonymous plugin's `isAnonymous`
// column still works.
const FIND_SESSION: &str = r#"
SELECT json_build_object('id', s."id", 'expiresAt', s."expiresAt")::text AS session,
       to_jsonb(u)::text AS "user"
FROM "session" AS s
JOIN "user" AS u ON u."id" = s."userId"
WHERE s."token" = $1"#;

/// Verifies session tokens and signed cookie values against the session table.
#[derive(Clone)]
pub struct SessionTableVerifier {
    pool: PgPool,
    secret: Option<Arc<[u8]>>,
    require_signature: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionRow {
    id: String,
    #[serde(deserialize_with = "required_date")]
    expires_at: DateTime<Utc>,
}

impl SessionTableVerifier {
    /// Accepts raw session tokens only, until [`with_secret`](Self::with_secret).
    pub fn new(pool: PgPool) -> Self {
        Self { pool, secret: None, require_signature: false }
    }

    /// Better Auth's `secret` (`BETTER_AUTH_SECRET`), to verify signed cookie values.
    pub fn with_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.secret = Some(Arc::from(secret.as_ref()));
        self
    }

    /// Refuse raw tokens, as the bearer plugin's `requireSignature` does.
    pub fn require_signature(mut self, required: bool) -> Self {
        self.require_signature = required;
        self
    }

    pub async fn verify(&self, credential: &str) -> Result<Reader, VerifyError> {
        check_credential(credential, 1024)?;
        let token = session_token(credential, self.secret.as_deref(), self.require_signature)?;
        let row: Option<(String, String)> = sqlx::query_as(FIND_SESSION)
            .bind(&token)
            .fetch_optional(&self.pool)
            .await
            .map_err(|err| VerifyError::SessionUnavailable(err.to_string()))?;
        let (session, user) = row.ok_or(VerifyError::NoSession)?;
        let session: SessionRow = serde_json::from_str(&session)
            .map_err(|err| VerifyError::SessionUnavailable(format!("session row: {err}")))?;
        if session.expires_at <= Utc::now() {
            return Err(VerifyError::SessionExpired);
        }
        let user: UserFields = serde_json::from_str(&user)
            .map_err(|err| VerifyError::SessionUnavailable(format!("user row: {err}")))?;
        let session_id = Some(SessionId::new(session.id));
        Reader::from_user(user, None, Via::Session, session.expires_at, session_id)
    }
}

impl fmt::Debug for SessionTableVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionTableVerifier")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("require_signature", &self.require_signature)
            .finish_non_exhaustive()
    }
}
