//! Users and their credential accounts.

use chrono::{DateTime, Utc};

use crate::{
    CREDENTIAL_PROVIDER, CredentialAccount, NewUser, Result, Session, Store, User, UserId,
    UserPatch, execute, modify, read, sessions::INSERT_SESSION, tx::transaction,
};

pub(crate) const USER_COLUMNS: &str = r#""id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt", "isAnonymous", "softwareBackground", "hardwareBackground", "role", "banned", "banReason", "banExpires""#;

pub(crate) const INSERT_USER: &str = r#"INSERT INTO "user" ("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt", "isAnonymous", "softwareBackground", "hardwareBackground", "role", "banned", "banReason", "banExpires") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"#;

/// A user's password, on their credential account.
pub(crate) const UPDATE_PASSWORD: &str = r#"UPDATE "account" SET "password" = $1, "updatedAt" = $2 WHERE "userId" = $3 AND "providerId" = $4"#;
/// The user's address proven: by a mailed link, or by a provider that vouches for it.
pub(crate) const MARK_EMAIL_VERIFIED: &str =
    r#"UPDATE "user" SET "emailVerified" = TRUE, "updatedAt" = $2 WHERE "id" = $1"#;
pub(crate) const INSERT_ACCOUNT: &str = r#"INSERT INTO "account" ("id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, $7)"#;

#[derive(sqlx::FromRow)]
struct UserWithPassword {
    #[sqlx(flatten)]
    user: User,
    password: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: String,
    #[sqlx(rename = "userId")]
    user_id: UserId,
    password: Option<String>,
    #[sqlx(rename = "createdAt")]
    created_at: DateTime<Utc>,
}

macro_rules! bind_user {
    ($query:expr, $u:expr) => {
        $query
            .bind(&$u.id)
            .bind(&$u.name)
            .bind(&$u.email)
            .bind($u.email_verified)
            .bind(&$u.image)
            .bind($u.created_at)
            .bind($u.updated_at)
            .bind($u.is_anonymous)
            .bind(&$u.software_background)
            .bind(&$u.hardware_background)
            .bind(&$u.role)
            .bind($u.banned)
            .bind(&$u.ban_reason)
            .bind($u.ban_expires)
    };
}

macro_rules! bind_session {
    ($query:expr, $s:expr) => {
        $query
            .bind(&$s.id)
            .bind(&$s.token)
            .bind(&$s.user_id)
            .bind($s.expires_at)
            .bind($s.created_at)
            .bind($s.updated_at)
            .bind(&$s.ip_address)
            .bind(&$s.user_agent)
            .bind(&$s.impersonated_by)
    };
}
pub(crate) use bind_session;
pub(crate) use bind_user;

impl Store {
    /// Sign-up: the user, its credential account and its first session in one transaction,
    /// so a failure never leaves a user who cannot sign in. A taken email is
    /// [`crate::StoreError::Conflict`].
    pub async fn create_user_with_password(
        &self,
        user: &NewUser,
        account: &CredentialAccount,
        session: Option<&Session>,
    ) -> Result<()> {
        transaction!(self, |tx| {
            bind_user!(sqlx::query(INSERT_USER), user).execute(&mut *tx).await?;
            sqlx::query(INSERT_ACCOUNT)
                .bind(&account.id)
                .bind(user.id.as_str())
                .bind(CREDENTIAL_PROVIDER)
                .bind(&account.user_id)
                .bind(&account.password_hash)
                .bind(account.created_at)
                .bind(account.created_at)
                .execute(&mut *tx)
                .await?;
            if let Some(session) = session {
                bind_session!(sqlx::query(INSERT_SESSION), session).execute(&mut *tx).await?;
            }
            Ok(())
        })
    }

    /// A user without credentials (an anonymous guest) and its session, in one transaction.
    pub async fn create_user_with_session(&self, user: &NewUser, session: &Session) -> Result<()> {
        transaction!(self, |tx| {
            bind_user!(sqlx::query(INSERT_USER), user).execute(&mut *tx).await?;
            bind_session!(sqlx::query(INSERT_SESSION), session).execute(&mut *tx).await?;
            Ok(())
        })
    }

