//! An in-process cache of live sessions, so that checking a session usually costs no
//! database read at all, and that stays correct under revocation:
//! - every write through this store evicts what it touches once it is done;
//! - on PostgreSQL, triggers on `session` and `"user"` send `NOTIFY lectern_auth, <user id>`
//!   for any update or delete, whoever makes it (another replica, or a Better Auth server on
//!   the same database), and every process evicts that user's sessions;
//! - if the notification connection drops, the whole cache is cleared, since notifications
//!   may have been missed, and it stays out of use (every check reads the database) until
//!   `LISTEN` is re-established: a revocation made meanwhile cannot be missed. Entries also
//!   expire after a TTL as a last resort;
//! - each `LISTEN` is proved by a notification sent to itself: through a transaction-mode
//!   pooler `LISTEN` is accepted but nothing arrives, and the cache then stays out of use.
//!
//! - a row read from the database is only remembered if nothing was evicted while it was
//!   being read, so a write (or a notification) that overtakes a read cannot leave the old
//!   row in memory until the TTL.
//!
//! It also remembers whether a user has a reader profile (the gate asks on every tutor
//! request and `/api/me`), under the same rules: `reader_profile` has a trigger too.
//!
//! What another server writes reaches this cache when PostgreSQL delivers the
//! notification, usually well under a millisecond after the commit: the one window in
//! which a replica may still serve the old row.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use rand::Rng;
use rand::distributions::Alphanumeric;

use crate::{Session, User};

/// Beyond this many sessions the cache starts over rather than grow without bound.
const MAX_ENTRIES: usize = 100_000;
pub(crate) const CHANNEL: &str = "lectern_auth";

#[derive(Debug)]
pub(crate) struct SessionCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, Entry>>,
    /// User id → (has a profile, when that was read).
    profiles: RwLock<HashMap<String, (bool, Instant)>>,
    /// Bumped by every eviction, so a read that raced one is not remembered.
    evictions: AtomicU64,
    /// Whether every revocation reaches this cache: always on SQLite (one process), and on
    /// PostgreSQL only while the notification connection is listening.
    live: AtomicBool,
}

#[derive(Debug, Clone)]
struct Entry {
    session: Session,
    user: User,
    cached_at: Instant,
}

impl SessionCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: RwLock::default(),
            profiles: RwLock::default(),
            evictions: AtomicU64::new(0),
            live: AtomicBool::new(true),
        }
    }

    fn enabled(&self) -> bool {
        !self.ttl.is_zero() && self.live.load(Ordering::SeqCst)
    }

    /// Whether revocations by other processes reach this cache now.
    pub(crate) fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    /// Notifications stopped: forget everything and read the database until they resume.
    fn suspend(&self) {
        self.live.store(false, Ordering::SeqCst);
        self.clear();
    }

    /// Notifications resumed. Reads that started before are not remembered (the epoch moves).
    fn resume(&self) {
        self.clear();
        self.live.store(true, Ordering::SeqCst);
    }

    pub(crate) fn get(&self, token: &str) -> Option<(Session, User)> {
        if !self.enabled() {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(token).filter(|e| e.cached_at.elapsed() < self.ttl)?;
        Some((entry.session.clone(), entry.user.clone()))
    }

    /// The eviction count to pass to [`Self::put`] or [`Self::remember_profile`] for a
    /// read started now.
    pub(crate) fn epoch(&self) -> u64 {
        self.evictions.load(Ordering::SeqCst)
    }

    /// Remembers what a read that started at `epoch` found, unless an eviction came since.
    pub(crate) fn put(&self, session: &Session, user: &User, epoch: u64) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.evictions.load(Ordering::SeqCst) != epoch {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        let entry =
            Entry { session: session.clone(), user: user.clone(), cached_at: Instant::now() };
        entries.insert(session.token.clone(), entry);
    }

    pub(crate) fn evict_token(&self, token: &str) {
        self.evictions.fetch_add(1, Ordering::SeqCst);
        self.entries.write().unwrap_or_else(|e| e.into_inner()).remove(token);
    }

    pub(crate) fn evict_session(&self, id: &crate::SessionId) {
        self.evictions.fetch_add(1, Ordering::SeqCst);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, e| e.session.id != *id);
    }

    pub(crate) fn evict_user(&self, user: &str) {
        self.evictions.fetch_add(1, Ordering::SeqCst);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, e| e.user.id.as_str() != user);
        self.profiles.write().unwrap_or_else(|e| e.into_inner()).remove(user);
    }

    pub(crate) fn clear(&self) {
        self.evictions.fetch_add(1, Ordering::SeqCst);
        self.entries.write().unwrap_or_else(|e| e.into_inner()).clear();
        self.profiles.write().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub(crate) fn has_profile(&self, user: &str) -> Option<bool> {
        if !self.enabled() {
            return None;
        }
        let profiles = self.profiles.read().unwrap_or_else(|e| e.into_inner());
        profiles.get(user).filter(|(_, at)| at.elapsed() < self.ttl).map(|(has, _)| *has)
    }

    /// Remembers what a read that started at `epoch` found, unless an eviction came since.
    pub(crate) fn remember_profile(&self, user: &str, has: bool, epoch: u64) {
        if !self.enabled() {
            return;
        }
        let mut profiles = self.profiles.write().unwrap_or_else(|e| e.into_inner());
        if self.evictions.load(Ordering::SeqCst) != epoch {
            return;
        }
        if profiles.len() >= MAX_ENTRIES {
            profiles.clear();
        }
        profiles.insert(user.to_owned(), (has, Instant::now()));
    }
}

