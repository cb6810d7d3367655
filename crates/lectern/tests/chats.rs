//! Conversations and the tutor through the real router, on SQLite and PostgreSQL: history,
//! the streamed answer and what is stored when things go wrong, and feedback.

mod common;

use std::time::Duration;

use axum::http::Method;
use common::{ORIGIN, SECRET, TestApp, sign_up, with_profile};
use lectern_auth::{Auth, AuthConfig, Secret};
use lectern_store::{Store, StoreOptions};
use lectern_testkit::llm::{FakeLlm, Reply};
use lectern_testkit::{Backend, TestClient, TestResponse, backend_tests};
use lectern_tutor::{Answerer, OpenAiConfig};
use serde_json::{Value, json};

async fn reader(app: &TestApp) -> TestClient {
    let client = app.browser();
    sign_up(&client).await;
    with_profile(&client, "intermediate", "none").await;
    client
}

async fn new_chat(client: &TestClient) -> String {
    let res = client.post("/api/chats").json(&json!({})).send().await;
    assert_eq!(res.status.as_u16(), 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_str().expect("id").to_owned()
}

async fn ask(client: &TestClient, chat: &str, question: &str) -> TestResponse {
    client
        .post(&format!("/api/chats/{chat}/messages"))
        .json(&json!({ "content": question }))
        .send()
        .await
}

/// The events of a Server-Sent Events body, as (event, data).
fn events(res: &TestResponse) -> Vec<(String, Value)> {
    assert_eq!(res.status.as_u16(), 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("content-type"), Some("text/event-stream"));
    assert_eq!(res.header("x-accel-buffering"), Some("no"), "proxies must not buffer the answer");
    String::from_utf8_lossy(&res.body)
        .split("\n\n")
        .filter_map(|block| {
            let field =
                |name: &str| block.lines().find_map(|l| l.strip_prefix(name)).map(str::trim);
            Some((
                field("event:")?.to_owned(),
                serde_json::from_str(field("data:")?).expect("JSON data"),
            ))
        })
        .collect()
}

fn streamed_text(events: &[(String, Value)]) -> String {
    events.iter().filter(|(e, _)| e == "token").filter_map(|(_, d)| d["text"].as_str()).collect()
}

async fn chat(client: &TestClient, id: &str) -> Value {
    client.get(&format!("/api/chats/{id}")).send().await.assert_ok()
}

async fn chats_are_created_listed_renamed_and_deleted(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = reader(&app).await;
    let res = client.post("/api/chats").json(&json!({ "title": "  Bipeds  " })).send().await;
    assert_eq!(res.status.as_u16(), 201);
    let created = res.json();
    assert_eq!(created["title"], "Bipeds");
    let untitled = new_chat(&client).await;
    assert_eq!(chat(&client, &untitled).await["title"], "New chat");

    let list = client.get("/api/chats").send().await.assert_ok();
    let ids: Vec<&str> =
        list["chats"].as_array().expect("chats").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, [untitled.as_str(), created["id"].as_str().expect("id")], "most recent first");
    assert_eq!(list["nextCursor"], Value::Null);

    let renamed = client
        .request(Method::PATCH, &format!("/api/chats/{untitled}"))
        .json(&json!({ "title": "Walking" }))
        .send();
    assert_eq!(renamed.await.assert_ok()["title"], "Walking");
    let deleted = client.request(Method::DELETE, &format!("/api/chats/{untitled}")).send().await;
    assert_eq!(deleted.status.as_u16(), 204);
    client.get(&format!("/api/chats/{untitled}")).send().await.assert_error(404, "CHAT_NOT_FOUND");
    client
        .request(Method::DELETE, &format!("/api/chats/{untitled}"))
        .send()
        .await
        .assert_error(404, "CHAT_NOT_FOUND");

    for bad in [
        json!({ "title": "" }),
        json!({ "title": "x".repeat(201) }),
        json!({ "title": 5 }),
        json!({ "name": "x" }),
    ] {
        let res = client.post("/api/chats").json(&bad).send().await;
        assert_eq!(res.status.as_u16(), 400, "{bad}");
    }
    client.get("/api/chats?limit=0").send().await.assert_error(400, "INVALID_LIMIT");
    client.get("/api/chats?cursor=junk").send().await.assert_error(400, "INVALID_CURSOR");
    client.get("/api/chats/not-an-id!").send().await.assert_error(404, "CHAT_NOT_FOUND");
}

