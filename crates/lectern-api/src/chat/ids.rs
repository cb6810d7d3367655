//! Ids for chats and messages, and the opaque cursors of the history's pages.

use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use lectern_store::{ChatId, MessageId};

use crate::error::ApiError;

/// The last time-ordered value handed out in this process, in microseconds.
static LAST: AtomicU64 = AtomicU64::new(0);

/// A message id that sorts in creation order: 14 hex digits of a strictly increasing
/// microsecond clock, then 18 random characters. A question and its answer are made by one
/// request in one process, so their order is exact.
pub fn message_id() -> MessageId {
    let now = u64::try_from(Utc::now().timestamp_micros()).unwrap_or(0);
    let stamp = LAST
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| Some(now.max(last + 1)))
        .map_or(now, |last| now.max(last + 1));
    MessageId(format!("{stamp:014x}{}", lectern_auth::ids::random_alphanumeric(18)))
}

pub fn chat_id() -> ChatId {
    ChatId(lectern_auth::ids::generate_id())
}

/// Encodes the position after the last chat of a page: its activity time and id.
pub fn chat_cursor(updated_at: DateTime<Utc>, id: &ChatId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", updated_at.timestamp_micros()))
}

pub fn parse_chat_cursor(cursor: &str) -> Result<(DateTime<Utc>, ChatId), ApiError> {
    let decoded = URL_SAFE_NO_PAD.decode(cursor).ok().and_then(|b| String::from_utf8(b).ok());
    decoded
        .as_deref()
        .and_then(|text| text.split_once('|'))
        .and_then(|(micros, id)| {
            let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
            valid_id(id).then(|| (at, ChatId(id.to_owned())))
        })
        .ok_or_else(invalid_cursor)
}

/// Message cursors are message ids, checked for shape so junk never reaches a query.
pub fn parse_message_cursor(cursor: &str) -> Result<MessageId, ApiError> {
    valid_id(cursor).then(|| MessageId(cursor.to_owned())).ok_or_else(invalid_cursor)
}

/// Ids are short and alphanumeric; anything else cannot exist, and is refused early.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn invalid_cursor() -> ApiError {
    ApiError::new(axum::http::StatusCode::BAD_REQUEST, "INVALID_CURSOR", "Invalid cursor")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_sort_in_creation_order() {
        let ids: Vec<String> = (0..1000).map(|_| message_id().0).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert!(ids.iter().all(|id| id.len() == 32 && valid_id(id)));
    }

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).expect("time");
        let id = chat_id();
        assert_eq!(parse_chat_cursor(&chat_cursor(at, &id)).ok(), Some((at, id)));
        for junk in ["", "!!!", "bm90IGEgY3Vyc29y", &URL_SAFE_NO_PAD.encode("1|a'b")] {
            assert!(parse_chat_cursor(junk).is_err(), "{junk}");
        }
        assert!(parse_message_cursor("abc' OR 1=1").is_err());
    }
}
