//! `POST /api/chats/:id/messages` (**contract**, DESIGN.md §5): ask the tutor. The answer
//! streams as Server-Sent Events: `sources`, then `token`s, then `done` or `error`. The
//! answering itself (storage, retrieval, generation, interruptions) is [`super::answer`].

use std::convert::Infallible;

use axum::extract::{Path, State};
use axum::http::HeaderName;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::answer::{self, Target, Update};
use super::owner;
use crate::body::ApiJson;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::gate::Profiled;
use crate::openapi::{BodyErrors, SignedInErrors};
use crate::state::Api;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    /// The question, 1-4000 characters.
    content: String,
}

/// One Server-Sent Event of the answer (**contract**): `sources` (`data`: the cited passages,
/// `[{"title","url","snippet"}]`), `token` (`{"text"}`, many), then `done`
/// (`{"messageId","unanswered"}`: `unanswered` when the book does not seem to cover the
/// question and the sources are only the closest sections) or `error` (`{"code","message"}`).
/// `data` is JSON text.
#[derive(Debug, ToSchema)]
pub struct AskEvent {
    #[schema(pattern = "^(sources|token|done|error)$")]
    pub event: String,
    pub data: String,
}

/// Asks the tutor. The response is `text/event-stream`: `event: sources`
/// (`data: [{"title","url","snippet"}]`), `event: token` (`data: {"text"}`, many), then
/// `event: done` (`data: {"messageId","unanswered"}`) or `event: error`
/// (`data: {"code","message"}`).
#[utoipa::path(post, path = "/api/chats/{id}/messages", operation_id = "ask", tag = "chats",
    params(("id" = String, Path, description = "The chat's id")), request_body = Ask,
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The answer as Server-Sent Events", content_type = "text/event-stream", body = AskEvent),
        (status = 404, description = "No such chat of the caller's", body = ErrorBody),
        SignedInErrors,
        BodyErrors,
    ))]
pub async fn ask(
    State(api): State<Api>,
    Profiled(reader): Profiled,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Ask>,
) -> ApiResult<impl IntoResponse> {
    let question = answer::question(&body.content)?;
    let answering =
        answer::start(&api, owner(&reader), Target::Chat(id), answer::Ask::New(question)).await?;
    let weak_evidence = answering.weak_evidence;
    let first = Event::default()
        .event("sources")
        .json_data(&answering.sources)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let updates = answering.updates.map(move |update| {
        let event = match update {
            Update::Token(text) => {
                Event::default().event("token").json_data(json!({ "text": text }))
            }
            Update::Done(id) => Event::default()
                .event("done")
                .json_data(json!({ "messageId": id.0, "unanswered": weak_evidence })),
            Update::Failed { code, message } => Event::default()
                .event("error")
                .json_data(json!({ "code": code, "message": message })),
        };
        Ok::<_, Infallible>(event.unwrap_or_else(|_| Event::default().event("error").data("{}")))
    });
    let stream = futures_util::stream::once(async { Ok(first) }).chain(updates);
    Ok((unbuffered(), Sse::new(stream).keep_alive(KeepAlive::default())))
}

/// A proxy that buffers (nginx does by default) would hold an answer back until its end.
pub fn unbuffered() -> [(HeaderName, &'static str); 1] {
    [(HeaderName::from_static("x-accel-buffering"), "no")]
}