async fn history_pages_without_gaps_or_repeats(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let client = reader(&app).await;
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(new_chat(&client).await);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let path = match &cursor {
            Some(c) => format!("/api/chats?limit=2&cursor={c}"),
            None => "/api/chats?limit=2".into(),
        };
        let page = client.get(&path).send().await.assert_ok();
        seen.extend(
            page["chats"]
                .as_array()
                .expect("chats")
                .iter()
                .map(|c| c["id"].as_str().expect("id").to_owned()),
        );
        cursor = page["nextCursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    made.reverse();
    assert_eq!(seen, made);

    let id = &made[0];
    for question in ["What is a ROS 2 topic?", "What is URDF?", "How does SLAM work?"] {
        events(&ask(&client, id, question).await);
    }
    let first = client.get(&format!("/api/chats/{id}?limit=4")).send().await.assert_ok();
    let older = first["nextCursor"].as_str().expect("more");
    let rest =
        client.get(&format!("/api/chats/{id}?limit=4&cursor={older}")).send().await.assert_ok();
    assert_eq!(rest["nextCursor"], Value::Null);
    let contents: Vec<&str> = rest["messages"]
        .as_array()
        .into_iter()
        .chain(first["messages"].as_array())
        .flatten()
        .filter(|m| m["role"] == "user")
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert_eq!(contents, ["What is a ROS 2 topic?", "What is URDF?", "How does SLAM work?"]);
}

async fn an_extractive_answer_streams_with_sources_and_is_stored(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    let events = events(&ask(&client, &id, "  What are topics and messages in ROS 2?  ").await);
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names.first(), Some(&"sources"));
    assert_eq!(names.last(), Some(&"done"));
    assert!(names[1..names.len() - 1].iter().all(|e| *e == "token") && names.len() > 2);
    let sources = events[0].1.as_array().expect("sources");
    assert_eq!(sources.len(), 3);
    assert!(
        sources.iter().any(|s| s["url"] == "/docs/ros2/nodes-and-topics#topics-and-messages"),
        "{sources:?}"
    );
    for source in sources {
        assert!(
            source["title"].is_string()
                && source["snippet"].as_str().is_some_and(|s| !s.is_empty())
        );
    }
    let text = streamed_text(&events);
    assert!(text.contains("[1]") && text.contains("Sources"), "{text}");

    let stored = chat(&client, &id).await;
    assert_eq!(stored["title"], "What are topics and messages in ROS 2?");
    let messages = stored["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    assert_eq!(
        (messages[0]["role"].as_str(), messages[0]["content"].as_str()),
        (Some("user"), Some("What are topics and messages in ROS 2?"))
    );
    let answer = &messages[1];
    assert_eq!(answer["id"], events.last().expect("done").1["messageId"]);
    assert_eq!(
        (&answer["unanswered"], &events.last().expect("done").1["unanswered"]),
        (&json!(false), &json!(false))
    );
    assert_eq!(
        (answer["status"].as_str(), answer["content"].as_str()),
        (Some("complete"), Some(text.as_str()))
    );
    assert_eq!(&answer["sources"], &events[0].1);
    assert!(answer["html"].as_str().is_some_and(|h| h.contains("<blockquote>")));

    for bad in [
        json!({ "content": "   " }),
        json!({ "content": "x".repeat(4001) }),
        json!({ "content": "bell \u{7}" }),
    ] {
        client
            .post(&format!("/api/chats/{id}/messages"))
            .json(&bad)
            .send()
            .await
            .assert_error(400, "INVALID_QUESTION");
    }
    for bad in [json!({ "question": "x" }), json!({ "content": "nul \u{0}" })] {
        client
            .post(&format!("/api/chats/{id}/messages"))
            .json(&bad)
            .send()
            .await
            .assert_error(400, "VALIDATION_ERROR");
    }
    client
        .post(&format!("/api/chats/{id}/messages"))
        .json(&json!({ "question": "x" }))
        .send()
        .await
        .assert_error(400, "VALIDATION_ERROR");
    ask(&client, "nochat", "What is URDF?").await.assert_error(404, "CHAT_NOT_FOUND");
}

