//! A user's linked accounts (`account`): the credential account that holds the password,
//! and whatever other providers a Better Auth server linked on a shared database.

use chrono::{DateTime, Utc};

use crate::{Result, Store, UserId, execute, read};

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
