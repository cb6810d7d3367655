//! The audit trail (`audit_event`): who did what, when, from where, and whether it worked.
//!
//! Requests never wait for it. [`Store::audit`] only puts the event on a bounded queue; one
//! task per store writes what has gathered in multi-row inserts, at most [`GATHER`] after the
//! first event of a batch, so a burst of sign-ins costs a few statements instead of one each
//! (on SQLite: a few turns of the writer lock and a few syncs). When nothing happens the task
//! sleeps on the queue. While the database is slow or down the queue fills and new events
//! are dropped and counted (`lectern_audit_dropped_total`), rather than holding memory or
//! requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde::{Serialize, Serializer};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::{Backend, Result, Store, StoreError, UserId, execute, read, with_pool};

/// What happened: the `event` column. One name per action; whether it worked is
/// [`AuditOutcome`]'s, so a failed sign-in is `sign_in` with `failure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    SignUp,
    SignIn,
    SignOut,
    /// `sign-in/anonymous`: a guest user was made.
    GuestSignIn,
    /// A guest's chats and profile moved to the account it became.
    GuestMerge,
    PasswordChange,
    PasswordResetRequest,
    PasswordReset,
    EmailChangeRequest,
    EmailChange,
    EmailVerification,
    /// One session, the others, or all (`detail.scope`).
    SessionRevoke,
    AccountLink,
    AccountUnlink,
    /// `update-user`: name, image or background fields (`detail.fields`, never the values).
    UserUpdate,
    UserDelete,
    /// The reader API's background profile.
    ProfileUpdate,
    /// `lectern keys rotate`.
    KeyRotation,
    /// The admin plugin's actions, on the user acted on, the admin in `detail.by`:
    /// `create-user`, `update-user` (`detail.fields`, never the values), `set-role`
    /// (`detail.role`), `set-user-password`, `remove-user`, revoking a user's sessions.
    AdminUserCreate,
    AdminUserUpdate,
    RoleChange,
    AdminPasswordSet,
    AdminUserRemove,
    AdminSessionRevoke,
    /// `ban-user` (`detail.expires`), `unban-user` (or an expired ban that lifted itself).
    Ban,
    Unban,
    /// An admin signed in as the user (`impersonate-user`), or went back.
    ImpersonationStart,
    ImpersonationStop,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "sign_up",
            Self::SignIn => "sign_in",
            Self::SignOut => "sign_out",
            Self::GuestSignIn => "guest_sign_in",
            Self::GuestMerge => "guest_merge",
            Self::PasswordChange => "password_change",
            Self::PasswordResetRequest => "password_reset_request",
            Self::PasswordReset => "password_reset",
            Self::EmailChangeRequest => "email_change_request",
            Self::EmailChange => "email_change",
            Self::EmailVerification => "email_verification",
            Self::SessionRevoke => "session_revoke",
            Self::AccountLink => "account_link",
            Self::AccountUnlink => "account_unlink",
            Self::UserUpdate => "user_update",
            Self::UserDelete => "user_delete",
            Self::ProfileUpdate => "profile_update",
            Self::KeyRotation => "key_rotation",
            Self::AdminUserCreate => "admin_user_create",
            Self::AdminUserUpdate => "admin_user_update",
            Self::RoleChange => "role_change",
            Self::AdminPasswordSet => "admin_password_set",
            Self::AdminUserRemove => "admin_user_remove",
            Self::AdminSessionRevoke => "admin_session_revoke",
            Self::Ban => "ban",
            Self::Unban => "unban",
            Self::ImpersonationStart => "impersonation_start",
            Self::ImpersonationStop => "impersonation_stop",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    Success,
    Failure,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// One event to record. Never a password, token, cookie, link or secret: `detail` holds
/// codes, provider names, ids and, for a failed sign-in, the address tried (the only "who"
/// such an attempt has).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    pub user_id: Option<UserId>,
    pub ip: Option<String>,
    /// Cut to [`MAX_USER_AGENT`] characters when recorded.
    pub user_agent: Option<String>,
    pub detail: Option<serde_json::Value>,
}

impl AuditEvent {
    pub fn success(action: AuditAction) -> Self {
        Self::new(action, AuditOutcome::Success)
    }

    pub fn failure(action: AuditAction) -> Self {
        Self::new(action, AuditOutcome::Failure)
    }

    fn new(action: AuditAction, outcome: AuditOutcome) -> Self {
        Self {
            at: Utc::now(),
            action,
            outcome,
            user_id: None,
            ip: None,
            user_agent: None,
            detail: None,
        }
    }

