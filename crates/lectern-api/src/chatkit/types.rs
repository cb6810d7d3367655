//! The ChatKit wire types Lectern speaks, as the `openai-chatkit` Python SDK defines them
//! (`chatkit/types.py`, 1.6.x): the request parameters it reads, and the threads, items,
//! pages and stream events it sends. Only what Lectern supports is here; fields the SDK's
//! clients send that Lectern has no use for (`inference_options`, `metadata`) are ignored.

use chrono::{DateTime, SecondsFormat, Utc};
use lectern_store::{Chat, Message};
use serde::{Deserialize, Serialize};

use crate::chat::Source;

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `threads.list` and `items.list` run newest first unless asked otherwise, as in the SDK.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    Asc,
    #[default]
    Desc,
}

impl From<Order> for lectern_store::Order {
    fn from(order: Order) -> Self {
        match order {
            Order::Asc => Self::Asc,
            Order::Desc => Self::Desc,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ThreadParams {
    pub thread_id: String,
}

#[derive(Debug, Deserialize)]
pub struct PageParams {
    pub limit: Option<u32>,
    #[serde(default)]
    pub order: Order,
    pub after: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ItemsParams {
    pub thread_id: String,
    #[serde(flatten)]
    pub page: PageParams,
}

#[derive(Debug, Deserialize)]
pub struct UpdateParams {
    pub thread_id: String,
    pub title: String,
}

#[derive(Debug, Deserialize)]
pub struct FeedbackParams {
    pub thread_id: String,
    pub item_ids: Vec<String>,
    pub kind: FeedbackKind,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedbackKind {
    Positive,
    Negative,
}

#[derive(Debug, Deserialize)]
pub struct CreateParams {
    pub input: UserInput,
}

#[derive(Debug, Deserialize)]
pub struct AddMessageParams {
    pub thread_id: String,
    pub input: UserInput,
}

#[derive(Debug, Deserialize)]
pub struct RetryParams {
    pub thread_id: String,
    pub item_id: String,
}

/// What the reader typed in the composer.
#[derive(Debug, Deserialize)]
pub struct UserInput {
    pub content: Vec<UserContent>,
    #[serde(default)]
    pub attachments: Vec<String>,
    pub quoted_text: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserContent {
    InputText {
        text: String,
    },
    /// A mention picked in the composer; its text is what the reader sees in the question.
    InputTag {
        text: String,
    },
}

impl UserInput {
    /// The question as one text: the parts in order, after the passage it quotes (as a
    /// Markdown quote, which is how the question is stored and shown again).
    pub fn text(&self) -> String {
        let typed: String = self
            .content
            .iter()
            .map(|part| match part {
                UserContent::InputText { text } | UserContent::InputTag { text } => text.as_str(),
            })
            .collect();
        match self.quoted_text.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(quoted) => {
                let quote: Vec<String> = quoted.lines().map(|l| format!("> {l}")).collect();
                format!("{}\n\n{}", quote.join("\n"), typed.trim())
            }
            None => typed,
        }
    }
}

/// A page of threads or items.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub has_more: bool,
    /// Pass as `after` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl<T> Page<T> {
    pub fn empty() -> Self {
        Self { data: Vec::new(), has_more: false, after: None }
    }
}

#[derive(Debug, Serialize)]
pub struct Thread {
    pub id: String,
    pub title: String,
    pub created_at: String,
    pub status: Status,
    /// Integration metadata; Lectern keeps none, so it is always empty.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub items: Page<Item>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Status {
    /// Lectern's chats are never locked or closed.
    Active,
}

impl Thread {
    pub fn new(chat: &Chat, items: Page<Item>) -> Self {
        Self {
            id: chat.id.0.clone(),
            title: chat.title.clone(),
            created_at: iso(chat.created_at),
            status: Status::Active,
            metadata: serde_json::Map::new(),
            items,
        }
    }
}

/// A thread item: Lectern's messages are user and assistant messages.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    UserMessage {
        id: String,
        thread_id: String,
        created_at: String,
        content: Vec<InputText>,
        attachments: [(); 0],
        inference_options: InferenceOptions,
    },
    AssistantMessage {
        id: String,
        thread_id: String,
        created_at: String,
        content: Vec<OutputText>,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename = "input_text")]
pub struct InputText {
    pub text: String,
}

/// The reader's model and tool choices; Lectern makes none.
#[derive(Debug, Clone, Serialize)]
pub struct InferenceOptions {}

/// An answer's text with the book sections it cites.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename = "output_text")]
pub struct OutputText {
    pub text: String,
    pub annotations: Vec<Annotation>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename = "annotation")]
pub struct Annotation {
    pub source: UrlSource,
}

/// A cited section: its title, its link (with the heading's anchor) and a snippet.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename = "url")]
pub struct UrlSource {
    pub title: String,
    pub url: String,
    pub description: String,
}

impl From<&Source> for Annotation {
    fn from(source: &Source) -> Self {
        Self {
            source: UrlSource {
                title: source.title.clone(),
                url: source.url.clone(),
                description: source.snippet.clone(),
            },
        }
    }
}

impl Item {
    /// A stored question or answer; an answer's sources become its annotations.
    pub fn new(message: &Message) -> Self {
        let (id, thread_id) = (message.id.0.clone(), message.chat_id.0.clone());
        let created_at = iso(message.created_at);
        if message.role == "user" {
            return Self::UserMessage {
                id,
                thread_id,
                created_at,
                content: vec![InputText { text: message.content.clone() }],
                attachments: [],
                inference_options: InferenceOptions {},
            };
        }
        let sources: Vec<Source> = serde_json::from_str(&message.sources).unwrap_or_default();
        let content = OutputText {
            text: message.content.clone(),
            annotations: sources.iter().map(Annotation::from).collect(),
        };
        Self::AssistantMessage { id, thread_id, created_at, content: vec![content] }
    }

