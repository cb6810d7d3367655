//! This process's own counters: the limit of a single replica, and every replica's
//! fallback while Redis does not answer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Rule;

/// Counters kept at most; past this, idle ones are dropped first.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Counter {
    count: u32,
    last: Instant,
}

#[derive(Debug, Default)]
pub(super) struct MemoryCounters {
    counters: Mutex<HashMap<String, Counter>>,
}

impl MemoryCounters {
    /// Counts a request under `key`: `None` if allowed, else how long until it would be.
    pub(super) fn count(&self, key: &str, rule: Rule, now: Instant) -> Option<Duration> {
        let mut counters = self.counters.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if counters.len() >= MAX_ENTRIES && !counters.contains_key(key) {
            counters.retain(|_, c| now.duration_since(c.last) < Duration::from_secs(60));
            if counters.len() >= MAX_ENTRIES {
                counters.clear();
            }
        }
        let counter = counters.entry(key.to_owned()).or_insert(Counter { count: 0, last: now });
        let since_last = now.duration_since(counter.last);
        if counter.count >= rule.max && since_last < rule.window {
            return Some(rule.window - since_last);
        }
        if since_last >= rule.window {
            counter.count = 0;
        }
        counter.count += 1;
        counter.last = now;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_runs_from_the_last_allowed_request() {
        let counters = MemoryCounters::default();
        let rule = Rule { name: "test", window: Duration::from_secs(10), max: 3, shared: false };
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(counters.count("a", rule, t0 + Duration::from_secs(i)), None);
        }
        // The last allowed request was at t0 + 2 s, as in Better Auth.
        assert_eq!(
            counters.count("a", rule, t0 + Duration::from_secs(3)),
            Some(Duration::from_secs(9))
        );
        assert_eq!(counters.count("b", rule, t0), None, "another key has its own counter");
        assert_eq!(counters.count("a", rule, t0 + Duration::from_secs(12)), None, "window over");
    }
}
