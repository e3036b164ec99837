//! Cache figures for `/system/stats`, `/metrics` and the `cache_hit_rate` alert: counters
//! are relaxed atomics bumped on the request path, read together only when asked.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Hits and misses of one level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LevelStats {
    /// Reads this level answered.
    pub hits: u64,
    /// Reads this level was asked and could not answer (skipped or failed reads excluded).
    pub misses: u64,
}

/// A snapshot of the cache's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheStats {
    /// The in-process level.
    pub l1: LevelStats,
    /// Redis (all zero while `cache.redis_url` is null).
    pub l2: LevelStats,
    /// The database level.
    pub l3: LevelStats,
    /// Reads (`Cache::get` calls).
    pub requests: u64,
    /// Reads no level answered: the device was asked.
    pub misses: u64,
    /// Share of reads some level answered; what the `cache_hit_rate` alert watches. It is
    /// 0.0 before the first read, so the alert should wait for `requests` > 0.
    pub hit_rate: f64,
    /// L1 entries pushed out by `max_size`.
    pub evictions: u64,
    /// Entries held in L1 now.
    pub l1_entries: usize,
    /// Whether L2 is configured at all.
    pub l2_enabled: bool,
    /// Whether the last L2 operation reached Redis (false when L2 is off).
    pub l2_available: bool,
    /// L2 operations that failed or timed out.
    pub l2_errors: u64,
    /// L2 operations skipped while the circuit was open after a failure.
    pub l2_skipped: u64,
    /// L3 reads that ran past their budget and counted as misses.
    pub l3_timeouts: u64,
    /// L3 queries that failed.
    pub l3_errors: u64,
}

/// The counters the facade itself keeps (the levels keep their own error counters).
#[derive(Debug, Default)]
pub struct Counters {
    /// `get` calls.
    pub requests: AtomicU64,
    /// Hits per level, L1 to L3.
    pub hits: [AtomicU64; 3],
    /// Misses per level, L1 to L3.
    pub misses: [AtomicU64; 3],
}

impl Counters {
    /// Counts a hit at level index `level` (0 = L1).
    pub fn hit(&self, level: usize) {
        self.hits[level].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a miss at level index `level` (0 = L1).
    pub fn miss(&self, level: usize) {
        self.misses[level].fetch_add(1, Ordering::Relaxed);
    }

    /// Per-level figures, the number of reads, and the hit rate.
    pub fn levels(&self) -> ([LevelStats; 3], u64, f64) {
        let level = |i: usize| LevelStats {
            hits: self.hits[i].load(Ordering::Relaxed),
            misses: self.misses[i].load(Ordering::Relaxed),
        };
        let levels = [level(0), level(1), level(2)];
        let requests = self.requests.load(Ordering::Relaxed);
        let hits: u64 = levels.iter().map(|l| l.hits).sum();
        let rate = if requests == 0 {
            0.0
        } else {
            hits as f64 / requests as f64
        };
        (levels, requests, rate)
    }
}
