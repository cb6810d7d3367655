//! The command line, run as a user runs it: as a separate process.

use std::process::Command;

use lectern_testkit::{Backend, TestDb};

fn lectern(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("BETTER_AUTH_SECRET", "cli-test-secret-cli-test-secret-0123")
        .env_remove("LECTERN_ENV")
        .output()
        .expect("run lectern")
}

#[tokio::test]
async fn keys_rotate_and_list() {
    let db = TestDb::new(Backend::Sqlite).await;
    let migrate = lectern(&db, &["migrate"]);
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    for _ in 0..2 {
        let rotate = lectern(&db, &["keys", "rotate", "--grace", "1h"]);
        assert!(rotate.status.success(), "{}", String::from_utf8_lossy(&rotate.stderr));
    }
    let list = lectern(&db, &["keys", "list"]);
    let out = String::from_utf8_lossy(&list.stdout);
    assert_eq!(out.matches("signing").count(), 1, "{out}");
    assert_eq!(out.matches("retired, in the JWKS until").count(), 1, "{out}");

    let bad = lectern(&db, &["keys", "rotate", "--grace", "soon"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a duration"));
}

#[tokio::test]
async fn production_refuses_the_development_secret_and_healthcheck_fails_without_a_server() {
    let db = TestDb::new(Backend::Sqlite).await;
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("DATABASE_URL", &db.url)
        .env("LECTERN_ENV", "production")
        .env_remove("BETTER_AUTH_SECRET")
        .env_remove("LECTERN_SECRET")
        .output()
        .expect("run lectern");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("BETTER_AUTH_SECRET must be set"));

    // Nothing listens on port 9 of loopback (discard): the check must say so.
    let health = lectern(&db, &["healthcheck", "--addr", "127.0.0.1:9"]);
    assert!(!health.status.success());
}

#[tokio::test]
async fn an_unreachable_redis_stops_the_start_and_its_url_stays_out_of_the_log() {
    let db = TestDb::new(Backend::Sqlite).await;
    // Nothing listens on port 9 of loopback.
    let out = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("DATABASE_URL", &db.url)
        .env("REDIS_URL", "redis://:hunter2-redis-password@127.0.0.1:9")
        .env_remove("LECTERN_ENV")
        .env_remove("LECTERN_RATE_LIMIT")
        .output()
        .expect("run lectern");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("REDIS_URL: cannot connect"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!format!("{stdout}{stderr}").contains("hunter2"), "the password was printed");
}

/// `lectern admin grant EMAIL` on both backends: refused for an address without an account,
/// then the account's `role` becomes `admin`, recorded in the audit trail.
async fn admin_grant(backend: Backend) {
    let db = TestDb::new(backend).await;
    let help = lectern(&db, &["admin", "grant", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("admin role"), "{help:?}");
    let store = lectern::serve::connect(&db.url).await.expect("connect");
    let missing = lectern(&db, &["admin", "grant", "nobody@example.com"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no account"), "{missing:?}");
    let now = chrono::Utc::now();
    let user = lectern_store::User {
        id: lectern_store::UserId("grant-me".into()),
        name: "Ada".into(),
        email: "ada@example.com".into(),
        email_verified: true,
        image: None,
        created_at: now,
        updated_at: now,
        is_anonymous: Some(false),
        software_background: None,
        hardware_background: None,
        role: Some("user".into()),
        banned: Some(false),
        ban_reason: None,
        ban_expires: None,
    };
    store.create_user(&user, None).await.expect("user");
    let granted = lectern(&db, &["admin", "grant", "Ada@Example.com"]);
    assert!(granted.status.success(), "{}", String::from_utf8_lossy(&granted.stderr));
    assert!(String::from_utf8_lossy(&granted.stdout).contains("is now an admin"));
    let row = store.find_user(&user.id).await.expect("read").expect("user");
    assert_eq!(row.role.as_deref(), Some("admin"));
    assert!(row.is_admin());
    let since = now - chrono::Duration::minutes(5);
    let events = store.audit_events(Some(&user.id), since, 10).await.expect("audit");
    assert!(events.iter().any(|e| e.event == "role_change"), "{events:?}");
}

mod admin_cli {
    lectern_testkit::backend_tests!(admin_grant);
    use super::admin_grant;
}
