//! Conversations with the tutor (**contract**, DESIGN.md §5): `GET/POST /api/chats`,
//! `GET/PATCH/DELETE /api/chats/:id`. Every handler takes [`Profiled`] (the gate) and
//! every query is scoped by the caller's id, so another reader's chat is a 404.

pub mod answer;
pub mod ask;
pub mod feedback;
pub(crate) mod ids;
mod retrieval;
pub mod stop;
mod view;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SubsecRound, Utc};
use lectern_store::{Chat, ChatId, Order, UserId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub use view::{ChatDetail, ChatList, ChatView, FeedbackView, MessageView, Source};

use crate::body::{ApiJson, ApiQuery};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::gate::Profiled;
use crate::openapi::{BodyErrors, SignedInErrors};
use crate::state::Api;

/// The title of a chat until its first question names it.
pub const UNTITLED: &str = "New chat";
const MAX_TITLE: usize = 200;
const DEFAULT_CHATS: u32 = 20;
const MAX_CHATS: u32 = 100;
const DEFAULT_MESSAGES: u32 = 50;
const MAX_MESSAGES: u32 = 200;

/// Stored times are whole microseconds, PostgreSQL's precision, so cursors are exact on
/// both backends.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn owner(reader: &lectern_verify::Reader) -> UserId {
    UserId(reader.id.as_str().to_owned())
}

/// The caller's chat with this id, or 404 (also for another reader's: no existence leak).
pub async fn owned_chat(api: &Api, owner: &UserId, id: &str) -> ApiResult<Chat> {
    if !ids::valid_id(id) {
        return Err(chat_not_found());
    }
    api.store.chat(owner, &ChatId(id.to_owned())).await?.ok_or_else(chat_not_found)
}

pub fn chat_not_found() -> ApiError {
    ApiError::not_found("CHAT_NOT_FOUND", "No such chat")
}

pub(crate) fn title(raw: &str) -> ApiResult<String> {
    let title = raw.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE || title.chars().any(char::is_control)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_TITLE",
            format!("A title has 1 to {MAX_TITLE} characters, on one line"),
        ));
    }
    Ok(title.to_owned())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// How many to return (chats: 1-100, default 20; messages: 1-200, default 50).
    limit: Option<u32>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

pub(crate) fn limit(requested: Option<u32>, default: u32, max: u32) -> ApiResult<u32> {
    match requested.unwrap_or(default) {
        n if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_LIMIT",
            format!("limit is 1 to {max}"),
        )),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChat {
    /// 1-200 characters; "New chat" until the first question names it.
    title: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    title: String,
}

/// The caller's chats, most recently active first.
#[utoipa::path(get, path = "/api/chats", operation_id = "listChats", tag = "chats",
    params(Page), security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of chats", body = ChatList),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        SignedInErrors,
    ))]
pub async fn list(
    State(api): State<Api>,
    Profiled(reader): Profiled,
    ApiQuery(page): ApiQuery<Page>,
) -> ApiResult<Json<ChatList>> {
    let limit = limit(page.limit, DEFAULT_CHATS, MAX_CHATS)?;
    let after = page.cursor.as_deref().map(ids::parse_chat_cursor).transpose()?;
    let mut chats = api.store.chats(&owner(&reader), Order::Desc, after, limit + 1).await?;
    let more = chats.len() > limit as usize;
    chats.truncate(limit as usize);
    let next_cursor =
        more.then(|| chats.last().map(|c| ids::chat_cursor(c.updated_at, &c.id))).flatten();
    Ok(Json(ChatList { chats: chats.iter().map(ChatView::from).collect(), next_cursor }))
}

#[utoipa::path(post, path = "/api/chats", operation_id = "createChat", tag = "chats",
    request_body = NewChat, security(("session_cookie" = []), ("bearer" = [])),
    responses((status = 201, description = "Created", body = ChatView), SignedInErrors, BodyErrors))]
pub async fn create(
    State(api): State<Api>,
    Profiled(reader): Profiled,
    ApiJson(body): ApiJson<NewChat>,
) -> ApiResult<Response> {
    let title = body.title.as_deref().map(title).transpose()?.unwrap_or_else(|| UNTITLED.into());
    let now = now();
    let chat = Chat {
        id: ids::chat_id(),
        user_id: owner(&reader),
        title,
        created_at: now,
        updated_at: now,
    };
    api.store.create_chat(&chat).await?;
    Ok((StatusCode::CREATED, Json(ChatView::from(&chat))).into_response())
}

/// A chat with a page of its messages, oldest first; `nextCursor` pages back in time.
#[utoipa::path(get, path = "/api/chats/{id}", operation_id = "getChat", tag = "chats",
    params(("id" = String, Path, description = "The chat's id"), Page),
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The chat and its messages", body = ChatDetail),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 404, description = "No such chat of the caller's", body = ErrorBody),
        SignedInErrors,
    ))]
pub async fn get(
    State(api): State<Api>,
    Profiled(reader): Profiled,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<Page>,
) -> ApiResult<Json<ChatDetail>> {
    let owner = owner(&reader);
    let chat = owned_chat(&api, &owner, &id).await?;
    let limit = limit(page.limit, DEFAULT_MESSAGES, MAX_MESSAGES)?;
    let before = page.cursor.as_deref().map(ids::parse_message_cursor).transpose()?;
    let mut messages =
        api.store.messages(&owner, &chat.id, Order::Desc, before.as_ref(), limit + 1).await?;
    let more = messages.len() > limit as usize;
    messages.truncate(limit as usize);
    let next_cursor = more.then(|| messages.last().map(|m| m.message.id.0.clone())).flatten();
    messages.reverse();
    Ok(Json(ChatDetail {
        chat: ChatView::from(&chat),
        messages: messages.iter().map(MessageView::from).collect(),
        next_cursor,
    }))
}

#[utoipa::path(patch, path = "/api/chats/{id}", operation_id = "renameChat", tag = "chats",
    params(("id" = String, Path, description = "The chat's id")), request_body = Rename,
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Renamed", body = ChatView),
        (status = 404, description = "No such chat of the caller's", body = ErrorBody),
        SignedInErrors,
        BodyErrors,
    ))]
pub async fn rename(
    State(api): State<Api>,
    Profiled(reader): Profiled,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Rename>,
) -> ApiResult<Json<ChatView>> {
    let title = title(&body.title)?;
    if !ids::valid_id(&id) {
        return Err(chat_not_found());
    }
    let chat = api.store.rename_chat(&owner(&reader), &ChatId(id), &title, now()).await?;
    Ok(Json(ChatView::from(&chat.ok_or_else(chat_not_found)?)))
}

/// Deletes the chat, its messages and their feedback.
#[utoipa::path(delete, path = "/api/chats/{id}", operation_id = "deleteChat", tag = "chats",
    params(("id" = String, Path, description = "The chat's id")),
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such chat of the caller's", body = ErrorBody),
        SignedInErrors,
    ))]
pub async fn delete(
    State(api): State<Api>,
    Profiled(reader): Profiled,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let deleted = ids::valid_id(&id) && api.store.delete_chat(&owner(&reader), &ChatId(id)).await?;
    if deleted { Ok(StatusCode::NO_CONTENT) } else { Err(chat_not_found()) }
}
