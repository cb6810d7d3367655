//! `POST /api/chats/:id/messages/:messageId/feedback`: the reader rates an answer, for the
//! book's author to read. Setting it again replaces it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::SecondsFormat;
use lectern_store::{ChatId, MessageId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ids, now, owner};
use crate::body::{ApiJson, is_typed_text};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::gate::Profiled;
use crate::openapi::{BodyErrors, SignedInErrors};
use crate::state::Api;

const MAX_COMMENT: usize = 2000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    rating: Rating,
    /// Up to 2000 characters.
    comment: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Helpful,
    NotHelpful,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackSaved {
    message_id: String,
    rating: String,
    comment: Option<String>,
    updated_at: String,
}

#[utoipa::path(post, path = "/api/chats/{id}/messages/{messageId}/feedback", operation_id = "rateAnswer", tag = "chats",
    params(("id" = String, Path, description = "The chat's id"), ("messageId" = String, Path, description = "The answer's id")),
    request_body = Rate, security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = FeedbackSaved),
        (status = 404, description = "No such answer in the caller's chat", body = ErrorBody),
        SignedInErrors,
        BodyErrors,
    ))]
pub async fn rate(
    State(api): State<Api>,
    Profiled(reader): Profiled,
    Path((chat, message)): Path<(String, String)>,
    ApiJson(body): ApiJson<Rate>,
) -> ApiResult<Json<FeedbackSaved>> {
    let comment = body.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT || !is_typed_text(c)) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_COMMENT",
            format!("A comment has at most {MAX_COMMENT} characters, and no control characters"),
        ));
    }
    let not_found = || ApiError::not_found("MESSAGE_NOT_FOUND", "No such answer");
    if !ids::valid_id(&chat) || !ids::valid_id(&message) {
        return Err(not_found());
    }
    let rating = match body.rating {
        Rating::Helpful => "helpful",
        Rating::NotHelpful => "not_helpful",
    };
    let saved = api
        .store
        .set_feedback(&owner(&reader), &ChatId(chat), &MessageId(message), rating, comment, now())
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(FeedbackSaved {
        message_id: saved.message_id.0,
        rating: saved.rating,
        comment: saved.comment,
        updated_at: saved.updated_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    }))
}
