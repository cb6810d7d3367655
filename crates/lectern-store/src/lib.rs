//! Lectern's storage: one [`Store`] over either SQLite or PostgreSQL, with Better Auth's
//! table and column names so Lectern and a Better Auth server can share a database.
//!
//! This is the only crate that writes SQL. Every query is written once in the dialect both
//! backends accept (double-quoted identifiers, `$n` placeholders in order) and compiled for
//! each backend by [`with_pool!`], so the two backends cannot drift apart.

mod accounts;
mod admin;
mod audit;
mod cache;
mod chats;
mod checkpoints;
mod cleanup;
mod error;
#[cfg(test)]
mod fixtures;
mod guard;
mod health;
mod insights;
mod jwks;
mod models;
mod outbox;
mod profiles;
mod sessions;
mod tx;
mod users;
mod verifications;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use audit::AuditQueue;
use cache::SessionCache;
use checkpoints::CheckpointQueue;
use health::Health;

pub use accounts::{Account, OAuthAccount, OAuthWrite};
pub use admin::{AdminPatch, ColumnType, Condition, FilterValue, Operator, UserColumn, UserQuery};
pub use audit::{AuditAction, AuditEntry, AuditEvent, AuditOutcome, MAX_USER_AGENT};
pub use chats::{
    Chat, Exchange, Feedback, MergeReceipt, Merged, Message, MessageWithFeedback, Order, Outcome,
};
pub use error::StoreError;
pub use insights::{
    AnswerInsight, Bucketed, ChoiceCount, FailedQuestion, Failure, HealthCell, InsightFilter,
    Period, ReaderSeries, SectionCount, round_ms,
};
pub use jwks::JwkRow;
pub use models::{
    ADMIN_ROLE, CREDENTIAL_PROVIDER, ChatId, CredentialAccount, DEFAULT_ROLE, MessageId, NewUser,
    Session, SessionId, User, UserId, UserPatch,
};
pub use outbox::OutboxMail;
pub use profiles::{IfRevision, Profile, ProfileWrite};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression against whichever pool the store holds; the expression is
/// type-checked once per backend. Queries go through [`read!`], [`modify!`], [`execute!`]
/// or [`transaction!`], which also keep the store's [`health`] up to date.
macro_rules! with_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_pool;

/// A query that only reads: its storage failures are reported, but its success says
/// nothing about whether writes work again.
macro_rules! read {
    ($store:expr, |$p:ident| $body:expr) => {
        $store
            .health
            .read($store.health.bounded(async { $crate::with_pool!($store, |$p| $body) }).await)
    };
}
pub(crate) use read;

/// One statement that writes (in SQLite's and PostgreSQL's autocommit mode, which cannot
/// leave a transaction open). Anything that writes with more than one statement goes
/// through [`transaction!`] instead.
macro_rules! modify {
    ($store:expr, |$p:ident| $body:expr) => {
        $store.health.write(
            $store
                .health
                .bounded(async {
                    match &$store.pool {
                        $crate::Pool::Sqlite($p) => {
                            let _turn = $store.sqlite_writer.lock().await;
                            $body
                        }
                        $crate::Pool::Postgres($p) => $body,
                    }
                })
                .await,
        )
    };
}
pub(crate) use modify;

/// Executes one writing statement built from pool `p` and returns the number of rows it
/// touched.
macro_rules! execute {
    ($store:expr, |$p:ident| $query:expr) => {
        $crate::modify!($store, |$p| $query.execute($p).await.map(|r| r.rows_affected()))
    };
}
pub(crate) use execute;

/// A cheap, cloneable handle on the connection pool and the session cache.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    cache: Arc<SessionCache>,
    health: Arc<Health>,
    /// SQLite takes one writer at a time. Writers that meet its lock wait in its busy
    /// handler, which sleeps 1, 2, 5, 10… ms between tries (a 54 ms p99 with 8 concurrent
    /// writers, `bench/durability.sh`); queueing here first, in arrival order, makes each wait
    /// exactly as long as the writes ahead of it. The busy timeout still covers writers in
    /// other processes (`lectern keys rotate`).
    sqlite_writer: Arc<tokio::sync::Mutex<()>>,
    /// Where [`Store::audit`] sends events; `None` in the audit writer's own handle.
    audit: Option<Arc<AuditQueue>>,
    /// Where [`Store::checkpoint_message`] gathers checkpoints; `None` in the writer's handle.
    checkpoints: Option<Arc<CheckpointQueue>>,
    /// Audit events older than this go in [`Store::purge_expired`].
    audit_retention: Duration,
    /// Whether asking records what the author's dashboard reads (`LECTERN_INSIGHTS`).
    insights: bool,
}

