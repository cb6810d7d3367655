//! No endpoint returns, changes or deletes another reader's conversation, message or
//! feedback, even with ids taken from that reader's own responses.

mod common;

use axum::http::Method;
use common::{TestApp, sign_up, with_profile};
use lectern_testkit::{Backend, TestClient, backend_tests};
use lectern_tutor::Answerer;
use serde_json::{Value, json};

struct Reader {
    client: TestClient,
    chats: Vec<String>,
    answers: Vec<(String, String)>,
}

async fn reader_with_chats(app: &TestApp, n: usize) -> Reader {
    let client = app.browser();
    sign_up(&client).await;
    with_profile(&client, "beginner", "none").await;
    let mut reader = Reader { client, chats: Vec::new(), answers: Vec::new() };
    for i in 0..n {
        let chat = reader
            .client
            .post("/api/chats")
            .json(&json!({ "title": format!("chat {i}") }))
            .send()
            .await
            .json();
        let id = chat["id"].as_str().expect("id").to_owned();
        let asked = reader
            .client
            .post(&format!("/api/chats/{id}/messages"))
            .json(&json!({ "content": "What is URDF?" }))
            .send()
            .await;
        let body = String::from_utf8_lossy(&asked.body).into_owned();
        let done = body.rsplit("data: ").next().expect("done event");
        let answer: Value = serde_json::from_str(done.trim()).expect("done data");
        reader
            .answers
            .push((id.clone(), answer["messageId"].as_str().expect("message id").to_owned()));
        reader.chats.push(id);
    }
    reader
}

/// Everything `reader` can see: their chats with all messages and feedback.
async fn snapshot(reader: &Reader) -> Value {
    let mut all = Vec::new();
    for id in &reader.chats {
        all.push(reader.client.get(&format!("/api/chats/{id}")).send().await.assert_ok());
    }
    json!({ "list": reader.client.get("/api/chats").send().await.assert_ok(), "chats": all })
}

async fn readers_never_see_or_touch_each_others_chats(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let ada = reader_with_chats(&app, 3).await;
    let bob = reader_with_chats(&app, 2).await;
    let eve = reader_with_chats(&app, 1).await;
    let (chat, answer) = &ada.answers[0];
    ada.client
        .post(&format!("/api/chats/{chat}/messages/{answer}/feedback"))
        .json(&json!({ "rating": "helpful", "comment": "Ada's" }))
        .send()
        .await
        .assert_ok();
    let ada_before = snapshot(&ada).await;
    let bob_before = snapshot(&bob).await;

    // Eve tries every endpoint with every id Ada and Bob were given.
    for victim in [&ada, &bob] {
        for (chat, message) in &victim.answers {
            let e = &eve.client;
            e.get(&format!("/api/chats/{chat}")).send().await.assert_error(404, "CHAT_NOT_FOUND");
            e.request(Method::PATCH, &format!("/api/chats/{chat}"))
                .json(&json!({ "title": "pwned" }))
                .send()
                .await
                .assert_error(404, "CHAT_NOT_FOUND");
            e.post(&format!("/api/chats/{chat}/messages"))
                .json(&json!({ "content": "hi" }))
                .send()
                .await
                .assert_error(404, "CHAT_NOT_FOUND");
            let rate = json!({ "rating": "not_helpful", "comment": "Eve's" });
            e.post(&format!("/api/chats/{chat}/messages/{message}/feedback"))
                .json(&rate)
                .send()
                .await
                .assert_error(404, "MESSAGE_NOT_FOUND");
            // Her own chat id with their message id: still not theirs to rate.
            let own = &eve.chats[0];
            e.post(&format!("/api/chats/{own}/messages/{message}/feedback"))
                .json(&rate)
                .send()
                .await
                .assert_error(404, "MESSAGE_NOT_FOUND");
            e.post(&format!("/api/chats/{chat}/stop"))
                .send()
                .await
                .assert_error(404, "CHAT_NOT_FOUND");
            e.request(Method::DELETE, &format!("/api/chats/{chat}"))
                .send()
                .await
                .assert_error(404, "CHAT_NOT_FOUND");
            e.get(&format!("/api/chats?cursor={chat}"))
                .send()
                .await
                .assert_error(400, "INVALID_CURSOR");
            let paged =
                e.get(&format!("/api/chats/{own}?cursor={message}")).send().await.assert_ok();
            assert!(
                paged["messages"]
                    .as_array()
                    .is_some_and(|m| m.iter().all(|m| m["content"] != "Ada's"))
            );
        }
    }
    let eve_list = eve.client.get("/api/chats").send().await.assert_ok();
    let ids: Vec<&str> = eve_list["chats"]
        .as_array()
        .expect("chats")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [eve.chats[0].as_str()]);

    assert_eq!(snapshot(&ada).await, ada_before, "Ada's chats are exactly as they were");
    assert_eq!(snapshot(&bob).await, bob_before, "Bob's chats are exactly as they were");
    assert_eq!(ada_before["chats"][0]["messages"][1]["feedback"]["comment"], "Ada's");
}

backend_tests!(readers_never_see_or_touch_each_others_chats);
