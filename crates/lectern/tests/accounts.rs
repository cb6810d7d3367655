//! Linked accounts (`list-accounts`, `unlink-account`), and the flows that need mail, which
//! answer as Better Auth does when none is configured.

mod common;

use common::{TestApp, sign_up};
use lectern_testkit::{Backend, TestClient, TestDb, TestResponse, backend_tests};
use serde_json::{Value, json};

/// A GitHub account linked to `user`, as a Better Auth server with social sign-in would
/// have written it on a shared database.
async fn link_github(db: &TestDb, backend: Backend, user: &str) -> String {
    let id = format!("gh-{user}");
    let sql = r#"INSERT INTO "account" ("id", "accountId", "providerId", "userId", "accessToken", "scope", "createdAt", "updatedAt") VALUES ($1, '4242', 'github', $2, 'gho_secret', 'read:user, user:email', $3, $3)"#;
    let now = chrono::Utc::now();
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.expect("connect");
            sqlx::query(sql).bind(&id).bind(user).bind(now).execute(&pool).await.expect("insert");
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
            sqlx::query(sql).bind(&id).bind(user).bind(now).execute(&pool).await.expect("insert");
        }
    }
    id
}

async fn accounts(client: &TestClient) -> Vec<Value> {
    let list = client.get("/api/auth/list-accounts").send().await.assert_ok();
    list.as_array().expect("an array").clone()
}

async fn unlink(client: &TestClient, account: &str) -> TestResponse {
    client.post("/api/auth/unlink-account").json(&json!({ "accountId": account })).send().await
}

async fn accounts_are_listed_without_secrets_and_the_last_cannot_go(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = sign_up(&app.client).await["user"]["id"].as_str().expect("id").to_owned();
    let list = accounts(&app.client).await;
    assert_eq!(list.len(), 1);
    let credential = &list[0];
    let keys: Vec<&str> =
        credential.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["accountId", "providerId", "userId", "createdAt", "updatedAt", "id", "scopes"]
    );
    assert_eq!(credential["providerId"], "credential");
    assert_eq!(credential["accountId"], user.as_str());
    assert_eq!(credential["scopes"], json!([]));
    let credential_id = credential["id"].as_str().expect("id").to_owned();
    unlink(&app.client, &credential_id).await.assert_error(400, "FAILED_TO_UNLINK_LAST_ACCOUNT");

    let github = link_github(&app.db, backend, &user).await;
    let list = accounts(&app.client).await;
    assert_eq!(list.len(), 2);
    let linked = list.iter().find(|a| a["providerId"] == "github").expect("github listed");
    assert_eq!(linked["scopes"], json!(["read:user", "user:email"]));
    assert!(!linked.to_string().contains("gho_secret"), "provider tokens are never shown");

    unlink(&app.client, "not-an-account").await.assert_error(400, "ACCOUNT_NOT_FOUND");
    assert_eq!(unlink(&app.client, &github).await.assert_ok(), json!({ "status": true }));
    assert_eq!(accounts(&app.client).await.len(), 1);
    unlink(&app.client, &credential_id).await.assert_error(400, "FAILED_TO_UNLINK_LAST_ACCOUNT");
}

async fn one_reader_cannot_unlink_anothers_account(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = sign_up(&app.client).await["user"]["id"].as_str().expect("id").to_owned();
    let github = link_github(&app.db, backend, &ada).await;
    let mallory = app.browser();
    let mallory_id = sign_up(&mallory).await["user"]["id"].as_str().expect("id").to_owned();
    link_github(&app.db, backend, &mallory_id).await;
    unlink(&mallory, &github).await.assert_error(400, "ACCOUNT_NOT_FOUND");
    assert_eq!(accounts(&app.client).await.len(), 2, "Ada's accounts are untouched");
    assert!(accounts(&mallory).await.iter().all(|a| a["userId"] == mallory_id.as_str()));
    app.client.clear_cookies();
    app.client.get("/api/auth/list-accounts").send().await.assert_error(401, "UNAUTHORIZED");
}

async fn mail_flows_answer_as_an_unconfigured_better_auth(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let post = |path: &'static str, body: Value| {
        let client = &app.client;
        async move { client.post(path).json(&body).send().await }
    };
    post("/api/auth/change-email", json!({ "newEmail": "new@example.com" }))
        .await
        .assert_error(400, "CHANGE_EMAIL_DISABLED");
    post("/api/auth/change-email", json!({ "newEmail": "nope" }))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    post("/api/auth/request-password-reset", json!({ "email": "a@example.com" }))
        .await
        .assert_error(400, "RESET_PASSWORD_DISABLED");
    post(
        "/api/auth/request-password-reset",
        json!({ "email": "a@example.com", "redirectTo": "https://evil.example" }),
    )
    .await
    .assert_error(403, "INVALID_REDIRECT_URL");
    post("/api/auth/send-verification-email", json!({ "email": "a@example.com" }))
        .await
        .assert_error(400, "VERIFICATION_EMAIL_NOT_ENABLED");
    post("/api/auth/reset-password", json!({ "newPassword": "short", "token": "t" }))
        .await
        .assert_error(400, "PASSWORD_TOO_SHORT");
    post("/api/auth/reset-password", json!({ "newPassword": "long enough now", "token": "t" }))
        .await
        .assert_error(400, "INVALID_TOKEN");
    post("/api/auth/reset-password", json!({ "newPassword": "short" }))
        .await
        .assert_error(400, "INVALID_TOKEN");
    let link = app
        .client
        .get("/api/auth/reset-password/t?callbackURL=%2Freset%3Ferror%3Dold")
        .send()
        .await;
    assert_eq!(link.status.as_u16(), 302);
    assert_eq!(link.header("location"), Some("http://localhost:3000/reset?error=INVALID_TOKEN"));
    app.client
        .get("/api/auth/verify-email?token=t")
        .send()
        .await
        .assert_error(401, "INVALID_TOKEN");
    let back = app.client.get("/api/auth/verify-email?token=t&callbackURL=%2Fdone").send().await;
    assert_eq!(back.status.as_u16(), 302);
    assert_eq!(back.header("location"), Some("/done?error=INVALID_TOKEN"));
    app.client
        .get("/api/auth/verify-email?token=t&callbackURL=https%3A%2F%2Fevil.example%2F")
        .send()
        .await
        .assert_error(403, "INVALID_CALLBACK_URL");
}

backend_tests!(
    accounts_are_listed_without_secrets_and_the_last_cannot_go,
    one_reader_cannot_unlink_anothers_account,
    mail_flows_answer_as_an_unconfigured_better_auth,
);
