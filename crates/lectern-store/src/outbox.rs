//! Mail waiting to be delivered (`mail_outbox`). Requests enqueue; the mail worker claims due
//! rows, and deletes each once the mail server accepted it or reschedules it with its error.

use chrono::{DateTime, Utc};

use crate::{Result, Store, execute, modify};

/// One mail, as queued.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OutboxMail {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Deliveries tried so far, this claim included.
    pub attempts: i32,
}

impl Store {
    pub async fn enqueue_mail(&self, mail: &OutboxMail, now: DateTime<Utc>) -> Result<()> {
        execute!(self, |p| {
            sqlx::query(
                r#"INSERT INTO "mail_outbox" ("id", "recipient", "subject", "text", "html", "attempts", "nextAttemptAt", "createdAt") VALUES ($1, $2, $3, $4, $5, 0, $6, $6)"#,
            )
            .bind(&mail.id)
            .bind(&mail.recipient)
            .bind(&mail.subject)
            .bind(&mail.text)
            .bind(&mail.html)
            .bind(now)
        })?;
        Ok(())
    }

    /// Up to `limit` mails due at `now`, each leased until `lease_until` (another worker, on
    /// another replica, skips them meanwhile; a worker that dies lets the lease run out).
    pub async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxMail>> {
        // The due check is repeated on the row itself: PostgreSQL re-evaluates it after
        // waiting for a row another worker is claiming, so a row is claimed once.
        modify!(self, |p| {
            sqlx::query_as(
                r#"UPDATE "mail_outbox" SET "nextAttemptAt" = $2, "attempts" = "attempts" + 1 WHERE "nextAttemptAt" <= $1 AND "id" IN (SELECT "id" FROM "mail_outbox" WHERE "nextAttemptAt" <= $1 ORDER BY "nextAttemptAt" LIMIT $3) RETURNING "id", "recipient", "subject", "text", "html", "attempts""#,
            )
            .bind(now)
            .bind(lease_until)
            .bind(limit)
            .fetch_all(p)
            .await
        })
    }

    /// The mail server accepted it.
    pub async fn mail_delivered(&self, id: &str) -> Result<()> {
        execute!(self, |p| sqlx::query(r#"DELETE FROM "mail_outbox" WHERE "id" = $1"#).bind(id))?;
        Ok(())
    }

    /// It failed: try again at `retry_at`.
    pub async fn mail_failed(&self, id: &str, error: &str, retry_at: DateTime<Utc>) -> Result<()> {
        execute!(self, |p| {
            sqlx::query(r#"UPDATE "mail_outbox" SET "nextAttemptAt" = $2, "lastError" = $3 WHERE "id" = $1"#)
                .bind(id)
                .bind(retry_at)
                .bind(error)
        })?;
        Ok(())
    }

    /// Mails still waiting, oldest first: `(recipient, subject, attempts, last error)`.
    pub async fn pending_mail(&self) -> Result<Vec<(String, String, i32, Option<String>)>> {
        crate::read!(self, |p| {
            sqlx::query_as(r#"SELECT "recipient", "subject", "attempts", "lastError" FROM "mail_outbox" ORDER BY "createdAt""#)
                .fetch_all(p)
                .await
        })
    }
}
