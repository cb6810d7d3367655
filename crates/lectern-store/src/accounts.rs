//! A user's linked accounts (`account`): the credential account that holds the password,
//! and whatever other providers a Better Auth server linked on a shared database.

use chrono::{DateTime, Utc};

use crate::sessions::INSERT_SESSION;
use crate::tx::transaction;
use crate::users::{INSERT_USER, MARK_EMAIL_VERIFIED, bind_session, bind_user};
use crate::{Result, Session, Store, User, UserId, execute, read};

/// An account as `list-accounts` shows it: never its password or provider tokens.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Account {
    pub id: String,
    #[sqlx(rename = "accountId")]
    pub account_id: String,
    #[sqlx(rename = "providerId")]
    pub provider_id: String,
    #[sqlx(rename = "userId")]
    pub user_id: UserId,
    /// Comma-separated, as Better Auth stores granted OAuth scopes.
    pub scope: Option<String>,
    #[sqlx(rename = "createdAt")]
    pub created_at: DateTime<Utc>,
    #[sqlx(rename = "updatedAt")]
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// The user's accounts, oldest first.
    pub async fn user_accounts(&self, user: &UserId) -> Result<Vec<Account>> {
        read!(self, |p| {
            sqlx::query_as(
                r#"SELECT "id", "accountId", "providerId", "userId", "scope", "createdAt", "updatedAt" FROM "account" WHERE "userId" = $1 ORDER BY "createdAt", "id""#,
            )
            .bind(user)
            .fetch_all(p)
            .await
        })
    }

    /// Deletes the account `id` if it belongs to `user`.
    pub async fn delete_account(&self, user: &UserId, id: &str) -> Result<bool> {
        let deleted = execute!(self, |p| {
            sqlx::query(r#"DELETE FROM "account" WHERE "id" = $1 AND "userId" = $2"#)
                .bind(id)
                .bind(user)
        })?;
        Ok(deleted > 0)
    }
}

/// A provider account as Better Auth writes it on social sign-in (`account` row): the
/// provider's id for the reader and the tokens it granted, stored as granted
/// (`encryptOAuthTokens` is off by default in Better Auth).
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthAccount {
    pub id: String,
    pub account_id: String,
    pub provider_id: String,
    pub user_id: UserId,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub access_token_expires_at: Option<DateTime<Utc>>,
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    /// Comma-separated, as Better Auth joins granted scopes.
    pub scope: Option<String>,
    pub now: DateTime<Utc>,
}

/// What a social sign-in or link writes besides the account's tokens.
#[derive(Debug, Clone, Copy)]
pub enum OAuthWrite<'a> {
    /// A new user, created with its first account.
    NewUser(&'a User),
    /// A new account for an existing user.
    Link,
    /// The account (this `account.id`) is already linked: its tokens are replaced.
    Refresh(&'a str),
}

const INSERT_OAUTH_ACCOUNT: &str = r#"INSERT INTO "account" ("id", "accountId", "providerId", "userId", "accessToken", "refreshToken", "idToken", "accessTokenExpiresAt", "refreshTokenExpiresAt", "scope", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)"#;

/// Better Auth's `updateAccountOnSignIn`: fresh tokens, the scope left as linked.
const REFRESH_OAUTH_ACCOUNT: &str = r#"UPDATE "account" SET "accessToken" = COALESCE($2, "accessToken"), "refreshToken" = COALESCE($3, "refreshToken"), "idToken" = COALESCE($4, "idToken"), "accessTokenExpiresAt" = COALESCE($5, "accessTokenExpiresAt"), "refreshTokenExpiresAt" = COALESCE($6, "refreshTokenExpiresAt"), "updatedAt" = $7 WHERE "id" = $1"#;

impl Store {
    /// The `account.id` and owner of the provider account `(provider, account_id)`.
    pub async fn find_provider_account(
        &self,
        provider: &str,
        account_id: &str,
    ) -> Result<Option<(String, User)>> {
        let sql = format!(
            r#"SELECT a."id" AS "accountRowId", {cols} FROM "account" a JOIN "user" u ON u."id" = a."userId" WHERE a."providerId" = $1 AND a."accountId" = $2 LIMIT 1"#,
            cols = crate::users::qualified_user_columns("u")
        );
        let row: Option<OwnedAccount> = read!(self, |p| {
            sqlx::query_as(&sql).bind(provider).bind(account_id).fetch_optional(p).await
        })?;
        Ok(row.map(|r| (r.account_row_id, r.user)))
    }

    /// Everything a social sign-in or link writes, in one transaction: the user (if new),
    /// the account or its fresh tokens, `emailVerified` when the provider vouched for the
    /// same address, and the new session. A provider account or email taken meanwhile is
    /// [`crate::StoreError::Conflict`].
    pub async fn save_oauth_sign_in(
        &self,
        write: OAuthWrite<'_>,
        account: &OAuthAccount,
        mark_email_verified: bool,
        session: Option<&Session>,
    ) -> Result<()> {
        transaction!(self, |tx| {
            if let OAuthWrite::NewUser(user) = write {
                bind_user!(sqlx::query(INSERT_USER), user).execute(&mut *tx).await?;
            }
            if let OAuthWrite::Refresh(row) = write {
                sqlx::query(REFRESH_OAUTH_ACCOUNT)
                    .bind(row)
                    .bind(&account.access_token)
                    .bind(&account.refresh_token)
                    .bind(&account.id_token)
                    .bind(account.access_token_expires_at)
                    .bind(account.refresh_token_expires_at)
                    .bind(account.now)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query(INSERT_OAUTH_ACCOUNT)
                    .bind(&account.id)
                    .bind(&account.account_id)
                    .bind(&account.provider_id)
                    .bind(&account.user_id)
                    .bind(&account.access_token)
                    .bind(&account.refresh_token)
                    .bind(&account.id_token)
                    .bind(account.access_token_expires_at)
                    .bind(account.refresh_token_expires_at)
                    .bind(&account.scope)
                    .bind(account.now)
                    .execute(&mut *tx)
                    .await?;
            }
            if mark_email_verified {
                sqlx::query(MARK_EMAIL_VERIFIED)
                    .bind(&account.user_id)
                    .bind(account.now)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(session) = session {
                bind_session!(sqlx::query(INSERT_SESSION), session).execute(&mut *tx).await?;
            }
            Ok(())
        })?;
        if mark_email_verified {
            self.cache.evict_user(account.user_id.as_str());
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct OwnedAccount {
    #[sqlx(rename = "accountRowId")]
    account_row_id: String,
    #[sqlx(flatten)]
    user: User,
}
