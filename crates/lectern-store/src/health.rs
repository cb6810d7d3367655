//! Whether the database takes writes, so an operator reads one error line when storage
//! fails (a full disk, a read-only file system, an unreachable server) and one line when it
//! recovers, instead of an error per request.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Result, StoreError};

#[derive(Debug, Default)]
pub(crate) struct Health {
    /// A storage failure was reported and no write has succeeded since.
    failing: AtomicBool,
}

impl Health {
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
