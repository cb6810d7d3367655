//! The session-table strategy against the real PostgreSQL on 127.0.0.1:5432 (or
//! `LECTERN_TEST_POSTGRES_URL`), in a database created for this run and dropped after it.
//! An unreachable server fails the tests; they are never skipped.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use lectern_verify::{SessionTableVerifier, VerifyError, Via, sign_session_token};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};

const SECRET: &str = "lectern-verify-fixture-secret-0123456789abcdef";
const LIVE: &str = "f2c584bzBAIJ27NXhn8TDKeZGS52C5DC";
const EXPIRED: &str = "eXp1r3dTokenXXXXXXXXXXXXXXXXXXXX";
const GUEST: &str = "5AJgmgj5fLtqacWus48pL6DLF2HFYnZJ";

// Better Auth 1.7's own PostgreSQL tables for the user and session models (plus the
// anonymous plugin and the two additional fields), as its migration creates them.
const SCHEMA: &str = r#"
CREATE TABLE "user" ("id" text NOT NULL PRIMARY KEY, "name" text NOT NULL, "email" text NOT NULL UNIQUE,
  "emailVerified" boolean NOT NULL, "image" text, "createdAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL,
  "updatedAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL, "isAnonymous" boolean,
  "softwareBackground" text, "hardwareBackground" text);
CREATE TABLE "session" ("id" text NOT NULL PRIMARY KEY, "expiresAt" timestamptz NOT NULL,
  "token" text NOT NULL UNIQUE, "createdAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL,
  "updatedAt" timestamptz NOT NULL, "ipAddress" text, "userAgent" text,
  "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE);
INSERT INTO "user" VALUES
  ('gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z', 'Ada Lovelace', 'ada@example.com', false, NULL,
   '2026-11-22T05:58:52.436Z', '2026-11-22T05:58:52.436Z', false, 'rust', NULL),
  ('Xm6ZS2eBkHqxQaGMtkbj3kcm0JNdoW3Z', 'Anonymous', 'temp@guest.invalid', false, NULL,
   now(), now(), true, NULL, NULL);
INSERT INTO "session" VALUES
  ('rYoH97Jziu40UooYGhEiKKqejU7bZ1LG', now() + interval '7 days', 'f2c584bzBAIJ27NXhn8TDKeZGS52C5DC',
   now(), now(), '', 'curl', 'gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z'),
  ('expiredSessionId', now() - interval '1 second', 'eXp1r3dTokenXXXXXXXXXXXXXXXXXXXX',
   now(), now(), '', 'curl', 'gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z'),
  ('guestSessionId', now() + interval '1 day', '5AJgmgj5fLtqacWus48pL6DLF2HFYnZJ',
   now(), now(), '', 'curl', 'Xm6ZS2eBkHqxQaGMtkbj3kcm0JNdoW3Z');
"#;

fn admin_url() -> String {
    std::env::var("LECTERN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh database with Better Auth's tables, dropped when this value is.
struct TestDb {
    name: String,
    pool: PgPool,
}

impl TestDb {
    async fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let admin_url = admin_url();
        let name = format!(
            "lectern_verify_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|err| {
            panic!("PostgreSQL is required for these tests ({admin_url}): {err}")
        });
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&mut admin)
            .await
            .expect("drop");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create");
        let (server, _) = admin_url.rsplit_once('/').expect("the URL names a database");
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect(&format!("{server}/{name}"))
            .await
            .expect("connect to the test database");
        sqlx::raw_sql(SCHEMA).execute(&pool).await.expect("schema");
        Self { name, pool }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime; the cleanup needs a runtime of its own.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&sql).execute(&mut admin).await;
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn strategy_against_better_auths_tables() {
    let db = TestDb::new().await;
    let with_secret = SessionTableVerifier::new(db.pool.clone()).with_secret(SECRET);
    let without_secret = SessionTableVerifier::new(db.pool.clone());

    // A raw token, with or without a secret configured.
    for verifier in [&with_secret, &without_secret] {
        let reader = verifier.verify(LIVE).await.expect("raw token");
        assert_eq!(reader.via, Via::Session);
        assert_eq!(reader.id.as_str(), "gzeeuHVYGvpcLIuQgk2FLZH5qE9mLO4Z");
        assert_eq!(
            (reader.email.as_str(), reader.name.as_str()),
            ("ada@example.com", "Ada Lovelace")
        );
        assert_eq!(reader.extra_str("softwareBackground"), Some("rust"));
        assert_eq!(
            reader.session_id.as_ref().map(|id| id.as_str()),
            Some("rYoH97Jziu40UooYGhEiKKqejU7bZ1LG")
        );
        assert_eq!(
            reader.created_at.map(|d| d.to_rfc3339()),
            Some("2026-11-22T05:58:52.436+00:00".to_owned())
        );
        assert!(!reader.is_anonymous);
    }

    // The cookie exactly as Better Auth sets it, and the set-auth-token header form.
    let cookie = "f2c584bzBAIJ27NXhn8TDKeZGS52C5DC.qfzcFpgdniO5fvSvZ7Jsqd3Fp7q1wo8jBSZtXcc7UrA%3D";
    let header = sign_session_token(LIVE, SECRET.as_bytes());
    for value in [cookie, header.as_str()] {
        assert!(with_secret.verify(value).await.is_ok(), "{value}");
    }
    let forged = sign_session_token(LIVE, b"not the secret");
    assert_eq!(with_secret.verify(&forged).await, Err(VerifyError::BadSignature));
    assert!(matches!(without_secret.verify(cookie).await, Err(VerifyError::Config(_))));
    let strict = with_secret.clone().require_signature(true);
    assert!(matches!(strict.verify(LIVE).await, Err(VerifyError::Malformed(_))));
    assert!(strict.verify(cookie).await.is_ok());

    assert_eq!(with_secret.verify(EXPIRED).await, Err(VerifyError::SessionExpired));
    assert_eq!(
        with_secret.verify("NoSuchTokenXXXXXXXXXXXXXXXXXXXXX").await,
        Err(VerifyError::NoSession)
    );
    assert!(matches!(
        with_secret.verify("'; DROP TABLE session; --").await,
        Err(VerifyError::Malformed(_))
    ));

    let guest = with_secret.verify(GUEST).await.expect("guest session");
    assert!(guest.is_anonymous);

    // A Better Auth database without the anonymous plugin or additional fields still works.
    sqlx::raw_sql(
        r#"ALTER TABLE "user" DROP COLUMN "isAnonymous", DROP COLUMN "softwareBackground""#,
    )
    .execute(&db.pool)
    .await
    .expect("alter");
    let reader = with_secret.verify(LIVE).await.expect("fewer columns");
    assert!(!reader.is_anonymous);
    assert_eq!(reader.extra_str("softwareBackground"), None);

    // Revocation is seen by the very next request.
    sqlx::query(r#"DELETE FROM "session" WHERE "token" = $1"#)
        .bind(LIVE)
        .execute(&db.pool)
        .await
        .expect("revoke");
    assert_eq!(with_secret.verify(LIVE).await, Err(VerifyError::NoSession));
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable() {
    let url =
        common::servers::closed_port_url("/nothing").await.replace("http://", "postgres://root@");
    let pool = PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_lazy(&url)
        .expect("lazy pool");
    let result = SessionTableVerifier::new(pool).verify(LIVE).await;
    assert!(matches!(result, Err(VerifyError::SessionUnavailable(_))), "{result:?}");
}
