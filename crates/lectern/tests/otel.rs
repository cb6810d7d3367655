//! OpenTelemetry traces from the real binary to a collector speaking OTLP/HTTP: each request
//! is a server span named by its route template with the HTTP attributes, a caller's
//! `traceparent` puts it in the caller's trace, and nothing secret is exported.

use std::process::Command;
use std::time::Duration;

use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind};
use prost::Message as _;
use serde_json::json;
use tokio::sync::mpsc;

use lectern_testkit::server::Server;
use lectern_testkit::{Backend, TestDb};

const ORIGIN: &str = "http://localhost:3000";
const PASSWORD: &str = "otel correct horse battery";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// A collector's OTLP/HTTP trace endpoint: every export it receives, decoded.
async fn collector() -> (String, mpsc::UnboundedReceiver<ExportTraceServiceRequest>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let tx = tx.clone();
            async move {
                let export = ExportTraceServiceRequest::decode(body).expect("OTLP protobuf");
                let _ = tx.send(export);
                // An empty ExportTraceServiceResponse.
                ([("content-type", "application/x-protobuf")], Bytes::new())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

fn text(value: &Option<AnyValue>) -> Option<String> {
    match value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        any_value::Value::IntValue(n) => Some(n.to_string()),
        _ => None,
    }
}

fn attribute(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| text(&kv.value))
}

#[tokio::test]
async fn requests_are_exported_as_server_spans_in_the_callers_trace() {
    let db = TestDb::new(Backend::Sqlite).await;
    let (endpoint, mut exports) = collector().await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_lectern"));
    command
        .env("DATABASE_URL", &db.url)
        .env("BETTER_AUTH_SECRET", "otel-test-secret-otel-test-secret-otel-01")
        .env("BETTER_AUTH_URL", ORIGIN)
        .env("LECTERN_RATE_LIMIT", "off")
        .env("LECTERN_INDEX_DIR", std::env::temp_dir().join("lectern-otel-index"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
        .env("OTEL_BSP_SCHEDULE_DELAY", "50")
        .env_remove("OTEL_SERVICE_NAME")
        .env("RUST_LOG", "trace");
    let server = Server::start(command, &[]).await;

    let http = reqwest::Client::new();
    let email = "otel-reader@example.com";
    let signed_up = http
        .post(format!("{}/api/auth/sign-up/email", server.url))
        .header("origin", ORIGIN)
        .json(&json!({ "name": "Ada", "email": email, "password": PASSWORD }))
        .send()
        .await
        .expect("sign up");
    assert_eq!(signed_up.status(), 200);
    let token = signed_up.headers()["set-auth-token"].to_str().expect("token").to_owned();
    let session = http
        .get(format!("{}/api/auth/get-session", server.url))
        .bearer_auth(&token)
        .header("traceparent", format!("00-{TRACE_ID}-{CALLER_SPAN}-01"))
        .send()
        .await
        .expect("get-session");
    assert_eq!(session.status(), 200);

    // Exports arrive in batches; wait (bounded) until both requests' spans have come.
    let mut spans: Vec<Span> = Vec::new();
    let mut raw = Vec::new();
    let mut services = Vec::new();
    let wanted = ["POST /api/auth/sign-up/email", "GET /api/auth/get-session"];
    while !wanted.iter().all(|name| spans.iter().any(|s| s.name == *name)) {
        let export = tokio::time::timeout(Duration::from_secs(10), exports.recv())
            .await
            .unwrap_or_else(|_| {
                panic!("no spans for {wanted:?} within 10 s; got {:?}", names(&spans))
            })
            .expect("collector running");
        raw.push(export.encode_to_vec());
        for resource in export.resource_spans {
            let attributes = resource.resource.map(|r| r.attributes).unwrap_or_default();
            services.push(attribute(&attributes, "service.name"));
            spans.extend(resource.scope_spans.into_iter().flat_map(|s| s.spans));
        }
    }
    assert!(services.iter().all(|s| s.as_deref() == Some("lectern")), "{services:?}");

    let sign_up = spans.iter().find(|s| s.name == wanted[0]).expect("sign-up span");
    assert_eq!(sign_up.kind, SpanKind::Server as i32);
    assert_eq!(
        attribute(&sign_up.attributes, "http.route").as_deref(),
        Some("/api/auth/sign-up/email")
    );
    assert_eq!(attribute(&sign_up.attributes, "http.request.method").as_deref(), Some("POST"));
    assert_eq!(attribute(&sign_up.attributes, "http.response.status_code").as_deref(), Some("200"));
    assert!(sign_up.parent_span_id.is_empty(), "no caller trace: a root span");

    let checked = spans.iter().find(|s| s.name == wanted[1]).expect("get-session span");
    assert_eq!(hex(&checked.trace_id), TRACE_ID, "in the caller's trace");
    assert_eq!(hex(&checked.parent_span_id), CALLER_SPAN, "a child of the caller's span");
    assert!(attribute(&checked.attributes, "user_id").is_some(), "the reader is named by id");

    let everything: Vec<u8> = raw.concat();
    for secret in [PASSWORD, email, token.as_str()] {
        assert!(
            !everything.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret:?} was exported"
        );
    }
}

fn names(spans: &[Span]) -> Vec<&str> {
    spans.iter().map(|s| s.name.as_str()).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
