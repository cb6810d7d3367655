//! Expired rows go: sessions past their expiry, spent or expired single-use tokens
//! (`verification`), and audit events older than the retention. Better Auth deletes an
//! expired session only when someone presents it, so without this the tables grow with every
//! reader who never comes back.

use chrono::{DateTime, TimeDelta, Utc};

use crate::tx::transaction;
use crate::{Backend, Result, Store};

/// Any number; the same on every replica, so one cleans at a time.
const CLEANUP_LOCK: i64 = 0x6c65_6374_6572_6e01;

impl Store {
    /// Deletes up to `batch` expired sessions, `batch` expired tokens and `batch` audit
    /// events older than the store's retention, in one short transaction. `None` when another
    /// replica is cleaning now (PostgreSQL advisory lock).
    pub async fn purge_expired(&self, now: DateTime<Utc>, batch: i64) -> Result<Option<u64>> {
        let postgres = self.backend() == Backend::Postgres;
        let mut targets = vec![("session", "expiresAt", now), ("verification", "expiresAt", now)];
        // A retention reaching before any representable time keeps every event.
        let audit_cutoff =
            TimeDelta::from_std(self.audit_retention).ok().and_then(|r| now.checked_sub_signed(r));
        targets.extend(audit_cutoff.map(|cutoff| ("audit_event", "at", cutoff)));
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
            for (table, column, before) in &targets {
                let sql = format!(
                    r#"DELETE FROM "{table}" WHERE "id" IN (SELECT "id" FROM "{table}" WHERE "{column}" < $1 LIMIT $2)"#
                );
                deleted += sqlx::query(&sql)
                    .bind(before)
                    .bind(batch)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            Ok(Some(deleted))
        })
    }
}
