//! Answering a question in a chat, shared by the reader API's ask endpoint ([`super::ask`])
//! and ChatKit's streaming requests ([`crate::chatkit`]): the checks, retrieval, storing the
//! exchange, and the generation task with its checkpoints and interruptions. Each caller
//! only turns [`Update`]s into its own wire events.
//!
//! The question is stored before generation starts. Generation runs in a task of its own,
//! so a reader who closes the tab still gets the answer saved (only an explicit Stop ends it,
//! see [`super::stop`]); what the model wrote is checkpointed while it streams, and a model
//! failure leaves an `interrupted` answer with its error code, never a silent loss.

use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::StatusCode;
use futures_util::{Stream, StreamExt};
use lectern_store::{
    AnswerInsight, Chat, Exchange, Message, MessageId, MessageWithFeedback, Order, Outcome,
    StoreError, UserId,
};
use lectern_tutor::{AnswerRequest, Background, Role, Turn};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::retrieval::retrieve;
use super::stop::Generation;
use super::{Source, UNTITLED, ids, now, owned_chat};
use crate::body::is_typed_text;
use crate::error::{ApiError, ApiResult};
use crate::profile::Answers;
use crate::state::Api;
use crate::tutor::{Tutor, background};

pub const MAX_QUESTION: usize = 4000;
/// Earlier messages given to the answerer (it keeps what fits its own budget).
const HISTORY: u32 = 12;
/// How often a streaming answer's text so far is saved.
const CHECKPOINT: Duration = Duration::from_secs(2);
/// A `streaming` answer whose row has not moved for this long lost its process (a kill, a
/// crash): its generating task checkpoints far more often.
pub const LOST_AFTER: Duration = Duration::from_secs(15);
/// Characters of the first question that name an untitled chat.
const TITLE_FROM_QUESTION: usize = 60;

/// What to answer.
#[derive(Debug)]
pub enum Ask {
    /// A new question, checked by [`question`]: stored, then answered.
    New(String),
    /// The reader's earlier question with this id, answered again: everything after it in
    /// the chat is replaced by the new answer (ChatKit's "retry").
    Again(MessageId),
}

/// A question as the reader typed it, trimmed, or 400 `INVALID_QUESTION`.
pub fn question(raw: &str) -> ApiResult<String> {
    let question = raw.trim();
    if question.is_empty() || question.chars().count() > MAX_QUESTION || !is_typed_text(question) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_QUESTION",
            format!("A question has 1 to {MAX_QUESTION} characters, and no control characters"),
        ));
    }
    Ok(question.to_owned())
}

/// An answer being generated: the stored question, the answer's row as it started (empty,
/// `streaming`), what it cites, and its [`Updates`].
#[derive(Debug)]
pub struct Answering {
    pub chat: Chat,
    pub question: Message,
    pub answer: Message,
    pub sources: Vec<Source>,
    /// The book does not seem to cover the question; `sources` are only the closest sections.
    pub weak_evidence: bool,
    pub updates: Updates,
}

/// What the generation task tells the response stream.
#[derive(Debug)]
pub enum Update {
    Token(String),
    Done(MessageId),
    Failed { code: &'static str, message: &'static str },
}

/// The updates of one answer, while a reader listens; counted in
/// `lectern_sse_streams_open` until dropped.
#[derive(Debug)]
pub struct Updates {
    rx: mpsc::UnboundedReceiver<Update>,
    _open: OpenStream,
}

impl Stream for Updates {
    type Item = Update;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Update>> {
        self.rx.poll_recv(cx)
    }
}

/// Where the question is asked.
#[derive(Debug)]
pub enum Target {
    /// The reader's chat with this id.
    Chat(String),
    /// A chat made for this question, stored with it (ChatKit's `threads.create`): a
    /// question refused before it is stored leaves no empty chat behind.
    NewChat(Chat),
}

/// What answering reads first: the chat, its recent history (before the question answered
/// again), that question, and the reader's background.
struct Reads {
    chat: Chat,
    earlier: Vec<MessageWithFeedback>,
    asked_before: Option<Message>,
    background: Background,
}