/// For a question the book does not answer, retrieval still finds the closest sections (for
/// sourdough, QoS "best effort"); the tutor says so instead of quoting them as an answer, and
/// the message is marked for the author.
async fn a_question_the_book_does_not_cover_is_answered_as_such(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    let streamed = events(&ask(&client, &id, "What is the best recipe for sourdough bread?").await);
    let (done, sources) = (&streamed.last().expect("done").1, &streamed[0].1);
    assert_eq!(done["unanswered"], true);
    let text = streamed_text(&streamed);
    assert!(text.starts_with("The book doesn't seem to cover this."), "{text}");
    assert!(text.contains("You might look at") && !text.contains("> "), "no quotes: {text}");
    let closest = sources.as_array().expect("sources");
    assert!(
        !closest.is_empty()
            && closest.iter().all(|s| text.contains(s["url"].as_str().expect("url")))
    );
    let answer = &chat(&client, &id).await["messages"][1];
    assert_eq!(
        (&answer["unanswered"], answer["content"].as_str()),
        (&json!(true), Some(text.as_str()))
    );
    // Nothing searchable at all: no sources, and just as unanswered.
    let nothing = events(&ask(&client, &id, "And why would it?").await);
    assert_eq!(
        (&nothing[0].1, &nothing.last().expect("done").1["unanswered"]),
        (&json!([]), &json!(true))
    );

    let (app, llm) =
        model_app(backend, Reply::chunks(["The book doesn't seem to cover this."])).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    let done = events(&ask(&client, &id, "How many calories are in a sourdough loaf?").await).pop();
    assert_eq!(done.expect("done").1["unanswered"], true);
    let prompt =
        llm.requests()[0].body["messages"][0]["content"].as_str().expect("system").to_owned();
    assert!(prompt.contains("most likely does not answer it"), "{prompt}");
}

async fn without_a_book_asking_is_unavailable(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    ask(&client, &id, "What is URDF?").await.assert_error(503, "TUTOR_UNAVAILABLE");
    assert_eq!(chat(&client, &id).await["messages"], json!([]), "nothing stored");
}

async fn model_app(backend: Backend, reply: Reply) -> (TestApp, FakeLlm) {
    model_app_capped(backend, reply, lectern_api::tutor::DEFAULT_MAX_ANSWER_CHARS).await
}

async fn model_app_capped(backend: Backend, reply: Reply, cap: usize) -> (TestApp, FakeLlm) {
    let llm = FakeLlm::with_api_key(reply, "sk-test-key").await;
    let mut config = OpenAiConfig::new(llm.base_url(), "tutor-model");
    config.api_key = Some("sk-test-key".into());
    config.first_byte_timeout = Duration::from_secs(5);
    config.idle_timeout = Duration::from_secs(5);
    let mut reading = common::tutor_reading(Answerer::openai(config).expect("config"));
    let tutor = reading.tutor.as_mut().and_then(std::sync::Arc::get_mut).expect("a new tutor");
    tutor.max_answer_chars = cap;
    let merge = std::sync::Arc::new(lectern_api::merge::ReaderMerge);
    (TestApp::build_with(backend, |_| {}, merge, reading).await, llm)
}

