//! Reader profiles (`reader_profile`): one per user, written together with the summaries
//! Better Auth's clients see on the user (`softwareBackground`, `hardwareBackground`).

use chrono::{DateTime, Utc};

use crate::tx::transaction;
use crate::{Result, Store, UserId, read};

/// A stored profile. `answers` is the JSON object the reader API validated.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct Profile {
    pub user_id: UserId,
    pub answers: String,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a profile write stores.
#[derive(Debug, Clone)]
pub struct ProfileWrite<'a> {
    pub user_id: &'a UserId,
    pub answers: &'a str,
    pub software_summary: Option<&'a str>,
    pub hardware_summary: Option<&'a str>,
    /// The chosen options as (question id, option value), one per option of a multi-choice
    /// question; free text is not among them. Kept in `profile_answer` for the author's
    /// dashboard.
    pub choices: &'a [(&'a str, &'a str)],
    pub now: DateTime<Utc>,
}

/// The condition a write needs, so read-modify-write callers never lose a concurrent write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfRevision {
    /// Create or replace, whatever is there.
    Any,
    /// Only if the user has no profile yet.
    Absent,
    /// Only if the profile is still at this revision.
    Is(i64),
}

const COLUMNS: &str = r#""userId", "answers", "revision", "createdAt", "updatedAt""#;

impl Store {
    /// Whether the user has answered the questionnaire: usually from memory (see the
    /// `cache` module), else one indexed read.
    pub async fn has_profile(&self, user: &UserId) -> Result<bool> {
        if let Some(has) = self.cache.has_profile(user.as_str()) {
            return Ok(has);
        }
        let epoch = self.cache.epoch();
        let found: Option<(i32,)> = read!(self, |p| {
            sqlx::query_as(r#"SELECT 1 FROM "reader_profile" WHERE "userId" = $1"#)
                .bind(user)
                .fetch_optional(p)
                .await
        })?;
        self.cache.remember_profile(user.as_str(), found.is_some(), epoch);
        Ok(found.is_some())
    }

    pub async fn profile(&self, user: &UserId) -> Result<Option<Profile>> {
        let sql = format!(r#"SELECT {COLUMNS} FROM "reader_profile" WHERE "userId" = $1"#);
        read!(self, |p| sqlx::query_as(&sql).bind(user).fetch_optional(p).await)
    }

    /// Writes the profile and mirrors its summaries on the user in one transaction.
    /// `None` when `condition` did not hold (or the user is gone): nothing was written.
    pub async fn save_profile(
        &self,
        write: &ProfileWrite<'_>,
        condition: IfRevision,
    ) -> Result<Option<Profile>> {
        let sql = match condition {
            IfRevision::Any => format!(
                r#"INSERT INTO "reader_profile" ({COLUMNS}) VALUES ($1, $2, 1, $3, $3)
                   ON CONFLICT ("userId") DO UPDATE SET "answers" = excluded."answers",
                   "revision" = "reader_profile"."revision" + 1, "updatedAt" = excluded."updatedAt"
                   RETURNING {COLUMNS}"#
            ),
            IfRevision::Absent => format!(
                r#"INSERT INTO "reader_profile" ({COLUMNS}) VALUES ($1, $2, 1, $3, $3)
                   ON CONFLICT ("userId") DO NOTHING RETURNING {COLUMNS}"#
            ),
            IfRevision::Is(revision) => format!(
                r#"UPDATE "reader_profile" SET "answers" = $2, "revision" = "revision" + 1,
                   "updatedAt" = $3 WHERE "userId" = $1 AND "revision" = {revision}
                   RETURNING {COLUMNS}"#
            ),
        };
        let saved = transaction!(self, |tx| {
            let saved: Option<Profile> = sqlx::query_as(&sql)
                .bind(write.user_id)
                .bind(write.answers)
                .bind(write.now)
                .fetch_optional(&mut *tx)
                .await?;
            if saved.is_some() {
                sqlx::query(
                    r#"UPDATE "user" SET "softwareBackground" = $2, "hardwareBackground" = $3, "updatedAt" = $4 WHERE "id" = $1"#,
                )
                .bind(write.user_id)
                .bind(write.software_summary)
                .bind(write.hardware_summary)
                .bind(write.now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(r#"DELETE FROM "profile_answer" WHERE "userId" = $1"#)
                    .bind(write.user_id)
                    .execute(&mut *tx)
                    .await?;
                let first_answered = saved.as_ref().map_or(write.now, |p| p.created_at);
                for (question, value) in write.choices {
                    sqlx::query(
                        r#"INSERT INTO "profile_answer" ("userId", "question", "value", "createdAt") VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"#,
                    )
                    .bind(write.user_id)
                    .bind(*question)
                    .bind(*value)
                    .bind(first_answered)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            Ok(saved)
        })?;
        if saved.is_some() {
            // The user's summaries changed, so cached sessions (and the JWTs made from
            // them) must be read again.
            self.cache.evict_user(write.user_id.as_str());
            let epoch = self.cache.epoch();
            self.cache.remember_profile(write.user_id.as_str(), true, epoch);
        }
        Ok(saved)
    }
}
