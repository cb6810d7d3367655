//! The streaming requests: `threads.create`, `threads.add_user_message` and
//! `threads.retry_after_item`, answered by the reader API's pipeline
//! ([`crate::chat::answer`]) and sent as the events the SDK's `ChatKitServer` sends for a
//! `respond` that streams one cited assistant message: the user message done, the stream
//! options, the assistant message added, its content part with the cited sections as
//! annotations, the text deltas, then the part and the item done, or an `error` event.

use std::convert::Infallible;

use axum::http::StatusCode;
use axum::response::sse::{self, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, stream};
use lectern_store::{Chat, Message, MessageId, UserId};

use super::types::{
    AddMessageParams, Annotation, CreateParams, ErrorEvent, Event, Item, OutputText, Page,
    RetryParams, StreamOptions, Thread, Update, UserInput,
};
use crate::chat::answer::{self, Answering, Ask, Target};
use crate::chat::ask::unbuffered;
use crate::chat::{UNTITLED, ids, now};
use crate::error::{ApiError, ApiResult};
use crate::state::Api;

/// A new thread (chat) with its first message, answered.
pub async fn create(api: &Api, owner: UserId, params: CreateParams) -> ApiResult<Response> {
    let question = question(&params.input)?;
    let now = now();
    let chat = Chat {
        id: ids::chat_id(),
        user_id: owner.clone(),
        title: UNTITLED.into(),
        created_at: now,
        updated_at: now,
    };
    let answering = answer::start(api, owner, Target::NewChat(chat), Ask::New(question)).await?;
    Ok(respond(answering, Opening::Thread))
}

pub async fn add_message(
    api: &Api,
    owner: UserId,
    params: AddMessageParams,
) -> ApiResult<Response> {
    let question = question(&params.input)?;
    let answering =
        answer::start(api, owner, Target::Chat(params.thread_id), Ask::New(question)).await?;
    Ok(respond(answering, Opening::Message))
}

/// Answers the user message `item_id` again, replacing what followed it.
pub async fn retry(api: &Api, owner: UserId, params: RetryParams) -> ApiResult<Response> {
    let again = Ask::Again(MessageId(params.item_id));
    let answering = answer::start(api, owner, Target::Chat(params.thread_id), again).await?;
    Ok(respond(answering, Opening::Retry))
}

/// The question in a composer's input; Lectern reads text only.
fn question(input: &UserInput) -> ApiResult<String> {
    if !input.attachments.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "UNSUPPORTED_REQUEST",
            "This server does not take attachments",
        ));
    }
    answer::question(&input.text())
}

/// What an answer's stream tells before the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opening {
    /// The thread is new, then its first message.
    Thread,
    /// The reader's new message.
    Message,
    /// Nothing: the question answered again is already in the thread.
    Retry,
}

/// The events of an answer.
fn respond(answering: Answering, opening: Opening) -> Response {
    let Answering { chat, question, answer, sources, updates, .. } = answering;
    let annotations: Vec<Annotation> = sources.iter().map(Annotation::from).collect();
    let answer_id = answer.id.0.clone();
    let part = {
        let annotations = annotations.clone();
        move |text: String| OutputText { text, annotations: annotations.clone() }
    };
    let update = move |update| Event::ItemUpdated { item_id: answer_id.clone(), update };

    let mut first = Vec::new();
    if opening == Opening::Thread {
        first.push(Event::ThreadCreated { thread: Thread::new(&chat, Page::empty()) });
    }
    if opening != Opening::Retry {
        first.push(Event::ItemDone { item: Item::new(&question) });
    }
    // No Stop button: an answer outlives its stream on purpose (a closed tab still gets it
    // saved), so cancelling the stream would not stop it.
    first.push(Event::StreamOptions { stream_options: StreamOptions { allow_cancel: false } });
    first.push(Event::ItemAdded { item: Item::started(&answer) });
    first.push(update(Update::PartAdded { content_index: 0, content: part(String::new()) }));
    for (i, annotation) in (0u32..).zip(&annotations) {
        first.push(update(Update::AnnotationAdded {
            content_index: 0,
            annotation_index: i,
            annotation: annotation.clone(),
        }));
    }

    let mut text = String::new();
    let rest = updates.flat_map({
        let update = update.clone();
        move |piece| {
            let events = match piece {
                answer::Update::Token(delta) => {
                    text.push_str(&delta);
                    vec![update(Update::TextDelta { content_index: 0, delta })]
                }
                answer::Update::Done(_) => {
                    let text = std::mem::take(&mut text);
                    // As stored: the answer's row with its text and sources.
                    let item = Item::new(&Message { content: text.clone(), ..answer.clone() });
                    vec![
                        update(Update::PartDone { content_index: 0, content: part(text) }),
                        Event::ItemDone { item },
                    ]
                }
                // What was written is kept, as in the reader API; the SDK says so with an error.
                answer::Update::Failed { code, message } => {
                    let retry = code != "STOPPED";
                    vec![Event::Error(ErrorEvent::new(message.into(), retry, code.into()))]
                }
            };
            stream::iter(events)
        }
    });
    sse(stream::iter(first).chain(rest))
}

/// An error before anything was streamed, as the stream's one event.
pub async fn error(err: ApiError) -> Response {
    let (_, event) = super::translate(err).await;
    sse(stream::iter([Event::Error(event)]))
}

fn sse(events: impl futures_util::Stream<Item = Event> + Send + 'static) -> Response {
    let events = events.map(|event| {
        let data = sse::Event::default().json_data(&event);
        Ok::<_, Infallible>(data.unwrap_or_else(|_| sse::Event::default().data("{}")))
    });
    (unbuffered(), Sse::new(events).keep_alive(KeepAlive::default())).into_response()
}
