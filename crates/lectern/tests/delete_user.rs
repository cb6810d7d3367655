//! Deleting one's account (`POST /delete-user`, `GET /delete-user/callback`): who may, and
//! that nothing of the reader remains in any table afterwards.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use lectern_auth::config::DeleteUser;
use lectern_auth::mail::Mailer;
use lectern_testkit::{Backend, TestClient, TestDb, backend_tests};
use lectern_tutor::Answerer;
use serde_json::{Value, json};

/// A reader with a questionnaire, a chat with a question and its rated answer, and a
/// pending reset token: something in every table that holds reader data.
async fn busy_reader(app: &TestApp, client: &TestClient, email: &str) -> String {
    let id = sign_up_as(client, email).await["user"]["id"].as_str().expect("id").to_owned();
    with_profile(client, "beginner", "none").await;
    let chat = client.post("/api/chats").json(&json!({})).send().await.json()["id"]
        .as_str()
        .expect("chat")
        .to_owned();
    let asked = client
        .post(&format!("/api/chats/{chat}/messages"))
        .json(&json!({ "content": "What is a ROS 2 node?" }))
        .send()
        .await;
    assert_eq!(asked.status.as_u16(), 200);
    let history = client.get(&format!("/api/chats/{chat}")).send().await.assert_ok();
    let answer = history["messages"][1]["id"].as_str().expect("answer id");
    let rated = client
        .post(&format!("/api/chats/{chat}/messages/{answer}/feedback"))
        .json(&json!({ "rating": "helpful" }))
        .send()
        .await;
    assert!(rated.status.is_success(), "{}", String::from_utf8_lossy(&rated.body));
    let now = chrono::Utc::now();
    let reset = format!("reset-password:{}", lectern_auth::ids::random_alphanumeric(24));
    app.auth
        .store
        .create_verification(
            &lectern_auth::ids::generate_id(),
            &reset,
            &id,
            now + chrono::Duration::hours(1),
            now,
        )
        .await
        .expect("token");
    id
}

/// Rows of any table whose text columns mention `needle`, as `table.column` per row.
async fn mentions(db: &TestDb, backend: Backend, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.expect("connect");
            let tables: Vec<(String,)> = sqlx::query_as(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&pool)
            .await
            .expect("tables");
            for (table,) in tables {
                let columns: Vec<(String, String)> = sqlx::query_as(&format!(
                    r#"SELECT name, type FROM pragma_table_info('{table}')"#
                ))
                .fetch_all(&pool)
                .await
                .expect("columns");
                for (column, kind) in
                    columns.into_iter().filter(|(_, k)| k.eq_ignore_ascii_case("text"))
                {
                    let _ = kind;
                    let sql =
                        format!(r#"SELECT count(*) FROM "{table}" WHERE instr("{column}", ?) > 0"#);
                    let (n,): (i64,) =
                        sqlx::query_as(&sql).bind(needle).fetch_one(&pool).await.expect("count");
                    found.extend((0..n).map(|_| format!("{table}.{column}")));
                }
            }
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb')",
            )
            .fetch_all(&pool)
            .await
            .expect("columns");
            assert!(columns.len() > 20, "found the schema's columns");
            for (table, column) in columns {
                let sql = format!(
                    r#"SELECT count(*) FROM "{table}" WHERE strpos("{column}"::text, $1) > 0"#
                );
                let (n,): (i64,) =
                    sqlx::query_as(&sql).bind(needle).fetch_one(&pool).await.expect("count");
                found.extend((0..n).map(|_| format!("{table}.{column}")));
            }
        }
    }
    found
}

async fn deleting_an_account_leaves_nothing_of_it(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let email = unique_email();
    let id = busy_reader(&app, &app.client, &email).await;
    let other = app.browser();
    let other_email = unique_email();
    let other_id = busy_reader(&app, &other, &other_email).await;
    assert!(mentions(&app.db, backend, &id).await.len() >= 7, "the reader is in every table first");

    let res = app
        .client
        .post("/api/auth/delete-user")
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(res.assert_ok(), json!({ "success": true, "message": "User deleted" }));
    assert!(
        res.set_cookies()
            .iter()
            .any(|c| c.starts_with("better-auth.session_token=;") && c.contains("Max-Age=0"))
    );
    // The audit trail keeps the deleted account's id, an opaque one (never its address): that
    // the account existed, and when it was deleted, is what an operator must be able to show.
    app.auth.store.flush_audit().await;
    let (audited, left): (Vec<String>, Vec<String>) = mentions(&app.db, backend, &id)
        .await
        .into_iter()
        .partition(|mention| mention == "audit_event.userId");
    assert_eq!(left, Vec::<String>::new());
    assert!(!audited.is_empty(), "the deletion is in the audit trail");
    assert_eq!(mentions(&app.db, backend, &email).await, Vec::<String>::new());
    assert!(app.client.get("/api/auth/get-session").send().await.json().is_null());
    sign_in(&app.client, &email, PASSWORD).await.assert_error(401, "INVALID_EMAIL_OR_PASSWORD");

    let kept = mentions(&app.db, backend, &other_id).await;
    assert!(kept.len() >= 7, "the other reader keeps everything: {kept:?}");
    let chats = other.get("/api/chats").send().await.assert_ok();
    assert_eq!(chats["chats"].as_array().map(Vec::len), Some(1));
}

