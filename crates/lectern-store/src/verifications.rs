//! Single-use tokens in Better Auth's `verification` table, as its `internalAdapter` keeps
//! them: `identifier` names the purpose and the token (`reset-password:<token>`), `value`
//! what it grants (a user id). Plain identifiers, Better Auth's default: the rows its
//! adapter writes and reads.

use chrono::{DateTime, Utc};

use crate::tx::transaction;
use crate::users::put_password;
use crate::{Result, Store, UserId, execute, modify, read};

impl Store {
    pub async fn create_verification(
        &self,
        id: &str,
        identifier: &str,
        value: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        execute!(self, |p| {
            sqlx::query(
                r#"INSERT INTO "verification" ("id", "identifier", "value", "expiresAt", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $5)"#,
            )
            .bind(id)
            .bind(identifier)
            .bind(value)
            .bind(expires_at)
            .bind(now)
        })?;
        Ok(())
    }

    /// The value of the newest unexpired row for `identifier`.
    pub async fn find_verification(
        &self,
        identifier: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let row: Option<(String,)> = read!(self, |p| {
            sqlx::query_as(
                r#"SELECT "value" FROM "verification" WHERE "identifier" = $1 AND "expiresAt" > $2 ORDER BY "createdAt" DESC LIMIT 1"#,
            )
            .bind(identifier)
            .bind(now)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.map(|(value,)| value))
    }

    /// Deletes every row for `identifier` and returns the newest one's value if it has not
    /// expired: a single-use token, spent by whichever request comes first.
    pub async fn consume_verification(
        &self,
        identifier: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let rows: Vec<(String, DateTime<Utc>, DateTime<Utc>)> = modify!(self, |p| {
            sqlx::query_as(
                r#"DELETE FROM "verification" WHERE "identifier" = $1 RETURNING "value", "expiresAt", "createdAt""#,
            )
            .bind(identifier)
            .fetch_all(p)
            .await
        })?;
        Ok(rows
            .into_iter()
            .max_by_key(|(_, _, created)| *created)
            .filter(|(_, expires, _)| *expires > now)
            .map(|(value, _, _)| value))
    }

    /// Consumes the reset token `identifier` and sets `user`'s password, in one transaction:
    /// of two requests with the same token, one succeeds. A user without a credential
    /// account (a guest, or one who signed in with a provider) gets one. `false` when the
    /// token was already used, expired, or grants another user.
    pub async fn reset_password(
        &self,
        identifier: &str,
        user: &UserId,
        password_hash: &str,
        account_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        transaction!(self, |tx| {
            let consumed: Option<(String,)> = sqlx::query_as(
                r#"DELETE FROM "verification" WHERE "identifier" = $1 AND "expiresAt" > $2 RETURNING "value""#,
            )
            .bind(identifier)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if consumed.is_none_or(|(value,)| value != user.as_str()) {
                // Another user's token is left as it was.
                tx.discard();
                return Ok(false);
            }
            put_password!(tx, user, account_id, password_hash, now);
            Ok(true)
        })
    }
}
