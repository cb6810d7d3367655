//! Sessions: the one table every authenticated request reads.

use chrono::{DateTime, Utc};

use crate::{
    Result, Session, SessionId, Store, User, UserId, execute, modify, read, users::bind_session,
};

pub(crate) const INSERT_SESSION: &str = r#"INSERT INTO "session" ("id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent", "impersonatedBy") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#;

pub(crate) const SESSION_COLUMNS: &str = r#""id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent", "impersonatedBy""#;

/// A session joined with its user; the session's columns are aliased because both
/// tables have `id`, `createdAt` and `updatedAt`.
#[derive(sqlx::FromRow)]
struct SessionUserRow {
    s_id: SessionId,
    s_token: String,
    s_expires: DateTime<Utc>,
    s_created: DateTime<Utc>,
    s_updated: DateTime<Utc>,
    s_ip: Option<String>,
    s_agent: Option<String>,
    s_imp: Option<UserId>,
    #[sqlx(flatten)]
    user: User,
}

impl Store {
    pub async fn create_session(&self, session: &Session) -> Result<()> {
        execute!(self, |p| bind_session!(sqlx::query(INSERT_SESSION), session))?;
        Ok(())
    }

    /// The session with this token and its user: one indexed read, the cost of every
    /// authenticated request. Expiry is the caller's to judge.
    pub async fn find_session(&self, token: &str) -> Result<Option<(Session, User)>> {
        if let Some(hit) = self.cache.get(token) {
            metrics::counter!("lectern_session_cache_total", "result" => "hit").increment(1);
            return Ok(Some(hit));
        }
        metrics::counter!("lectern_session_cache_total", "result" => "miss").increment(1);
        let epoch = self.cache.epoch();
        // Built once: this is the hottest query in the server.
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| {
            format!(
                r#"SELECT s."id" AS "s_id", s."token" AS "s_token", s."expiresAt" AS "s_expires", s."createdAt" AS "s_created", s."updatedAt" AS "s_updated", s."ipAddress" AS "s_ip", s."userAgent" AS "s_agent", s."impersonatedBy" AS "s_imp", {user} FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE s."token" = $1"#,
                user = crate::users::qualified_user_columns("u")
            )
        });
        let row: Option<SessionUserRow> =
            read!(self, |p| sqlx::query_as(sql).bind(token).fetch_optional(p).await)?;
        Ok(row.map(|r| {
            let session = Session {
                id: r.s_id,
                token: r.s_token,
                user_id: r.user.id.clone(),
                expires_at: r.s_expires,
                created_at: r.s_created,
                updated_at: r.s_updated,
                ip_address: r.s_ip,
                user_agent: r.s_agent,
                impersonated_by: r.s_imp,
            };
            self.cache.put(&session, &r.user, epoch);
            (session, r.user)
        }))
    }

    /// Moves a session's expiry forward (the sliding refresh of `get-session`).
    pub async fn extend_session(
        &self,
        id: &SessionId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        execute!(self, |p| {
            sqlx::query(
                r#"UPDATE "session" SET "expiresAt" = $1, "updatedAt" = $2 WHERE "id" = $3"#,
            )
            .bind(expires_at)
            .bind(now)
            .bind(id)
        })?;
        self.cache.evict_session(id);
        Ok(())
    }

    /// All sessions of a user, oldest first, expired ones included (the caller filters).
    pub async fn user_sessions(&self, user: &UserId) -> Result<Vec<Session>> {
        let sql = format!(
            r#"SELECT {SESSION_COLUMNS} FROM "session" WHERE "userId" = $1 ORDER BY "createdAt""#
        );
        read!(self, |p| sqlx::query_as(&sql).bind(user).fetch_all(p).await)
    }

    /// Deletes the session with `token`; returns its user, if there was one.
    pub async fn delete_session(&self, token: &str) -> Result<Option<UserId>> {
        let user = modify!(self, |p| {
            sqlx::query_scalar(r#"DELETE FROM "session" WHERE "token" = $1 RETURNING "userId""#)
                .bind(token)
                .fetch_optional(p)
                .await
        })?;
        self.cache.evict_token(token);
        Ok(user)
    }

    /// Deletes the session with `token` only if it belongs to `user`.
    pub async fn delete_user_session(&self, user: &UserId, token: &str) -> Result<bool> {
        let deleted = execute!(self, |p| {
            sqlx::query(r#"DELETE FROM "session" WHERE "token" = $1 AND "userId" = $2"#)
                .bind(token)
                .bind(user)
        })?;
        self.cache.evict_token(token);
        Ok(deleted > 0)
    }

    /// Deletes every session of `user`, except the one with token `keep` if given.
    pub async fn delete_user_sessions(&self, user: &UserId, keep: Option<&str>) -> Result<u64> {
        let deleted = execute!(self, |p| {
            sqlx::query(r#"DELETE FROM "session" WHERE "userId" = $1 AND "token" <> $2"#)
                .bind(user)
                .bind(keep.unwrap_or(""))
        })?;
        self.cache.evict_user(user.as_str());
        Ok(deleted)
    }
}