/// Connection settings beyond the URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// How long a session may be served from memory at most; zero turns the cache off.
    /// Changes evict entries at once (see the `cache` module), so this is only a backstop.
    pub session_cache_ttl: Duration,
    /// How SQLite makes commits durable; ignored on PostgreSQL (see [`Durability`]).
    pub durability: Durability,
    /// How long audit events are kept (`LECTERN_AUDIT_RETENTION`).
    pub audit_retention: Duration,
    /// Whether asking records what the author's dashboard reads (`LECTERN_INSIGHTS`, on by
    /// default): retrieval scores, cited sections, answer modes and times, conversions.
    pub insights: bool,
}

/// When a SQLite commit reaches the disk (`PRAGMA synchronous` in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: the write-ahead log is synced on every commit, so a commit that
    /// was acknowledged survives a power loss.
    #[default]
    Full,
    /// `synchronous=NORMAL`: synced at checkpoints only; the last commits before a power
    /// loss (not a crash of the process) can be lost.
    Normal,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            session_cache_ttl: Duration::from_secs(60),
            durability: Durability::default(),
            audit_retention: Duration::from_secs(90 * 24 * 3600),
            insights: true,
        }
    }
}

impl Store {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`. PostgreSQL URLs
    /// keep their own TLS settings (`sslmode=require`, as Neon's URLs carry).
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut connect = PgConnectOptions::from_str(url)?;
            // `lectern` in pg_stat_activity, unless the URL names the replica itself.
            if !url.contains("application_name=") {
                connect = connect.application_name("lectern");
            }
            // TLS when the URL asks (`sslmode=require`, as Neon's URLs do). Without a say, a
            // remote server gets libpq's `prefer`; a server on this host gets plain TCP, since
            // TLS over loopback protects nothing and cost a fifth of the database path's CPU.
            let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(&connect.get_host())
                || connect.get_host().starts_with('/');
            if loopback && !url.contains("sslmode=") {
                connect = connect.ssl_mode(PgSslMode::Disable);
            }
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(options.max_connections)
                    // A ping on every acquire was 29% of the CPU of an uncached session
                    // check; a broken connection fails the query instead, and is dropped.
                    .test_before_acquire(false)
                    .after_release(|conn, _| Box::pin(async { Ok(guard::released_clean(conn)) }))
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await?,
            )
        } else if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(match options.durability {
                    Durability::Full => SqliteSynchronous::Full,
                    Durability::Normal => SqliteSynchronous::Normal,
                })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(options.max_connections.min(8))
                    .after_release(|conn, _| Box::pin(async { Ok(guard::released_clean(conn)) }))
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await?,
            )
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let cache = Arc::new(SessionCache::new(options.session_cache_ttl));
        if let (Pool::Postgres(pg), false) = (&pool, options.session_cache_ttl.is_zero()) {
            cache::listen(pg, &cache).await?;
        }
        let mut store = Self {
            pool,
            cache,
            health: Arc::default(),
            sqlite_writer: Arc::default(),
            audit: None,
            checkpoints: None,
            audit_retention: options.audit_retention,
            insights: options.insights,
        };
        store.audit = Some(AuditQueue::start(store.clone()));
        store.checkpoints = Some(Arc::new(CheckpointQueue::start(store.clone())));
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations. Idempotent, and safe when several replicas start at once
    /// (sqlx takes an advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Whether sessions revoked by other processes reach this one's cache now (always true
    /// on SQLite, or with the cache off); false while PostgreSQL notifications are down.
    pub fn revocations_live(&self) -> bool {
        self.cache.is_live()
    }

    /// Connections the pool holds, and how many of them are idle.
    pub fn pool_stats(&self) -> (u32, usize) {
        with_pool!(self, |p| (p.size(), p.num_idle()))
    }

    /// One round trip, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        read!(self, |p| sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    /// Writes the audit events still queued, then closes the pool.
    pub async fn close(&self) {
        self.flush_audit().await;
        with_pool!(self, |p| p.close().await);
    }
}
