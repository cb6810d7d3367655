//! The one owner of transactions: every write of more than one statement goes through
//! [`transaction!`], and nothing else in the workspace says `BEGIN` or `COMMIT` (a test in
//! `tests/transactions.rs` reads the sources to hold that).
//!
//! Why not sqlx's `Transaction`: when a `COMMIT` fails (a full disk, an I/O error, a
//! deferred constraint), the database may have rolled back on its own (SQLite does for
//! `SQLITE_FULL` and `SQLITE_IOERR`; PostgreSQL ends the transaction) or kept it open
//! (SQLite after a deferred foreign-key failure), while sqlx 0.8's depth counter stays at
//! one. Its rollback on drop then fails, the pooled connection goes back with a counter that
//! disagrees with the database, the next `begin()` becomes a `SAVEPOINT` inside a
//! transaction nobody will commit, and every later write on that connection is acknowledged
//! and lost (launchbadge/sqlx#3932). Here the statements are sent as they are, so sqlx's
//! counter stays at zero, and the state is settled explicitly:
//! - `COMMIT` succeeded: the connection is clean and goes back to the pool;
//! - anything failed: `ROLLBACK` is sent; when it succeeds, no transaction is open on either
//!   backend, and the connection goes back to the pool;
//! - `ROLLBACK` failed, or the future was dropped midway (a request cancelled by its
//!   client): the state is unknown, and the connection is closed, never reused. Closing
//!   rolls back whatever was open, on SQLite and on PostgreSQL alike.
//!
//! Then the database is asked whether any transaction is still open (`guard`), and the
//! pools close any connection handed back while sqlx counts one open.

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Database, Executor as _};

/// An open transaction on a pooled connection; derefs to the connection so statements run
/// with `.execute(&mut *tx)`. Ended only by [`Tx::finish`] (or closed when dropped).
pub(crate) struct Tx<DB: Database> {
    conn: PoolConnection<DB>,
    /// `BEGIN` may have run and neither `COMMIT` nor `ROLLBACK` has completed.
    open: bool,
    /// The body asked for its writes to be rolled back although it succeeded.
    discard: bool,
}

/// The methods, once per backend: written generically over `Database`, the futures need a
/// higher-ranked `Executor` bound under which rustc cannot prove them `Send`.
macro_rules! impl_tx {
    ($db:ty, $idle:path) => {
        impl Tx<$db> {
            /// `statement` is `BEGIN` or, on SQLite, `BEGIN IMMEDIATE`.
            pub(crate) async fn begin(
                pool: &sqlx::Pool<$db>,
                statement: &'static str,
            ) -> sqlx::Result<Self> {
                let conn = pool.acquire().await?;
                // Open from here: if `BEGIN` fails or is cancelled, the connection is closed.
                let mut tx = Self { conn, open: true, discard: false };
                tx.conn.execute(sqlx::raw_sql(statement)).await?;
                Ok(tx)
            }

            /// Rolls back what the body wrote although it returns a value.
            pub(crate) fn discard(&mut self) {
                self.discard = true;
            }

            /// Commits if the body succeeded (and did not [`Tx::discard`]), else rolls back,
            /// and returns the body's result, or the commit's error.
            pub(crate) async fn finish<T>(mut self, body: sqlx::Result<T>) -> sqlx::Result<T> {
                match body {
                    Ok(value) if !self.discard => {
                        match self.conn.execute(sqlx::raw_sql("COMMIT")).await {
                            Ok(_) => {
                                self.settle().await;
                                Ok(value)
                            }
                            Err(err) => {
                                self.roll_back().await;
                                Err(err)
                            }
                        }
                    }
                    Ok(value) => {
                        self.roll_back().await;
                        Ok(value)
                    }
                    Err(err) => {
                        self.roll_back().await;
                        Err(err)
                    }
                }
            }

            /// The transaction ended: the connection goes back to the pool only if the
            /// database agrees that no transaction is open (see `guard`).
            async fn settle(&mut self) {
                self.open = !$idle(&mut self.conn).await;
                if self.open {
                    tracing::error!("a transaction was still open after it ended; closing the connection");
                }
            }

            /// After a failure the transaction may be open or already ended by the database;
            /// an explicit `ROLLBACK` settles which. If even that fails, `open` stays set and
            /// the connection is closed on drop.
            async fn roll_back(&mut self) {
                match self.conn.execute(sqlx::raw_sql("ROLLBACK")).await {
                    Ok(_) => self.settle().await,
                    // Expected after SQLite rolled back by itself (a full disk): not worth a
                    // line per request, the store logs the episode.
                    Err(err) => {
                        tracing::debug!(error = %err, "rollback failed; closing the connection")
                    }
                }
            }
        }
    };
}
impl_tx!(sqlx::Sqlite, crate::guard::sqlite_idle);
impl_tx!(sqlx::Postgres, crate::guard::postgres_idle);

impl<DB: Database> Drop for Tx<DB> {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}

impl<DB: Database> Deref for Tx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.conn
    }
}

impl<DB: Database> DerefMut for Tx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.conn
    }
}

/// Runs `body` in a transaction on whichever pool the store holds, commits it if the body
/// returns `Ok`, and gives the store's `Result`. `tx` derefs to the connection; `return`
/// and `?` inside the body end the body, not the enclosing function.
///
/// SQLite transactions wait their turn among this process's writers (see
/// `Store::sqlite_writer`), then start `IMMEDIATE`: every transaction here writes, and taking
/// the write lock up front makes a writer from another process wait (`busy_timeout`) instead
/// of failing at its first write with `SQLITE_BUSY`, which a deferred transaction that read
/// first gets.
macro_rules! transaction {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let result = match &$store.pool {
            $crate::Pool::Sqlite(pool) => {
                let _turn = $store.sqlite_writer.lock().await;
                $crate::tx::transaction!(@run $store, sqlx::Sqlite, pool, "BEGIN IMMEDIATE", |$tx| $body)
            }
            $crate::Pool::Postgres(pool) => {
                $crate::tx::transaction!(@run $store, sqlx::Postgres, pool, "BEGIN", |$tx| $body)
            }
        };
        $store.health.write(result)
    }};
    (@run $store:expr, $db:ty, $pool:expr, $begin:literal, |$tx:ident| $body:expr) => {
        match $store.health.bounded($crate::tx::Tx::<$db>::begin($pool, $begin)).await {
            Ok(mut $tx) => {
                let out = async { $body }.await;
                $tx.finish(out).await
            }
            Err(err) => Err(err),
        }
    };
}
pub(crate) use transaction;

#[cfg(test)]
#[path = "tx_tests.rs"]
mod tests;
