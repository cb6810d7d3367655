//! The sidecar topology as separate processes: `--role auth` issues, `--role api` verifies,
//! with each of the three strategies, and a signed-in reader is driven through both.

use std::process::Command;

use lectern_testkit::server::Server;
use lectern_testkit::{Backend, TestDb};
use serde_json::{Value, json};

const SECRET: &str = "roles-test-secret-roles-test-secret-0123";

async fn start(db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lectern"));
    command
        .env("DATABASE_URL", &db.url)
        .env("BETTER_AUTH_SECRET", SECRET)
        .env("LECTERN_RATE_LIMIT", "off")
        .env("LECTERN_INDEX_DIR", std::env::temp_dir().join("lectern-roles-index"))
        .envs(env.iter().copied());
    Server::start(command, args).await
}

struct Reader {
    session_token: String,
    jwt: String,
}

async fn sign_up(auth: &Server) -> (Reader, Value) {
    let client = reqwest::Client::new();
    let email =
        format!("roles-{}@example.com", lectern_auth::ids::random_alphanumeric(8).to_lowercase());
    let res = client
        .post(format!("{}/api/auth/sign-up/email", auth.url))
        .json(&json!({ "name": "Ada", "email": email, "password": "correct horse battery" }))
        .send()
        .await
        .expect("sign up");
    assert_eq!(res.status(), 200);
    let session_token = res.headers()["set-auth-token"].to_str().expect("token").to_owned();
    let user: Value = res.json::<Value>().await.expect("json")["user"].clone();
    let token: Value = client
        .get(format!("{}/api/auth/token", auth.url))
        .bearer_auth(&session_token)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let jwt = token["token"].as_str().expect("jwt").to_owned();
    (Reader { session_token, jwt }, user)
}

async fn me(api: &Server, bearer: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(format!("{}/api/me", api.url))
        .bearer_auth(bearer)
        .send()
        .await
        .expect("me");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_role_verifies_readers_of_an_auth_role_with_each_strategy() {
    let db = TestDb::new(Backend::Postgres).await;
    let auth = start(&db, &["--role", "auth"], &[]).await;
    // The auth role serves no reader API.
    let (status, _) = me(&auth, "anything").await;
    assert_eq!(status, 404);

    let (reader, user) = sign_up(&auth).await;
    let auth_env = [("BETTER_AUTH_URL", auth.url.as_str())];

    let jwks = start(&db, &["--role", "api", "--auth-url", &auth.url], &auth_env).await;
    let (status, body) = me(&jwks, &reader.jwt).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], user["id"]);
    assert_eq!(body["via"], "jwt");
    assert_eq!(me(&jwks, &reader.session_token).await.0, 401, "a session token is not a JWT");
    // The api role serves no identity routes.
    let res = reqwest::get(format!("{}/api/auth/ok", jwks.url)).await.expect("ok");
    assert_eq!(res.status(), 404);

    for strategy in ["introspection", "session-table"] {
        let env = [("BETTER_AUTH_URL", auth.url.as_str()), ("LECTERN_VERIFY", strategy)];
        let api = start(&db, &["--role", "api", "--auth-url", &auth.url], &env).await;
        let (status, body) = me(&api, &reader.session_token).await;
        assert_eq!(status, 200, "{strategy}: {body}");
        assert_eq!(body["user"]["email"], user["email"], "{strategy}");
        assert_eq!(body["via"], "session", "{strategy}");
        assert_eq!(me(&api, "not-a-session").await.0, 401, "{strategy}");
    }

    // Signing out on the auth role: the session strategies see it (the JWT lives on until
    // it expires, which is what JWTs are for).
    let res = reqwest::Client::new()
        .post(format!("{}/api/auth/sign-out", auth.url))
        .bearer_auth(&reader.session_token)
        .send()
        .await
        .expect("sign out");
    assert_eq!(res.status(), 200);
    let env = [("BETTER_AUTH_URL", auth.url.as_str()), ("LECTERN_VERIFY", "session-table")];
    let table = start(&db, &["--role", "api", "--auth-url", &auth.url], &env).await;
    assert_eq!(me(&table, &reader.session_token).await.0, 401);
    assert_eq!(me(&jwks, &reader.jwt).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_all_answers_me_by_session_and_by_jwt() {
    let db = TestDb::new(Backend::Sqlite).await;
    let all = start(&db, &[], &[]).await;
    let (reader, user) = sign_up(&all).await;
    let (status, body) = me(&all, &reader.session_token).await;
    assert_eq!((status, body["via"].clone()), (200, json!("session")), "{body}");
    assert_eq!(body["profileComplete"], false);
    assert_eq!(body["user"]["id"], user["id"]);
    let (status, body) = me(&all, &reader.jwt).await;
    assert_eq!((status, body["via"].clone()), (200, json!("jwt")), "{body}");
    let (status, body) = me(&all, "garbage.token.here").await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "UNAUTHORIZED");
}
