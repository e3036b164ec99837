//! L1: the in-process level, an LRU bounded by `cache.max_size` whose entries each carry
//! their own deadline (`cached::ExpiringLruCache`), so a request's shorter TTL and the
//! remaining TTL of a value promoted from below both hold here too.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use cached::{Cached, Expires, ExpiringLruCache};

use super::Entry;

/// One stored value and what L1 needs to expire and invalidate it.
#[derive(Debug, Clone)]
struct Slot {
    /// Shared so a hit copies a pointer under the lock and clones the text outside it.
    entry: Arc<Entry>,
    /// `{host}:{port}`, so invalidating a device needs no parsing of keys.
    device: Arc<str>,
    /// When the value stops being served.
    expires: Instant,
}

impl Expires for Slot {
    fn is_expired(&self) -> bool {
        Instant::now() >= self.expires
    }
}

/// The in-process level. Every operation holds one short mutex: an LRU read updates
/// recency, so even a hit mutates.
pub struct L1 {
    /// The LRU; `std::sync::Mutex` because no await ever happens while it is held.
    lru: Mutex<ExpiringLruCache<String, Slot>>,
    /// Entries pushed out to respect `max_size` (not expiries or invalidations).
    evictions: AtomicU64,
}

impl L1 {
    /// An empty level holding at most `max_size` entries (at least one).
    pub fn new(max_size: usize) -> Self {
        Self {
            lru: Mutex::new(ExpiringLruCache::new(max_size.max(1))),
            evictions: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ExpiringLruCache<String, Slot>> {
        // A panic while holding the lock cannot leave the LRU half-updated in a way that
        // matters for a cache (worst case a stale recency order), so keep serving.
        self.lru
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The live value under `key` (an expired one is dropped and missed).
    pub fn get(&self, key: &str) -> Option<Arc<Entry>> {
        self.lock()
            .cache_get(key)
            .map(|slot| Arc::clone(&slot.entry))
    }

    /// Stores `entry` for `ttl`, evicting the least recently used entry when full.
    pub fn put(&self, key: String, device: &str, entry: Arc<Entry>, ttl: Duration) {
        let Some(expires) = Instant::now().checked_add(ttl) else {
            return;
        };
        let slot = Slot {
            entry,
            device: Arc::from(device),
            expires,
        };
        let mut lru = self.lock();
        // A new key in a full LRU pushes out the least recently used entry. That one may
        // already be expired and unswept; sweeping first would cost a scan of the whole LRU
        // on every put, so such a drop is counted as an eviction too.
        if lru.cache_size() >= lru.capacity() && !lru.cache_contains(&key) {
            self.evictions.fetch_add(1, Ordering::Relaxed);
        }
        lru.cache_set(key, slot);
    }

    /// Drops every entry of `device`; returns how many.
    pub fn invalidate_device(&self, device: &str) -> usize {
        self.lock().retain(|_, slot| &*slot.device != device)
    }

    /// Changes the bound; shrinking drops the least recently used entries (counted as evictions).
    pub fn resize(&self, max_size: usize) {
        let max_size = max_size.max(1);
        let mut lru = self.lock();
        let before = lru.cache_size();
        lru.set_max_size(max_size);
        let dropped = before.saturating_sub(lru.cache_size());
        self.evictions.fetch_add(dropped as u64, Ordering::Relaxed);
    }

    /// Entries pushed out by the size bound since start (including expired ones not yet swept).
    pub fn evictions(&self) -> u64 {
        self.evictions.load(Ordering::Relaxed)
    }

    /// Entries held now (may include expired ones not yet swept).
    pub fn len(&self) -> usize {
        self.lock().cache_size()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> Arc<Entry> {
        Arc::new(Entry {
            stdout: text.into(),
            parsed: None,
            stored_at: String::new(),
        })
    }

    #[test]
    fn lru_evicts_least_recent_and_counts() {
        let l1 = L1::new(2);
        l1.put("a".into(), "d:22", entry("a"), Duration::from_secs(60));
        l1.put("b".into(), "d:22", entry("b"), Duration::from_secs(60));
        assert!(l1.get("a").is_some());
        l1.put("c".into(), "d:22", entry("c"), Duration::from_secs(60));
        assert!(l1.get("b").is_none(), "b was least recently used");
        assert!(l1.get("a").is_some() && l1.get("c").is_some());
        assert_eq!(l1.evictions(), 1);
    }

    #[test]
    fn per_entry_deadline() {
        let l1 = L1::new(4);
        l1.put("short".into(), "d:22", entry("s"), Duration::ZERO);
        l1.put("long".into(), "d:22", entry("l"), Duration::from_secs(60));
        assert!(l1.get("short").is_none());
        assert!(l1.get("long").is_some());
    }

    #[test]
    fn invalidates_one_device_only() {
        let l1 = L1::new(8);
        l1.put("x".into(), "a:22", entry("x"), Duration::from_secs(60));
        l1.put("y".into(), "a:22", entry("y"), Duration::from_secs(60));
        l1.put("z".into(), "a:23", entry("z"), Duration::from_secs(60));
        assert_eq!(l1.invalidate_device("a:22"), 2);
        assert!(l1.get("z").is_some());
    }

    #[test]
    fn shrinking_counts_evictions() {
        let l1 = L1::new(4);
        for k in ["a", "b", "c", "d"] {
            l1.put(k.into(), "d:22", entry(k), Duration::from_secs(60));
        }
        l1.resize(1);
        assert_eq!(l1.len(), 1);
        assert_eq!(l1.evictions(), 3);
        assert!(l1.get("d").is_some(), "the most recent entry stays");
    }
}
