//! A small bounded map whose entries expire: enough for the introspection cache, where every
//! entry lives seconds and the bound only has to stop a flood of distinct tokens from
//! growing memory.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::Instant;

#[derive(Debug)]
pub(crate) struct TtlCache<K, V> {
    entries: HashMap<K, (Instant, V)>,
    // Insertion order, so the oldest entry goes first when the bound is hit. An entry
    // re-inserted later appears twice; the stale copy is recognised by its deadline.
    order: VecDeque<(K, Instant)>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { entries: HashMap::new(), order: VecDeque::new(), capacity: capacity.max(1) }
    }

    pub(crate) fn get(&self, key: &K, now: Instant) -> Option<V> {
        self.entries.get(key).filter(|(deadline, _)| now < *deadline).map(|(_, v)| v.clone())
    }

    pub(crate) fn insert(&mut self, key: K, value: V, deadline: Instant, now: Instant) {
        self.evict(now);
        while self.entries.len() >= self.capacity {
            if !self.pop_oldest() {
                break;
            }
        }
        self.order.push_back((key.clone(), deadline));
        self.entries.insert(key, (deadline, value));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// Drops expired entries from the front of the queue; amortised O(1) per insert.
    fn evict(&mut self, now: Instant) {
        while self.order.front().is_some_and(|(_, deadline)| *deadline <= now) {
            self.pop_oldest();
        }
        // Entries with short deadlines queued behind long ones are caught by `get` and by
        // the bound; this keeps the common case cheap without a priority queue.
    }

    fn pop_oldest(&mut self) -> bool {
        let Some((key, deadline)) = self.order.pop_front() else {
            return false;
        };
        if self.entries.get(&key).is_some_and(|(current, _)| *current == deadline) {
            self.entries.remove(&key);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn entries_expire_and_the_bound_holds() {
        let start = Instant::now();
        let later = |s| start + Duration::from_secs(s);
        let mut cache = TtlCache::new(2);
        cache.insert(1, "a", later(5), start);
        assert_eq!(cache.get(&1, later(4)), Some("a"));
        assert_eq!(cache.get(&1, later(5)), None);
        cache.insert(2, "b", later(10), start);
        cache.insert(3, "c", later(10), start);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&1, start), None, "the oldest entry made room");
        cache.insert(4, "d", later(20), later(11));
        assert_eq!(cache.len(), 1, "expired entries were dropped first");
    }

    #[test]
    fn reinserting_a_key_does_not_let_its_old_slot_evict_the_new_value() {
        let start = Instant::now();
        let mut cache = TtlCache::new(10);
        cache.insert("k", 1, start + Duration::from_secs(1), start);
        cache.insert("k", 2, start + Duration::from_secs(9), start);
        cache.insert("x", 3, start + Duration::from_secs(9), start + Duration::from_secs(2));
        assert_eq!(cache.get(&"k", start + Duration::from_secs(3)), Some(2));
    }
}
