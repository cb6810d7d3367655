//! `POST /chatkit` through the real router, on SQLite and PostgreSQL: one history with the
//! reader API (written through either, read through the other), the gate, the guest merge,
//! a failing model, and bad requests answered in the SDK's error shape, never a 500. The
//! isolation of readers is in `chat_isolation.rs`; the SDK's own models parse these answers
//! in `tests/chatkit`.

mod common;

use std::time::Duration;

use common::{TestApp, sign_up, with_profile};
use lectern_testkit::llm::{FakeLlm, Reply};
use lectern_testkit::{Backend, TestClient, TestResponse, backend_tests};
use lectern_tutor::{Answerer, OpenAiConfig};
use serde_json::{Value, json};

async fn reader(app: &TestApp) -> TestClient {
    let client = app.browser();
    sign_up(&client).await;
    with_profile(&client, "beginner", "none").await;
    client
}

async fn send(client: &TestClient, kind: &str, params: Value) -> TestResponse {
    client
        .post("/chatkit")
        .json(&json!({ "type": kind, "params": params, "metadata": {} }))
        .send()
        .await
}

/// A streamed answer's events (`data: <json>` each), checking it is a stream.
fn events(res: &TestResponse) -> Vec<Value> {
    assert_eq!(res.status.as_u16(), 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("content-type"), Some("text/event-stream"));
    String::from_utf8_lossy(&res.body)
        .split("\n\n")
        .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("data:")))
        .map(|data| serde_json::from_str(data.trim()).expect("JSON event"))
        .collect()
}

/// The events' types, with an update's own type after a colon.
fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e["update"]["type"].as_str() {
            Some(update) => format!("{}:{update}", e["type"].as_str().unwrap_or("")),
            None => e["type"].as_str().unwrap_or("").to_owned(),
        })
        .collect()
}

