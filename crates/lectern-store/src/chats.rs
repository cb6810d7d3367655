//! Conversations, their messages and feedback. Every function takes the owner's id and
//! every statement filters by it, so a reader can never read, change or delete another's
//! rows, whatever ids they send.

use chrono::{DateTime, Utc};

use crate::tx::transaction;
use crate::{ChatId, MessageId, Result, Store, UserId, execute, modify, read};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct Chat {
    pub id: ChatId,
    pub user_id: UserId,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A question or an answer. `sources` is the JSON array of cited passages; `status` is
/// `complete`, `streaming`, `interrupted` or `failed`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct Message {
    pub id: MessageId,
    pub chat_id: ChatId,
    pub user_id: UserId,
    pub role: String,
    pub content: String,
    pub sources: String,
    pub status: String,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// An answer that says the book does not seem to cover the question.
    pub unanswered: bool,
}

/// A message with the reader's feedback on it, if any.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MessageWithFeedback {
    #[sqlx(flatten)]
    pub message: Message,
    pub rating: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct Feedback {
    pub message_id: MessageId,
    pub user_id: UserId,
    pub rating: String,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How an answer ended.
#[derive(Debug, Clone)]
pub struct Outcome<'a> {
    pub content: &'a str,
    pub sources: &'a str,
    pub status: &'a str,
    pub error: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// Proof that an explicit merge happened: the hash of the guest's session token.
#[derive(Debug, Clone)]
pub struct MergeReceipt<'a> {
    pub token_hash: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What a guest merge moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    pub chats: u64,
    pub profile: bool,
}

/// How an exchange starts (see [`Store::start_exchange`]).
#[derive(Debug, Clone, Copy)]
pub enum Exchange<'a> {
    /// A new question; `new_chat` is created with it, and `title` renames the chat.
    Ask { question: &'a Message, new_chat: Option<&'a Chat>, title: Option<&'a str> },
    /// The question with this id answered again: the messages after it are deleted.
    Again { question: &'a MessageId },
}

/// Which way a page runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Oldest (or least recently active) first.
    Asc,
    /// Newest first.
    Desc,
}

impl Order {
    fn sql(self) -> &'static str {
        match self {
            Self::Asc => "ASC",
            Self::Desc => "DESC",
        }
    }

    /// How a row past the cursor compares with it.
    fn past(self) -> &'static str {
        match self {
            Self::Asc => ">",
            Self::Desc => "<",
        }
    }
}

const CHAT: &str = r#""id", "userId", "title", "createdAt", "updatedAt""#;
const MESSAGE: &str = r#"m."id", m."chatId", m."userId", m."role", m."content", m."sources", m."status", m."error", m."createdAt", m."updatedAt", m."unanswered""#;
const INSERT_MESSAGE: &str = r#"INSERT INTO "chat_message" ("id", "chatId", "userId", "role", "content", "sources", "status", "error", "createdAt", "updatedAt", "unanswered") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"#;

const INSERT_CHAT: &str = r#"INSERT INTO "chat" ("id", "userId", "title", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5)"#;

macro_rules! bind_chat {
    ($query:expr, $c:expr) => {
        $query
            .bind(&$c.id)
            .bind(&$c.user_id)
            .bind(&$c.title)
            .bind($c.created_at)
            .bind($c.updated_at)
    };
}

macro_rules! bind_message {
    ($query:expr, $m:expr) => {
        $query
            .bind(&$m.id)
            .bind(&$m.chat_id)
            .bind(&$m.user_id)
            .bind(&$m.role)
            .bind(&$m.content)
            .bind(&$m.sources)
            .bind(&$m.status)
            .bind(&$m.error)
            .bind($m.created_at)
            .bind($m.updated_at)
            .bind($m.unanswered)
    };
}

impl Store {
    pub async fn create_chat(&self, chat: &Chat) -> Result<()> {
        execute!(self, |p| bind_chat!(sqlx::query(INSERT_CHAT), chat))?;
        Ok(())
    }

