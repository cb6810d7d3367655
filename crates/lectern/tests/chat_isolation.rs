//! No endpoint returns, changes or deletes another reader's conversation, message or
//! feedback, even with ids taken from that reader's own responses.

mod common;

use axum::http::Method;
use common::{TestApp, sign_up, with_profile};
use lectern_testkit::{Backend, TestClient, TestResponse, backend_tests};
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
            chatkit_is_isolated_too(&eve, chat, message).await;
        }
    }
    let eve_threads = chatkit(&eve.client, "threads.list", json!({})).await.assert_ok();
    let ids: Vec<&Value> =
        eve_threads["data"].as_array().expect("data").iter().map(|t| &t["id"]).collect();
    assert_eq!(ids, [&json!(eve.chats[0])], "ChatKit lists only her own threads");
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

async fn chatkit(client: &TestClient, kind: &str, params: Value) -> TestResponse {
    client.post("/chatkit").json(&json!({ "type": kind, "params": params })).send().await
}

/// The ChatKit requests Eve could try with another reader's thread and item ids: each is
/// refused as the reader API refuses it (JSON with the status, or a stream's one error).
async fn chatkit_is_isolated_too(eve: &Reader, chat: &str, message: &str) {
    let own = &eve.chats[0];
    let refused = |res: TestResponse, status: u16, code: &str| {
        let body = if res.header("content-type") == Some("text/event-stream") {
            assert_eq!(status, 404, "streamed errors are for streaming requests");
            let text = String::from_utf8_lossy(&res.body).into_owned();
            let data = text
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .expect("an event")
                .trim()
                .to_owned();
            serde_json::from_str::<Value>(&data).expect("JSON event")
        } else {
            assert_eq!(res.status.as_u16(), status, "{}", String::from_utf8_lossy(&res.body));
            res.json()
        };
        assert_eq!(
            (body["type"].as_str(), body["lectern_code"].as_str()),
            (Some("error"), Some(code)),
            "{body}"
        );
    };
    let c = &eve.client;
    for kind in ["threads.get_by_id", "threads.delete", "items.list"] {
        refused(chatkit(c, kind, json!({ "thread_id": chat })).await, 404, "CHAT_NOT_FOUND");
    }
    let renamed =
        chatkit(c, "threads.update", json!({ "thread_id": chat, "title": "pwned" })).await;
    refused(renamed, 404, "CHAT_NOT_FOUND");
    let rated = json!({ "thread_id": chat, "item_ids": [message], "kind": "negative" });
    refused(chatkit(c, "items.feedback", rated).await, 404, "CHAT_NOT_FOUND");
    let rated = json!({ "thread_id": own, "item_ids": [message], "kind": "negative" });
    refused(chatkit(c, "items.feedback", rated).await, 404, "MESSAGE_NOT_FOUND");
    let input = json!({ "content": [{ "type": "input_text", "text": "hi" }], "attachments": [], "inference_options": {} });
    let added =
        chatkit(c, "threads.add_user_message", json!({ "thread_id": chat, "input": input })).await;
    refused(added, 404, "CHAT_NOT_FOUND");
    let retried =
        chatkit(c, "threads.retry_after_item", json!({ "thread_id": chat, "item_id": message }))
            .await;
    refused(retried, 404, "CHAT_NOT_FOUND");
    // Her own thread with their item id: not hers to answer again, nor a page cursor that
    // shows their messages.
    let retried =
        chatkit(c, "threads.retry_after_item", json!({ "thread_id": own, "item_id": message }))
            .await;
    refused(retried, 404, "MESSAGE_NOT_FOUND");
    let paged =
        chatkit(c, "items.list", json!({ "thread_id": own, "after": message, "order": "asc" }))
            .await
            .assert_ok();
    assert!(
        paged["data"].as_array().is_some_and(|d| d.iter().all(|i| i["thread_id"] == json!(own))),
        "{paged}"
    );
}

backend_tests!(readers_never_see_or_touch_each_others_chats);
