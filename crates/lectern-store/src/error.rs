use sqlx::postgres::PgDatabaseError;
use sqlx::sqlite::SqliteError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("DATABASE_URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    /// A unique constraint refused the write (a duplicate email, say).
    #[error("the row already exists")]
    Conflict,
    /// The database cannot serve the request now, through no fault of the request: a full
    /// disk, a read-only or failing file system, a server that is down, restarting or out of
    /// connections. Callers answer 503: the same request may succeed later.
    #[error("storage unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err.as_database_error() {
            Some(db) if db.is_unique_violation() => Self::Conflict,
            _ if is_unavailable(&err) => Self::Unavailable(err),
            _ => Self::Database(err),
        }
    }
}

/// Whether `err` says the storage (not the statement) failed.
fn is_unavailable(err: &sqlx::Error) -> bool {
    use sqlx::Error::*;
    match err {
        Io(_) | Tls(_) | PoolTimedOut | PoolClosed | WorkerCrashed => true,
        Database(db) => {
            if db.try_downcast_ref::<SqliteError>().is_some() {
                sqlite_unavailable(db.code().and_then(|c| c.parse().ok()).unwrap_or(0))
            } else if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
                pg_unavailable(pg.code())
            } else {
                false
            }
        }
        _ => false,
    }
}

/// SQLite primary result codes (the low byte of the extended code): BUSY, LOCKED, NOMEM,
/// READONLY, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, NOTADB.
fn sqlite_unavailable(extended: i32) -> bool {
    matches!(extended & 0xff, 5 | 6 | 7 | 8 | 10 | 11 | 13 | 14 | 15 | 26)
}

/// PostgreSQL SQLSTATEs: connection exceptions (08), insufficient resources such as a full
/// disk or too many connections (53), operator intervention such as a shutdown, a crash or
/// a statement timeout (57), system errors such as I/O (58), a read-only server (25006, a
/// standby or a suspended Neon compute), a database not accepting connections (55000, as
/// while it is being restored or moved), and serialization failures and deadlocks (40).
fn pg_unavailable(sqlstate: &str) -> bool {
    ["08", "53", "57", "58", "40"].iter().any(|class| sqlstate.starts_with(class))
        || sqlstate == "25006"
        || sqlstate == "55P03"
        || sqlstate == "55000"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_failures_are_told_from_statement_errors() {
        // SQLITE_FULL, SQLITE_IOERR_WRITE (778), SQLITE_READONLY_DBMOVED (1032), SQLITE_BUSY
        for code in [13, 778, 1032, 5] {
            assert!(sqlite_unavailable(code), "{code}");
        }
        // SQLITE_CONSTRAINT_FOREIGNKEY (787), SQLITE_ERROR (a bad statement), SQLITE_MISMATCH
        for code in [787, 1, 20] {
            assert!(!sqlite_unavailable(code), "{code}");
        }
        for state in ["53100", "58030", "57P01", "08006", "25006", "40001", "55000"] {
            assert!(pg_unavailable(state), "{state}");
        }
        // foreign key, unique, syntax, undefined column
        for state in ["23503", "23505", "42601", "42703"] {
            assert!(!pg_unavailable(state), "{state}");
        }
    }
}