    pub async fn chat(&self, owner: &UserId, id: &ChatId) -> Result<Option<Chat>> {
        let sql = format!(r#"SELECT {CHAT} FROM "chat" WHERE "id" = $1 AND "userId" = $2"#);
        read!(self, |p| sqlx::query_as(&sql).bind(id).bind(owner).fetch_optional(p).await)
    }

    /// A page of the owner's chats by activity, after the `(updatedAt, id)` cursor: most
    /// recently active first for [`Order::Desc`].
    pub async fn chats(
        &self,
        owner: &UserId,
        order: Order,
        after: Option<(DateTime<Utc>, ChatId)>,
        limit: u32,
    ) -> Result<Vec<Chat>> {
        let (at, id) = after.map_or((None, None), |(at, id)| (Some(at), Some(id)));
        let (past, dir) = (order.past(), order.sql());
        let sql = format!(
            r#"SELECT {CHAT} FROM "chat" WHERE "userId" = $1
               AND ($2 IS NULL OR "updatedAt" {past} $2 OR ("updatedAt" = $2 AND "id" {past} $3))
               ORDER BY "updatedAt" {dir}, "id" {dir} LIMIT $4"#
        );
        read!(self, |p| {
            sqlx::query_as(&sql)
                .bind(owner)
                .bind(at)
                .bind(id)
                .bind(i64::from(limit))
                .fetch_all(p)
                .await
        })
    }

    pub async fn rename_chat(
        &self,
        owner: &UserId,
        id: &ChatId,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Chat>> {
        let sql = format!(
            r#"UPDATE "chat" SET "title" = $3, "updatedAt" = $4 WHERE "id" = $1 AND "userId" = $2 RETURNING {CHAT}"#
        );
        modify!(self, |p| {
            sqlx::query_as(&sql).bind(id).bind(owner).bind(title).bind(now).fetch_optional(p).await
        })
    }

    /// Deletes the chat with its messages and their feedback.
    pub async fn delete_chat(&self, owner: &UserId, id: &ChatId) -> Result<bool> {
        let deleted = execute!(self, |p| sqlx::query(
            r#"DELETE FROM "chat" WHERE "id" = $1 AND "userId" = $2"#
        )
        .bind(id)
        .bind(owner))?;
        Ok(deleted > 0)
    }

    /// Up to `limit` messages of the chat past the message `after` in `order` (message ids
    /// sort in creation order), with feedback: [`Order::Desc`] pages back in time.
    pub async fn messages(
        &self,
        owner: &UserId,
        chat: &ChatId,
        order: Order,
        after: Option<&MessageId>,
        limit: u32,
    ) -> Result<Vec<MessageWithFeedback>> {
        let (past, dir) = (order.past(), order.sql());
        let sql = format!(
            r#"SELECT {MESSAGE}, f."rating", f."comment" FROM "chat_message" m
               LEFT JOIN "message_feedback" f ON f."messageId" = m."id" AND f."userId" = m."userId"
               WHERE m."chatId" = $1 AND m."userId" = $2 AND ($3 IS NULL OR m."id" {past} $3)
               ORDER BY m."id" {dir} LIMIT $4"#
        );
        read!(self, |p| {
            sqlx::query_as(&sql)
                .bind(chat)
                .bind(owner)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(p)
                .await
        })
    }

    /// One of the owner's messages in `chat`.
    pub async fn message(
        &self,
        owner: &UserId,
        chat: &ChatId,
        id: &MessageId,
    ) -> Result<Option<Message>> {
        let sql = format!(
            r#"SELECT {MESSAGE} FROM "chat_message" m WHERE m."id" = $1 AND m."chatId" = $2 AND m."userId" = $3"#
        );
        read!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .bind(chat)
            .bind(owner)
            .fetch_optional(p)
            .await)
    }

    /// Stores the start of an exchange with the answer about to stream, and marks the chat
    /// active, in one transaction: a new question (in a chat created with it, or renamed by
    /// it, when asked), or a question answered again, replacing what followed it. `false`
    /// when the chat is not the owner's.
    pub async fn start_exchange(&self, exchange: &Exchange<'_>, answer: &Message) -> Result<bool> {
        let (new_chat, title) = match exchange {
            Exchange::Ask { new_chat, title, .. } => (*new_chat, *title),
            Exchange::Again { .. } => (None, None),
        };
        transaction!(self, |tx| {
            if let Some(chat) = new_chat {
                bind_chat!(sqlx::query(INSERT_CHAT), chat).execute(&mut *tx).await?;
            }
            let touched = sqlx::query(
                r#"UPDATE "chat" SET "updatedAt" = $3, "title" = COALESCE($4, "title") WHERE "id" = $1 AND "userId" = $2"#,
            )
            .bind(&answer.chat_id)
            .bind(&answer.user_id)
            .bind(answer.created_at)
            .bind(title)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                return Ok(false);
            }
            match exchange {
                Exchange::Ask { question, .. } => {
                    // Both rows in one statement: one round trip fewer before the answer
                    // can start.
                    let both = format!(
                        "{INSERT_MESSAGE}, ($12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
                    );
                    bind_message!(bind_message!(sqlx::query(&both), question), answer)
                        .execute(&mut *tx)
                        .await?;
                }
                Exchange::Again { question } => {
                    sqlx::query(
                        r#"DELETE FROM "chat_message" WHERE "chatId" = $1 AND "userId" = $2 AND "id" > $3"#,
                    )
                    .bind(&answer.chat_id)
                    .bind(&answer.user_id)
                    .bind(*question)
                    .execute(&mut *tx)
                    .await?;
                    bind_message!(sqlx::query(INSERT_MESSAGE), answer).execute(&mut *tx).await?;
                }
            }
            Ok(true)
        })
    }

