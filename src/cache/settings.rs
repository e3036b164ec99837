//! What the cache is tuned by: the reloadable part of `cache:` in the config, and the time
//! budgets that keep a sick level from holding up requests.

use std::time::Duration;

/// The live-reloadable part of `cache:` in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Longest time a result is served; requests may only shorten it.
    pub ttl: Duration,
    /// Entries held in L1.
    pub max_size: usize,
    /// Redis for L2; `None` keeps L2 off. Read at start only.
    pub redis_url: Option<String>,
}

impl Settings {
    /// From `cache:` in the config (`eviction_policy` has only `lru`, which L1 is).
    pub fn from_config(c: &crate::config::Cache) -> Self {
        Self {
            ttl: Duration::from_secs(c.ttl),
            max_size: c.max_size,
            redis_url: c.redis_url.clone(),
        }
    }
}

/// Time limits of the levels; [`Budgets::default`] is what the gateway uses.
#[derive(Debug, Clone, Copy)]
pub struct Budgets {
    /// Deadline of one Redis operation; a slow Redis costs a request at most this.
    pub l2_op_timeout: Duration,
    /// How long L2 is skipped after a failure before a request probes it again.
    pub l2_circuit_open: Duration,
    /// Deadline of an L3 read; past it the read is a miss.
    pub l3_read_timeout: Duration,
    /// Deadline of L3 writes, invalidations and purges.
    pub l3_write_timeout: Duration,
}

impl Default for Budgets {
    fn default() -> Self {
        Self {
            // Redis on the LAN answers in well under a millisecond; 50 ms means it is sick.
            l2_op_timeout: Duration::from_millis(50),
            l2_circuit_open: Duration::from_secs(5),
            // The device would answer in about this much: waiting longer for a cache is a loss.
            l3_read_timeout: Duration::from_millis(50),
            l3_write_timeout: Duration::from_secs(2),
        }
    }
}
