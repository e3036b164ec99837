//! The multi-level result cache: L1 in-process → L2 Redis → L3 database.
//!
//! The job runner asks [`Cache::get`] and goes to the device only on a miss; the cache never
//! talks to a device. A value found at a lower level is promoted upward with the time it has
//! left, writes go to every enabled level, and a request may shorten the configured TTL but
//! never lengthen it. Config commands are never cached (the runner never `put`s them), and a
//! successful config push calls [`Cache::invalidate_device`]. Each answer names its level
//! (`metadata.cache`: `l1`, `l2`, `l3` or `miss`).
//!
//! - [`circuit`]: the breaker that skips L2 for a while after a failure.
//! - [`key`]: the key scheme and the credential hasher that scopes entries to credentials.
//! - [`l1`]: the in-process LRU with per-entry deadlines.
//! - [`l2`]: Redis behind a circuit breaker; an outage degrades to L1/L3, never fails a request.
//! - [`l3`]: the `cache_entries` table, reads bounded by a short budget.
//! - [`settings`]: the reloadable config and the time budgets of the levels.
//! - [`stats`]: hit/miss/eviction/error figures.

pub mod circuit;
pub mod key;
pub mod l1;
pub mod l2;
pub mod l3;
pub mod settings;
pub mod stats;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use key::{CredentialHasher, Key, retire_database_key};
pub use settings::{Budgets, Settings};
pub use stats::{CacheStats, LevelStats};

use l1::L1;
use l2::L2;
use l3::L3;
use stats::Counters;

/// Why the cache could not start. Once running, the cache has no errors to report: a level
/// that fails is skipped, logged and counted, and the request goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed while retiring the credential-hash key it used to hold.
    #[error("cache: {0}")]
    Store(#[from] crate::store::Error),
    /// `cache.redis_url` could not be used.
    #[error("cache.redis_url {url}: {reason}")]
    RedisUrl {
        /// The URL with its password redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Which level answered a read; serialised as `metadata.cache` in job results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The in-process cache of this node.
    L1,
    /// Redis, shared by the nodes.
    L2,
    /// The database.
    L3,
    /// No level: the device was asked.
    Miss,
}

impl Level {
    /// The contract spelling (`"l1"`, `"l2"`, `"l3"`, `"miss"`), for metrics labels and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::L1 => "l1",
            Level::L2 => "l2",
            Level::L3 => "l3",
            Level::Miss => "miss",
        }
    }
}

/// One cached command result; the parsed output travels with the raw so a hit needs no
/// plugin call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The device's output.
    pub stdout: String,
    /// The parser's JSON, when the request asked for parsing and it succeeded.
    pub parsed: Option<serde_json::Value>,
    /// When the output was fetched from the device (RFC 3339 UTC), so clients can judge age.
    pub stored_at: String,
}

impl Entry {
    /// An entry fetched now.
    pub fn new(stdout: impl Into<String>, parsed: Option<serde_json::Value>) -> Self {
        Self {
            stdout: stdout.into(),
            parsed,
            stored_at: crate::time::format(chrono::Utc::now()),
        }
    }
}

/// How long the first Redis connection may take at start (later ones get `l2_op_timeout`).
const L2_CONNECT_AT_START: Duration = Duration::from_secs(1);

/// The cache facade; cheap to clone, every clone shares the same levels.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    l1: L1,
    /// `None` while `cache.redis_url` is null.
    l2: Option<L2>,
    l3: L3,
    hasher: CredentialHasher,
    /// Configured TTL in milliseconds; live-reloadable.
    ttl_ms: AtomicU64,
    /// The URL L2 was built with, to tell a reload that changing it needs a restart.
    redis_url: Option<String>,
    /// Bumped around every invalidation; a read that saw it change does not promote what it
    /// found, so a value read just before a config push is not copied back up after it.
    generation: AtomicU64,
    counters: Counters,
}

