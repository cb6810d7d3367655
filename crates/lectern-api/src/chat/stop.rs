//! `POST /api/chats/:id/stop`: the reader's Stop button. Closing the stream is not enough,
//! because generation outlives the connection on purpose (a closed tab still gets its answer
//! saved); stopping is an explicit request, and it must reach the task wherever it runs.
//!
//! The request marks the chat's streaming answers `interrupted` with the code `STOPPED` in
//! the database, then wakes the generating task if it runs in this process, so it stops at
//! once. A task on another replica learns it at its next checkpoint, when saving its text
//! finds the answer no longer streaming (within a couple of seconds). Either way the task
//! then keeps what it had written, and stops reading the model.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use tokio::sync::Notify;
use utoipa::ToSchema;

use super::{now, owned_chat, owner};
use crate::error::{ApiResult, ErrorBody};
use crate::gate::Profiled;
use crate::openapi::SignedInErrors;
use crate::state::Api;

/// The answers being generated in this process, by answer id, with their chat.
#[derive(Debug, Default)]
pub struct Generations {
    running: Mutex<HashMap<String, (String, Arc<Notify>)>>,
}

impl Generations {
    /// Registers an answer being generated; it is forgotten when the guard drops.
    pub fn start(self: &Arc<Self>, chat: &str, answer: &str) -> Generation {
        let stop = Arc::new(Notify::new());
        self.lock().insert(answer.to_owned(), (chat.to_owned(), stop.clone()));
        Generation { generations: self.clone(), answer: answer.to_owned(), stop }
    }

    /// Wakes the tasks generating in `chat`. `Notify` keeps the wake-up for a task that is
    /// not waiting at this instant.
    fn stop(&self, chat: &str) {
        for (in_chat, stop) in self.lock().values() {
            if in_chat == chat {
                stop.notify_one();
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Arc<Notify>)>> {
        // Nothing can panic while holding the lock; a poisoned map is still consistent.
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One answer being generated; dropping it unregisters the answer.
#[derive(Debug)]
pub struct Generation {
    generations: Arc<Generations>,
    answer: String,
    stop: Arc<Notify>,
}

impl Generation {
    /// Resolves when the reader stops this answer from this process.
    pub async fn stopped(&self) {
        self.stop.notified().await;
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        self.generations.lock().remove(&self.answer);
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stopped {
    /// How many answers were streaming and are now stopped (0: nothing was streaming).
    stopped: u64,
}

/// Stops the answer the tutor is writing in this chat; what it wrote so far is kept, as an
/// `interrupted` answer with the code `STOPPED`. Safe to repeat.
#[utoipa::path(post, path = "/api/chats/{id}/stop", operation_id = "stopAnswer", tag = "chats",
    params(("id" = String, Path, description = "The chat's id")),
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Stopped", body = Stopped),
        (status = 404, description = "No such chat of the caller's", body = ErrorBody),
        SignedInErrors,
    ))]
pub async fn stop(
    State(api): State<Api>,
    Profiled(reader): Profiled,
    Path(id): Path<String>,
) -> ApiResult<Json<Stopped>> {
    let owner = owner(&reader);
    let chat = owned_chat(&api, &owner, &id).await?;
    let stopped = api.store.stop_answers(&owner, &chat.id, now()).await?;
    api.generations.stop(&chat.id.0);
    Ok(Json(Stopped { stopped }))
}