    /// The user with this (already lower-cased) email and the password hash of its
    /// credential account, if it has one.
    pub async fn find_login(&self, email: &str) -> Result<Option<(User, Option<String>)>> {
        let sql = format!(
            r#"SELECT {cols}, a."password" FROM "user" u LEFT JOIN "account" a ON a."userId" = u."id" AND a."providerId" = $1 WHERE u."email" = $2 LIMIT 1"#,
            cols = qualified_user_columns("u")
        );
        let row: Option<UserWithPassword> = read!(self, |p| {
            sqlx::query_as(&sql).bind(CREDENTIAL_PROVIDER).bind(email).fetch_optional(p).await
        })?;
        Ok(row.map(|r| (r.user, r.password)))
    }

    pub async fn find_user(&self, id: &UserId) -> Result<Option<User>> {
        let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" WHERE "id" = $1"#);
        read!(self, |p| sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
    }

    /// Applies `patch` and returns the updated user (`None` if the user is gone).
    pub async fn update_user(
        &self,
        id: &UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<User>> {
        // One statement for every combination of fields: each nullable field takes a
        // "change it" flag, so clearing a value (Some(None)) differs from leaving it.
        let sql = format!(
            r#"UPDATE "user" SET
                "name" = COALESCE($2, "name"),
                "image" = CASE WHEN $3 THEN $4 ELSE "image" END,
                "softwareBackground" = CASE WHEN $5 THEN $6 ELSE "softwareBackground" END,
                "hardwareBackground" = CASE WHEN $7 THEN $8 ELSE "hardwareBackground" END,
                "updatedAt" = $9
              WHERE "id" = $1 RETURNING {USER_COLUMNS}"#
        );
        let updated = modify!(self, |p| {
            sqlx::query_as(&sql)
                .bind(id)
                .bind(&patch.name)
                .bind(patch.image.is_some())
                .bind(patch.image.clone().flatten())
                .bind(patch.software_background.is_some())
                .bind(patch.software_background.clone().flatten())
                .bind(patch.hardware_background.is_some())
                .bind(patch.hardware_background.clone().flatten())
                .bind(now)
                .fetch_optional(p)
                .await
        })?;
        self.cache.evict_user(id.as_str());
        Ok(updated)
    }

    /// Deletes a user; their sessions and accounts go with them (foreign keys cascade).
    pub async fn delete_user(&self, id: &UserId) -> Result<bool> {
        let deleted =
            execute!(self, |p| sqlx::query(r#"DELETE FROM "user" WHERE "id" = $1"#).bind(id))?;
        self.cache.evict_user(id.as_str());
        Ok(deleted > 0)
    }

    pub async fn credential_account(&self, user: &UserId) -> Result<Option<CredentialAccount>> {
        let row: Option<AccountRow> = read!(self, |p| {
            sqlx::query_as(
                r#"SELECT "id", "userId", "password", "createdAt" FROM "account" WHERE "userId" = $1 AND "providerId" = $2 LIMIT 1"#,
            )
            .bind(user)
            .bind(CREDENTIAL_PROVIDER)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.and_then(|r| {
            Some(CredentialAccount {
                id: r.id,
                user_id: r.user_id,
                password_hash: r.password?,
                created_at: r.created_at,
            })
        }))
    }

    /// Stores a new password hash; with `new_session`, every session of the user is replaced
    /// by that one in the same transaction (change-password's `revokeOtherSessions`).
    pub async fn set_password(
        &self,
        user: &UserId,
        password_hash: &str,
        now: DateTime<Utc>,
        new_session: Option<&Session>,
    ) -> Result<()> {
        transaction!(self, |tx| {
            sqlx::query(UPDATE_PASSWORD)
                .bind(password_hash)
                .bind(now)
                .bind(user)
                .bind(CREDENTIAL_PROVIDER)
                .execute(&mut *tx)
                .await?;
            if let Some(session) = new_session {
                sqlx::query(r#"DELETE FROM "session" WHERE "userId" = $1"#)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                bind_session!(sqlx::query(INSERT_SESSION), session).execute(&mut *tx).await?;
            }
            Ok(())
        })?;
        if new_session.is_some() {
            self.cache.evict_user(user.as_str());
        }
        Ok(())
    }

    /// Whether any credential account holds a hash in Better Auth's scrypt format
    /// (`<32 hex salt>:<128 hex key>`): then this database is shared with, or came from, a
    /// Better Auth server, and new hashes must stay readable by it.
    pub async fn holds_better_auth_hashes(&self) -> Result<bool> {
        let found: Option<(i32,)> = read!(self, |p| {
            sqlx::query_as(
                r#"SELECT 1 FROM "account" WHERE "providerId" = $1 AND length("password") = 161 AND substr("password", 33, 1) = ':' LIMIT 1"#,
            )
            .bind(CREDENTIAL_PROVIDER)
            .fetch_optional(p)
            .await
        })?;
        Ok(found.is_some())
    }
}

/// The user columns prefixed with a table alias, for joins.
pub(crate) fn qualified_user_columns(alias: &str) -> String {
    USER_COLUMNS.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// Deletes an account for good, in one transaction: the user row, with everything that
    /// references it (sessions, accounts, profile, chats, messages, feedback: the foreign keys
    /// cascade), and the single-use tokens made for them (reset and deletion links). With
    /// `token` (a `verification` identifier), only if that unexpired token was made for this
    /// user; it is spent with the rest.
    pub async fn erase_user(
        &self,
        id: &UserId,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let deleted = transaction!(self, |tx| {
            if let Some(token) = token {
                let spent = sqlx::query(r#"DELETE FROM "verification" WHERE "identifier" = $1 AND "value" = $2 AND "expiresAt" > $3"#)
                    .bind(token)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                if spent.rows_affected() == 0 {
                    return Ok(false);
                }
            }
            sqlx::query(r#"DELETE FROM "verification" WHERE "value" = $1"#)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(r#"DELETE FROM "mail_outbox" WHERE "recipient" = (SELECT "email" FROM "user" WHERE "id" = $1)"#)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let done = sqlx::query(r#"DELETE FROM "user" WHERE "id" = $1"#)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            Ok(done.rows_affected() > 0)
        })?;
        self.cache.evict_user(id.as_str());
        Ok(deleted)
    }
}

impl Store {
    /// Marks `id`'s address verified and, when the link also signs the reader in, stores
    /// their new session: one transaction.
    pub async fn verify_email(
        &self,
        id: &UserId,
        session: Option<&Session>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        transaction!(self, |tx| {
            sqlx::query(MARK_EMAIL_VERIFIED).bind(id).bind(now).execute(&mut *tx).await?;
            if let Some(session) = session {
                bind_session!(sqlx::query(INSERT_SESSION), session).execute(&mut *tx).await?;
            }
            Ok(())
        })?;
        self.cache.evict_user(id.as_str());
        Ok(())
    }

    /// A confirmed change of address. [`crate::StoreError::Conflict`] if someone else has it.
    pub async fn change_email(
        &self,
        id: &UserId,
        email: &str,
        verified: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<User>> {
        let sql = format!(
            r#"UPDATE "user" SET "email" = $2, "emailVerified" = $3, "updatedAt" = $4 WHERE "id" = $1 RETURNING {USER_COLUMNS}"#
        );
        let updated = modify!(self, |p| {
            sqlx::query_as(&sql)
                .bind(id)
                .bind(email)
                .bind(verified)
                .bind(now)
                .fetch_optional(p)
                .await
        })?;
        self.cache.evict_user(id.as_str());
        Ok(updated)
    }
}