    /// An answer as it starts streaming: no content yet.
    pub fn started(message: &Message) -> Self {
        Self::AssistantMessage {
            id: message.id.0.clone(),
            thread_id: message.chat_id.0.clone(),
            created_at: iso(message.created_at),
            content: Vec::new(),
        }
    }
}

/// A thread stream event (`ThreadStreamEvent`), one per `data:` line.
#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub enum Event {
    #[serde(rename = "thread.created")]
    ThreadCreated { thread: Thread },
    #[serde(rename = "thread.item.added")]
    ItemAdded { item: Item },
    #[serde(rename = "thread.item.updated")]
    ItemUpdated { item_id: String, update: Update },
    #[serde(rename = "thread.item.done")]
    ItemDone { item: Item },
    #[serde(rename = "stream_options")]
    StreamOptions { stream_options: StreamOptions },
    /// Carries its own `type`, so it is also a JSON request's error body.
    #[serde(untagged)]
    Error(ErrorEvent),
}

#[derive(Debug, Serialize)]
pub struct StreamOptions {
    pub allow_cancel: bool,
}

/// How an assistant message grows while it streams.
#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub enum Update {
    #[serde(rename = "assistant_message.content_part.added")]
    PartAdded { content_index: u32, content: OutputText },
    #[serde(rename = "assistant_message.content_part.annotation_added")]
    AnnotationAdded { content_index: u32, annotation_index: u32, annotation: Annotation },
    #[serde(rename = "assistant_message.content_part.text_delta")]
    TextDelta { content_index: u32, delta: String },
    #[serde(rename = "assistant_message.content_part.done")]
    PartDone { content_index: u32, content: OutputText },
}

/// The SDK's error (`ErrorEvent`): as a stream event, and as the body of a JSON request's
/// error. `code` is `custom` so ChatKit shows `message`; Lectern's own code travels in
/// `lectern_code`, which the SDK's model ignores.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ChatKitError)]
pub struct ErrorEvent {
    #[serde(rename = "type")]
    pub kind: ErrorType,
    /// Always `custom`.
    #[schema(pattern = "^custom$")]
    pub code: &'static str,
    pub message: String,
    /// Whether the UI offers to try again (busy, unavailable, a model that failed).
    pub allow_retry: bool,
    /// Lectern's error code, as the reader API's `code`: `PROFILE_REQUIRED`,
    /// `CHAT_NOT_FOUND`, `UNSUPPORTED_REQUEST`, …
    pub lectern_code: String,
}

impl ErrorEvent {
    pub fn new(message: String, allow_retry: bool, lectern_code: String) -> Self {
        Self { kind: ErrorType::Error, code: "custom", message, allow_retry, lectern_code }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ErrorType {
    Error,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> UserInput {
        serde_json::from_value(json).expect("a composer's input")
    }

    #[test]
    fn a_question_is_its_parts_in_order_after_what_it_quotes() {
        let parts = serde_json::json!([
            { "type": "input_text", "text": "Explain " },
            { "type": "input_tag", "id": "t1", "text": "URDF", "data": {} },
            { "type": "input_text", "text": " again" }
        ]);
        let plain = input(serde_json::json!({ "content": parts, "attachments": [] }));
        assert_eq!(plain.text(), "Explain URDF again");
        let quoting = input(serde_json::json!({
            "content": [{ "type": "input_text", "text": "Why? " }],
            "quoted_text": "Links are rigid.\nJoints move.",
            "inference_options": {}
        }));
        assert_eq!(quoting.text(), "> Links are rigid.\n> Joints move.\n\nWhy?");
    }
}
