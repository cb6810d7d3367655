//! The OpenAI-compatible answerer against a fake server speaking the real streaming wire
//! format: what it sends, how it assembles the stream, and how every failure surfaces as a
//! typed error rather than a hang or a silently truncated answer.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lectern_testkit::llm::{FakeLlm, Reply};
use lectern_tutor::{
    AnswerRequest, Answerer, Background, Level, OpenAiConfig, Passage, TutorError,
};

const KEY: &str = "sk-test-123";

fn config(llm: &FakeLlm) -> OpenAiConfig {
    OpenAiConfig {
        api_key: Some(KEY.into()),
        first_byte_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        ..OpenAiConfig::new(llm.base_url(), "test-model")
    }
}

fn request() -> AnswerRequest {
    AnswerRequest {
        question: "How do I flash a Jetson?".into(),
        background: Background { level: Some(Level::Beginner), ..Default::default() },
        passages: vec![Passage {
            title: "Deployment › Flashing".into(),
            url: "/docs/deployment/jetson#flashing".into(),
            snippet: String::new(),
            text: "Use SDK Manager to flash JetPack.".into(),
            score: 1.0,
            similarity: None,
        }],
        ..Default::default()
    }
}

/// Every item of the answer stream, in order.
async fn run(config: OpenAiConfig) -> Vec<Result<String, TutorError>> {
    Answerer::openai(config).expect("valid config").answer(request()).collect().await
}

#[tokio::test]
async fn streams_the_answer_and_sends_the_prompt() {
    let llm = FakeLlm::with_api_key(Reply::chunks(["Use SDK ", "Manager", " [1]."]), KEY).await;
    let items = run(config(&llm)).await;
    let pieces: Vec<String> = items.into_iter().map(|i| i.expect("no error")).collect();
    assert_eq!(pieces, ["Use SDK ", "Manager", " [1]."]);

    let requests = llm.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].authorization.as_deref(), Some("Bearer sk-test-123"));
    let body = &requests[0].body;
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["stream"], true);
    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages[0]["role"], "system");
    let system = messages[0]["content"].as_str().expect("system text");
    assert!(system.contains("[1] Deployment › Flashing (/docs/deployment/jetson#flashing)\nUse SDK Manager to flash JetPack."));
    assert!(system.contains("beginner"));
    assert_eq!(
        messages.last().expect("question"),
        &serde_json::json!({"role": "user", "content": "How do I flash a Jetson?"})
    );
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let llm = FakeLlm::with_api_key(Reply::chunks(["never"]), KEY).await;
    let items = run(OpenAiConfig { api_key: Some("sk-wrong".into()), ..config(&llm) }).await;
    assert_eq!(items.len(), 1);
    let Err(err) = &items[0] else { panic!("expected an error, got {items:?}") };
    assert!(matches!(err, TutorError::LlmStatus { status: 401, .. }), "{err}");
    assert_eq!(err.code(), "LLM_UNAUTHORIZED");
    assert!(!err.to_string().contains("sk-wrong"), "the key never appears in errors: {err}");
}

#[tokio::test]
async fn server_errors_and_rate_limits_carry_their_status() {
    for (status, code) in
        [(500, "LLM_UNAVAILABLE"), (503, "LLM_UNAVAILABLE"), (429, "LLM_RATE_LIMITED")]
    {
        let llm = FakeLlm::start(Reply::Status(status)).await;
        let items = run(config(&llm)).await;
        match items.as_slice() {
            [Err(err @ TutorError::LlmStatus { status: got, detail })] => {
                assert_eq!(*got, status);
                assert!(detail.contains("\"error\""), "the body's start is kept: {detail}");
                assert_eq!(err.code(), code);
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let llm = FakeLlm::start(Reply::Hang).await;
    let started = Instant::now();
    let items =
        run(OpenAiConfig { first_byte_timeout: Duration::from_millis(300), ..config(&llm) }).await;
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(matches!(items.as_slice(), [Err(TutorError::LlmTimeout(_))]), "{items:?}");
}

#[tokio::test]
async fn a_stream_that_goes_quiet_times_out_and_a_slow_one_does_not() {
    let chunks: Vec<String> = ["a", "b", "c"].map(String::from).into();
    let llm =
        FakeLlm::start(Reply::Slow { chunks: chunks.clone(), delay: Duration::from_millis(30) })
            .await;
    let items = run(config(&llm)).await;
    assert_eq!(items.into_iter().map(|i| i.expect("no error")).collect::<String>(), "abc");

    llm.set_reply(Reply::Slow { chunks, delay: Duration::from_secs(3) });
    let started = Instant::now();
    let items =
        run(OpenAiConfig { idle_timeout: Duration::from_millis(200), ..config(&llm) }).await;
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert!(matches!(items.last(), Some(Err(TutorError::LlmTimeout(_)))), "{items:?}");
}

#[tokio::test]
async fn a_connection_dropped_mid_stream_is_an_error_not_a_short_answer() {
    let llm = FakeLlm::start(Reply::DropAfter(vec!["The first".into(), " half".into()])).await;
    let items = run(config(&llm)).await;
    let (last, before) = items.split_last().expect("items");
    assert!(matches!(last, Err(TutorError::LlmStream(_))), "{items:?}");
    assert_eq!(last.as_ref().err().map(TutorError::code), Some("LLM_STREAM_BROKEN"));
    let received: String =
        before.iter().map(|i| i.as_deref().expect("the error comes last")).collect();
    assert_eq!(received, "The first half");
}

#[tokio::test]
async fn an_unreachable_endpoint_and_a_bad_url_are_typed_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let items = run(OpenAiConfig::new(format!("http://127.0.0.1:{port}/v1"), "m")).await;
    assert!(matches!(items.as_slice(), [Err(TutorError::LlmUnreachable(_))]), "{items:?}");
    let err = Answerer::openai(OpenAiConfig::new("not a url", "m")).expect_err("invalid");
    assert!(matches!(err, TutorError::Config(_)), "{err}");
}

#[test]
fn the_key_is_not_printed() {
    let config = OpenAiConfig {
        api_key: Some(KEY.into()),
        ..OpenAiConfig::new("https://api.example.com/v1", "m")
    };
    let printed = format!("{config:?} {:?}", Answerer::openai(config.clone()).expect("valid"));
    assert!(!printed.contains(KEY) && printed.contains("<redacted>"), "{printed}");
}
