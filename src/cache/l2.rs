//! L2: Redis, shared by every gateway node (design §8), behind a circuit breaker.
//!
//! Redis is an accelerator, never a dependency: every operation has a short deadline, and a
//! failure opens the circuit so L2 is skipped outright for a while (no request pays the
//! deadline again and again). After that, one request probes; success closes the circuit, so
//! L2 resumes by itself when Redis comes back. Warnings are rate-limited: an outage logs once
//! per interval, not once per request.
//!
//! Invalidation keeps a Redis set per device (`{ns}:dev:{host}:{port}`) of that device's keys
//! rather than SCANning for a pattern: SCAN walks the whole shared keyspace (every device of
//! every node), the set only the device's own keys, and one Lua script deletes them
//! atomically. An invalidation that cannot reach Redis is remembered and replayed before L2
//! serves again, so a config push during an outage never leaves stale output behind.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use deadpool_redis::{Manager, Pool, Runtime};
use redis::AsyncCommands;

use super::circuit::Circuit;
use super::{Entry, Error};

/// Connections to Redis; multiplexed, so a few carry many concurrent requests.
const POOL_SIZE: usize = 8;

/// Devices whose invalidation waits for Redis to come back; past this the whole namespace
/// is cleared on recovery instead (a bound on memory during a long outage).
const MAX_PENDING: usize = 10_000;

/// Deadline for the namespace-wide clear after an overflow: it is rare and walks keys.
const CLEAR_BUDGET: Duration = Duration::from_secs(5);

/// Deletes every key listed in a device's set, then the set; in batches because Lua's
/// `unpack` has a stack limit.
const INVALIDATE_SCRIPT: &str = r"
local keys = redis.call('SMEMBERS', KEYS[1])
for i = 1, #keys, 500 do
  redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys)))
end
redis.call('DEL', KEYS[1])
return #keys
";

/// Timing of the L2 level; the defaults suit a Redis on the same network.
#[derive(Debug, Clone, Copy)]
pub struct Budgets {
    /// Deadline of one Redis operation, connection included.
    pub op_timeout: Duration,
    /// How long L2 is skipped after a failure before one request probes again.
    pub circuit_open: Duration,
    /// Deadline of the first connection, made at start where no request is waiting.
    pub connect_at_start: Duration,
}

/// What a read found.
pub enum Read {
    /// A live value and the time it has left in Redis.
    Hit(Entry, Duration),
    /// Redis answered: no such key.
    Miss,
    /// Redis was skipped (circuit open) or failed; the caller goes on to L3.
    Unavailable,
}

/// The Redis level.
pub struct L2 {
    /// Connections; deadpool drops one whose PING fails, so a restarted Redis is reconnected.
    pool: Pool,
    /// Prefix of every key, so several deployments (and tests) share one Redis.
    namespace: String,
    /// See [`Budgets`].
    budgets: Budgets,
    /// Skips Redis for a while after a failure; counts errors and skips.
    circuit: Circuit,
    /// Invalidations still to apply, and whether they overflowed into a full clear.
    pending: Mutex<Pending>,
    /// Fast check of `pending` on every operation without taking the lock.
    has_pending: AtomicBool,
    /// The invalidation script, sent by hash after its first use.
    invalidate: redis::Script,
}

#[derive(Default)]
struct Pending {
    devices: HashSet<String>,
    overflow: bool,
}

