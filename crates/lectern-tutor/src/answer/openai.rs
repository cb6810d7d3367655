//! A streaming client for OpenAI-compatible chat completions (OpenAI, Azure-style proxies,
//! vLLM, Ollama, llama.cpp's server): `POST {base_url}/chat/completions` with
//! `stream: true`, decoded into text pieces as they arrive.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::stream::{self, BoxStream};
use futures_util::{Stream, StreamExt};
use serde_json::json;

use super::AnswerRequest;
use super::sse::{Decoder, Event};
use crate::error::{Result, TutorError};
use crate::{prompt, text};

/// How much of an error body is kept in [`TutorError::LlmStatus`].
const DETAIL_MAX: usize = 300;

#[derive(Clone)]
pub struct OpenAiConfig {
    /// Up to and including the version, such as `https://api.openai.com/v1`.
    pub base_url: String,
    /// Sent as `Authorization: Bearer …`; local servers often need none.
    pub api_key: Option<String>,
    pub model: String,
    /// How long to wait for the connection and the response headers.
    pub first_byte_timeout: Duration,
    /// How long the stream may go quiet between two pieces before the answer is abandoned.
    pub idle_timeout: Duration,
}

impl OpenAiConfig {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: None,
            model: model.into(),
            first_byte_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// The key is never printed, so a config can be logged.
impl std::fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .field("first_byte_timeout", &self.first_byte_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .finish()
    }
}

/// An [`OpenAiConfig`] with its HTTP client, which pools connections across answers.
#[derive(Debug, Clone)]
pub struct OpenAiAnswerer {
    config: OpenAiConfig,
    endpoint: reqwest::Url,
    client: reqwest::Client,
}

impl OpenAiAnswerer {
    pub fn new(config: OpenAiConfig) -> Result<Self> {
        let endpoint = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
        let endpoint = reqwest::Url::parse(&endpoint).map_err(|e| {
            TutorError::Config(format!("model base URL {:?}: {e}", config.base_url))
        })?;
        let client = reqwest::Client::builder()
            .connect_timeout(config.first_byte_timeout)
            .build()
            .map_err(|e| TutorError::Config(format!("HTTP client: {e}")))?;
        Ok(Self { config, endpoint, client })
    }

    pub(super) fn stream(&self, request: &AnswerRequest) -> BoxStream<'static, Result<String>> {
        let body = json!({
            "model": self.config.model,
            "stream": true,
            "messages": prompt::build(request),
        });
        let mut post = self.client.post(self.endpoint.clone()).json(&body);
        if let Some(key) = &self.config.api_key {
            post = post.bearer_auth(key);
        }
        let (first_byte, idle) = (self.config.first_byte_timeout, self.config.idle_timeout);
        let connect = async move {
            let response = tokio::time::timeout(first_byte, post.send())
                .await
                .map_err(|_| TutorError::LlmTimeout("waiting for the response"))?
                .map_err(|e| TutorError::LlmUnreachable(e.without_url().to_string()))?;
            let status = response.status();
            if !status.is_success() {
                let body =
                    tokio::time::timeout(idle, response.text()).await.ok().and_then(Result::ok);
                let detail = text::truncate(body.unwrap_or_default().trim(), DETAIL_MAX);
                return Err(TutorError::LlmStatus { status: status.as_u16(), detail });
            }
            Ok(response)
        };
        stream::once(connect)
            .flat_map(move |response| match response {
                Ok(response) => pieces(response, idle).boxed(),
                Err(e) => stream::iter([Err(e)]).boxed(),
            })
            .boxed()
    }
}

struct Reading {
    body: BoxStream<'static, reqwest::Result<Vec<u8>>>,
    decoder: Decoder,
    ready: VecDeque<String>,
    done: bool,
}

/// The response body as text pieces, ending at `[DONE]`; an error item ends it early.
fn pieces(response: reqwest::Response, idle: Duration) -> impl Stream<Item = Result<String>> {
    let reading = Reading {
        body: response.bytes_stream().map(|r| r.map(Vec::from)).boxed(),
        decoder: Decoder::default(),
        ready: VecDeque::new(),
        done: false,
    };
    stream::unfold(Some(reading), move |reading| async move {
        let mut r = reading?;
        loop {
            if let Some(piece) = r.ready.pop_front() {
                return Some((Ok(piece), Some(r)));
            }
            if r.done {
                return None;
            }
            let events = match tokio::time::timeout(idle, r.body.next()).await {
                Err(_) => Err(TutorError::LlmTimeout("between two pieces of the answer")),
                Ok(Some(Ok(bytes))) => r.decoder.feed(&bytes),
                Ok(Some(Err(e))) => {
                    Err(TutorError::LlmStream(format!("connection lost: {}", e.without_url())))
                }
                Ok(None) => end_of_body(&mut r.decoder),
            };
            match events {
                Ok(events) => r.accept(events),
                Err(e) => return Some((Err(e), None)),
            }
        }
    })
}

/// A body that ends without `[DONE]` is complete only if a chunk said why it finished.
fn end_of_body(decoder: &mut Decoder) -> Result<Vec<Event>> {
    let mut events = decoder.finish()?;
    if !events.contains(&Event::Done) {
        if !decoder.finished {
            return Err(TutorError::LlmStream(
                "the stream ended before the answer was complete".into(),
            ));
        }
        events.push(Event::Done);
    }
    Ok(events)
}

impl Reading {
    fn accept(&mut self, events: Vec<Event>) {
        for event in events {
            match event {
                Event::Text(piece) if !self.done => self.ready.push_back(piece),
                Event::Text(_) => {}
                Event::Done => self.done = true,
            }
        }
    }
}
