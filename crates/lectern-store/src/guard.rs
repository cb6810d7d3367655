//! Two checks that no connection reaches a request inside a transaction:
//! - the pools close a connection handed back while sqlx counts it inside a transaction
//!   (sqlx's own `Transaction` leaked, or its count disagreeing with the database after a
//!   failed `COMMIT`: the state that lost acknowledged sign-ups). It is a field read, free on
//!   every release;
//! - [`crate::tx`] asks the database itself after every transaction it ends ([`sqlite_idle`],
//!   [`postgres_idle`]), since it alone sends `BEGIN`. That costs a round trip, so it is paid
//!   per transaction, not per query: on every release it cost 17–20% of uncached
//!   `get-session` throughput on PostgreSQL.

use sqlx::{Executor as _, PgConnection, Row as _, SqliteConnection};

/// The pools' `after_release`: keep the connection only if sqlx counts no open transaction.
pub(crate) fn released_clean(conn: &impl sqlx::Connection) -> bool {
    !conn.is_in_transaction()
}

/// Whether a SQLite connection is in autocommit mode. `BEGIN` fails inside a transaction;
/// outside one, a deferred `BEGIN` takes no lock.
pub(crate) async fn sqlite_idle(conn: &mut SqliteConnection) -> bool {
    conn.execute(sqlx::raw_sql("BEGIN; ROLLBACK")).await.is_ok()
}

/// Whether a PostgreSQL connection is idle: in a transaction block `now()` is the block's
/// start, earlier than the statement's; outside one (a simple-protocol query is its own
/// transaction) they are equal. An aborted transaction fails the query: not idle either.
pub(crate) async fn postgres_idle(conn: &mut PgConnection) -> bool {
    let row = conn.fetch_one(sqlx::raw_sql("SELECT now() = statement_timestamp()")).await;
    row.and_then(|row| row.try_get(0)).unwrap_or(false)
}
