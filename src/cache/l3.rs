//! L3: the database (`cache_entries` through the store), which survives restarts and is
//! shared by every node on the same database.
//!
//! A read is bounded by a short budget: a slow or locked database turns into a miss (the
//! device answers instead) rather than a request stuck behind it. Writes get a longer budget,
//! because a lost write only costs a later miss.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Entry;
use crate::store::Store;

/// How often expired rows are purged, at most: reads already ignore them, so this only
/// reclaims space and need not be frequent.
const PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// Timing of the L3 level.
#[derive(Debug, Clone, Copy)]
pub struct Budgets {
    /// Deadline of a read; past it the read counts as a miss.
    pub read_timeout: Duration,
    /// Deadline of a write, an invalidation or a purge.
    pub write_timeout: Duration,
}

/// What a read found.
pub enum Read {
    /// A live value and the time it has left.
    Hit(Entry, Duration),
    /// No live row.
    Miss,
    /// The read failed or ran past its budget.
    Unavailable,
}

/// The database level.
pub struct L3 {
    /// The gateway's database.
    store: Store,
    /// See [`Budgets`].
    budgets: Budgets,
    /// Reads that ran past their budget.
    timeouts: AtomicU64,
    /// Queries that failed.
    errors: AtomicU64,
    /// Unix seconds of the last purge, so puts purge at most once per interval.
    last_purge: AtomicU64,
}

impl L3 {
    /// The level over `store`, whose migrations created `cache_entries`.
    pub fn new(store: Store, budgets: Budgets) -> Self {
        Self {
            store,
            budgets,
            timeouts: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            last_purge: AtomicU64::new(0),
        }
    }

    /// Reads the live row of `rendered`.
    pub async fn get(&self, rendered: &str) -> Read {
        let now = Utc::now();
        let at = crate::time::format(now);
        let read = self.store.cache_entry_get(rendered, &at);
        match tokio::time::timeout(self.budgets.read_timeout, read).await {
            Ok(Ok(Some(row))) => {
                let left = DateTime::parse_from_rfc3339(&row.expires_at)
                    .ok()
                    .and_then(|at| (at.with_timezone(&Utc) - now).to_std().ok());
                match (serde_json::from_str::<Entry>(&row.value), left) {
                    (Ok(entry), Some(left)) => Read::Hit(entry, left),
                    _ => {
                        tracing::warn!(key = %rendered, "undecodable L3 cache row ignored");
                        Read::Miss
                    }
                }
            }
            Ok(Ok(None)) => Read::Miss,
            Ok(Err(e)) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "L3 cache read failed");
                Read::Unavailable
            }
            Err(_) => {
                self.timeouts.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(budget = ?self.budgets.read_timeout, "L3 cache read over budget; treated as a miss");
                Read::Unavailable
            }
        }
    }

    /// Writes `json` for `ttl`, and now and then purges expired rows.
    pub async fn put(&self, rendered: &str, device: &str, json: &str, ttl: Duration) {
        let now = Utc::now();
        let Some(expires) = chrono::Duration::from_std(ttl)
            .ok()
            .and_then(|ttl| now.checked_add_signed(ttl))
        else {
            return;
        };
        let expires_at = crate::time::format(expires);
        let write = self
            .store
            .cache_entry_put(rendered, device, json, &expires_at);
        self.bounded("write", write).await;
        let unix = now.timestamp().max(0) as u64;
        let last = self.last_purge.load(Ordering::Relaxed);
        if unix.saturating_sub(last) >= PURGE_INTERVAL.as_secs()
            && self
                .last_purge
                .compare_exchange(last, unix, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            let at = crate::time::format(now);
            let purge = self.store.cache_entries_purge_expired(&at);
            if let Some(purged) = self.bounded("purge", purge).await {
                tracing::debug!(purged, "expired L3 cache rows purged");
            }
        }
    }

    /// Deletes every row of `device`.
    pub async fn invalidate_device(&self, device: &str) {
        self.bounded("invalidate", self.store.cache_entries_delete_device(device))
            .await;
    }

    async fn bounded<T>(
        &self,
        what: &str,
        op: impl Future<Output = Result<T, crate::store::Error>>,
    ) -> Option<T> {
        match tokio::time::timeout(self.budgets.write_timeout, op).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(e)) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(operation = what, error = %e, "L3 cache operation failed");
                None
            }
            Err(_) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(operation = what, budget = ?self.budgets.write_timeout, "L3 cache operation timed out");
                None
            }
        }
    }

    /// Reads that ran past their budget since start.
    pub fn timeouts(&self) -> u64 {
        self.timeouts.load(Ordering::Relaxed)
    }

    /// Queries that failed or timed out (reads over budget excluded) since start.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
}