async fn deleting_needs_the_password_or_a_fresh_session(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.browser()
        .post("/api/auth/delete-user")
        .json(&json!({}))
        .send()
        .await
        .assert_error(401, "UNAUTHORIZED");
    sign_up(&app.client).await;
    let wrong = app
        .client
        .post("/api/auth/delete-user")
        .json(&json!({ "password": "not the password" }))
        .send()
        .await;
    wrong.assert_error(400, "INVALID_PASSWORD");
    let evil = app
        .client
        .post("/api/auth/delete-user")
        .json(&json!({ "callbackURL": "https://evil.example/" }))
        .send()
        .await;
    evil.assert_error(403, "INVALID_CALLBACK_URL");
    app.client
        .post("/api/auth/delete-user")
        .json(&json!({ "token": "guess" }))
        .send()
        .await
        .assert_error(404, "INVALID_TOKEN");
    assert!(session(&app.client).await["user"].is_object(), "still there after refusals");
    // A fresh session needs no password.
    app.client.post("/api/auth/delete-user").json(&json!({})).send().await.assert_ok();

    let stale = TestApp::with(backend, |c| c.session.fresh_age = Duration::ZERO).await;
    sign_up(&stale.client).await;
    let res = stale.client.post("/api/auth/delete-user").json(&json!({})).send().await;
    res.assert_error(400, "SESSION_EXPIRED");
    stale
        .client
        .post("/api/auth/delete-user")
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .assert_ok();

    let off = TestApp::with(backend, |c| c.delete_user = DeleteUser::Off).await;
    sign_up(&off.client).await;
    off.client
        .post("/api/auth/delete-user")
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .assert_error(404, "NOT_FOUND");
}

/// The deletion link in the outbox's one mail (sent after the answer: polled, bounded 5 s).
async fn mailed_link(dir: &PathBuf) -> String {
    for _ in 0..100 {
        let mail = std::fs::read_dir(dir)
            .expect("outbox")
            .find_map(|e| std::fs::read_to_string(e.ok()?.path()).ok());
        if let Some(mail) = mail {
            let text = mail.replace("=\r\n", "").replace("=3D", "=");
            let start =
                text.find("http://localhost:3000/api/auth/delete-user/callback?").expect("a link");
            return text[start..].split_whitespace().next().expect("link").to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail in {} after 5 s", dir.display());
}

async fn a_mailed_link_confirms_the_deletion(backend: Backend) {
    let dir = outbox();
    let mailer = Mailer::outbox(dir.clone(), "Book <book@example.com>").expect("mailer");
    let app = TestApp::with(backend, |c| {
        c.mail = Some(mailer);
        c.delete_user = DeleteUser::Mail;
    })
    .await;
    let email = unique_email();
    let id = sign_up_as(&app.client, &email).await["user"]["id"].as_str().expect("id").to_owned();
    let res = app
        .client
        .post("/api/auth/delete-user")
        .json(&json!({ "callbackURL": "/goodbye" }))
        .send()
        .await;
    assert_eq!(res.assert_ok(), json!({ "success": true, "message": "Verification email sent" }));
    let link = mailed_link(&dir).await;
    let path = link.strip_prefix("http://localhost:3000").expect("ours");
    assert!(session(&app.client).await["user"].is_object(), "nothing happens before the link");

    // Opened by someone else (signed in as another reader, or not at all): refused.
    app.browser().get(path).send().await.assert_error(404, "FAILED_TO_GET_USER_INFO");
    let intruder = app.browser();
    sign_up(&intruder).await;
    intruder.get(path).send().await.assert_error(404, "INVALID_TOKEN");
    let res = app.client.get(path).send().await;
    assert_eq!((res.status.as_u16(), res.header("location")), (302, Some("/goodbye")));
    assert!(app.auth.store.find_user(&lectern_store::UserId(id)).await.expect("read").is_none());
    let reused: Value = app.client.get(path).send().await.json();
    assert_eq!(reused["code"], "FAILED_TO_GET_USER_INFO", "the session went with the account");
}

backend_tests!(
    deleting_an_account_leaves_nothing_of_it,
    deleting_needs_the_password_or_a_fresh_session,
    a_mailed_link_confirms_the_deletion,
);