    /// Saves a streaming answer's text and how it ended, if it is still streaming: `false`
    /// when the reader stopped it meanwhile (or deleted the chat), which the generating
    /// task takes as its signal to stop.
    pub async fn finish_message(
        &self,
        owner: &UserId,
        id: &MessageId,
        outcome: &Outcome<'_>,
    ) -> Result<bool> {
        let updated = execute!(self, |p| {
            sqlx::query(
            r#"UPDATE "chat_message" SET "content" = $3, "sources" = $4, "status" = $5, "error" = $6, "updatedAt" = $7 WHERE "id" = $1 AND "userId" = $2 AND "status" = 'streaming'"#
        )
        .bind(id)
        .bind(owner)
        .bind(outcome.content)
        .bind(outcome.sources)
        .bind(outcome.status)
        .bind(outcome.error)
        .bind(outcome.now)
        })?;
        Ok(updated > 0)
    }

    /// Stops the owner's answers still streaming in `chat`: they become `interrupted` with
    /// the code `STOPPED` at once, whichever process generates them. Returns how many.
    pub async fn stop_answers(
        &self,
        owner: &UserId,
        chat: &ChatId,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        Ok(execute!(self, |p| {
            sqlx::query(
            r#"UPDATE "chat_message" SET "status" = 'interrupted', "error" = 'STOPPED', "updatedAt" = $3 WHERE "chatId" = $1 AND "userId" = $2 AND "role" = 'assistant' AND "status" = 'streaming'"#
        )
        .bind(chat)
        .bind(owner)
        .bind(now)
        })?)
    }

    /// Saves what a stopped answer had written by the time its task noticed.
    pub async fn keep_stopped(
        &self,
        owner: &UserId,
        id: &MessageId,
        content: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let updated = execute!(self, |p| {
            sqlx::query(
            r#"UPDATE "chat_message" SET "content" = $3, "updatedAt" = $4 WHERE "id" = $1 AND "userId" = $2 AND "status" = 'interrupted' AND "error" = 'STOPPED'"#
        )
        .bind(id)
        .bind(owner)
        .bind(content)
        .bind(now)
        })?;
        Ok(updated > 0)
    }

    /// Answers still `streaming` since before `before` lost their process (a crash or a
    /// kill): they become `interrupted`, keeping what was saved.
    pub async fn interrupt_stale(&self, before: DateTime<Utc>) -> Result<u64> {
        Ok(execute!(self, |p| {
            sqlx::query(
            r#"UPDATE "chat_message" SET "status" = 'interrupted', "error" = 'SERVER_RESTARTED' WHERE "status" = 'streaming' AND "updatedAt" < $1"#
        )
        .bind(before)
        })?)
    }

