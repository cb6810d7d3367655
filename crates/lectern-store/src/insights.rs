//! What the author's dashboard reads (`/admin`, docs/insights.md): what asking records
//! (`answer_insight`, `answer_section`, `guest_conversion`) and the aggregates over it and
//! the existing tables. No query here returns an email, a name or a user id: only counts,
//! questions' text, comments and the sections cited. Every row is gone with its reader's
//! account (the migration's cascades), so a deleted reader leaves every aggregate at once.
//!
//! Nothing is recorded when the store was opened with `insights: false`
//! (`LECTERN_INSIGHTS=off`).

use chrono::{DateTime, Utc};

use crate::tx::transaction;
use crate::{Backend, MessageId, Result, Store, UserId, execute, read};

/// What one answer tells the dashboard, recorded when it starts.
#[derive(Debug, Clone)]
pub struct AnswerInsight<'a> {
    pub message_id: &'a MessageId,
    pub user_id: &'a UserId,
    pub question_id: &'a MessageId,
    pub created_at: DateTime<Utc>,
    /// The best passage's score; `None` when retrieval found nothing.
    pub best_score: Option<f32>,
    pub coverage: f32,
    pub unanswered: bool,
    /// `extractive` or `model`.
    pub mode: &'a str,
    /// The answer before it in the chat, when this question asks that one again.
    pub repeat_of: Option<&'a MessageId>,
    /// The URLs of the sections cited, best first (none for an unanswered question: those
    /// are only the closest sections).
    pub sections: &'a [&'a str],
}

/// The time buckets of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
}

/// Which readers an aggregate counts: those active (or signed up) in `[from, to)`, and when
/// `background` is set, only those whose questionnaire has that (question, value) answer.
#[derive(Debug, Clone)]
pub struct InsightFilter {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub background: Option<(String, String)>,
}

/// A count per bucket (`YYYY-MM-DD`, the bucket's first day).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Bucketed {
    pub bucket: String,
    pub count: i64,
}

/// Readers per bucket; see [`Store::insight_readers`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderSeries {
    pub sign_ups: Vec<Bucketed>,
    pub active: Vec<Bucketed>,
    pub converted: Vec<Bucketed>,
    pub stopped_at_questionnaire: Vec<Bucketed>,
}

/// How many readers chose `value` for `question`, among profiles made in `bucket`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChoiceCount {
    pub bucket: String,
    pub question: String,
    pub value: String,
    pub count: i64,
}

/// Answers that cited `url`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SectionCount {
    pub url: String,
    pub count: i64,
}

/// A question the book may have failed, with what the answer showed (`sources`, the JSON
/// array the chat stores) and, for feedback, the reader's comment.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FailedQuestion {
    pub question: String,
    pub sources: String,
    pub comment: Option<String>,
    #[sqlx(rename = "createdAt")]
    pub created_at: DateTime<Utc>,
}

/// Which failures [`Store::insight_failures`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The book does not seem to cover the question (weak or no retrieval).
    Unanswered,
    /// The reader marked the answer not helpful.
    NotHelpful,
    /// The reader asked again in other words right after the answer.
    AskedAgain,
}

/// Answers in one (bucket, mode, outcome, first-token) cell; see [`Store::insight_health`].
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HealthCell {
    pub bucket: String,
    pub mode: String,
    pub outcome: Option<String>,
    #[sqlx(rename = "firstTokenMs")]
    pub first_token_ms: Option<i32>,
    pub count: i64,
}

/// `ms` to two significant digits, as stored: a percentile is then a GROUP BY over a few
/// hundred values, not a sort of every answer, within 5%.
pub fn round_ms(ms: u64) -> i32 {
    let mut scale = 1;
    while ms / scale >= 100 {
        scale *= 10;
    }
    i32::try_from((ms + scale / 2) / scale * scale).unwrap_or(i32::MAX)
}

