//! The transaction owner and the pool's release check, on both backends, against real
//! failures: a `COMMIT` refused by a deferred foreign key, and a connection handed back to
//! the pool inside a transaction.

use lectern_testkit::{Backend, TestDb, backend_tests};
use sqlx::Executor as _;

use crate::fixtures::guest;
use crate::{Pool, Store, StoreOptions, modify};

/// One connection, so every statement after a failure runs on the connection that failed
/// (and no session cache, whose PostgreSQL listener would hold a connection of its own).
async fn store(db: &TestDb) -> Store {
    let options = StoreOptions {
        max_connections: 1,
        session_cache_ttl: std::time::Duration::ZERO,
        ..StoreOptions::default()
    };
    let store = Store::connect(&db.url, &options).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

/// A `COMMIT` that fails: SQLite keeps the transaction open after a deferred foreign-key
/// failure, PostgreSQL ends it. Either way the connection must come back clean and the next
/// write must be durable.
async fn a_failed_commit_leaves_the_connection_clean(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = store(&db).await;
    modify!(store, |p| {
        p.execute(
            r#"CREATE TABLE "fault_probe" ("id" text PRIMARY KEY,
               "userId" text REFERENCES "user" ("id") DEFERRABLE INITIALLY DEFERRED)"#,
        )
        .await
        .map(drop)
    })
    .expect("test table");

    let failed = transaction!(store, |tx| {
        sqlx::query(r#"INSERT INTO "fault_probe" ("id", "userId") VALUES ('p1', 'nobody')"#)
            .execute(&mut *tx)
            .await?;
        Ok(())
    });
    let err = failed.expect_err("the deferred constraint fails the COMMIT");
    assert!(err.to_string().to_lowercase().contains("foreign key"), "{err}");

    let (user, session) = guest("afterfailedcommit");
    store.create_user_with_session(&user, &session).await.expect("the next write succeeds");
    store.close().await;

    let reopened = Store::connect(&db.url, &StoreOptions::default()).await.expect("reopen");
    assert!(reopened.find_user(&user.id).await.expect("read").is_some(), "the write is durable");
    let probes: Vec<(String,)> = crate::read!(reopened, |p| {
        sqlx::query_as(r#"SELECT "id" FROM "fault_probe""#).fetch_all(p).await
    })
    .expect("read");
    assert!(probes.is_empty(), "the failed transaction wrote nothing");
    reopened.close().await;
}

/// The probe the owner runs after every transaction tells an open transaction from none, and
/// the pool closes a connection handed back while sqlx counts a transaction open (a leaked
/// `Transaction`, or a count that disagrees with the database after a failed `COMMIT`), so the
/// next request gets a clean connection and its write is durable.
async fn no_connection_reaches_a_request_inside_a_transaction(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = store(&db).await;
    macro_rules! check {
        ($pool:expr, |$conn:ident| $idle:expr) => {{
            let mut $conn = $pool.acquire().await.expect("acquire");
            assert!($idle, "a fresh connection is idle");
            $conn.execute(sqlx::raw_sql("BEGIN")).await.expect("begin");
            assert!(!$idle, "the probe sees the open transaction");
            $conn.execute(sqlx::raw_sql("ROLLBACK")).await.expect("rollback");

            let leaked = sqlx::Connection::begin(&mut *$conn).await.expect("begin");
            std::mem::forget(leaked);
            drop($conn);
            // The pool has one connection: this waits until the leaked one is dealt with.
            let mut $conn = $pool.acquire().await.expect("acquire again");
            assert!(!sqlx::Connection::is_in_transaction(&*$conn), "a new connection");
            assert!($idle, "the next connection is not inside a transaction");
        }};
    }
    match &store.pool {
        Pool::Sqlite(p) => check!(p, |conn| crate::guard::sqlite_idle(&mut conn).await),
        Pool::Postgres(p) => check!(p, |conn| crate::guard::postgres_idle(&mut conn).await),
    }
    let (user, session) = guest("afterleak");
    store.create_user_with_session(&user, &session).await.expect("write");
    store.close().await;
    let reopened = Store::connect(&db.url, &StoreOptions::default()).await.expect("reopen");
    assert!(reopened.find_user(&user.id).await.expect("read").is_some());
    reopened.close().await;
}

backend_tests!(
    a_failed_commit_leaves_the_connection_clean,
    no_connection_reaches_a_request_inside_a_transaction
);
