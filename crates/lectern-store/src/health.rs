//! Whether the database takes writes, so an operator reads one error line when storage
//! fails (a full disk, a read-only file system, an unreachable server) and one line when it
//! recovers, instead of an error per request.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::{Result, StoreError};

#[derive(Debug, Default)]
pub(crate) struct Health {
    /// A storage failure was reported and no write has succeeded since.
    failing: AtomicBool,
}

/// During an episode, how long a query may wait (mostly for a connection) before it is
/// answered as unavailable, instead of the pool's full acquire timeout: readers get their
/// 503 quickly while the database is known to be down.
pub(crate) const FAIL_FAST: Duration = Duration::from_millis(1500);

impl Health {
    /// Runs `query`, bounded by [`FAIL_FAST`] while an episode lasts. The bound applies only
    /// to futures that are safe to cancel (a pooled query, a connection acquisition).
    pub(crate) async fn bounded<T>(
        &self,
        query: impl Future<Output = sqlx::Result<T>>,
    ) -> sqlx::Result<T> {
        if !self.failing.load(Ordering::Relaxed) {
            return query.await;
        }
        tokio::time::timeout(FAIL_FAST, query).await.unwrap_or(Err(sqlx::Error::PoolTimedOut))
    }

    /// The outcome of a query that only reads. Reads may work while writes cannot (a full
    /// disk), so a successful read does not end an episode.
    pub(crate) fn read<T>(&self, result: sqlx::Result<T>) -> Result<T> {
        result.map_err(|err| self.failed(err.into()))
    }

    /// The outcome of a write: its success ends an episode.
    pub(crate) fn write<T>(&self, result: sqlx::Result<T>) -> Result<T> {
        match result {
            Ok(value) => {
                if self.failing.load(Ordering::Relaxed)
                    && self.failing.swap(false, Ordering::SeqCst)
                {
                    tracing::warn!("storage recovered: writes succeed again");
                }
                Ok(value)
            }
            Err(err) => Err(self.failed(err.into())),
        }
    }

    fn failed(&self, err: StoreError) -> StoreError {
        if let StoreError::Unavailable(cause) = &err {
            if !self.failing.swap(true, Ordering::SeqCst) {
                tracing::error!(
                    error = %cause,
                    "storage unavailable: requests that write answer 503 until a write succeeds again"
                );
            }
        }
        err
    }
}