/// Reads at once what [`start`] needs; the chat must be the reader's (404 otherwise).
async fn read(api: &Api, owner: &UserId, target: &Target, ask: &Ask) -> ApiResult<Reads> {
    let again = match ask {
        Ask::New(_) => None,
        Ask::Again(id) if ids::valid_id(&id.0) => Some(id),
        Ask::Again(_) => return Err(question_not_found()),
    };
    let chat_id = match target {
        Target::NewChat(chat) => {
            let background = reader_background(api, owner).await?;
            let chat = chat.clone();
            return Ok(Reads { chat, earlier: Vec::new(), asked_before: None, background });
        }
        Target::Chat(id) if ids::valid_id(id) => lectern_store::ChatId(id.clone()),
        Target::Chat(_) => return Err(super::chat_not_found()),
    };
    let (chat, earlier, asked_before, background) = tokio::try_join!(
        owned_chat(api, owner, &chat_id.0),
        async { Ok(api.store.messages(owner, &chat_id, Order::Desc, again, HISTORY).await?) },
        async {
            match again {
                Some(id) => Ok(api.store.message(owner, &chat_id, id).await?),
                None => Ok(None),
            }
        },
        reader_background(api, owner),
    )?;
    Ok(Reads { chat, earlier, asked_before, background })
}

/// Checks the chat is the reader's, retrieves, stores the exchange and starts generating.
/// Nothing is written until the chat (and, to answer again, the question) is known to be
/// theirs; a 404 `CHAT_NOT_FOUND` or `MESSAGE_NOT_FOUND` otherwise.
pub async fn start(api: &Api, owner: UserId, target: Target, ask: Ask) -> ApiResult<Answering> {
    let tutor = api.tutor.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "TUTOR_UNAVAILABLE",
            "The tutor is not available on this server",
        )
    })?;
    let Reads { chat, earlier, asked_before, background } =
        read(api, &owner, &target, &ask).await?;
    let (question, stored_question) = match (&ask, asked_before) {
        (Ask::New(text), _) => (text.clone(), None),
        (Ask::Again(_), Some(m)) if m.role == "user" => (m.content.clone(), Some(m)),
        (Ask::Again(_), _) => return Err(question_not_found()),
    };
    let history: Vec<Turn> = earlier
        .iter()
        .rev()
        .filter(|m| m.message.status == "complete" && !m.message.content.is_empty())
        .map(|m| Turn {
            role: if m.message.role == "user" { Role::User } else { Role::Assistant },
            content: m.message.content.clone(),
        })
        .collect();
    let (passages, weak_evidence, coverage) = retrieve(&tutor, &question, &background).await?;
    let sources: Vec<Source> = passages
        .iter()
        .map(|p| Source { title: p.title.clone(), url: p.url.clone(), snippet: p.snippet.clone() })
        .collect();
    let sources_json =
        serde_json::to_string(&sources).map_err(|e| ApiError::Internal(e.to_string()))?;

    let now = now();
    let message = |role: &str, content: &str, status: &str| Message {
        id: ids::message_id(),
        chat_id: chat.id.clone(),
        user_id: owner.clone(),
        role: role.into(),
        content: content.into(),
        sources: if role == "assistant" { sources_json.clone() } else { "[]".into() },
        status: status.into(),
        error: None,
        created_at: now,
        updated_at: now,
        unanswered: role == "assistant" && weak_evidence,
    };
    let asked = stored_question.unwrap_or_else(|| message("user", &question, "complete"));
    let answer = message("assistant", "", "streaming");
    let repeat_of = match ask {
        Ask::New(_) => crate::insights::repeat_of(&earlier, &question, now),
        Ask::Again(_) => None,
    };
    let noted = Noted {
        best_score: passages.first().map(|p| p.score),
        coverage,
        mode: match tutor.answerer {
            lectern_tutor::Answerer::Extractive => "extractive",
            lectern_tutor::Answerer::OpenAi(_) => "model",
        },
        repeat_of,
        sections: if weak_evidence {
            Vec::new()
        } else {
            sources.iter().map(|s| s.url.clone()).collect()
        },
    };
    let title = (matches!(ask, Ask::New(_)) && chat.title == UNTITLED && earlier.is_empty())
        .then(|| title_from(&question));
    let (tx, rx) = mpsc::unbounded_channel();
    let request = AnswerRequest { question, history, background, passages, weak_evidence };
    // Registered before the response starts, so a Stop that follows at once cannot miss it.
    let generation = api.generations.start(&chat.id.0, &answer.id.0);
    // Storing the exchange and starting its answer run as one task of their own: a reader who
    // leaves while the rows are written must not leave an answer row that nothing will write.
    let begin = tokio::spawn({
        let (api, asked, answer, title) =
            (api.clone(), asked.clone(), answer.clone(), title.clone());
        async move {
            let exchange = match (&ask, &target) {
                (Ask::Again(id), _) => Exchange::Again { question: id },
                (Ask::New(_), Target::NewChat(chat)) => Exchange::Ask {
                    question: &asked,
                    new_chat: Some(chat),
                    title: title.as_deref(),
                },
                (Ask::New(_), Target::Chat(_)) => {
                    Exchange::Ask { question: &asked, new_chat: None, title: title.as_deref() }
                }
            };
            if !api.store.start_exchange(&exchange, &answer).await? {
                return Ok(false);
            }
            note(&api, &asked, &answer, &noted).await;
            let owned = (owner, generation);
            tokio::spawn(generate(api, tutor, request, owned, answer.id, sources_json, tx));
            Ok::<_, StoreError>(true)
        }
    });
    match begin.await.map_err(|e| ApiError::Internal(e.to_string()))? {
        Ok(true) => {}
        Ok(false) => return Err(super::chat_not_found()),
        Err(err) => return Err(err.into()),
    }
    let chat = Chat { title: title.unwrap_or(chat.title), updated_at: now, ..chat };
    let updates = Updates { rx, _open: OpenStream::new() };
    Ok(Answering { chat, question: asked, answer, sources, weak_evidence, updates })
}

