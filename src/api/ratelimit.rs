//! `security.rate_limit`: token buckets per API key and per device. Each bucket refills at
//! the configured rate and holds one second of requests (at least one), so a key or a device
//! gets its rate on average and never more than one second's worth in a burst. Past it the
//! request gets 429 with `Retry-After`: the seconds until the bucket has a token again.
//!
//! Memory is bounded whatever hosts a caller names: a full bucket is the same as no bucket,
//! so when a map reaches its cap the full ones are dropped, and if every tracked bucket is
//! still draining the least recently used one goes.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::ApiError;
use crate::config::Config;

/// Devices tracked at once: far more than one gateway serves (each costs ~100 bytes, so the
/// map stays under ~10 MiB), while a caller naming random hosts cannot grow it further.
pub const MAX_TRACKED_DEVICES: usize = 65_536;

/// Keys tracked at once: keys come from the config, but reloads can rename them; the cap
/// keeps renamed-away keys from accumulating.
pub const MAX_TRACKED_KEYS: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Tokens at `now`, refilled at `rate` up to `capacity`.
    fn level(&self, now: Instant, rate: f64, capacity: f64) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        (self.tokens + elapsed * rate).min(capacity)
    }
}

/// The buckets of one kind (keys or devices), capped at `cap` entries.
struct Buckets<K> {
    map: Mutex<HashMap<K, Bucket>>,
    cap: usize,
}

impl<K: Eq + Hash + Clone> Buckets<K> {
    fn new(cap: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            cap,
        }
    }

    /// Takes one token from each of `keys` (a key listed twice takes two), all or none.
    /// `Err` is the wait until every one of them has what it needs.
    fn take(&self, keys: &[K], rate: f64, now: Instant) -> Result<(), Duration> {
        let capacity = rate.max(1.0);
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let mut needed: HashMap<&K, f64> = HashMap::new();
        for key in keys {
            *needed.entry(key).or_insert(0.0) += 1.0;
        }
        let mut wait = 0.0f64;
        for (key, count) in &needed {
            let level = map
                .get(*key)
                .map_or(capacity, |b| b.level(now, rate, capacity));
            if level < *count {
                // A request naming one device more often than its bucket holds never
                // passes; it is told the wait as if it could.
                wait = wait.max((count - level) / rate);
            }
        }
        if wait > 0.0 {
            return Err(Duration::from_secs_f64(wait.min(3600.0)));
        }
        for (key, count) in needed {
            if !map.contains_key(key) && map.len() >= self.cap {
                evict(&mut map, self.cap, now, rate, capacity);
            }
            let level = map
                .get(key)
                .map_or(capacity, |b| b.level(now, rate, capacity));
            map.insert(
                key.clone(),
                Bucket {
                    tokens: level - count,
                    at: now,
                },
            );
        }
        Ok(())
    }

    fn clear(&self) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Makes room for one entry: drops full buckets (they limit nothing), then, if none was
/// full, the least recently used one.
fn evict<K: Eq + Hash + Clone>(
    map: &mut HashMap<K, Bucket>,
    cap: usize,
    now: Instant,
    rate: f64,
    capacity: f64,
) {
    map.retain(|_, b| b.level(now, rate, capacity) < capacity);
    if map.len() >= cap
        && let Some(oldest) = map.iter().min_by_key(|(_, b)| b.at).map(|(k, _)| k.clone())
    {
        map.remove(&oldest);
    }
}

/// The gateway's rate limiters; rates are read from the config in force on each request,
/// so a reload applies at once.
pub struct RateLimits {
    keys: Buckets<std::sync::Arc<str>>,
    devices: Buckets<String>,
    /// The rates the buckets were filled under: a changed rate starts them afresh.
    rates: Mutex<(Option<f64>, Option<f64>)>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            keys: Buckets::new(MAX_TRACKED_KEYS),
            devices: Buckets::new(MAX_TRACKED_DEVICES),
            rates: Mutex::new((None, None)),
        }
    }
}

impl RateLimits {
    fn sync_rates(&self, config: &Config) {
        let r = &config.security.rate_limit;
        let mut rates = self.rates.lock().unwrap_or_else(PoisonError::into_inner);
        if rates.0 != r.per_key {
            self.keys.clear();
        }
        if rates.1 != r.per_device {
            self.devices.clear();
        }
        *rates = (r.per_key, r.per_device);
    }

    /// One request by the key called `name`; 429 past `security.rate_limit.per_key`.
    pub fn check_key(&self, config: &Config, name: &std::sync::Arc<str>) -> Result<(), ApiError> {
        let Some(rate) = config.security.rate_limit.per_key else {
            return Ok(());
        };
        self.sync_rates(config);
        self.keys
            .take(std::slice::from_ref(name), rate, Instant::now())
            .map_err(|wait| {
                limited(
                    wait,
                    format!(
                        "key {:?} is over security.rate_limit.per_key ({rate} requests per second)",
                        &**name
                    ),
                )
            })
    }

    /// A request for each of `devices()` (device labels, `host:port`); all or none, 429
    /// past `security.rate_limit.per_device`. The labels are only made when the limit is on.
    pub fn check_devices(
        &self,
        config: &Config,
        devices: impl FnOnce() -> Vec<String>,
    ) -> Result<(), ApiError> {
        let Some(rate) = config.security.rate_limit.per_device else {
            return Ok(());
        };
        self.sync_rates(config);
        self.devices
            .take(&devices(), rate, Instant::now())
            .map_err(|wait| {
                limited(
                    wait,
                    format!("a device of this request is over security.rate_limit.per_device ({rate} requests per second)"),
                )
            })
    }
}

fn limited(wait: Duration, message: String) -> ApiError {
    // Whole seconds, rounded up: a client that waits what it is told gets its token.
    let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::RateLimited {
        message,
        retry_after: retry_after.max(1),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let buckets: Buckets<String> = Buckets::new(10);
        let start = Instant::now();
        let key = vec!["d".to_string()];
        for _ in 0..2 {
            buckets.take(&key, 2.0, start).unwrap();
        }
        let wait = buckets.take(&key, 2.0, start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        buckets
            .take(&key, 2.0, start + Duration::from_millis(500))
            .unwrap();
    }

    #[test]
    fn all_or_none_across_devices() {
        let buckets: Buckets<String> = Buckets::new(10);
        let now = Instant::now();
        buckets.take(&["a".to_string()], 1.0, now).unwrap();
        let both = ["a".to_string(), "b".to_string()];
        assert!(buckets.take(&both, 1.0, now).is_err());
        // "b" was not charged by the refused request.
        buckets.take(&["b".to_string()], 1.0, now).unwrap();
    }

    #[test]
    fn the_map_stays_bounded_under_many_hosts() {
        let buckets: Buckets<String> = Buckets::new(100);
        let now = Instant::now();
        for i in 0..10_000 {
            buckets.take(&[format!("host-{i}")], 0.001, now).unwrap();
        }
        assert!(buckets.len() <= 100, "{}", buckets.len());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let ApiError::RateLimited { retry_after, .. } =
            limited(Duration::from_millis(1200), String::new())
        else {
            panic!("not rate limited");
        };
        assert_eq!(retry_after, 2);
    }
}
