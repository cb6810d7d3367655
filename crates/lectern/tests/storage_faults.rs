//! The embedded default, SQLite in WAL mode, on a disk that fills up and then gets space
//! back, all in one process (GitHub issue 18). SQLite only: PostgreSQL's storage faults are
//! tested with its server.
//!
//! What these tests prove: while the disk is full every write is refused promptly with
//! `503 STORAGE_UNAVAILABLE` and a `Retry-After`, never a 500, never a wait on a lock, and
//! never a 200 for something that is not stored; reads keep working; an answer that cannot
//! be saved ends in an `error` event (not `done`) and is recorded as interrupted later; and
//! once the disk has room again the same process stores writes for real: they survive a
//! restart and the database passes SQLite's integrity check.
//!
//! The disk is a tmpfs of its own (mounting needs root, as tests have on every development
//! and CI machine). It is filled only after the setup, so migrations and the setup's writes
//! fit; SQLite's WAL grows with every commit until a checkpoint (at 1000 pages, about
//! 4 MiB), so the first commit after the fill needs space it cannot get.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{PASSWORD, TestApp, sign_in, tutor_reading, unique_email, with_profile};
use lectern_store::{ChatId, Order, Store, StoreOptions, UserId};
use lectern_testkit::llm::{FakeLlm, Reply};
use lectern_testkit::tmpfs::Tmpfs;
use lectern_testkit::{TestClient, TestResponse, TestStream};
use lectern_tutor::{Answerer, OpenAiConfig};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// Room for the migrations, the setup and a WAL that has not been checkpointed yet.
const DISK: u64 = 8 << 20;
/// Well under SQLite's 5 s busy timeout: a refusal must not come from waiting on a lock.
/// A guard against lock waits, not a performance requirement.
const PROMPT: Duration = Duration::from_secs(4);
/// How long an answer that could not be saved may take to be recorded once there is room.
const RECORDED_WITHIN: Duration = Duration::from_secs(20);

fn sqlite_on(disk: &Tmpfs) -> String {
    format!("sqlite://{}/lectern.db", disk.path().display())
}

fn text(res: &TestResponse) -> String {
    String::from_utf8_lossy(&res.body).into_owned()
}

/// A storage refusal as the API promises it: 503, `STORAGE_UNAVAILABLE`, and when to retry.
#[track_caller]
fn assert_storage_unavailable(res: &TestResponse) {
    res.assert_error(503, "STORAGE_UNAVAILABLE");
    let retry = res.header("retry-after");
    assert!(
        retry.is_some_and(|s| s.parse::<u64>().is_ok()),
        "Retry-After must be whole seconds, got {retry:?}"
    );
}

/// Signs `email` up from a browser of its own. Returns whether the server accepted it (200);
/// a refusal must be a prompt 503 `STORAGE_UNAVAILABLE`; anything else fails the test.
async fn try_sign_up(app: &TestApp, email: &str) -> bool {
    let browser = app.browser();
    let started = Instant::now();
    let res = browser
        .post("/api/auth/sign-up/email")
        .json(&json!({ "name": "Ada", "email": email, "password": PASSWORD }))
        .send()
        .await;
    let took = started.elapsed();
    assert!(took < PROMPT, "the sign-up of {email} took {took:?} (a lock wait?): {}", text(&res));
    match res.status.as_u16() {
        200 => {
            assert_eq!(res.json()["user"]["email"], email, "{}", text(&res));
            true
        }
        503 => {
            assert_storage_unavailable(&res);
            false
        }
        other => panic!("the sign-up of {email} answered {other}, not 200 or 503: {}", text(&res)),
    }
}

async fn new_chat(client: &TestClient) -> String {
    let res = client.post("/api/chats").json(&json!({})).send().await;
    assert_eq!(res.status.as_u16(), 201, "{}", text(&res));
    res.json()["id"].as_str().expect("id").to_owned()
}