impl Cache {
    /// Builds the levels with the default budgets. `namespace` prefixes Redis keys (the
    /// gateway uses `"netpulse"`).
    pub async fn new(
        settings: Settings,
        store: crate::store::Store,
        namespace: &str,
        hasher: CredentialHasher,
    ) -> Result<Cache, Error> {
        Self::with_budgets(settings, store, namespace, Budgets::default(), hasher).await
    }

    /// Builds the levels with explicit time limits (tests and benchmarks).
    pub async fn with_budgets(
        settings: Settings,
        store: crate::store::Store,
        namespace: &str,
        budgets: Budgets,
        hasher: CredentialHasher,
    ) -> Result<Cache, Error> {
        let l2 = match &settings.redis_url {
            Some(url) => {
                let l2 = L2::new(
                    url,
                    namespace,
                    l2::Budgets {
                        op_timeout: budgets.l2_op_timeout,
                        circuit_open: budgets.l2_circuit_open,
                        connect_at_start: L2_CONNECT_AT_START,
                    },
                )?;
                l2.connect().await;
                Some(l2)
            }
            None => None,
        };
        let l3 = L3::new(
            store,
            l3::Budgets {
                read_timeout: budgets.l3_read_timeout,
                write_timeout: budgets.l3_write_timeout,
            },
        );
        Ok(Cache {
            inner: Arc::new(Inner {
                l1: L1::new(settings.max_size),
                l2,
                l3,
                hasher,
                ttl_ms: AtomicU64::new(millis(settings.ttl)),
                redis_url: settings.redis_url,
                generation: AtomicU64::new(0),
                counters: Counters::default(),
            }),
        })
    }

    /// Turns request credentials into [`Key::credential`]; shared by every node on the database.
    pub fn credential_hasher(&self) -> &CredentialHasher {
        &self.inner.hasher
    }

    fn ttl(&self) -> Duration {
        Duration::from_millis(self.inner.ttl_ms.load(Ordering::Relaxed))
    }

    /// Looks `key` up in L1, then L2, then L3, copying a value found lower into the levels
    /// above for the time it has left. `None` means the device must be asked.
    pub async fn get(&self, key: &Key) -> Option<(Entry, Level)> {
        let inner = &*self.inner;
        inner.counters.requests.fetch_add(1, Ordering::Relaxed);
        let rendered = key.render();
        if let Some(entry) = inner.l1.get(&rendered) {
            inner.counters.hit(0);
            return Some(((*entry).clone(), Level::L1));
        }
        inner.counters.miss(0);
        let generation = inner.generation.load(Ordering::Acquire);
        let device = key.device();
        if let Some(l2) = &inner.l2 {
            match l2.get(&rendered, &device).await {
                l2::Read::Hit(entry, left) => {
                    inner.counters.hit(1);
                    if inner.generation.load(Ordering::Acquire) == generation {
                        let ttl = left.min(self.ttl());
                        inner
                            .l1
                            .put(rendered, &device, Arc::new(entry.clone()), ttl);
                    }
                    return Some((entry, Level::L2));
                }
                l2::Read::Miss => inner.counters.miss(1),
                l2::Read::Unavailable => {}
            }
        }
        match inner.l3.get(&rendered).await {
            l3::Read::Hit(entry, left) => {
                inner.counters.hit(2);
                let ttl = left.min(self.ttl());
                if let Some(l2) = &inner.l2
                    && let Ok(json) = serde_json::to_string(&entry)
                    && inner.generation.load(Ordering::Acquire) == generation
                {
                    l2.put(&rendered, &device, &json, ttl).await;
                }
                if inner.generation.load(Ordering::Acquire) == generation {
                    inner
                        .l1
                        .put(rendered, &device, Arc::new(entry.clone()), ttl);
                }
                Some((entry, Level::L3))
            }
            l3::Read::Miss => {
                inner.counters.miss(2);
                None
            }
            l3::Read::Unavailable => None,
        }
    }