/// The readers `filter` keeps, as a condition on the column `user` (binds `$3`, `$4`).
fn background(user: &str) -> String {
    format!(
        r#"($3 IS NULL OR {user} IN (SELECT "userId" FROM "profile_answer" WHERE "question" = $3 AND "value" = $4))"#
    )
}

impl Store {
    /// Whether asking records what the dashboard reads (`LECTERN_INSIGHTS`).
    pub fn insights_enabled(&self) -> bool {
        self.insights
    }

    /// Records how an answer started; nothing when insights are off.
    pub async fn record_answer(&self, insight: &AnswerInsight<'_>) -> Result<()> {
        if !self.insights {
            return Ok(());
        }
        transaction!(self, |tx| {
            sqlx::query(
                r#"INSERT INTO "answer_insight" ("messageId", "userId", "questionId", "createdAt", "bestScore", "coverage", "unanswered", "mode", "repeatOf")
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT ("messageId") DO NOTHING"#,
            )
            .bind(insight.message_id)
            .bind(insight.user_id)
            .bind(insight.question_id)
            .bind(insight.created_at)
            .bind(insight.best_score)
            .bind(insight.coverage)
            .bind(insight.unanswered)
            .bind(insight.mode)
            .bind(insight.repeat_of)
            .execute(&mut *tx)
            .await?;
            for (rank, url) in insight.sections.iter().enumerate() {
                sqlx::query(
                    r#"INSERT INTO "answer_section" ("messageId", "rank", "url", "createdAt") VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"#,
                )
                .bind(insight.message_id)
                .bind(i16::try_from(rank).unwrap_or(i16::MAX))
                .bind(*url)
                .bind(insight.created_at)
                .execute(&mut *tx)
                .await?;
            }
            Ok(())
        })
    }

    /// Records how an answer ended: `complete` or its code, and when its first piece came.
    pub async fn record_answer_end(
        &self,
        id: &MessageId,
        outcome: &str,
        first_token_ms: Option<u64>,
    ) -> Result<()> {
        if !self.insights {
            return Ok(());
        }
        execute!(self, |p| {
            sqlx::query(
            r#"UPDATE "answer_insight" SET "outcome" = $2, "firstTokenMs" = $3 WHERE "messageId" = $1"#
        )
        .bind(id)
        .bind(outcome)
        .bind(first_token_ms.map(round_ms))
        })?;
        Ok(())
    }

