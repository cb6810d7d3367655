//! Passwords written by Better Auth sign in unchanged, and a database that holds Better Auth
//! hashes keeps getting hashes Better Auth can read (so a team can roll back).

mod common;

use common::{ORIGIN, SECRET, TestApp, sign_in, sign_up_as, unique_email};
use lectern::config::Config;
use lectern_auth::password::{self, HashAlgorithm};
use lectern_auth::{AuthConfig, Secret, ids};
use lectern_store::{CredentialAccount, User, UserId};
use lectern_testkit::{Backend, TestClient, TestDb, backend_tests};

/// `hashPassword("correct horse battery")` from Better Auth 1.7.24.
const BETTER_AUTH_HASH: &str =
    include_str!("../../lectern-auth/tests/fixtures/better-auth-scrypt.txt");
const BETTER_AUTH_PASSWORD: &str = "correct horse battery";

fn config(db: &TestDb, password_hash: Option<HashAlgorithm>) -> Config {
    let vars = std::collections::HashMap::from([("DATABASE_URL", db.url.as_str())]);
    let addr = "127.0.0.1:0".parse().expect("addr");
    let mut config = Config::from_vars(addr, &vars).expect("the defaults");
    config.auth = AuthConfig::development(ORIGIN, Secret::new(SECRET));
    config.auth.rate_limit = false;
    config.password_hash = password_hash;
    config.cleanup_every = None;
    config
}

/// A user as a Better Auth server would have left it in the shared database.
async fn better_auth_user(db: &TestDb, email: &str) {
    let store = lectern::serve::connect(&db.url).await.expect("connect");
    let now = lectern_auth::wire::now();
    let user = User {
        id: UserId(ids::generate_id()),
        name: "Node user".into(),
        email: email.into(),
        email_verified: false,
        image: None,
        created_at: now,
        updated_at: now,
        is_anonymous: None,
        software_background: None,
        hardware_background: None,
        role: Some(lectern_store::DEFAULT_ROLE.into()),
        banned: Some(false),
        ban_reason: None,
        ban_expires: None,
    };
    let account = CredentialAccount {
        id: ids::generate_id(),
        user_id: user.id.clone(),
        password_hash: BETTER_AUTH_HASH.trim().into(),
        created_at: now,
    };
    store.create_user_with_password(&user, &account, None).await.expect("insert");
}

async fn stored_hash(auth: &lectern_auth::Auth, email: &str) -> String {
    let (user, _) = auth.store.find_login(email).await.expect("query").expect("user");
    auth.store.credential_account(&user.id).await.expect("query").expect("account").password_hash
}

async fn better_auth_users_sign_in_and_new_hashes_stay_readable(backend: Backend) {
    let db = TestDb::new(backend).await;
    let old = unique_email();
    better_auth_user(&db, &old).await;
    let auth = lectern::serve::state(&config(&db, None)).await.expect("state");
    assert_eq!(
        auth.config.password_hash,
        HashAlgorithm::Scrypt,
        "the database holds Better Auth hashes"
    );
    let client = TestClient::new(lectern::app(auth.clone()), Some(ORIGIN));

    sign_in(&client, &old, BETTER_AUTH_PASSWORD).await.assert_ok();
    sign_in(&client, &old, "correct horse batterz")
        .await
        .assert_error(401, "INVALID_EMAIL_OR_PASSWORD");
    assert_eq!(stored_hash(&auth, &old).await, BETTER_AUTH_HASH.trim(), "never rehashed silently");

    let new = unique_email();
    sign_up_as(&client, &new).await;
    assert!(password::is_better_auth_format(&stored_hash(&auth, &new).await));
}

async fn a_fresh_database_uses_argon2id_unless_told_otherwise(backend: Backend) {
    let db = TestDb::new(backend).await;
    let auth = lectern::serve::state(&config(&db, None)).await.expect("state");
    assert_eq!(auth.config.password_hash, HashAlgorithm::Argon2id);
    let client = TestClient::new(lectern::app(auth.clone()), Some(ORIGIN));
    let email = unique_email();
    sign_up_as(&client, &email).await;
    assert!(stored_hash(&auth, &email).await.starts_with("$argon2id$"));

    let forced =
        lectern::serve::state(&config(&db, Some(HashAlgorithm::Scrypt))).await.expect("state");
    assert_eq!(forced.config.password_hash, HashAlgorithm::Scrypt, "LECTERN_PASSWORD_HASH wins");
}

/// A sign-in storm larger than the hashing pool: with one thread, two sign-ins hash (one
/// running, one ready), one waits for a turn, and one more than the queue of one holds is
/// refused at once with Better Auth's error shape and `Retry-After`; the waiter then signs in.
async fn sign_ins_beyond_the_hashing_pool_wait_their_turn_or_are_shed(backend: Backend) {
    let app = TestApp::with(backend, |config| {
        config.hash_workers = 1;
        config.hash_queue = 1;
        config.hash_wait = std::time::Duration::from_secs(120);
    })
    .await;
    let emails: Vec<String> = (0..4).map(|_| unique_email()).collect();
    for email in &emails {
        sign_up_as(&app.browser(), email).await;
    }
    // Polled in order on one task: every request asks for its turn before the first hash
    // (hundreds of milliseconds in a test build) can end.
    let answers = futures_util::future::join_all(
        emails.iter().map(|email| async { sign_in(&app.browser(), email, common::PASSWORD).await }),
    )
    .await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [200, 200, 200, 503], "two hash, one waits and signs in, one is shed");
    let shed = &answers[3];
    shed.assert_error(503, "SERVER_BUSY");
    assert_eq!(shed.header("retry-after"), Some("1"));
}

backend_tests!(
    better_auth_users_sign_in_and_new_hashes_stay_readable,
    a_fresh_database_uses_argon2id_unless_told_otherwise,
    sign_ins_beyond_the_hashing_pool_wait_their_turn_or_are_shed,
);