/// A reader with a session, a profile and one chat; returns the chat's id.
async fn reader_with_a_chat(client: &TestClient, email: &str) -> String {
    let res = client
        .post("/api/auth/sign-up/email")
        .json(&json!({ "name": "Ada", "email": email, "password": PASSWORD }))
        .send()
        .await;
    res.assert_ok();
    with_profile(client, "intermediate", "none").await;
    new_chat(client).await
}

/// Closes the app's store and drops the app, as a process that ends, and opens the same
/// database afresh.
async fn restart(app: TestApp) -> Store {
    let url = app.db.url.clone();
    app.auth.store.close().await;
    drop(app);
    Store::connect(&url, &StoreOptions::default()).await.expect("reopen the database")
}

/// SQLite's own check of the file: `ok`, or what is wrong with it.
async fn integrity(url: &str) -> String {
    let pool = sqlx::SqlitePool::connect(url).await.expect("open the database");
    let check = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await;
    pool.close().await;
    check.expect("PRAGMA integrity_check")
}

/// Proves that a full disk turns sign-ups into prompt 503s (never a 500, never a lock wait,
/// never a 200 that is not stored) while a signed-in reader keeps reading, and that the same
/// process stores sign-ups again once there is room: every acknowledged reader signs in, and
/// is still there after a restart on a database that passes the integrity check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_while_the_disk_is_full() {
    let disk = Tmpfs::mount(DISK);
    let url = sqlite_on(&disk);
    let app = TestApp::on_database(&url, lectern::Reading::default()).await;
    let a = app.browser();
    let a_email = unique_email();
    let chat = reader_with_a_chat(&a, &a_email).await;
    let mut accepted = vec![a_email.clone()];

    disk.fill();
    let mut refused = 0;
    for _ in 0..10 {
        let email = unique_email();
        if try_sign_up(&app, &email).await {
            accepted.push(email);
        } else {
            refused += 1;
        }
    }
    assert!(refused > 0, "no sign-up was refused: the disk was not full");

    // Reads do not need the disk to take writes.
    let session = a.get("/api/auth/get-session").send().await.assert_ok();
    assert_eq!(session["user"]["email"], a_email.as_str(), "{session}");
    a.get("/api/user/profile").send().await.assert_ok();
    let chats = a.get("/api/chats").send().await.assert_ok();
    assert_eq!(chats["chats"][0]["id"], chat.as_str(), "{chats}");
    // A sign-in writes a session: accepted, or refused the same way as a sign-up.
    let started = Instant::now();
    let res = sign_in(&a, &a_email, PASSWORD).await;
    assert!(started.elapsed() < PROMPT, "the sign-in took {:?}", started.elapsed());
    if res.status.as_u16() != 200 {
        assert_storage_unavailable(&res);
    }

    disk.free();
    for _ in 0..10 {
        let email = unique_email();
        assert!(try_sign_up(&app, &email).await, "{email} refused with room on the disk");
        accepted.push(email);
    }
    for email in &accepted {
        sign_in(&app.browser(), email, PASSWORD).await.assert_ok();
    }

    let store = restart(app).await;
    for email in &accepted {
        let found = store.find_login(email).await.expect("read a user");
        assert!(found.is_some(), "{email} was acknowledged with a 200 but is not stored");
    }
    store.close().await;
    assert_eq!(integrity(&url).await, "ok");
}

/// Asks in `chat`, reading the answer as it streams.
async fn ask(client: &TestClient, chat: &str, question: &str) -> TestStream {
    client
        .post(&format!("/api/chats/{chat}/messages"))
        .json(&json!({ "content": question }))
        .stream()
        .await
}

/// The events still to come, to the end of the stream, with their data as JSON.
async fn rest(stream: &mut TestStream) -> Vec<(String, Value)> {
    let mut events = Vec::new();
    while let Some((event, data)) = stream.next_event().await {
        events.push((event, serde_json::from_str(&data).expect("JSON data")));
    }
    events
}