    /// Whose event it is: `&id`, or an `Option<&UserId>` when the user may be unknown.
    pub fn user<'a>(mut self, user: impl Into<Option<&'a UserId>>) -> Self {
        self.user_id = user.into().cloned();
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }
}

/// A recorded event, newest first from [`Store::audit_events`]; serialised with `detail` as
/// the JSON it holds, for `lectern audit --json`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
#[sqlx(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    pub event: String,
    pub outcome: String,
    pub user_id: Option<UserId>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    #[serde(serialize_with = "as_json")]
    pub detail: Option<String>,
}

fn as_json<S: Serializer>(detail: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    let value = detail.as_deref().map(|text| {
        serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
    });
    value.serialize(s)
}

/// Long enough for any real browser's; the column is not a place to store what a client
/// chooses to send.
pub const MAX_USER_AGENT: usize = 256;
/// Events waiting to be written at most; beyond it new ones are dropped.
const QUEUE: usize = 10_000;
/// Rows per insert at most: 8 parameters each, well under SQLite's 32,766 and PostgreSQL's
/// 65,535.
const BATCH: usize = 500;
/// How long the first event after a quiet spell waits for others to share its inserts.
const GATHER: Duration = Duration::from_millis(200);
/// Pauses between tries of an insert the database could not take (it is down or full).
const RETRY_PAUSES: [Duration; 3] =
    [Duration::from_millis(250), Duration::from_secs(1), Duration::from_secs(4)];
const DROPPED: &str = "lectern_audit_dropped_total";

enum Message {
    Event(AuditEvent),
    /// Answered once everything queued before it is written (or given up).
    Flush(oneshot::Sender<()>),
}

#[derive(Debug)]
pub(crate) struct AuditQueue {
    tx: mpsc::Sender<Message>,
    /// Ends the writer's wait for more events when a flush is asked for.
    flushing: Arc<Notify>,
    /// When a full queue was last reported (Unix seconds): once a minute is enough.
    warned_at: AtomicI64,
}

impl AuditQueue {
    /// Starts the writer. `store` must not hold a queue itself, or the channel would never
    /// close and the writer would outlive every other handle on the store.
    pub(crate) fn start(store: Store) -> Arc<Self> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let flushing = Arc::new(Notify::new());
        tokio::spawn(write_loop(store, rx, Arc::clone(&flushing)));
        Arc::new(Self { tx, flushing, warned_at: AtomicI64::new(0) })
    }

    fn warn_full(&self) {
        let now = Utc::now().timestamp();
        let last = self.warned_at.load(Ordering::Relaxed);
        if now - last >= 60
            && self
                .warned_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                queued = QUEUE,
                "audit events are being dropped: the database does not keep up (lectern_audit_dropped_total)"
            );
        }
    }
}

fn dropped(reason: &'static str, events: usize) {
    metrics::counter!(DROPPED, "reason" => reason).increment(events as u64);
}

impl Store {
    /// Records `event` without waiting: it is written with others within 200 ms.
    pub fn audit(&self, mut event: AuditEvent) {
        let Some(queue) = &self.audit else { return };
        if let Some(agent) = &mut event.user_agent {
            if let Some((cut, _)) = agent.char_indices().nth(MAX_USER_AGENT) {
                agent.truncate(cut);
            }
        }
        match queue.tx.try_send(Message::Event(event)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                dropped("queue_full", 1);
                queue.warn_full();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => dropped("stopped", 1),
        }
    }

    /// Returns once every event recorded before the call is written (or given up after its
    /// retries): before the process exits, and in tests.
    pub async fn flush_audit(&self) {
        let Some(queue) = &self.audit else { return };
        let (ack, written) = oneshot::channel();
        if queue.tx.send(Message::Flush(ack)).await.is_ok() {
            queue.flushing.notify_one();
            let _ = written.await;
        }
    }