    /// Sets the owner's feedback on one of their answers; `None` when there is no such answer.
    pub async fn set_feedback(
        &self,
        owner: &UserId,
        chat: &ChatId,
        message: &MessageId,
        rating: &str,
        comment: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Feedback>> {
        let sql = r#"INSERT INTO "message_feedback" ("messageId", "userId", "rating", "comment", "createdAt", "updatedAt")
            SELECT $1, $2, $3, $4, $5, $5 WHERE EXISTS (SELECT 1 FROM "chat_message" WHERE "id" = $1 AND "userId" = $2 AND "chatId" = $6 AND "role" = 'assistant')
            ON CONFLICT ("messageId") DO UPDATE SET "rating" = excluded."rating", "comment" = excluded."comment", "updatedAt" = excluded."updatedAt"
            RETURNING "messageId", "userId", "rating", "comment", "createdAt", "updatedAt""#;
        modify!(self, |p| {
            sqlx::query_as(sql)
                .bind(message)
                .bind(owner)
                .bind(rating)
                .bind(comment)
                .bind(now)
                .bind(chat)
                .fetch_optional(p)
                .await
        })
    }

    /// Gives everything `guest` made to `account` and deletes the guest, in one transaction:
    /// chats, messages and feedback, and the profile when the account has none (the
    /// account's answers win). With `receipt`, the merge is also remembered, so that a
    /// repeated explicit merge answers the same (see [`Store::guest_merged_into`]).
    pub async fn merge_guest(
        &self,
        guest: &UserId,
        account: &UserId,
        receipt: Option<&MergeReceipt<'_>>,
    ) -> Result<Merged> {
        let merged = transaction!(self, |tx| {
            let mut merged = Merged::default();
            for table in ["chat", "chat_message", "message_feedback", "answer_insight"] {
                let sql = format!(r#"UPDATE "{table}" SET "userId" = $2 WHERE "userId" = $1"#);
                let moved = sqlx::query(&sql).bind(guest).bind(account).execute(&mut *tx).await?;
                if table == "chat" {
                    merged.chats = moved.rows_affected();
                }
            }
            let moved = sqlx::query(
                r#"UPDATE "reader_profile" SET "userId" = $2 WHERE "userId" = $1
                   AND NOT EXISTS (SELECT 1 FROM "reader_profile" WHERE "userId" = $2)"#,
            )
            .bind(guest)
            .bind(account)
            .execute(&mut *tx)
            .await?;
            merged.profile = moved.rows_affected() > 0;
            if merged.profile {
                sqlx::query(r#"UPDATE "profile_answer" SET "userId" = $2 WHERE "userId" = $1"#)
                    .bind(guest)
                    .bind(account)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    r#"UPDATE "user" SET "softwareBackground" = g."softwareBackground", "hardwareBackground" = g."hardwareBackground"
                       FROM (SELECT "softwareBackground", "hardwareBackground" FROM "user" WHERE "id" = $1) AS g
                       WHERE "user"."id" = $2"#,
                )
                .bind(guest)
                .bind(account)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(receipt) = receipt {
                sqlx::query(
                    r#"INSERT INTO "verification" ("id", "identifier", "value", "expiresAt", "createdAt", "updatedAt") VALUES ($1, $1, $2, $3, $4, $4) ON CONFLICT ("id") DO NOTHING"#,
                )
                .bind(format!("{MERGE_MARK}{}", receipt.token_hash))
                .bind(account)
                .bind(receipt.expires_at)
                .bind(receipt.now)
                .execute(&mut *tx)
                .await?;
            }
            if self.insights {
                // The guest became a reader: counted, and nothing else about it kept.
                sqlx::query(
                    r#"INSERT INTO "guest_conversion" ("id", "createdAt") VALUES ($1, $2)"#,
                )
                .bind(random_id())
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(r#"DELETE FROM "user" WHERE "id" = $1"#)
                .bind(guest)
                .execute(&mut *tx)
                .await?;
            Ok(merged)
        })?;
        self.cache.evict_user(account.as_str());
        self.cache.evict_user(guest.as_str());
        Ok(merged)
    }

    /// The account a guest (by the hash of its session token) was merged into, if it was.
    pub async fn guest_merged_into(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>> {
        let id = format!("{MERGE_MARK}{token_hash}");
        let row: Option<(UserId,)> = read!(self, |p| {
            sqlx::query_as(
                r#"SELECT "value" FROM "verification" WHERE "id" = $1 AND "expiresAt" > $2"#,
            )
            .bind(&id)
            .bind(now)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.map(|(account,)| account))
    }
}

/// A random id for a row that names nothing.
fn random_id() -> String {
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// The `verification` rows that record explicit guest merges start with this.
const MERGE_MARK: &str = "lectern-guest-merge:";