/// How long to wait between attempts to listen again after the connection was lost.
const RELISTEN_EVERY: Duration = Duration::from_millis(250);
/// How long a notification sent to ourselves may take before we conclude none arrive.
const PROBE_WAIT: Duration = Duration::from_secs(2);

/// Follows the triggers' notifications until the store is dropped. The connection is
/// re-established explicitly (not by sqlx's implicit reconnect, which does not say when it
/// is listening again), so the cache is in use exactly while notifications can arrive.
/// Where they can never arrive (a transaction pooler), the store still opens, with the cache
/// out of use for good, as with `LECTERN_SESSION_CACHE_TTL=0`.
pub(crate) async fn listen(pool: &sqlx::PgPool, cache: &Arc<SessionCache>) -> sqlx::Result<()> {
    let first = match subscribe(pool).await {
        Ok(listener) => listener,
        Err(Subscribe::Silent) => {
            give_up(cache);
            return Ok(());
        }
        Err(Subscribe::Failed(err)) => return Err(err),
    };
    let pool = pool.clone();
    let cache: Weak<SessionCache> = Arc::downgrade(cache);
    tokio::spawn(async move {
        let mut listener = Some(first);
        loop {
            let Some(current) = listener.as_mut() else {
                if pool.is_closed() {
                    return;
                }
                match subscribe(&pool).await {
                    Ok(again) => {
                        let Some(cache) = cache.upgrade() else { return };
                        cache.resume();
                        tracing::info!("session notifications resumed; cache back in use");
                        listener = Some(again);
                    }
                    Err(Subscribe::Silent) => {
                        if let Some(cache) = cache.upgrade() {
                            give_up(&cache);
                        }
                        return;
                    }
                    Err(Subscribe::Failed(_)) => tokio::time::sleep(RELISTEN_EVERY).await,
                }
                continue;
            };
            let event = current.try_recv().await;
            let Some(cache) = cache.upgrade() else { return };
            match event {
                Ok(Some(notification)) => cache.evict_user(notification.payload()),
                Err(sqlx::Error::PoolClosed) => return,
                // The connection was lost: notifications may be missed until we listen again.
                Ok(None) | Err(_) => {
                    cache.suspend();
                    tracing::warn!(
                        "session notifications interrupted; cache off until they resume"
                    );
                    listener = None;
                }
            }
        }
    });
    Ok(())
}

/// Listening cannot work on this database URL: no further attempts, which would each leave
/// a `LISTEN` behind on a pooled server connection.
fn give_up(cache: &SessionCache) {
    cache.suspend();
    tracing::warn!(
        "session notifications cannot arrive on this DATABASE_URL (LISTEN was accepted but a \
         notification sent to it was lost, as through a transaction-mode pooler: PgBouncer, \
         Neon's -pooler host). Every session check reads the database; a direct connection \
         URL lets sessions be cached (docs/deploy.md, Neon)"
    );
}