/// A JSON answer that is the SDK's error event, with Lectern's code.
fn assert_error(res: &TestResponse, status: u16, code: &str) {
    assert_eq!(res.status.as_u16(), status, "{}", String::from_utf8_lossy(&res.body));
    let body = res.json();
    assert_eq!((body["type"].as_str(), body["code"].as_str()), (Some("error"), Some("custom")));
    assert_eq!(body["lectern_code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

/// A stream whose one event is the SDK's error event, with Lectern's code.
fn assert_stream_error(res: &TestResponse, code: &str) {
    let events = events(res);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (events[0]["type"].as_str(), events[0]["code"].as_str()),
        (Some("error"), Some("custom"))
    );
    assert_eq!(events[0]["lectern_code"], code, "{events:?}");
}

fn question(text: &str) -> Value {
    json!({ "content": [{ "type": "input_text", "text": text }], "attachments": [], "inference_options": {} })
}

/// The answer's item done at the end of a stream.
fn answer_done(events: &[Value]) -> Value {
    let last = events.last().expect("events").clone();
    assert_eq!(last["type"], "thread.item.done", "{events:?}");
    assert_eq!(last["item"]["type"], "assistant_message");
    last["item"].clone()
}

async fn history_is_one_with_the_reader_api(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let client = reader(&app).await;

    // Written through ChatKit, read through the reader API.
    let created = events(
        &send(&client, "threads.create", json!({ "input": question("What is URDF?") })).await,
    );
    assert_eq!(
        kinds(&created)[..6],
        [
            "thread.created",
            "thread.item.done",
            "stream_options",
            "thread.item.added",
            "thread.item.updated:assistant_message.content_part.added",
            "thread.item.updated:assistant_message.content_part.annotation_added",
        ]
    );
    let kinds = kinds(&created);
    assert!(
        kinds.contains(&"thread.item.updated:assistant_message.content_part.text_delta".into())
    );
    assert_eq!(kinds[kinds.len() - 2], "thread.item.updated:assistant_message.content_part.done");
    let thread = created[0]["thread"].clone();
    let id = thread["id"].as_str().expect("thread id").to_owned();
    assert_eq!(thread["title"], "What is URDF?");
    let asked = created[1]["item"].clone();
    assert_eq!(asked["content"][0], json!({ "type": "input_text", "text": "What is URDF?" }));
    let answer = answer_done(&created);
    let streamed: String = created
        .iter()
        .filter(|e| e["update"]["type"] == "assistant_message.content_part.text_delta")
        .filter_map(|e| e["update"]["delta"].as_str())
        .collect();
    assert_eq!(answer["content"][0]["text"], streamed.as_str());

    let chat = client.get(&format!("/api/chats/{id}")).send().await.assert_ok();
    let messages = chat["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    assert_eq!(
        (&messages[0]["id"], &messages[0]["content"]),
        (&asked["id"], &json!("What is URDF?"))
    );
    assert_eq!((&messages[1]["id"], &messages[1]["content"]), (&answer["id"], &json!(streamed)));
    let urls: Vec<&Value> =
        messages[1]["sources"].as_array().expect("sources").iter().map(|s| &s["url"]).collect();
    let cited: Vec<&Value> = answer["content"][0]["annotations"]
        .as_array()
        .expect("annotations")
        .iter()
        .map(|a| &a["source"]["url"])
        .collect();
    assert!(!cited.is_empty() && urls == cited, "{urls:?} {cited:?}");
    assert!(cited.iter().all(|u| u.as_str().is_some_and(|u| u.starts_with("/docs/"))));

    // Written through the reader API, read through ChatKit.
    let asked_again = client
        .post(&format!("/api/chats/{id}/messages"))
        .json(&json!({ "content": "And xacro?" }))
        .send()
        .await;
    assert_eq!(asked_again.status.as_u16(), 200);
    let items =
        send(&client, "items.list", json!({ "thread_id": id, "order": "asc" })).await.assert_ok();
    let texts: Vec<(&str, &str)> = items["data"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["type"].as_str().unwrap_or(""), i["content"][0]["text"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(texts.len(), 4, "{items}");
    assert_eq!(
        texts[..3],
        [
            ("user_message", "What is URDF?"),
            ("assistant_message", streamed.as_str()),
            ("user_message", "And xacro?")
        ]
    );
    assert_eq!(items["has_more"], false);

    // Feedback through ChatKit is the reader API's feedback.
    send(
        &client,
        "items.feedback",
        json!({ "thread_id": id, "item_ids": [answer["id"]], "kind": "negative" }),
    )
    .await
    .assert_ok();
    let chat = client.get(&format!("/api/chats/{id}")).send().await.assert_ok();
    assert_eq!(chat["messages"][1]["feedback"]["rating"], "not_helpful");

    // Renamed through ChatKit, listed by both; deleted through ChatKit, gone from both.
    let renamed = send(&client, "threads.update", json!({ "thread_id": id, "title": "Robots" }))
        .await
        .assert_ok();
    assert_eq!(renamed["title"], "Robots");
    assert_eq!(client.get("/api/chats").send().await.assert_ok()["chats"][0]["title"], "Robots");
    let got = send(&client, "threads.get_by_id", json!({ "thread_id": id })).await.assert_ok();
    assert_eq!(got["items"]["data"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        send(&client, "threads.delete", json!({ "thread_id": id })).await.assert_ok(),
        json!({})
    );
    client.get(&format!("/api/chats/{id}")).send().await.assert_error(404, "CHAT_NOT_FOUND");
    assert_error(
        &send(&client, "threads.get_by_id", json!({ "thread_id": id })).await,
        404,
        "CHAT_NOT_FOUND",
    );
}

async fn retry_replaces_the_answer_and_what_followed(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let client = reader(&app).await;
    let created = events(
        &send(&client, "threads.create", json!({ "input": question("What is URDF?") })).await,
    );
    let id = created[0]["thread"]["id"].as_str().expect("id").to_owned();
    let first_question = created[1]["item"]["id"].clone();
    let first_answer = answer_done(&created)["id"].clone();
    events(
        &send(
            &client,
            "threads.add_user_message",
            json!({ "thread_id": id, "input": question("And xacro?") }),
        )
        .await,
    );

    let retried = events(
        &send(
            &client,
            "threads.retry_after_item",
            json!({ "thread_id": id, "item_id": first_question }),
        )
        .await,
    );
    assert_eq!(
        kinds(&retried)[..2],
        ["stream_options", "thread.item.added"],
        "no new user message"
    );
    let new_answer = answer_done(&retried)["id"].clone();
    assert_ne!(new_answer, first_answer);
    let messages =
        client.get(&format!("/api/chats/{id}")).send().await.assert_ok()["messages"].clone();
    let ids: Vec<&Value> =
        messages.as_array().expect("messages").iter().map(|m| &m["id"]).collect();
    assert_eq!(ids, [&first_question, &new_answer]);

    // Only a user message of this thread can be answered again.
    let not_a_question = send(
        &client,
        "threads.retry_after_item",
        json!({ "thread_id": id, "item_id": new_answer }),
    )
    .await;
    assert_stream_error(&not_a_question, "MESSAGE_NOT_FOUND");
}

async fn items_and_threads_page_with_cursors(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let client = reader(&app).await;
    let mut threads = Vec::new();
    for q in ["What is URDF?", "What is a topic?", "What is xacro?"] {
        let created =
            events(&send(&client, "threads.create", json!({ "input": question(q) })).await);
        threads.push(created[0]["thread"]["id"].as_str().expect("id").to_owned());
    }
    let page = |order: &'static str| {
        let client = &client;
        async move {
            let mut seen = Vec::new();
            let mut after = Value::Null;
            loop {
                let res = send(
                    client,
                    "threads.list",
                    json!({ "limit": 2, "order": order, "after": after }),
                )
                .await
                .assert_ok();
                seen.extend(
                    res["data"]
                        .as_array()
                        .expect("data")
                        .iter()
                        .map(|t| t["id"].as_str().unwrap_or("").to_owned()),
                );
                if res["has_more"] != true {
                    assert!(res.get("after").is_none(), "{res}");
                    break seen;
                }
                after = res["after"].clone();
            }
        }
    };
    let newest_first = page("desc").await;
    let oldest_first = page("asc").await;
    assert_eq!(oldest_first, threads);
    assert_eq!(newest_first, threads.iter().rev().cloned().collect::<Vec<_>>());

    let id = &threads[0];
    events(
        &send(
            &client,
            "threads.add_user_message",
            json!({ "thread_id": id, "input": question("And joints?") }),
        )
        .await,
    );
    let mut items = Vec::new();
    let mut after = Value::Null;
    loop {
        let res =
            send(&client, "items.list", json!({ "thread_id": id, "limit": 3, "after": after }))
                .await
                .assert_ok();
        items.extend(res["data"].as_array().expect("data").iter().map(|i| i["id"].clone()));
        if res["has_more"] != true {
            break;
        }
        after = res["after"].clone();
    }
    let chat = client.get(&format!("/api/chats/{id}")).send().await.assert_ok();
    let mut oldest_first: Vec<Value> =
        chat["messages"].as_array().expect("messages").iter().map(|m| m["id"].clone()).collect();
    oldest_first.reverse();
    assert_eq!(items, oldest_first, "items.list runs newest first by default, without gaps");
    assert_error(
        &send(&client, "items.list", json!({ "thread_id": id, "after": "not a cursor!" })).await,
        400,
        "INVALID_CURSOR",
    );
    assert_error(&send(&client, "threads.list", json!({ "limit": 0 })).await, 400, "INVALID_LIMIT");
}

async fn the_gate_and_sign_in_apply(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let client = app.browser();
    assert_error(&send(&client, "threads.list", json!({})).await, 401, "UNAUTHORIZED");
    sign_up(&client).await;
    // No questionnaire yet: a JSON request is refused with 403, a streaming one with an error
    // event the ChatKit UI shows; nothing is created.
    assert_error(&send(&client, "threads.list", json!({})).await, 403, "PROFILE_REQUIRED");
    let refused =
        send(&client, "threads.create", json!({ "input": question("What is URDF?") })).await;
    assert_stream_error(&refused, "PROFILE_REQUIRED");
    with_profile(&client, "beginner", "none").await;
    let listed = send(&client, "threads.list", json!({})).await.assert_ok();
    assert_eq!(listed, json!({ "data": [], "has_more": false }));
    // The reader API's origin check, rate limits and methods apply, in the SDK's shape.
    let forged = client
        .post("/chatkit")
        .header("origin", "https://evil.example")
        .json(&json!({ "type": "threads.list", "params": {} }))
        .send()
        .await;
    assert_eq!(forged.status.as_u16(), 403, "{}", String::from_utf8_lossy(&forged.body));
    assert_eq!(forged.json()["type"], "error");
    assert_eq!(forged.json()["code"], "custom");
    let got = client.get("/chatkit").send().await;
    assert_eq!((got.status.as_u16(), got.json()["type"].as_str()), (405, Some("error")));
    // The /api spelling is the same endpoint.
    let listed = client
        .post("/api/chatkit")
        .json(&json!({ "type": "threads.list", "params": {} }))
        .send()
        .await;
    assert_eq!(listed.assert_ok(), json!({ "data": [], "has_more": false }));
}

async fn a_guests_threads_follow_them_to_their_account(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let client = app.browser();
    client.post("/api/auth/sign-in/anonymous").send().await.assert_ok();
    let created = events(
        &send(&client, "threads.create", json!({ "input": question("What is URDF?") })).await,
    );
    let id = created[0]["thread"]["id"].clone();
    sign_up(&client).await;
    with_profile(&client, "beginner", "none").await;
    let listed = send(&client, "threads.list", json!({})).await.assert_ok();
    assert_eq!(
        listed["data"].as_array().map(|d| d.iter().map(|t| t["id"].clone()).collect::<Vec<_>>()),
        Some(vec![id.clone()])
    );
    let items = send(&client, "items.list", json!({ "thread_id": id })).await.assert_ok();
    assert_eq!(items["data"].as_array().map(Vec::len), Some(2));
}

async fn bad_requests_get_the_sdk_error_shape(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let client = reader(&app).await;
    let raw = |body: &'static str| client.post("/chatkit").body("application/json", body).send();
    assert_error(&raw("{not json").await, 400, "BAD_REQUEST");
    assert_error(&raw(r#"{"params":{}}"#).await, 400, "VALIDATION_ERROR");
    assert_error(&raw(r#"{"type":"threads.nope","params":{}}"#).await, 400, "UNKNOWN_REQUEST");
    assert_error(
        &raw(r#"{"type":"threads.get_by_id","params":{}}"#).await,
        400,
        "VALIDATION_ERROR",
    );
    assert_error(
        &raw(r#"{"type":"threads.get_by_id","params":{"thread_id":"../x"}}"#).await,
        404,
        "CHAT_NOT_FOUND",
    );
    let huge =
        format!(r#"{{"type":"threads.list","params":{{"pad":"{}"}}}}"#, "x".repeat(70 * 1024));
    let res = client.post("/chatkit").body("application/json", huge).send().await;
    assert_eq!(res.status.as_u16(), 413, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["type"], "error");

    // What Lectern does not support: attachments, dictation, actions, client tools.
    for (kind, params) in [
        ("attachments.create", json!({ "name": "a.png", "size": 10, "mime_type": "image/png" })),
        ("attachments.delete", json!({ "attachment_id": "atc_1" })),
        ("input.transcribe", json!({ "audio_base64": "", "mime_type": "audio/webm" })),
        ("threads.sync_custom_action", json!({ "thread_id": "x", "action": { "type": "a" } })),
    ] {
        assert_error(&send(&client, kind, params).await, 400, "UNSUPPORTED_REQUEST");
    }
    for (kind, params) in [
        ("threads.custom_action", json!({ "thread_id": "x", "action": { "type": "a" } })),
        ("threads.add_client_tool_output", json!({ "thread_id": "x", "result": 1 })),
        ("threads.add_structured_input", json!({ "thread_id": "x", "item_id": "y", "input": {} })),
    ] {
        assert_stream_error(&send(&client, kind, params).await, "UNSUPPORTED_REQUEST");
    }
    let with_file = json!({ "input": { "content": [{ "type": "input_text", "text": "See" }], "attachments": ["atc_1"], "inference_options": {} } });
    assert_stream_error(&send(&client, "threads.create", with_file).await, "UNSUPPORTED_REQUEST");
    assert_stream_error(
        &send(&client, "threads.create", json!({ "input": question("  ") })).await,
        "INVALID_QUESTION",
    );
    let long = "x".repeat(4001);
    assert_stream_error(
        &send(&client, "threads.create", json!({ "input": question(&long) })).await,
        "INVALID_QUESTION",
    );
    assert_stream_error(
        &send(
            &client,
            "threads.add_user_message",
            json!({ "thread_id": "nope", "input": question("Hi") }),
        )
        .await,
        "CHAT_NOT_FOUND",
    );
    // None of the refused questions left a thread behind.
    assert_eq!(send(&client, "threads.list", json!({})).await.assert_ok()["data"], json!([]));
    assert_error(
        &send(&client, "threads.update", json!({ "thread_id": "nope", "title": "" })).await,
        400,
        "INVALID_TITLE",
    );
}

async fn a_failing_model_is_an_error_event_and_the_partial_answer_is_kept(backend: Backend) {
    let llm =
        FakeLlm::with_api_key(Reply::DropAfter(vec!["The first half".into()]), "sk-test-key").await;
    let mut config = OpenAiConfig::new(llm.base_url(), "tutor-model");
    config.api_key = Some("sk-test-key".into());
    config.first_byte_timeout = Duration::from_secs(5);
    config.idle_timeout = Duration::from_secs(5);
    let reading = common::tutor_reading(Answerer::openai(config).expect("config"));
    let merge = std::sync::Arc::new(lectern_api::merge::ReaderMerge);
    let app = TestApp::build_with(backend, |_| {}, merge, reading).await;
    let client = reader(&app).await;
    let cut = events(
        &send(&client, "threads.create", json!({ "input": question("What is URDF?") })).await,
    );
    let last = cut.last().expect("an event");
    assert_eq!((last["type"].as_str(), last["code"].as_str()), (Some("error"), Some("custom")));
    assert_eq!(
        (last["lectern_code"].as_str(), last["allow_retry"].as_bool()),
        (Some("LLM_STREAM_BROKEN"), Some(true))
    );
    let id = cut[0]["thread"]["id"].as_str().expect("id");
    let answer =
        client.get(&format!("/api/chats/{id}")).send().await.assert_ok()["messages"][1].clone();
    assert_eq!(
        (answer["status"].as_str(), answer["content"].as_str()),
        (Some("interrupted"), Some("The first half"))
    );
    let items = send(&client, "items.list", json!({ "thread_id": id })).await.assert_ok();
    assert_eq!(items["data"][0]["content"][0]["text"], "The first half");
}

/// Questions asked through ChatKit and through the reader API share the tutor's rate limit.
async fn questions_share_the_tutors_rate_limit(backend: Backend) {
    let merge = std::sync::Arc::new(lectern_api::merge::ReaderMerge);
    let reading = common::tutor_reading(Answerer::Extractive);
    let app = TestApp::build_with(backend, |c| c.rate_limit = true, merge, reading).await;
    let client = reader(&app).await;
    let created = events(
        &send(&client, "threads.create", json!({ "input": question("What is URDF?") })).await,
    );
    let id = created[0]["thread"]["id"].as_str().expect("id").to_owned();
    let mut asked = 1;
    loop {
        let res = client
            .post(&format!("/api/chats/{id}/messages"))
            .json(&json!({ "content": "And xacro?" }))
            .send()
            .await;
        if res.status.as_u16() == 429 {
            break;
        }
        assert_eq!(res.status.as_u16(), 200);
        asked += 1;
        assert!(asked <= 20, "the reader API's ask was never limited");
    }
    assert_eq!(asked, 20, "the ChatKit question counted in the reader API's budget");
    let limited = send(
        &client,
        "threads.add_user_message",
        json!({ "thread_id": id, "input": question("More?") }),
    )
    .await;
    assert_stream_error(&limited, "TOO_MANY_REQUESTS");
    assert_eq!(events(&limited)[0]["allow_retry"], true);
    // Reading is not asking: the JSON requests are not held to the tutor's budget.
    send(&client, "threads.get_by_id", json!({ "thread_id": id })).await.assert_ok();
}

backend_tests!(
    questions_share_the_tutors_rate_limit,
    history_is_one_with_the_reader_api,
    retry_replaces_the_answer_and_what_followed,
    items_and_threads_page_with_cursors,
    the_gate_and_sign_in_apply,
    a_guests_threads_follow_them_to_their_account,
    bad_requests_get_the_sdk_error_shape,
    a_failing_model_is_an_error_event_and_the_partial_answer_is_kept
);