fn question_not_found() -> ApiError {
    ApiError::not_found("MESSAGE_NOT_FOUND", "No such question in this chat")
}

/// What the author's dashboard keeps about an answer as it starts (see `crate::insights`).
#[derive(Debug)]
struct Noted {
    best_score: Option<f32>,
    coverage: f32,
    mode: &'static str,
    repeat_of: Option<MessageId>,
    sections: Vec<String>,
}

/// Records `noted`; a failure costs the dashboard one answer, never the reader theirs.
async fn note(api: &Api, question: &Message, answer: &Message, noted: &Noted) {
    let sections: Vec<&str> = noted.sections.iter().map(String::as_str).collect();
    let insight = AnswerInsight {
        message_id: &answer.id,
        user_id: &answer.user_id,
        question_id: &question.id,
        created_at: answer.created_at,
        best_score: noted.best_score,
        coverage: noted.coverage,
        unanswered: answer.unanswered,
        mode: noted.mode,
        repeat_of: noted.repeat_of.as_ref(),
        sections: &sections,
    };
    if let Err(err) = api.store.record_answer(&insight).await {
        tracing::warn!(message.id = %answer.id, error = %err, "could not record an answer's insight");
    }
}

/// One answer stream open to a reader, in `lectern_sse_streams_open` while it lives.
#[derive(Debug)]
struct OpenStream;

impl OpenStream {
    fn new() -> Self {
        metrics::gauge!("lectern_sse_streams_open").increment(1.0);
        Self
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!("lectern_sse_streams_open").decrement(1.0);
    }
}

/// The reader's background, from their profile; a guest without one gets none.
async fn reader_background(api: &Api, owner: &UserId) -> ApiResult<Background> {
    let Some(profile) = api.store.profile(owner).await? else { return Ok(Background::default()) };
    // Cues only read answers; ones the questionnaire no longer asks are simply unused.
    let answers = Answers(serde_json::from_str(&profile.answers).unwrap_or_default());
    Ok(background(&api.questionnaire, &answers))
}

