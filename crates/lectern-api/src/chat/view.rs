//! The wire shapes of chats and messages.

use chrono::{DateTime, SecondsFormat, Utc};
use lectern_store::{Chat, MessageWithFeedback};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::answer::LOST_AFTER;

fn lost_after() -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(LOST_AFTER).expect("a small constant")
}

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatView {
    id: String,
    title: String,
    created_at: String,
    updated_at: String,
}

impl From<&Chat> for ChatView {
    fn from(chat: &Chat) -> Self {
        Self {
            id: chat.id.0.clone(),
            title: chat.title.clone(),
            created_at: iso(chat.created_at),
            updated_at: iso(chat.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatList {
    pub chats: Vec<ChatView>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatDetail {
    #[serde(flatten)]
    pub chat: ChatView,
    /// Oldest first.
    pub messages: Vec<MessageView>,
    /// Pass as `cursor` for older messages; `null` when there are none.
    pub next_cursor: Option<String>,
}

/// A passage of the book an answer cites (**contract**: the `sources` event's items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Source {
    pub title: String,
    pub url: String,
    pub snippet: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackView {
    /// `helpful` or `not_helpful`.
    pub rating: String,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    id: String,
    /// `user` or `assistant`.
    role: String,
    /// Markdown.
    content: String,
    /// The content rendered to sanitised HTML, safe to insert into a page.
    html: String,
    sources: Vec<Source>,
    /// `complete`, `streaming` (still being written), or `interrupted` (the model failed or
    /// the server stopped; `content` holds what was written).
    status: String,
    /// Why an answer is `interrupted`.
    error: Option<String>,
    /// The answer says the book does not seem to cover the question (its `sources` are the
    /// closest sections, offered as places to look).
    unanswered: bool,
    created_at: String,
    feedback: Option<FeedbackView>,
}

impl From<&MessageWithFeedback> for MessageView {
    fn from(row: &MessageWithFeedback) -> Self {
        let m = &row.message;
        let html = if m.role == "assistant" {
            lectern_tutor::render::markdown_to_html(&m.content)
        } else {
            // A reader's question is text, not Markdown to render.
            format!("<p>{}</p>", lectern_tutor::render::escape(&m.content))
        };
        // Its process was killed: nothing will finish it, and the next start marks it so.
        let lost = m.status == "streaming" && Utc::now() - m.updated_at > lost_after();
        let (status, error) = if lost {
            ("interrupted".to_owned(), Some("SERVER_RESTARTED".to_owned()))
        } else {
            (m.status.clone(), m.error.clone())
        };
        Self {
            id: m.id.0.clone(),
            role: m.role.clone(),
            content: m.content.clone(),
            html,
            sources: serde_json::from_str(&m.sources).unwrap_or_default(),
            status,
            error,
            unanswered: m.unanswered,
            created_at: iso(m.created_at),
            feedback: row
                .rating
                .clone()
                .map(|rating| FeedbackView { rating, comment: row.comment.clone() }),
        }
    }
}
