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
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use tokio::sync::{Notify, watch};
use utoipa::ToSchema;

use super::{now, owned_chat, owner};
use crate::error::{ApiResult, ErrorBody};
use crate::gate::Profiled;
use crate::openapi::SignedInErrors;
use crate::state::Api;

/// The answers being generated in this process, by answer id, with their chat.
#[derive(Debug)]
pub struct Generations {
    running: Mutex<HashMap<String, (String, Arc<Notify>)>>,
    /// How many run: the server waits for none before it exits.
    count: watch::Sender<usize>,
    /// Set when the server stops and its grace period is over.
    closing: watch::Sender<bool>,
}

impl Default for Generations {
    fn default() -> Self {
        Self {
            running: Mutex::default(),
            count: watch::Sender::new(0),
            closing: watch::Sender::new(false),
        }
    }
}

impl Generations {
    /// Registers an answer being generated; it is forgotten when the guard drops.
    pub fn start(self: &Arc<Self>, chat: &str, answer: &str) -> Generation {
        let stop = Arc::new(Notify::new());
        {
            let mut running = self.lock();
            running.insert(answer.to_owned(), (chat.to_owned(), stop.clone()));
            self.count.send_replace(running.len());
        }
        Generation {
            generations: self.clone(),
            answer: answer.to_owned(),
            stop,
            closing: self.closing.subscribe(),
        }
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

    /// For a server that stops: lets the answers still being generated (their readers may
    /// have left) finish within `grace`, then cuts the rest short, each saving what it had
    /// (within `to_save`). Returns how many were cut short.
    pub async fn finish(&self, grace: Duration, to_save: Duration) -> usize {
        let mut count = self.count.subscribe();
        if tokio::time::timeout(grace, count.wait_for(|n| *n == 0)).await.is_ok() {
            return 0;
        }
        let cut = *count.borrow();
        self.closing.send_replace(true);
        if tokio::time::timeout(to_save, count.wait_for(|n| *n == 0)).await.is_err() {
            tracing::error!(answers = *count.borrow(), "answers not saved before the exit");
        }
        cut
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
    closing: watch::Receiver<bool>,
}

impl Generation {
    /// Resolves when the reader stops this answer from this process.
    pub async fn stopped(&self) {
        self.stop.notified().await;
    }

    /// Resolves when the server stops and will not wait for this answer any longer.
    pub async fn server_stopping(&self) {
        let mut closing = self.closing.clone();
        if closing.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await; // never closing
        }
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        let mut running = self.generations.lock();
        running.remove(&self.answer);
        self.generations.count.send_replace(running.len());
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