    /// The SQL that puts the timestamp column `column` in its bucket, as `YYYY-MM-DD`.
    fn bucket(&self, column: &str, period: Period) -> String {
        match (self.backend(), period) {
            (Backend::Postgres, Period::Day) => {
                format!(r#"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"#)
            }
            (Backend::Postgres, Period::Week) => {
                format!(r#"to_char(date_trunc('week', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"#)
            }
            (Backend::Sqlite, Period::Day) => format!("substr({column}, 1, 10)"),
            (Backend::Sqlite, Period::Week) => format!(
                "date(substr({column}, 1, 10), '-' || ((CAST(strftime('%w', substr({column}, 1, 10)) AS integer) + 6) % 7) || ' days')"
            ),
        }
    }

    /// Counts per bucket from `sql`, which binds `$1`/`$2` (the range) and `$3`/`$4` (the
    /// background).
    async fn bucketed(&self, sql: &str, filter: &InsightFilter) -> Result<Vec<Bucketed>> {
        self.filtered(sql, filter, None).await
    }

    /// Runs `sql`, which reads the range as `$1`, `$2`, the background filter as `$3`, `$4`
    /// (see [`background`]) and, when given, a row limit as `$5`.
    async fn filtered<T>(
        &self,
        sql: &str,
        filter: &InsightFilter,
        limit: Option<u32>,
    ) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + Send
            + Unpin,
    {
        let (question, value) = filter.background.clone().unzip();
        read!(self, |p| {
            let query =
                sqlx::query_as(sql).bind(filter.from).bind(filter.to).bind(&question).bind(&value);
            match limit {
                Some(limit) => query.bind(i64::from(limit)).fetch_all(p).await,
                None => query.fetch_all(p).await,
            }
        })
    }

    /// Sign-ups (accounts, not guests), active readers (who got an answer), guests who
    /// became accounts, and accounts made without a questionnaire since, per bucket. With a
    /// background filter, the last two are empty: a converted guest is no longer anyone,
    /// and a reader without a questionnaire has no background.
    pub async fn insight_readers(
        &self,
        filter: &InsightFilter,
        period: Period,
    ) -> Result<ReaderSeries> {
        let user_bucket = self.bucket(r#"u."createdAt""#, period);
        let accounts = r#"u."createdAt" >= $1 AND u."createdAt" < $2 AND COALESCE(u."isAnonymous", false) = false"#;
        let sign_ups = format!(
            r#"SELECT {user_bucket} AS "bucket", COUNT(*) AS "count" FROM "user" u WHERE {accounts} AND {} GROUP BY 1 ORDER BY 1"#,
            background(r#"u."id""#)
        );
        let active = format!(
            r#"SELECT {} AS "bucket", COUNT(DISTINCT a."userId") AS "count" FROM "answer_insight" a
               WHERE a."createdAt" >= $1 AND a."createdAt" < $2 AND {} GROUP BY 1 ORDER BY 1"#,
            self.bucket(r#"a."createdAt""#, period),
            background(r#"a."userId""#)
        );
        let converted = format!(
            r#"SELECT {} AS "bucket", COUNT(*) AS "count" FROM "guest_conversion" g
               WHERE g."createdAt" >= $1 AND g."createdAt" < $2 AND $3 IS NULL AND $4 IS NULL GROUP BY 1 ORDER BY 1"#,
            self.bucket(r#"g."createdAt""#, period)
        );
        let stopped = format!(
            r#"SELECT {user_bucket} AS "bucket", COUNT(*) AS "count" FROM "user" u WHERE {accounts}
               AND $3 IS NULL AND $4 IS NULL
               AND NOT EXISTS (SELECT 1 FROM "reader_profile" r WHERE r."userId" = u."id") GROUP BY 1 ORDER BY 1"#
        );
        let (sign_ups, active, converted, stopped_at_questionnaire) = tokio::try_join!(
            self.bucketed(&sign_ups, filter),
            self.bucketed(&active, filter),
            self.bucketed(&converted, filter),
            self.bucketed(&stopped, filter),
        )?;
        Ok(ReaderSeries { sign_ups, active, converted, stopped_at_questionnaire })
    }

    /// Every questionnaire choice per bucket of the profile's creation, among readers who
    /// answered it in the range; and the profiles made per bucket, for the shares.
    pub async fn insight_backgrounds(
        &self,
        filter: &InsightFilter,
        period: Period,
    ) -> Result<(Vec<ChoiceCount>, Vec<Bucketed>)> {
        let choices = format!(
            r#"SELECT {} AS "bucket", pa."question", pa."value", COUNT(*) AS "count"
               FROM "profile_answer" pa WHERE pa."createdAt" >= $1 AND pa."createdAt" < $2 AND {}
               GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"#,
            self.bucket(r#"pa."createdAt""#, period),
            background(r#"pa."userId""#)
        );
        let profiles = format!(
            r#"SELECT {} AS "bucket", COUNT(*) AS "count" FROM "reader_profile" r
               WHERE r."createdAt" >= $1 AND r."createdAt" < $2 AND {} GROUP BY 1 ORDER BY 1"#,
            self.bucket(r#"r."createdAt""#, period),
            background(r#"r."userId""#)
        );
        tokio::try_join!(self.filtered(&choices, filter, None), self.bucketed(&profiles, filter))
    }

    /// Answers in the range per section they cited (unanswered questions cite none).
    pub async fn insight_sections(&self, filter: &InsightFilter) -> Result<Vec<SectionCount>> {
        let sql = format!(
            r#"SELECT s."url", COUNT(*) AS "count" FROM "answer_section" s
               WHERE s."createdAt" >= $1 AND s."createdAt" < $2
               AND ($3 IS NULL OR s."messageId" IN (SELECT a."messageId" FROM "answer_insight" a
                    WHERE a."createdAt" >= $1 AND a."createdAt" < $2 AND {}))
               GROUP BY s."url" ORDER BY 2 DESC, 1"#,
            background(r#"a."userId""#)
        );
        self.filtered(&sql, filter, None).await
    }

    /// The newest `limit` questions of one kind of failure in the range, with the sources
    /// their answer showed.
    pub async fn insight_failures(
        &self,
        filter: &InsightFilter,
        kind: Failure,
        limit: u32,
    ) -> Result<Vec<FailedQuestion>> {
        let sql = match kind {
            Failure::Unanswered => format!(
                r#"SELECT q."content" AS "question", m."sources", CAST(NULL AS text) AS "comment", a."createdAt"
                   FROM "answer_insight" a
                   JOIN "chat_message" q ON q."id" = a."questionId"
                   JOIN "chat_message" m ON m."id" = a."messageId"
                   WHERE a."unanswered" AND a."createdAt" >= $1 AND a."createdAt" < $2 AND {}
                   ORDER BY a."createdAt" DESC LIMIT $5"#,
                background(r#"a."userId""#)
            ),
            Failure::NotHelpful => format!(
                r#"SELECT q."content" AS "question", m."sources", f."comment", f."updatedAt" AS "createdAt"
                   FROM "message_feedback" f
                   JOIN "answer_insight" a ON a."messageId" = f."messageId"
                   JOIN "chat_message" q ON q."id" = a."questionId"
                   JOIN "chat_message" m ON m."id" = f."messageId"
                   WHERE f."rating" = 'not_helpful' AND f."updatedAt" >= $1 AND f."updatedAt" < $2 AND {}
                   ORDER BY f."updatedAt" DESC LIMIT $5"#,
                background(r#"f."userId""#)
            ),
            Failure::AskedAgain => format!(
                r#"SELECT q."content" AS "question", m."sources", CAST(NULL AS text) AS "comment", a."createdAt"
                   FROM "answer_insight" a
                   JOIN "answer_insight" prev ON prev."messageId" = a."repeatOf"
                   JOIN "chat_message" q ON q."id" = prev."questionId"
                   JOIN "chat_message" m ON m."id" = prev."messageId"
                   WHERE a."repeatOf" IS NOT NULL AND a."createdAt" >= $1 AND a."createdAt" < $2 AND {}
                   ORDER BY a."createdAt" DESC LIMIT $5"#,
                background(r#"a."userId""#)
            ),
        };
        self.filtered(&sql, filter, Some(limit)).await
    }

    /// Answers per (bucket, mode, outcome, first-token time), for the tutor's health.
    pub async fn insight_health(
        &self,
        filter: &InsightFilter,
        period: Period,
    ) -> Result<Vec<HealthCell>> {
        let sql = format!(
            r#"SELECT {} AS "bucket", a."mode", a."outcome", a."firstTokenMs", COUNT(*) AS "count"
               FROM "answer_insight" a WHERE a."createdAt" >= $1 AND a."createdAt" < $2 AND {}
               GROUP BY 1, 2, 3, 4 ORDER BY 1"#,
            self.bucket(r#"a."createdAt""#, period),
            background(r#"a."userId""#)
        );
        self.filtered(&sql, filter, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::round_ms;

    #[test]
    fn first_token_times_keep_two_significant_digits() {
        assert_eq!(round_ms(0), 0);
        assert_eq!(round_ms(7), 7);
        assert_eq!(round_ms(99), 99);
        assert_eq!(round_ms(1234), 1200);
        assert_eq!(round_ms(1250), 1300);
        assert_eq!(round_ms(86), 86);
        assert_eq!(round_ms(456_789), 460_000);
    }
}