/// A model that would write for ever (here 40,000 characters, cut at 1,000): the reader gets
/// exactly the cap, cut on a character boundary, then a clean end; the answer is saved.
async fn an_endless_answer_is_capped_and_saved(backend: Backend) {
    let endless = Reply::Chunks(vec!["Écrire sans fin. ".repeat(10); 235]);
    let (app, llm) = model_app_capped(backend, endless, 1000).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    let capped = events(&ask(&client, &id, "What is URDF?").await);
    let text = streamed_text(&capped);
    assert_eq!(text.chars().count(), 1000);
    assert!("Écrire sans fin. ".repeat(100).starts_with(&text));
    let (last, data) = capped.last().expect("an event");
    assert_eq!((last.as_str(), data["code"].as_str()), ("error", Some("ANSWER_TOO_LONG")));
    let answer = chat(&client, &id).await["messages"][1].clone();
    assert_eq!(
        (answer["status"].as_str(), answer["error"].as_str(), answer["content"].as_str()),
        (Some("interrupted"), Some("ANSWER_TOO_LONG"), Some(text.as_str()))
    );
    assert_eq!(llm.open_streams(), 0, "the model's stream is closed at the cap");
}

async fn a_model_answer_streams_and_the_prompt_fits_the_reader(backend: Backend) {
    let (app, llm) =
        model_app(backend, Reply::chunks(["A topic ", "is a named ", "channel [1]."])).await;
    let beginner = app.browser();
    sign_up(&beginner).await;
    with_profile(&beginner, "none", "simulation-only").await;
    let expert = app.browser();
    sign_up(&expert).await;
    with_profile(&expert, "advanced", "jetson").await;

    for client in [&beginner, &expert] {
        let id = new_chat(client).await;
        let events = events(&ask(client, &id, "How do I run perception on my robot?").await);
        assert_eq!(streamed_text(&events), "A topic is a named channel [1].");
        let answer = &chat(client, &id).await["messages"][1];
        assert_eq!(
            (answer["status"].as_str(), answer["content"].as_str()),
            (Some("complete"), Some("A topic is a named channel [1]."))
        );
    }
    let prompts: Vec<String> = llm
        .requests()
        .iter()
        .map(|r| {
            assert_eq!(r.body["model"], "tutor-model");
            assert_eq!(r.body["stream"], true);
            r.body["messages"].to_string()
        })
        .collect();
    assert_eq!(prompts.len(), 2);
    let (for_beginner, for_expert) = (&prompts[0], &prompts[1]);
    assert!(
        for_beginner.contains("None yet") && !for_beginner.contains("Advanced"),
        "{for_beginner}"
    );
    assert!(for_expert.contains("Advanced") && for_expert.contains("Jetson"), "{for_expert}");
    assert_ne!(for_beginner, for_expert);
    assert!(for_beginner.contains("/docs/"), "the passages and their URLs are in the prompt");
}

async fn a_failing_model_leaves_an_interrupted_answer(backend: Backend) {
    let (app, llm) = model_app(backend, Reply::Status(503)).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    let failed = events(&ask(&client, &id, "What is URDF?").await);
    let (last, data) = failed.last().expect("an event");
    assert_eq!((last.as_str(), data["code"].as_str()), ("error", Some("LLM_UNAVAILABLE")));
    let answer = chat(&client, &id).await["messages"][1].clone();
    assert_eq!(
        (answer["status"].as_str(), answer["error"].as_str()),
        (Some("interrupted"), Some("LLM_UNAVAILABLE"))
    );

    llm.set_reply(Reply::DropAfter(vec!["The first half".into()]));
    let cut = events(&ask(&client, &id, "And xacro?").await);
    assert_eq!(streamed_text(&cut), "The first half");
    assert_eq!(cut.last().expect("event").1["code"], "LLM_STREAM_BROKEN");
    let answer = chat(&client, &id).await["messages"][3].clone();
    assert_eq!(
        (answer["status"].as_str(), answer["content"].as_str()),
        (Some("interrupted"), Some("The first half"))
    );

    // The next question gets a real answer; the interrupted one is not fed back as history.
    llm.set_reply(Reply::chunks(["Fine now."]));
    events(&ask(&client, &id, "Try again?").await);
    let history = llm.requests().last().expect("request").body["messages"].to_string();
    assert!(history.contains("What is URDF?") && !history.contains("The first half"), "{history}");
}

