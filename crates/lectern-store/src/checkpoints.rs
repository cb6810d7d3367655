//! Checkpoints of answers still streaming, written together.
//!
//! Every streaming answer saves what it has so far every two seconds (so a replica that dies
//! loses little, and its row's `updatedAt` shows it is alive). One statement per answer made
//! 5,000 statements a second at 10,000 streams, more than the pool could keep up with
//! (docs/benchmarks.md). Here one task per store takes every checkpoint that has arrived while
//! the previous statement ran and writes them in one `UPDATE … FROM (VALUES …)`, so the cost
//! follows the database's round trips, not the number of streams; alone, a checkpoint waits
//! for nothing.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use crate::{Backend, MessageId, Result, Store, StoreError, UserId, modify};

/// At most this many answers per statement (four parameters each).
const MAX_BATCH: usize = 500;

struct Checkpoint {
    owner: UserId,
    id: MessageId,
    content: String,
    at: DateTime<Utc>,
    /// Whether the answer was still streaming, and so was saved.
    saved: oneshot::Sender<Result<bool>>,
}

#[derive(Debug)]
pub(crate) struct CheckpointQueue {
    tx: mpsc::UnboundedSender<Checkpoint>,
}

impl CheckpointQueue {
    /// Starts the writer; it ends when the last store handle holding the queue is dropped.
    /// `store` must not hold a queue itself, or the channel would never close.
    pub(crate) fn start(store: Store) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(write_loop(store, rx));
        Self { tx }
    }
}

impl Store {
    /// Saves `content` as what the owner's streaming answer `id` has written so far, and
    /// moves its `updatedAt` to `at`. False when the answer is no longer streaming (stopped
    /// meanwhile, perhaps through another replica): nothing is written then.
    pub async fn checkpoint_message(
        &self,
        owner: &UserId,
        id: &MessageId,
        content: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(queue) = &self.checkpoints else {
            return self
                .write_checkpoints(&[(owner, id, content, at)])
                .await
                .map(|s| !s.is_empty());
        };
        let (saved, outcome) = oneshot::channel();
        let checkpoint = Checkpoint {
            owner: owner.clone(),
            id: id.clone(),
            content: content.to_owned(),
            at,
            saved,
        };
        if queue.tx.send(checkpoint).is_err() {
            return Err(stopped());
        }
        outcome.await.unwrap_or_else(|_| Err(stopped()))
    }

    /// The ids, among `answers`, that were still streaming and are now saved.
    async fn write_checkpoints(
        &self,
        answers: &[(&UserId, &MessageId, &str, DateTime<Utc>)],
    ) -> Result<HashSet<String>> {
        // Anonymous `?` on SQLite, as the audit trail's inserts do (quadratic binding of
        // named parameters); `$n` on PostgreSQL.
        let postgres = self.backend() == Backend::Postgres;
        let rows: Vec<String> = (0..answers.len())
            .map(|n| match postgres {
                true => format!("(${}, ${}, ${}, ${})", 4 * n + 1, 4 * n + 2, 4 * n + 3, 4 * n + 4),
                false => "(?, ?, ?, ?)".to_owned(),
            })
            .collect();
        // VALUES columns are column1… on both backends; SQLite cannot rename them in the alias.
        let sql = format!(
            r#"UPDATE "chat_message" SET "content" = v."body", "updatedAt" = v."at" FROM (SELECT column1 AS "mid", column2 AS "owner", column3 AS "body", column4 AS "at" FROM (VALUES {}) AS "rows") AS v WHERE "chat_message"."id" = v."mid" AND "chat_message"."userId" = v."owner" AND "chat_message"."status" = 'streaming' RETURNING "chat_message"."id""#,
            rows.join(", ")
        );
        let saved: Vec<(String,)> = modify!(self, |p| {
            let mut query = sqlx::query_as(&sql);
            for (owner, id, content, at) in answers {
                query = query.bind(*id).bind(*owner).bind(*content).bind(*at);
            }
            query.fetch_all(p).await
        })?;
        Ok(saved.into_iter().map(|(id,)| id).collect())
    }
}

/// The batch's failure, told to each of its answers: only its kind matters to them.
fn told(err: &StoreError) -> StoreError {
    match err {
        StoreError::Unavailable(_) => StoreError::Unavailable(sqlx::Error::PoolTimedOut),
        other => StoreError::Database(sqlx::Error::Protocol(other.to_string())),
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable(sqlx::Error::PoolClosed)
}

async fn write_loop(store: Store, mut rx: mpsc::UnboundedReceiver<Checkpoint>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let answers: Vec<_> =
            batch.iter().map(|c| (&c.owner, &c.id, c.content.as_str(), c.at)).collect();
        let written = store.write_checkpoints(&answers).await;
        metrics::histogram!("lectern_tutor_checkpoint_batch_size").record(batch.len() as f64);
        for checkpoint in batch.drain(..) {
            let outcome = match &written {
                Ok(saved) => Ok(saved.contains(&checkpoint.id.0)),
                Err(err) => Err(told(err)),
            };
            // The answer's task may have ended meanwhile (the server stopping); nothing to tell.
            let _ = checkpoint.saved.send(outcome);
        }
    }
}

#[cfg(test)]
#[path = "checkpoints_tests.rs"]
mod tests;
