//! The JSON requests: threads (Lectern's chats) and their items (the chats' messages), each
//! scoped by the caller's id as the reader API's chat endpoints are, so another reader's
//! thread is a 404 `CHAT_NOT_FOUND`.

use axum::http::StatusCode;
use lectern_store::{ChatId, MessageId, Order, UserId};

use super::types::{FeedbackKind, FeedbackParams, Item, ItemsParams, Page, PageParams, Thread};
use super::types::{ThreadParams, UpdateParams};
use crate::chat::{self, chat_not_found, ids, now, owned_chat};
use crate::error::{ApiError, ApiResult};
use crate::state::Api;

/// The SDK's page size when a request names none.
const DEFAULT_PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;
/// Items one feedback request may rate.
const MAX_FEEDBACK_ITEMS: usize = 50;

/// The thread with its first page of items, oldest first, as the SDK loads it.
pub async fn get(api: &Api, owner: &UserId, params: ThreadParams) -> ApiResult<Thread> {
    let chat = owned_chat(api, owner, &params.thread_id).await?;
    let page = PageParams { limit: None, order: super::types::Order::Asc, after: None };
    let items = item_page(api, owner, &chat.id, &page).await?;
    Ok(Thread::new(&chat, items))
}

/// The caller's threads by activity (most recently active first unless `order` is `asc`),
/// each without its items, as the SDK lists them.
pub async fn list(api: &Api, owner: &UserId, page: PageParams) -> ApiResult<Page<Thread>> {
    let limit = chat::limit(page.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let after = page.after.as_deref().map(ids::parse_chat_cursor).transpose()?;
    let mut chats = api.store.chats(owner, page.order.into(), after, limit + 1).await?;
    let has_more = chats.len() > limit as usize;
    chats.truncate(limit as usize);
    let after = has_more.then(|| chats.last().map(|c| ids::chat_cursor(c.updated_at, &c.id)));
    Ok(Page {
        data: chats.iter().map(|c| Thread::new(c, Page::empty())).collect(),
        has_more,
        after: after.flatten(),
    })
}

pub async fn update(api: &Api, owner: &UserId, params: UpdateParams) -> ApiResult<Thread> {
    let title = chat::title(&params.title)?;
    if !ids::valid_id(&params.thread_id) {
        return Err(chat_not_found());
    }
    let chat = api.store.rename_chat(owner, &ChatId(params.thread_id), &title, now()).await?;
    Ok(Thread::new(&chat.ok_or_else(chat_not_found)?, Page::empty()))
}

pub async fn delete(api: &Api, owner: &UserId, params: ThreadParams) -> ApiResult<()> {
    let id = params.thread_id;
    let deleted = ids::valid_id(&id) && api.store.delete_chat(owner, &ChatId(id)).await?;
    if deleted { Ok(()) } else { Err(chat_not_found()) }
}

/// A page of the thread's items; `after` is an item id, newest first unless `order` is `asc`.
pub async fn items(api: &Api, owner: &UserId, params: ItemsParams) -> ApiResult<Page<Item>> {
    let chat = owned_chat(api, owner, &params.thread_id).await?;
    item_page(api, owner, &chat.id, &params.page).await
}

async fn item_page(
    api: &Api,
    owner: &UserId,
    chat: &ChatId,
    page: &PageParams,
) -> ApiResult<Page<Item>> {
    let limit = chat::limit(page.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let after = page.after.as_deref().map(ids::parse_message_cursor).transpose()?;
    let order: Order = page.order.into();
    let mut messages = api.store.messages(owner, chat, order, after.as_ref(), limit + 1).await?;
    let has_more = messages.len() > limit as usize;
    messages.truncate(limit as usize);
    let after = has_more.then(|| messages.last().map(|m| m.message.id.0.clone())).flatten();
    Ok(Page { data: messages.iter().map(|m| Item::new(&m.message)).collect(), has_more, after })
}

/// Rates answers as the reader API's feedback does (`positive` is `helpful`); the thread's
/// items that are not the reader's answers are left alone, and if none is, 404.
pub async fn feedback(api: &Api, owner: &UserId, params: FeedbackParams) -> ApiResult<()> {
    if params.item_ids.is_empty() || params.item_ids.len() > MAX_FEEDBACK_ITEMS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            format!("[params] item_ids has 1 to {MAX_FEEDBACK_ITEMS} ids"),
        ));
    }
    let chat = owned_chat(api, owner, &params.thread_id).await?;
    let rating = match params.kind {
        FeedbackKind::Positive => "helpful",
        FeedbackKind::Negative => "not_helpful",
    };
    let mut rated = 0;
    for id in params.item_ids.into_iter().filter(|id| ids::valid_id(id)) {
        let message = MessageId(id);
        let saved = api.store.set_feedback(owner, &chat.id, &message, rating, None, now()).await?;
        rated += usize::from(saved.is_some());
    }
    if rated == 0 {
        return Err(ApiError::not_found("MESSAGE_NOT_FOUND", "No such answer in this thread"));
    }
    Ok(())
}