enum Subscribe {
    /// Listening is accepted, but our own notification is lost: it never comes, or another
    /// pooled connection receives it (sqlx then reports a protocol error).
    Silent,
    Failed(sqlx::Error),
}

/// Listens, then proves it: a notification sent to ourselves through another connection must
/// come back. Through a transaction-mode pooler `LISTEN` succeeds on a server connection
/// that is handed to someone else right after, and nothing ever arrives; believing it would
/// serve revoked sessions from the cache.
async fn subscribe(pool: &sqlx::PgPool) -> Result<sqlx::postgres::PgListener, Subscribe> {
    let mut listener =
        sqlx::postgres::PgListener::connect_with(pool).await.map_err(Subscribe::Failed)?;
    listener.listen(CHANNEL).await.map_err(Subscribe::Failed)?;
    // Received by every process as an eviction of a user that cannot exist: harmless.
    let nonce: String =
        rand::thread_rng().sample_iter(&Alphanumeric).take(16).map(char::from).collect();
    let probe = format!("probe:{nonce}");
    let sent = sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(&probe)
        .persistent(false)
        .execute(pool)
        .await;
    let heard = match sent {
        Ok(_) => {
            let heard = tokio::time::timeout(PROBE_WAIT, async {
                loop {
                    if listener.recv().await?.payload() == probe {
                        return Ok(());
                    }
                }
            });
            heard.await.unwrap_or(Err(sqlx::Error::PoolTimedOut))
        }
        Err(err) => Err(err),
    };
    match heard {
        Ok(()) => Ok(listener),
        Err(sqlx::Error::Protocol(_) | sqlx::Error::PoolTimedOut) => {
            // Best effort: through a pooler this reaches a server connection the pool reuses
            // first, usually the one that took the LISTEN; a stray LISTEN would hand session
            // notifications to whoever gets that connection next.
            let _ = listener.unlisten_all().await;
            Err(Subscribe::Silent)
        }
        Err(err) => Err(Subscribe::Failed(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SessionId, UserId};

    fn row(token: &str) -> (Session, User) {
        let now = chrono::Utc::now();
        let user = User {
            id: UserId("u1".into()),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            email_verified: false,
            image: None,
            created_at: now,
            updated_at: now,
            is_anonymous: None,
            software_background: None,
            hardware_background: None,
            role: Some(crate::DEFAULT_ROLE.into()),
            banned: Some(false),
            ban_reason: None,
            ban_expires: None,
        };
        let session = Session {
            id: SessionId(format!("id-{token}")),
            token: token.into(),
            user_id: user.id.clone(),
            expires_at: now,
            created_at: now,
            updated_at: now,
            ip_address: None,
            user_agent: None,
            impersonated_by: None,
        };
        (session, user)
    }

    #[test]
    fn a_read_overtaken_by_a_revocation_is_not_remembered() {
        let cache = SessionCache::new(Duration::from_secs(60));
        let (session, user) = row("t1");

        // The read starts, the session is deleted (and evicted) before the read ends.
        let epoch = cache.epoch();
        cache.evict_token("t1");
        cache.put(&session, &user, epoch);
        assert!(cache.get("t1").is_none(), "the revoked session must not be cached");

        // A notification for the user, likewise.
        let epoch = cache.epoch();
        cache.evict_user("u1");
        cache.put(&session, &user, epoch);
        assert!(cache.get("t1").is_none());

        // Nothing in between: remembered.
        let epoch = cache.epoch();
        cache.put(&session, &user, epoch);
        assert_eq!(cache.get("t1").map(|(s, _)| s.token), Some("t1".to_owned()));
    }

    #[test]
    fn without_notifications_nothing_is_served_or_kept() {
        let cache = SessionCache::new(Duration::from_secs(60));
        let (session, user) = row("t1");
        cache.put(&session, &user, cache.epoch());
        cache.suspend();
        assert!(cache.get("t1").is_none(), "suspended: every check reads the database");
        cache.put(&session, &user, cache.epoch());
        assert!(cache.get("t1").is_none());
        // A read that started before notifications resumed is not remembered after.
        let epoch = cache.epoch();
        cache.resume();
        cache.put(&session, &user, epoch);
        assert!(cache.get("t1").is_none());
        cache.put(&session, &user, cache.epoch());
        assert!(cache.get("t1").is_some());
    }
}
