//! Expired rows go: sessions past their expiry and spent or expired single-use tokens
//! (`verification`). Better Auth deletes an expired session only when someone presents it, so
//! without this the tables grow with every reader who never comes back.

use chrono::{DateTime, Utc};

use crate::tx::transaction;
use crate::{Backend, Result, Store};

/// Any number; the same on every replica, so one cleans at a time.
const CLEANUP_LOCK: i64 = 0x6c65_6374_6572_6e01;

impl Store {
    /// Deletes up to `batch` expired sessions and `batch` expired tokens, in one short
    /// transaction. `None` when another replica is cleaning now (PostgreSQL advisory lock).
    pub async fn purge_expired(&self, now: DateTime<Utc>, batch: i64) -> Result<Option<u64>> {
        let postgres = self.backend() == Backend::Postgres;
        transaction!(self, |tx| {
            if postgres {
                let (mine,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_xact_lock($1)")
                    .bind(CLEANUP_LOCK)
                    .fetch_one(&mut *tx)
                    .await?;
                if !mine {
                    return Ok(None);
                }
            }
            let mut deleted = 0;
            for table in ["session", "verification"] {
                let sql = format!(
                    r#"DELETE FROM "{table}" WHERE "id" IN (SELECT "id" FROM "{table}" WHERE "expiresAt" < $1 LIMIT $2)"#
                );
                deleted += sqlx::query(&sql)
                    .bind(now)
                    .bind(batch)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            Ok(Some(deleted))
        })
    }
}
