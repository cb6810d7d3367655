//! Counters shared by every replica, in Redis (`REDIS_URL`), so that a client who spreads
//! its sign-in attempts over the replicas behind a load balancer still gets three per ten
//! seconds, not three per replica. One Lua script per request applies the same rule as the
//! in-memory counters, atomically and on Redis's clock, so replicas with skewed clocks agree.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::Rule;

/// Past this, a request is counted in this process instead: a rate limiter must not make
/// every sign-in wait on a Redis that has stopped answering.
const ANSWER_WITHIN: Duration = Duration::from_millis(250);

/// KEYS[1]: the counter. ARGV: the window in milliseconds, the maximum. Returns 0 when the
/// request is allowed, else the milliseconds until one would be. As in Better Auth, the
/// window runs from the last allowed request.
const COUNT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, max = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'count', 'last')
local count, last = tonumber(state[1]) or 0, tonumber(state[2]) or now
local since = now - last
if count >= max and since < window then
  return window - since
end
if since >= window then count = 0 end
redis.call('HSET', KEYS[1], 'count', count + 1, 'last', now)
redis.call('PEXPIRE', KEYS[1], window)
return 0
";

/// Redis did not answer in time, or answered with an error; already logged.
#[derive(Debug)]
pub(super) struct Unavailable;

/// A connection to the shared counters. Cheap to clone; reconnects by itself.
#[derive(Clone)]
pub struct SharedCounters(Arc<Inner>);

struct Inner {
    connection: ConnectionManager,
    script: redis::Script,
    /// Put before every key, so several deployments can share one Redis.
    prefix: String,
    /// Whether the last request failed: the log says so once per outage, not per request.
    failing: AtomicBool,
}

impl fmt::Debug for SharedCounters {
    // Not the URL: it may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedCounters").field("prefix", &self.0.prefix).finish_non_exhaustive()
    }
}

impl SharedCounters {
    /// Connects to `url` (`redis://` or `rediss://`) and loads the script, so that a wrong
    /// URL, a password Redis refuses or a Redis without scripting stops the start, not the
    /// first sign-in.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("not a Redis URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(ANSWER_WITHIN))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let mut connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        let script = redis::Script::new(COUNT);
        script
            .load_async(&mut connection)
            .await
            .map_err(|e| format!("cannot load the rate-limit script: {e}"))?;
        Ok(Self(Arc::new(Inner {
            connection,
            script,
            prefix: prefix.to_owned(),
            failing: AtomicBool::new(false),
        })))
    }

    /// Counts a request under `key`: `Ok(None)` if allowed, `Ok(Some(wait))` if not.
    pub(super) async fn count(
        &self,
        key: &str,
        rule: Rule,
    ) -> Result<Option<Duration>, Unavailable> {
        let inner = &self.0;
        let mut connection = inner.connection.clone();
        let mut call = inner.script.key(format!("{}{key}", inner.prefix));
        call.arg(rule.window.as_millis() as u64).arg(rule.max);
        let answer = tokio::time::timeout(ANSWER_WITHIN, call.invoke_async::<u64>(&mut connection));
        match answer.await {
            Ok(Ok(wait_ms)) => {
                if inner.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("Redis answers again; rate limits are shared again");
                }
                Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms)))
            }
            Ok(Err(err)) => Err(self.unavailable(&err.to_string())),
            Err(_) => Err(self.unavailable("no answer within 250 ms")),
        }
    }

    fn unavailable(&self, why: &str) -> Unavailable {
        if !self.0.failing.swap(true, Ordering::Relaxed) {
            tracing::warn!(error = why, "Redis unavailable; counting rate limits in this process");
        }
        Unavailable
    }
}
