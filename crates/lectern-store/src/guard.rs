//! The pool's check on every connection handed back to it: one found inside a transaction
//! is closed rather than given to the next request, whatever left it there. The second line
//! behind [`crate::tx`], which never hands such a connection back.

use sqlx::{Executor as _, PgConnection, Row as _, SqliteConnection};

/// Whether a SQLite connection is in autocommit mode. `BEGIN` fails inside a transaction;
/// outside one, a deferred `BEGIN` takes no lock, so the check costs one round trip to the
/// connection's thread.
pub(crate) async fn sqlite_idle(conn: &mut SqliteConnection) -> bool {
    conn.execute(sqlx::raw_sql("BEGIN; ROLLBACK")).await.is_ok()
}

/// Whether a PostgreSQL connection is idle: in a transaction block `now()` is the block's
/// start, earlier than the statement's; outside one (a simple-protocol query is its own
/// transaction) they are equal. An aborted transaction fails the query, which also closes
/// the connection.
pub(crate) async fn postgres_idle(conn: &mut PgConnection) -> sqlx::Result<bool> {
    let row = conn.fetch_one(sqlx::raw_sql("SELECT now() = statement_timestamp()")).await?;
    row.try_get(0)
}