    /// Up to `limit` events since `since`, of `user` if given, newest first.
    pub async fn audit_events(
        &self,
        user: Option<&UserId>,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        // Placeholders are numbered in the order they appear, as SQLite counts them.
        let (filter, limit_at) =
            if user.is_some() { (r#" AND "userId" = $2"#, 3) } else { ("", 2) };
        let sql = format!(
            r#"SELECT "id", "at", "event", "outcome", "userId", "ip", "userAgent", "detail" FROM "audit_event" WHERE "at" >= $1{filter} ORDER BY "at" DESC, "id" DESC LIMIT ${limit_at}"#
        );
        read!(self, |p| {
            let query = sqlx::query_as(&sql).bind(since);
            let query = match user {
                Some(user) => query.bind(user),
                None => query,
            };
            query.bind(limit).fetch_all(p).await
        })
    }

    async fn insert_audit(&self, events: &[AuditEvent], ids: &[String]) -> Result<()> {
        let mut sql = String::from(
            r#"INSERT INTO "audit_event" ("id", "at", "event", "outcome", "userId", "ip", "userAgent", "detail") VALUES "#,
        );
        // Anonymous `?` on SQLite, unlike every other statement here: SQLite looks each named
        // `$n` up by a linear search when it prepares a statement, and sqlx asks each one's
        // name when it binds, which is quadratic in a 4,000-parameter insert (63 ms to prepare
        // 500 rows; it cost a fifth of the throughput of a request that records an event).
        let postgres = self.backend() == Backend::Postgres;
        let row = |n: usize| {
            if postgres {
                (1..=8).map(|column| format!("${}", n * 8 + column)).collect()
            } else {
                vec!["?".to_owned(); 8]
            }
        };
        let rows: Vec<String> =
            (0..events.len()).map(|n| format!("({})", row(n).join(", "))).collect();
        sql.push_str(&rows.join(", "));
        let details: Vec<Option<String>> =
            events.iter().map(|e| e.detail.as_ref().map(|d| d.to_string())).collect();
        execute!(self, |p| {
            let mut query = sqlx::query(&sql);
            for ((event, id), detail) in events.iter().zip(ids).zip(&details) {
                query = query
                    .bind(id)
                    .bind(event.at)
                    .bind(event.action.as_str())
                    .bind(event.outcome.as_str())
                    .bind(&event.user_id)
                    .bind(&event.ip)
                    .bind(&event.user_agent)
                    .bind(detail);
            }
            query
        })?;
        Ok(())
    }
}

/// Time-ordered, then in the order this process wrote them (PostgreSQL keeps microseconds,
/// and several events can share one), then random, so replicas never collide.
fn event_id(at: DateTime<Utc>) -> String {
    static SEQUENCE: AtomicU32 = AtomicU32::new(0);
    let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let random: String =
        rand::thread_rng().sample_iter(&Alphanumeric).take(10).map(char::from).collect();
    format!("{:014x}{sequence:08x}{random}", at.timestamp_micros())
}

async fn write_loop(store: Store, mut rx: mpsc::Receiver<Message>, flushing: Arc<Notify>) {
    let mut batch = Vec::new();
    let mut flushes = Vec::new();
    while let Some(first) = rx.recv().await {
        take(first, &mut batch, &mut flushes);
        // The events of the next GATHER share the inserts. Sleeping through it, rather than
        // receiving each event as it comes, spares a wake-up of this task per event: those
        // cost a busy server more than the inserts did.
        if flushes.is_empty() {
            tokio::select! {
                () = tokio::time::sleep(GATHER) => {}
                () = flushing.notified() => {}
            }
        }
        while let Ok(message) = rx.try_recv() {
            take(message, &mut batch, &mut flushes);
        }
        for rows in batch.chunks(BATCH) {
            write(&store, rows).await;
        }
        batch.clear();
        for ack in flushes.drain(..) {
            let _ = ack.send(());
        }
    }
}

fn take(message: Message, batch: &mut Vec<AuditEvent>, flushes: &mut Vec<oneshot::Sender<()>>) {
    match message {
        Message::Event(event) => batch.push(event),
        Message::Flush(ack) => flushes.push(ack),
    }
}

/// Inserts `batch`, trying again while the database is unavailable; then gives up on it.
async fn write(store: &Store, batch: &[AuditEvent]) {
    if batch.is_empty() {
        return;
    }
    let ids: Vec<String> = batch.iter().map(|e| event_id(e.at)).collect();
    let mut pauses = RETRY_PAUSES.iter();
    let mut retried = false;
    loop {
        let err = match store.insert_audit(batch, &ids).await {
            Ok(()) => return,
            // The statement is all or nothing, so a retry that meets its own ids means the
            // earlier try was committed after all (its answer was lost on the way back).
            Err(StoreError::Conflict) if retried => return,
            Err(err) => err,
        };
        let closed = with_pool!(store, |p| p.is_closed());
        match pauses.next() {
            Some(pause) if matches!(err, StoreError::Unavailable(_)) && !closed => {
                tokio::time::sleep(*pause).await;
                retried = true;
            }
            _ => {
                dropped("write_failed", batch.len());
                tracing::warn!(error = %err, events = batch.len(), "audit events could not be written and are lost");
                return;
            }
        }
    }
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
