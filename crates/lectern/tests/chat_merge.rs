//! A guest's chats follow them to their account: automatically when that browser signs up
//! or signs in, and through `POST /api/chat/session/merge` for clients that kept the guest's
//! session token themselves.

mod common;

use common::{PASSWORD, TestApp, sign_in, sign_up, sign_up_as, unique_email, with_profile};
use lectern_testkit::{Backend, TestClient, backend_tests};
use lectern_tutor::Answerer;
use serde_json::{Value, json};

async fn guest_with_chats(client: &TestClient, n: usize) -> String {
    let token = client.post("/api/auth/sign-in/anonymous").send().await.assert_ok()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    for i in 0..n {
        let chat = client
            .post("/api/chats")
            .json(&json!({ "title": format!("guest chat {i}") }))
            .send()
            .await
            .json();
        let id = chat["id"].as_str().expect("id");
        let asked = client
            .post(&format!("/api/chats/{id}/messages"))
            .json(&json!({ "content": "What is a ROS 2 node?" }))
            .send()
            .await;
        assert_eq!(asked.status.as_u16(), 200);
    }
    token
}

async fn titles(client: &TestClient) -> Vec<String> {
    let list = client.get("/api/chats").send().await.assert_ok();
    let mut titles: Vec<String> = list["chats"]
        .as_array()
        .expect("chats")
        .iter()
        .filter_map(|c| c["title"].as_str().map(str::to_owned))
        .collect();
    titles.sort();
    titles
}

async fn signing_up_or_in_keeps_the_guests_chats(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    guest_with_chats(&app.client, 2).await;
    sign_up(&app.client).await;
    with_profile(&app.client, "beginner", "none").await;
    assert_eq!(titles(&app.client).await, ["guest chat 0", "guest chat 1"]);
    let first = app.client.get("/api/chats").send().await.assert_ok()["chats"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let messages =
        app.client.get(&format!("/api/chats/{first}")).send().await.assert_ok()["messages"].clone();
    assert_eq!(messages.as_array().map(Vec::len), Some(2), "the messages came too");

    // Signing in to an existing account from a guest session merges as well.
    let other = app.browser();
    let email = unique_email();
    sign_up_as(&other, &email).await;
    with_profile(&other, "beginner", "none").await;
    other.post("/api/auth/sign-out").json(&json!({})).send().await.assert_ok();
    guest_with_chats(&other, 1).await;
    sign_in(&other, &email, PASSWORD).await.assert_ok();
    assert_eq!(titles(&other).await, ["guest chat 0"]);
}

async fn the_explicit_merge_needs_the_guests_token_and_is_idempotent(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let guest = app.browser();
    let token = guest_with_chats(&guest, 3).await;
    let account = app.browser();
    sign_up(&account).await;
    with_profile(&account, "beginner", "none").await;
    let merge = |token: Value| {
        account.post("/api/chat/session/merge").json(&json!({ "guestToken": token })).send()
    };

    merge(json!("not-a-token")).await.assert_error(404, "GUEST_NOT_FOUND");
    merge(json!("")).await.assert_error(404, "GUEST_NOT_FOUND");
    merge(json!("abc!def")).await.assert_error(404, "GUEST_NOT_FOUND");
    merge(json!(42)).await.assert_error(400, "VALIDATION_ERROR");
    let someone = app.browser();
    let real = sign_up(&someone).await["token"].clone();
    merge(real).await.assert_error(400, "NOT_A_GUEST");

    // Two concurrent calls: together they move each chat exactly once.
    let (a, b) = tokio::join!(merge(json!(token)), merge(json!(token)));
    let moved: Vec<u64> =
        [a, b].iter().map(|r| r.assert_ok()["merged"]["chats"].as_u64().expect("count")).collect();
    assert_eq!(moved.iter().sum::<u64>(), 3, "{moved:?}");
    assert_eq!(titles(&account).await, ["guest chat 0", "guest chat 1", "guest chat 2"]);
    // Repeating it succeeds and moves nothing; the guest's session is gone.
    assert_eq!(merge(json!(token)).await.assert_ok(), json!({ "merged": { "chats": 0 } }));
    guest.get("/api/chats").send().await.assert_error(401, "UNAUTHORIZED");
    // The original design's path, and another account with the same (spent) token.
    assert_eq!(
        account
            .post("/api/chatkit/merge")
            .json(&json!({ "guestToken": token }))
            .send()
            .await
            .assert_ok()["merged"]["chats"],
        0
    );
    someone
        .post("/api/chat/session/merge")
        .json(&json!({ "guestToken": token }))
        .send()
        .await
        .assert_error(404, "GUEST_NOT_FOUND");

    // A guest cannot pull another guest's chats.
    let thief = app.browser();
    let victim = guest_with_chats(&app.browser(), 1).await;
    thief.post("/api/auth/sign-in/anonymous").send().await.assert_ok();
    thief
        .post("/api/chat/session/merge")
        .json(&json!({ "guestToken": victim }))
        .send()
        .await
        .assert_error(403, "SIGN_IN_FIRST");
}

backend_tests!(
    signing_up_or_in_keeps_the_guests_chats,
    the_explicit_merge_needs_the_guests_token_and_is_idempotent
);