/// Polls the chat (bounded) until its answer is no longer `streaming`; fails the moment it
/// says `complete`, since it was never saved as such.
async fn recorded_answer(client: &TestClient, chat: &str) -> Value {
    let deadline = Instant::now() + RECORDED_WITHIN;
    loop {
        let history = client.get(&format!("/api/chats/{chat}")).send().await.assert_ok();
        let answer = &history["messages"][1];
        assert_ne!(answer["status"], "complete", "an unsaved answer shown complete: {history}");
        if answer["status"] != "streaming" {
            return history;
        }
        assert!(Instant::now() < deadline, "not recorded in {RECORDED_WITHIN:?}: {history}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Proves that an answer whose end cannot be saved is never reported `done` nor shown
/// `complete`: the reader gets an `error` event with `STORAGE_UNAVAILABLE`, a question asked
/// meanwhile gets a plain 503, and once there is room the answer is recorded `interrupted`
/// in the background and the chat goes on, with the next answer stored for real.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_finishing_while_the_disk_is_full() {
    let disk = Tmpfs::mount(DISK);
    let url = sqlite_on(&disk);
    let release = Arc::new(Notify::new());
    let before = vec!["The first half, ".to_owned()];
    let after = vec!["and the second.".to_owned()];
    let llm = FakeLlm::start(Reply::Held { before, after, release: release.clone() }).await;
    let config = OpenAiConfig::new(llm.base_url(), "tutor-model");
    let answerer = Answerer::openai(config).expect("config");
    let app = TestApp::on_database(&url, tutor_reading(answerer)).await;
    let client = app.browser();
    let chat = reader_with_a_chat(&client, &unique_email()).await;
    let owner = client.get("/api/auth/get-session").send().await.assert_ok()["user"]["id"]
        .as_str()
        .map(str::to_owned)
        .expect("user id");

    let mut answer = ask(&client, &chat, "What is URDF?").await;
    assert_eq!(answer.status.as_u16(), 200);
    loop {
        let (event, data) = answer.next_event().await.expect("a token before the end");
        assert!(event == "sources" || event == "token", "{event}: {data}");
        if event == "token" {
            break;
        }
    }
    disk.fill();
    release.notify_one();
    let events = rest(&mut answer).await;
    assert!(events.iter().all(|(e, _)| e != "done"), "done for an unsaved answer: {events:?}");
    let (last, data) = events.last().expect("an event after the release");
    assert_eq!((last.as_str(), data["code"].as_str()), ("error", Some("STORAGE_UNAVAILABLE")));

    // Asking now fails before any stream: the question cannot be stored.
    llm.set_reply(Reply::chunks(["Not asked."]));
    let started = Instant::now();
    let refused = client
        .post(&format!("/api/chats/{chat}/messages"))
        .json(&json!({ "content": "And xacro?" }))
        .send()
        .await;
    assert!(started.elapsed() < PROMPT, "the refusal took {:?}", started.elapsed());
    assert_storage_unavailable(&refused);

    disk.free();
    let history = recorded_answer(&client, &chat).await;
    let messages = history["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2, "the question and its answer, nothing else: {history}");
    assert_eq!(
        (messages[0]["role"].as_str(), messages[0]["content"].as_str()),
        (Some("user"), Some("What is URDF?"))
    );
    assert_eq!(
        (messages[1]["status"].as_str(), messages[1]["error"].as_str()),
        (Some("interrupted"), Some("STORAGE_UNAVAILABLE")),
        "{history}"
    );

    llm.set_reply(Reply::chunks(["Fine now."]));
    let events = rest(&mut ask(&client, &chat, "Try again?").await).await;
    let (last, data) = events.last().expect("an event");
    assert_eq!(last, "done", "{events:?}");
    let done = data["messageId"].as_str().expect("messageId").to_owned();

    let store = restart(app).await;
    let stored = store
        .messages(&UserId(owner), &ChatId(chat), Order::Desc, None, 10)
        .await
        .expect("read the history");
    let status =
        |id: &str| stored.iter().find(|m| m.message.id.0 == id).map(|m| m.message.status.as_str());
    let unsaved = messages[1]["id"].as_str().expect("id");
    assert_eq!(status(&done), Some("complete"), "{stored:?}");
    assert_eq!(status(unsaved), Some("interrupted"), "{stored:?}");
    store.close().await;
    assert_eq!(integrity(&url).await, "ok");
}