impl L2 {
    /// A level talking to `url`. No connection is made yet, so an unreachable Redis does
    /// not stop the gateway from starting; only a malformed URL is an error.
    pub fn new(url: &str, namespace: &str, budgets: Budgets) -> Result<Self, Error> {
        let bad_url = |source: String| Error::RedisUrl {
            url: crate::config::redact_url(url),
            reason: source,
        };
        // Connecting may take up to `connect_at_start` (at start); on the request path every
        // operation, a reconnect included, is cut short by `op_timeout` in `attempt`.
        let connection = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(budgets.connect_at_start))
            .set_response_timeout(Some(budgets.op_timeout));
        let manager =
            Manager::new_with_config(url, connection).map_err(|e| bad_url(e.to_string()))?;
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(budgets.op_timeout))
            .recycle_timeout(Some(budgets.op_timeout))
            .build()
            .map_err(|e| bad_url(e.to_string()))?;
        Ok(Self {
            pool,
            namespace: namespace.to_string(),
            budgets,
            circuit: Circuit::new(
                format!("redis L2 cache ({})", crate::config::redact_url(url)),
                budgets.circuit_open,
            ),
            pending: Mutex::new(Pending::default()),
            has_pending: AtomicBool::new(false),
            invalidate: redis::Script::new(INVALIDATE_SCRIPT),
        })
    }

    /// Opens the first connection with the start-up deadline, so the first request does not
    /// pay for it; an unreachable Redis is logged and L2 starts with its circuit open.
    pub async fn connect(&self) {
        match tokio::time::timeout(self.budgets.connect_at_start, self.pool.get()).await {
            Ok(Ok(_connection)) => {}
            Ok(Err(e)) => self.circuit.failed("connect", &e.to_string()),
            Err(_) => self.circuit.failed("connect", "timed out"),
        }
    }

    fn key(&self, rendered: &str) -> String {
        format!("{}:{rendered}", self.namespace)
    }

    fn device_set(&self, device: &str) -> String {
        format!("{}:dev:{device}", self.namespace)
    }

    /// Reads `rendered` (a key of `device`) with the time it has left.
    pub async fn get(&self, rendered: &str, device: &str) -> Read {
        if self.has_pending.load(Ordering::Acquire) {
            // Replays queued invalidations if Redis is back (a no-op operation under the guard).
            self.guarded("replay", async { Ok(()) }).await;
            if self.is_pending(device) {
                // This device's L2 entries may be stale until its invalidation is applied.
                return Read::Miss;
            }
        }
        let key = self.key(rendered);
        let found = self
            .guarded("get", async {
                let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
                redis::pipe()
                    .get(&key)
                    .pttl(&key)
                    .query_async::<(Option<String>, i64)>(&mut conn)
                    .await
                    .map_err(|e| e.to_string())
            })
            .await;
        match found {
            None => Read::Unavailable,
            Some((Some(text), left_ms)) if left_ms > 0 => match serde_json::from_str(&text) {
                Ok(entry) => Read::Hit(entry, Duration::from_millis(left_ms as u64)),
                Err(e) => {
                    tracing::warn!(key = %key, error = %e, "undecodable L2 entry ignored");
                    Read::Miss
                }
            },
            // Absent, or racing its expiry (PTTL -2), or without TTL (-1: not written by us).
            Some(_) => Read::Miss,
        }
    }

    /// Stores `json` under `rendered` for `ttl` and records it in the device's set. One
    /// MULTI, so the set never misses a key that exists.
    pub async fn put(&self, rendered: &str, device: &str, json: &str, ttl: Duration) {
        let key = self.key(rendered);
        let set = self.device_set(device);
        let ms = ttl.as_millis().clamp(1, i64::MAX as u128) as i64;
        self.guarded("put", async {
            let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
            redis::pipe()
                .atomic()
                .cmd("SET")
                .arg(&key)
                .arg(json)
                .arg("PX")
                .arg(ms)
                .ignore()
                .sadd(&set, &key)
                .ignore()
                // The set lives as long as its longest entry: NX gives a new set a TTL, GT
                // only ever extends it.
                .cmd("PEXPIRE")
                .arg(&set)
                .arg(ms)
                .arg("NX")
                .ignore()
                .cmd("PEXPIRE")
                .arg(&set)
                .arg(ms)
                .arg("GT")
                .ignore()
                .query_async::<()>(&mut conn)
                .await
                .map_err(|e| e.to_string())
        })
        .await;
    }

    /// Deletes every key of `device`; when Redis cannot be reached the device is queued and
    /// deleted before L2 serves anything again.
    pub async fn invalidate_device(&self, device: &str) {
        let set = self.device_set(device);
        if self
            .guarded("invalidate", self.delete_set(&set))
            .await
            .is_none()
        {
            let mut pending = self.pending();
            if pending.devices.len() >= MAX_PENDING {
                pending.overflow = true;
                pending.devices.clear();
            } else if !pending.overflow {
                pending.devices.insert(device.to_string());
            }
            self.has_pending.store(true, Ordering::Release);
        }
    }

    /// The script run for one device set; a future so it can run guarded or, during a
    /// replay that already holds the probe, unguarded.
    async fn delete_set(&self, set: &str) -> Result<u64, String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        self.invalidate
            .key(set)
            .invoke_async::<u64>(&mut conn)
            .await
            .map_err(|e| e.to_string())
    }

    fn pending(&self) -> MutexGuard<'_, Pending> {
        // The set is plain data; a panic elsewhere cannot leave it inconsistent.
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Applies queued invalidations; false when Redis failed again. A device leaves the
    /// queue only once deleted, so reads keep skipping it until then.
    async fn replay_pending(&self) -> bool {
        let (devices, overflow) = {
            let pending = self.pending();
            (
                pending.devices.iter().cloned().collect::<Vec<_>>(),
                pending.overflow,
            )
        };
        if overflow {
            if self.clear_namespace().await.is_none() {
                return false;
            }
            self.pending().overflow = false;
        }
        for device in devices {
            let set = self.device_set(&device);
            if self
                .attempt("invalidate", self.delete_set(&set))
                .await
                .is_none()
            {
                return false;
            }
            self.pending().devices.remove(&device);
        }
        true
    }

    /// True while an invalidation of `device` waits for Redis: its L2 keys may be stale.
    fn is_pending(&self, device: &str) -> bool {
        if !self.has_pending.load(Ordering::Acquire) {
            return false;
        }
        let pending = self.pending();
        pending.overflow || pending.devices.contains(device)
    }

    /// Deletes every key of this namespace (SCAN, since it is the rare overflow path).
    async fn clear_namespace(&self) -> Option<()> {
        let pattern = format!("{}:*", self.namespace);
        let work = async {
            let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
            let mut cursor: u64 = 0;
            loop {
                let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(1000)
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| e.to_string())?;
                if !keys.is_empty() {
                    let _: () = conn.del(keys).await.map_err(|e| e.to_string())?;
                }
                if next == 0 {
                    return Ok::<(), String>(());
                }
                cursor = next;
            }
        };
        match tokio::time::timeout(CLEAR_BUDGET, work).await {
            Ok(Ok(())) => Some(()),
            Ok(Err(e)) => {
                self.circuit.failed("clear", &e);
                None
            }
            Err(_) => {
                self.circuit.failed("clear", "timed out");
                None
            }
        }
    }

    /// Runs `op` under the circuit and the deadline; `None` when skipped or failed. Queued
    /// invalidations go first, so L2 never serves a device invalidated during an outage.
    async fn guarded<T>(
        &self,
        what: &str,
        op: impl Future<Output = Result<T, String>>,
    ) -> Option<T> {
        if !self.circuit.admit() {
            return None;
        }
        if self.has_pending.load(Ordering::Acquire) {
            let replayed = self.replay_pending().await;
            let pending = self.pending();
            let left = pending.overflow || !pending.devices.is_empty();
            self.has_pending.store(left, Ordering::Release);
            drop(pending);
            if !replayed {
                return None;
            }
        }
        self.attempt(what, op).await
    }

    /// Runs `op` under the deadline and records the outcome in the circuit.
    async fn attempt<T>(
        &self,
        what: &str,
        op: impl Future<Output = Result<T, String>>,
    ) -> Option<T> {
        match tokio::time::timeout(self.budgets.op_timeout, op).await {
            Ok(Ok(value)) => {
                self.circuit.succeeded();
                Some(value)
            }
            Ok(Err(e)) => {
                self.circuit.failed(what, &e);
                None
            }
            Err(_) => {
                let message = format!("timed out after {:?}", self.budgets.op_timeout);
                self.circuit.failed(what, &message);
                None
            }
        }
    }

    /// Operations that failed or timed out since start.
    pub fn errors(&self) -> u64 {
        self.circuit.errors()
    }

    /// Operations skipped by the open circuit since start.
    pub fn skipped(&self) -> u64 {
        self.circuit.skipped()
    }

    /// Whether the last attempt reached Redis.
    pub fn available(&self) -> bool {
        self.circuit.available()
    }
}