fn title_from(question: &str) -> String {
    let line = question.lines().next().unwrap_or(question).trim();
    if line.chars().count() <= TITLE_FROM_QUESTION {
        return line.to_owned();
    }
    let cut: String = line.chars().take(TITLE_FROM_QUESTION - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Runs the answerer to the end whether or not anyone still listens, unless the reader
/// stops it (see [`super::stop`]), the answer reaches its length cap, or the server stops;
/// then stores the outcome. While it runs, the row's `updatedAt` moves at least every
/// [`CHECKPOINT`], even while the model is silent: an answer whose row stops moving lost its
/// process (see [`LOST_AFTER`]).
async fn generate(
    api: Api,
    tutor: Arc<Tutor>,
    request: AnswerRequest,
    (owner, generation): (UserId, Generation),
    id: MessageId,
    sources: String,
    tx: mpsc::UnboundedSender<Update>,
) {
    let asked = Instant::now();
    let mut pieces = tutor.answerer.answer(request);
    let mut text = String::new();
    let mut room = tutor.max_answer_chars;
    let mut next_checkpoint = Instant::now() + CHECKPOINT;
    let mut first_token_ms = None;
    let ending = loop {
        let piece = tokio::select! {
            piece = pieces.next() => piece,
            () = generation.stopped() => break Ending::Stopped,
            () = generation.server_stopping() => break Ending::CutShort {
                code: "SERVER_STOPPED",
                message: "The server restarted before the tutor finished; what it wrote so far is saved. Please ask again.",
            },
            () = tokio::time::sleep_until(next_checkpoint) => {
                // A checkpoint that fails is only a checkpoint missed: the end is what must
                // be saved.
                if let Ok(false) = api.store.checkpoint_message(&owner, &id, &text, now()).await {
                    break Ending::Stopped; // by a request another replica served
                }
                next_checkpoint = Instant::now() + CHECKPOINT;
                continue;
            }
        };
        match piece {
            None => break Ending::Complete,
            Some(Ok(mut piece)) => {
                if first_token_ms.is_none() {
                    metrics::histogram!("lectern_tutor_first_token_duration_seconds")
                        .record(asked.elapsed().as_secs_f64());
                    first_token_ms =
                        Some(u64::try_from(asked.elapsed().as_millis()).unwrap_or(u64::MAX));
                }
                pieces_streamed().increment(1);
                let fits = within(&mut piece, &mut room);
                text.push_str(&piece);
                // A closed stream only means the reader left; the answer is still saved.
                let _ = tx.send(Update::Token(piece));
                if !fits {
                    break Ending::CutShort {
                        code: "ANSWER_TOO_LONG",
                        message: "The answer reached its maximum length and was cut off there.",
                    };
                }
            }
            Some(Err(err)) => {
                tracing::warn!(message.id = %id, code = err.code(), error = %err, "answer interrupted");
                metrics::counter!("lectern_tutor_model_errors_total", "code" => err.code())
                    .increment(1);
                break Ending::CutShort {
                    code: err.code(),
                    message: "The tutor could not finish this answer; what it wrote so far is saved. Please try again.",
                };
            }
        }
    };
    drop(pieces); // closes the model's stream now, not when the last save returns
    let outcome = match ending {
        Ending::Complete => "complete",
        Ending::CutShort { code, .. } => code,
        Ending::Stopped => "STOPPED",
    };
    metrics::counter!("lectern_tutor_answers_total", "outcome" => outcome).increment(1);
    if let Err(err) = api.store.record_answer_end(&id, outcome, first_token_ms).await {
        tracing::warn!(message.id = %id, error = %err, "could not record how an answer ended");
    }
    let (status, error) = match ending {
        Ending::Complete => ("complete", None),
        Ending::CutShort { code, .. } => ("interrupted", Some(code)),
        Ending::Stopped => return keep_stopped(&api, &owner, &id, &text, &tx).await,
    };
    let update = match save(&api, &owner, &id, &text, &sources, status, error).await {
        Saved::Yes => match ending {
            Ending::CutShort { code, message } => Update::Failed { code, message },
            _ => Update::Done(id),
        },
        // Found no longer streaming: the reader stopped it meanwhile.
        Saved::NotStreaming => return keep_stopped(&api, &owner, &id, &text, &tx).await,
        Saved::Failed(code) => {
            // Never `done` for an answer that is not stored: the reader is told, and the
            // answer is recorded as interrupted once the database takes writes again.
            let message = "The answer could not be saved: the server cannot store it right now. Please ask again in a moment.";
            let _ = tx.send(Update::Failed { code, message });
            drop(tx);
            return record_unsaved(&api, &owner, &id, &text, &sources, code).await;
        }
    };
    let _ = tx.send(update);
}

/// Counted once per piece of every answer: the handle is made once, not looked up in the
/// registry each time.
fn pieces_streamed() -> &'static metrics::Counter {
    static PIECES: OnceLock<metrics::Counter> = OnceLock::new();
    PIECES.get_or_init(|| metrics::counter!("lectern_tutor_pieces_streamed_total"))
}

/// Shortens `piece` to the `room` characters left; false when it had to.
fn within(piece: &mut String, room: &mut usize) -> bool {
    match piece.char_indices().nth(*room) {
        Some((cut, _)) => {
            piece.truncate(cut);
            *room = 0;
            false
        }
        None => {
            *room -= piece.chars().count();
            true
        }
    }
}

/// Saves what a stopped answer had written and tells the reader.
async fn keep_stopped(
    api: &Api,
    owner: &UserId,
    id: &MessageId,
    text: &str,
    tx: &mpsc::UnboundedSender<Update>,
) {
    if let Err(err) = api.store.keep_stopped(owner, id, text, now()).await {
        tracing::error!(message.id = %id, error = %err, "could not save a stopped answer");
    }
    let message = "You stopped this answer; what it wrote so far is saved.";
    let _ = tx.send(Update::Failed { code: "STOPPED", message });
}

#[derive(Clone, Copy)]
enum Ending {
    Complete,
    /// Ended early by the model, the length cap or the server stopping: saved as
    /// `interrupted` with `code`, and the reader told `message`.
    CutShort {
        code: &'static str,
        message: &'static str,
    },
    /// By the reader.
    Stopped,
}

/// How saving an answer went.
enum Saved {
    Yes,
    /// It is no longer streaming: stopped, or its chat deleted.
    NotStreaming,
    /// The database refused the write; the code tells the reader why.
    Failed(&'static str),
}

/// Saves the answer if it is still streaming.
async fn save(
    api: &Api,
    owner: &UserId,
    id: &MessageId,
    text: &str,
    sources: &str,
    status: &str,
    error: Option<&str>,
) -> Saved {
    let outcome = Outcome { content: text, sources, status, error, now: now() };
    match api.store.finish_message(owner, id, &outcome).await {
        Ok(true) => Saved::Yes,
        Ok(false) => Saved::NotStreaming,
        Err(err) => {
            tracing::warn!(message.id = %id, error = %err, "could not save an answer");
            Saved::Failed(match err {
                StoreError::Unavailable(_) => "STORAGE_UNAVAILABLE",
                _ => "INTERNAL_SERVER_ERROR",
            })
        }
    }
}

/// How long an unsaved answer keeps being offered to the database, and how often.
const UNSAVED_RETRY: Duration = Duration::from_secs(2);
const UNSAVED_ATTEMPTS: u32 = 150;

/// Records an answer whose end could not be saved as `interrupted` with `code`, keeping the
/// text the reader saw, as soon as the database takes it (within five minutes); until then
/// its row still says `streaming`, never `complete`.
async fn record_unsaved(
    api: &Api,
    owner: &UserId,
    id: &MessageId,
    text: &str,
    sources: &str,
    code: &str,
) {
    for _ in 0..UNSAVED_ATTEMPTS {
        tokio::time::sleep(UNSAVED_RETRY).await;
        if !matches!(
            save(api, owner, id, text, sources, "interrupted", Some(code)).await,
            Saved::Failed(_)
        ) {
            return;
        }
    }
    tracing::error!(message.id = %id, "gave up saving an answer; it stays streaming until the next start");
}