async fn an_answer_is_saved_when_the_reader_leaves(backend: Backend) {
    let chunks: Vec<String> = (0..6).map(|i| format!("part {i}. ")).collect();
    let (app, _llm) =
        model_app(backend, Reply::Slow { chunks, delay: Duration::from_millis(40) }).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    let asked = client
        .post(&format!("/api/chats/{id}/messages"))
        .json(&json!({ "content": "What is SLAM?" }));
    assert_eq!(asked.send_and_leave().await.as_u16(), 200);
    // Generation goes on without a listener; wait (bounded) for it to be stored.
    let mut answer = Value::Null;
    for _ in 0..200 {
        answer = chat(&client, &id).await["messages"][1].clone();
        if answer["status"] != "streaming" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(answer["status"], "complete", "{answer}");
    assert_eq!(answer["content"], "part 0. part 1. part 2. part 3. part 4. part 5. ");
}

/// Polls (bounded: 5 s, where the stopped answers would stream for 8 s) until the
/// model has no answer streaming.
async fn model_released(llm: &FakeLlm) {
    for _ in 0..200 {
        if llm.open_streams() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the model is still being read after the stop");
}

/// Polls (bounded) until the chat's answer satisfies `done`.
async fn answer_when(client: &TestClient, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut answer = Value::Null;
    for _ in 0..400 {
        answer = chat(client, id).await["messages"][1].clone();
        if done(&answer) {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the answer never got there: {answer}");
}

async fn stop_ends_the_answer_and_the_model_stream(backend: Backend) {
    // Eighty pieces, a tenth of a second apart: eight seconds unless stopped.
    let chunks: Vec<String> = (0..80).map(|i| format!("part {i}. ")).collect();
    let full: String = chunks.concat();
    let (app, llm) =
        model_app(backend, Reply::Slow { chunks, delay: Duration::from_millis(100) }).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    let stop = format!("/api/chats/{id}/stop");
    assert_eq!(client.post(&stop).send().await.assert_ok(), json!({ "stopped": 0 }));

    let asked = client
        .post(&format!("/api/chats/{id}/messages"))
        .json(&json!({ "content": "What is SLAM?" }));
    assert_eq!(asked.send_and_leave().await.as_u16(), 200);
    assert_eq!(client.post(&stop).send().await.assert_ok(), json!({ "stopped": 1 }));

    // At once in the database, and the model's stream is closed long before it would end.
    let answer = chat(&client, &id).await["messages"][1].clone();
    assert_eq!(
        (answer["status"].as_str(), answer["error"].as_str()),
        (Some("interrupted"), Some("STOPPED"))
    );
    model_released(&llm).await;
    let kept = chat(&client, &id).await["messages"][1]["content"].as_str().map(str::to_owned);
    let kept = kept.expect("content");
    assert!(full.starts_with(&kept) && kept.len() < full.len(), "a prefix is kept: {kept:?}");
    assert_eq!(client.post(&stop).send().await.assert_ok(), json!({ "stopped": 0 }), "idempotent");

    // The chat goes on; a stopped answer is not fed back as history.
    llm.set_reply(Reply::chunks(["Fine now."]));
    let next = events(&ask(&client, &id, "Try again?").await);
    assert_eq!(streamed_text(&next), "Fine now.");
    assert_eq!(chat(&client, &id).await["messages"][1]["error"], "STOPPED", "still stopped");
}

/// A stop that reaches the replica not generating the answer ends it at the generating
/// task's next checkpoint. Replicas share a PostgreSQL database (SQLite is one process).
#[tokio::test]
async fn stop_reaches_another_replica() {
    let backend = Backend::Postgres;
    let chunks: Vec<String> = (0..80).map(|i| format!("part {i}. ")).collect();
    let (app, llm) =
        model_app(backend, Reply::Slow { chunks, delay: Duration::from_millis(100) }).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    // A second process on the same database, where the same reader's session is valid.
    let store = Store::connect(&app.db.url, &StoreOptions::default()).await.expect("connect");
    let other = TestClient::new(
        lectern::app(Auth::new(store, AuthConfig::development(ORIGIN, Secret::new(SECRET)))),
        Some(ORIGIN),
    );
    let cookie = client.cookie("better-auth.session_token").expect("a session");
    other.set_cookie("better-auth.session_token", &cookie);
    let asked = client
        .post(&format!("/api/chats/{id}/messages"))
        .json(&json!({ "content": "What is SLAM?" }));
    assert_eq!(asked.send_and_leave().await.as_u16(), 200);
    let stopped = other.post(&format!("/api/chats/{id}/stop")).send().await;
    assert_eq!(stopped.assert_ok(), json!({ "stopped": 1 }));
    let answer =
        answer_when(&client, &id, |a| a["content"].as_str().is_some_and(|c| !c.is_empty())).await;
    assert_eq!(
        (answer["status"].as_str(), answer["error"].as_str()),
        (Some("interrupted"), Some("STOPPED"))
    );
    model_released(&llm).await;
}

async fn hostile_model_output_is_rendered_harmless(backend: Backend) {
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) **bold**\n\n| a | b |\n|---|---|\n| 1 | 2 |";
    let (app, _llm) = model_app(backend, Reply::chunks([hostile])).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    events(&ask(&client, &id, "<b>What</b> is URDF?").await);
    let messages = chat(&client, &id).await["messages"].clone();
    let html = messages[1]["html"].as_str().expect("html");
    for banned in ["<script", "onerror", "href=\"javascript", "<img"] {
        assert!(!html.contains(banned), "{banned} in {html}");
    }
    assert!(html.contains("<strong>bold</strong>") && html.contains("<table>"), "{html}");
    assert_eq!(
        messages[0]["html"], "<p>&lt;b&gt;What&lt;/b&gt; is URDF?</p>",
        "questions are text"
    );
}

async fn feedback_is_kept_per_answer(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let client = reader(&app).await;
    let id = new_chat(&client).await;
    let done = events(&ask(&client, &id, "What is a ROS 2 node?").await).pop().expect("done");
    let answer = done.1["messageId"].as_str().expect("id").to_owned();
    let path = format!("/api/chats/{id}/messages/{answer}/feedback");
    let saved = client
        .post(&path)
        .json(&json!({ "rating": "not_helpful", "comment": " too short " }))
        .send()
        .await
        .assert_ok();
    assert_eq!(
        (saved["rating"].as_str(), saved["comment"].as_str()),
        (Some("not_helpful"), Some("too short"))
    );
    client.post(&path).json(&json!({ "rating": "helpful" })).send().await.assert_ok();
    let stored = chat(&client, &id).await["messages"][1]["feedback"].clone();
    assert_eq!(stored, json!({ "rating": "helpful", "comment": null }));

    let question = chat(&client, &id).await["messages"][0]["id"].as_str().expect("id").to_owned();
    let on_question = client
        .post(&format!("/api/chats/{id}/messages/{question}/feedback"))
        .json(&json!({ "rating": "helpful" }));
    on_question.send().await.assert_error(404, "MESSAGE_NOT_FOUND");
    client
        .post(&path)
        .json(&json!({ "rating": "meh" }))
        .send()
        .await
        .assert_error(400, "VALIDATION_ERROR");
    let long = json!({ "rating": "helpful", "comment": "x".repeat(2001) });
    client.post(&path).json(&long).send().await.assert_error(400, "INVALID_COMMENT");
}

backend_tests!(
    chats_are_created_listed_renamed_and_deleted,
    history_pages_without_gaps_or_repeats,
    an_extractive_answer_streams_with_sources_and_is_stored,
    a_question_the_book_does_not_cover_is_answered_as_such,
    without_a_book_asking_is_unavailable,
    a_model_answer_streams_and_the_prompt_fits_the_reader,
    a_failing_model_leaves_an_interrupted_answer,
    an_endless_answer_is_capped_and_saved,
    an_answer_is_saved_when_the_reader_leaves,
    stop_ends_the_answer_and_the_model_stream,
    hostile_model_output_is_rendered_harmless,
    feedback_is_kept_per_answer,
);
