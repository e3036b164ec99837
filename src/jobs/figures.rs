//! What the service can tell about its load, for `/system/stats`, `/metrics` and the
//! alert rules: the queue, the workers, the session pool and the cache, read when asked.

use serde::Serialize;

use super::Jobs;
use crate::cache::CacheStats;
use crate::ssh::pool::Stats as PoolStats;

/// The service's load figures at one instant.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// Jobs waiting for a worker.
    pub queue_depth: usize,
    /// The queue's bound (`worker.queue_size`).
    pub queue_size: usize,
    /// Workers running a job now.
    pub busy_workers: usize,
    /// The session pool's counts and utilization.
    pub pool: PoolStats,
    /// Cache hits per level, requests and hit rate.
    pub cache: CacheStats,
}

impl Jobs {
    /// The load figures now.
    pub fn figures(&self) -> Figures {
        let deps = self.deps();
        Figures {
            queue_depth: self.queue_depth(),
            queue_size: self.queue_size(),
            busy_workers: self.busy_workers(),
            pool: deps.pool.stats(),
            cache: deps.cache.stats(),
        }
    }

    /// Copies the pool, queue and worker gauges into the metrics. The gateway does it every
    /// second; `/metrics` and `/system/stats` do it again when read, so a threshold just
    /// crossed shows at once.
    pub fn sample_metrics(&self) {
        let metrics = &self.inner.metrics;
        let pool = self.deps().pool.stats();
        metrics.pool_sessions(
            pool.total as u64,
            pool.active as u64,
            pool.idle as u64,
            pool.waiters as u64,
        );
        metrics.pool_utilization(pool.utilization);
        let logins = self.deps().connector.logins().figures();
        metrics.ssh_logins(logins.waiting as u64, logins.in_flight as u64);
        metrics.queue_depth(self.queue_depth() as u64);
        metrics.busy_workers(self.busy_workers() as u64);
    }
}