    /// Stores `entry` at every enabled level for the configured TTL, or for `ttl` when the
    /// request asked for less. Never call it for config commands.
    pub async fn put(&self, key: &Key, entry: &Entry, ttl: Option<Duration>) {
        let configured = self.ttl();
        let ttl = ttl.map_or(configured, |asked| asked.min(configured));
        if ttl.is_zero() {
            return;
        }
        let json = match serde_json::to_string(entry) {
            Ok(json) => json,
            Err(e) => {
                tracing::warn!(key = %key, error = %e, "cache entry not serialisable; not cached");
                return;
            }
        };
        let inner = &*self.inner;
        let rendered = key.render();
        let device = key.device();
        inner
            .l1
            .put(rendered.clone(), &device, Arc::new(entry.clone()), ttl);
        let l2 = async {
            if let Some(l2) = &inner.l2 {
                l2.put(&rendered, &device, &json, ttl).await;
            }
        };
        tokio::join!(l2, inner.l3.put(&rendered, &device, &json, ttl));
    }

    /// Drops every entry of the device at `host:port` (every command, every credential) at
    /// every level; called after a successful config push.
    pub async fn invalidate_device(&self, host: &str, port: u16) {
        let inner = &*self.inner;
        let device = key::device_id(host, port);
        inner.generation.fetch_add(1, Ordering::AcqRel);
        inner.l1.invalidate_device(&device);
        let l2 = async {
            if let Some(l2) = &inner.l2 {
                l2.invalidate_device(&device).await;
            }
        };
        tokio::join!(l2, inner.l3.invalidate_device(&device));
        // Again after the lower levels: a read that raced the deletes may have promoted a
        // value it found there before they ran.
        inner.generation.fetch_add(1, Ordering::AcqRel);
        inner.l1.invalidate_device(&device);
        tracing::debug!(%device, "cache entries of device invalidated");
    }

    /// The figures for `/system/stats` and `/metrics`.
    pub fn stats(&self) -> CacheStats {
        let inner = &*self.inner;
        let ([l1, l2, l3], requests, hit_rate) = inner.counters.levels();
        CacheStats {
            l1,
            l2,
            l3,
            requests,
            misses: requests.saturating_sub(l1.hits + l2.hits + l3.hits),
            hit_rate,
            evictions: inner.l1.evictions(),
            l1_entries: inner.l1.len(),
            l2_enabled: inner.l2.is_some(),
            l2_available: inner.l2.as_ref().is_some_and(L2::available),
            l2_errors: inner.l2.as_ref().map_or(0, L2::errors),
            l2_skipped: inner.l2.as_ref().map_or(0, L2::skipped),
            l3_timeouts: inner.l3.timeouts(),
            l3_errors: inner.l3.errors(),
        }
    }

    /// Applies a live config reload: the TTL (for new entries) and L1's size (shrinking
    /// evicts the least recently used). A changed `redis_url` is not applied; it needs a
    /// restart (see [`Cache::restart_needed`]) and is logged.
    pub fn apply(&self, settings: &Settings) {
        self.inner
            .ttl_ms
            .store(millis(settings.ttl), Ordering::Relaxed);
        self.inner.l1.resize(settings.max_size);
        if self.restart_needed(settings) {
            tracing::warn!("cache.redis_url changed; the new value takes effect after a restart");
        }
    }

    /// True when `settings` differs from the running cache in a way only a restart applies.
    pub fn restart_needed(&self, settings: &Settings) -> bool {
        settings.redis_url != self.inner.redis_url
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_spelling_is_the_contract() {
        for (level, text) in [
            (Level::L1, "l1"),
            (Level::L2, "l2"),
            (Level::L3, "l3"),
            (Level::Miss, "miss"),
        ] {
            assert_eq!(
                serde_json::to_value(level).ok(),
                Some(serde_json::json!(text))
            );
            assert_eq!(level.as_str(), text);
        }
    }
}
