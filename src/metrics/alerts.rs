//! Alert rules over a sliding window (design §6), evaluated when read.
//!
//! The [`Monitor`] is fed by the same calls that update the Prometheus families, and keeps
//! one slot per second of history in a fixed ring ([`MAX_WINDOW_SECS`] slots). Each slot
//! holds sums and counts, not samples, so memory is constant whatever the request rate
//! (about 200 KiB), recording is O(1), and evaluating is one pass over the ring. The price
//! is that a window edge is exact to a second, and the time measures are **window
//! averages** (sum ÷ count), not percentiles: a p95 would need a histogram per slot.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use tokio::time::Instant;

use super::family::{Family, Gauge};

/// The alert rules' limits (design §6, `monitoring.thresholds` in the config), as plain
/// values: the caller reads them from whatever config is in force.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Seconds of average API response time; alerts above.
    pub api_response_time: f64,
    /// Fraction 0..1 of the session pool in use; alerts above.
    pub connection_pool_utilization: f64,
    /// Fraction 0..1 of cache lookups that hit; alerts when the hit rate falls below.
    pub cache_hit_rate: f64,
    /// Seconds of average database query time; alerts above.
    pub database_query_time: f64,
    /// Queued jobs; alerts above.
    pub worker_queue_size: usize,
}

/// The longest window the ring covers: an hour of per-second slots. A longer
/// `monitoring.window` is evaluated over this much (alerts are about now, not yesterday).
pub const MAX_WINDOW_SECS: u64 = 3600;

/// Fraction of the pool in use at which it counts as exhausted (critical), whatever the
/// configured warning threshold (design §6).
pub const POOL_EXHAUSTED: f64 = 0.98;

/// How far past the threshold a time measure must go to be critical, and how far below it
/// the cache hit rate must fall (divided by this) (design §6).
pub const CRITICAL_FACTOR: f64 = 1.5;

/// The alert names, which are also the threshold keys; the order is the report order.
pub const ALERT_NAMES: [&str; 5] = [
    "api_response_time",
    "connection_pool_utilization",
    "cache_hit_rate",
    "database_query_time",
    "worker_queue_size",
];

/// How bad an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Past the threshold: worth a look.
    Warning,
    /// Far past it, or a hard limit reached (pool exhausted, queue full): act now.
    Critical,
}

impl Severity {
    /// The label and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

/// One active alert, as `GET /system/stats` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Which measure (one of [`ALERT_NAMES`], the same as its threshold key).
    pub name: &'static str,
    /// Warning or critical, by the design §6 rules.
    pub severity: Severity,
    /// The measured figure the rule compared.
    pub value: f64,
    /// The configured threshold it was compared with.
    pub threshold: f64,
    /// A sentence for people, naming the figure, the window and the limit.
    pub message: String,
}

/// The window's figures, whether or not they alert; `None` where nothing was measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Seconds of history the figures cover.
    pub window: u64,
    /// Mean API response time, seconds.
    pub api_response_time: Option<f64>,
    /// API requests seen.
    pub api_requests: u64,
    /// Mean database query time, seconds.
    pub database_query_time: Option<f64>,
    /// Database queries seen.
    pub database_queries: u64,
    /// Cache lookups answered by some level.
    pub cache_hits: u64,
    /// Cache lookups that went to the device.
    pub cache_misses: u64,
    /// hits ÷ (hits + misses).
    pub cache_hit_rate: Option<f64>,
    /// The latest pool utilisation reported (0..1).
    pub connection_pool_utilization: f64,
    /// The latest queue depth reported.
    pub worker_queue_size: u64,
    /// Submissions refused because the queue was full (429s).
    pub queue_rejections: u64,
}

/// One second of history.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// Seconds since the monitor started; tells a current slot from a stale one.
    second: u64,
    api_sum: f64,
    api_count: u64,
    db_sum: f64,
    db_count: u64,
    hits: u64,
    misses: u64,
    rejected: u64,
}

/// Sliding-window figures and the alert state machine.
pub struct Monitor {
    /// Where "second 0" is; a tokio instant so tests can drive time with `time::pause`.
    origin: Instant,
    /// The ring of per-second slots.
    slots: Mutex<Box<[Slot]>>,
    /// Latest pool utilisation, `f64` bits: a level, not a rate, so the latest value is the truth.
    pool_utilization: AtomicU64,
    /// Latest queue depth, likewise.
    queue_depth: AtomicU64,
    /// The window last evaluated with, so `/metrics` reports the hit rate over the same span.
    window: AtomicU64,
    /// Each alert's severity at the last evaluation, to log each transition exactly once.
    state: Mutex<[Option<Severity>; 5]>,
    /// `netpulse_alerts_active{alert, severity}`, shared with the registry.
    active: Arc<Family<Gauge>>,
}

impl Monitor {
    pub(crate) fn new(active: Arc<Family<Gauge>>, window: u64) -> Self {
        Self {
            origin: Instant::now(),
            slots: Mutex::new(vec![Slot::default(); MAX_WINDOW_SECS as usize].into()),
            pool_utilization: AtomicU64::new(0f64.to_bits()),
            queue_depth: AtomicU64::new(0),
            window: AtomicU64::new(window),
            state: Mutex::new([None; 5]),
            active,
        }
    }

    fn record(&self, update: impl FnOnce(&mut Slot)) {
        let now = self.origin.elapsed().as_secs();
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let index = (now % MAX_WINDOW_SECS) as usize;
        if let Some(slot) = slots.get_mut(index) {
            if slot.second != now {
                *slot = Slot {
                    second: now,
                    ..Slot::default()
                };
            }
            update(slot);
        }
    }

    pub(crate) fn api(&self, seconds: f64, status: u16) {
        self.record(|s| {
            s.api_sum += seconds;
            s.api_count += 1;
            // The API answers 429 only when the worker queue is full (design §4).
            if status == 429 {
                s.rejected += 1;
            }
        });
    }

    pub(crate) fn db(&self, seconds: f64) {
        self.record(|s| {
            s.db_sum += seconds;
            s.db_count += 1;
        });
    }

    pub(crate) fn cache(&self, hit: bool) {
        self.record(|s| {
            if hit {
                s.hits += 1;
            } else {
                s.misses += 1;
            }
        });
    }

    pub(crate) fn queue_rejected(&self) {
        self.record(|s| s.rejected += 1);
    }

    pub(crate) fn pool_utilization(&self, value: f64) {
        self.pool_utilization
            .store(value.to_bits(), Ordering::Relaxed);
    }

    pub(crate) fn queue_depth(&self, depth: u64) {
        self.queue_depth.store(depth, Ordering::Relaxed);
    }

    /// The window last evaluated with (or the one given at construction).
    pub fn window(&self) -> u64 {
        self.window.load(Ordering::Relaxed)
    }

    /// The figures over the last `window` seconds (clamped to [`MAX_WINDOW_SECS`]).
    pub fn figures(&self, window: u64) -> Figures {
        let window = window.clamp(1, MAX_WINDOW_SECS);
        let now = self.origin.elapsed().as_secs();
        let mut f = Figures {
            window,
            connection_pool_utilization: f64::from_bits(
                self.pool_utilization.load(Ordering::Relaxed),
            ),
            worker_queue_size: self.queue_depth.load(Ordering::Relaxed),
            ..Figures::default()
        };
        let (mut api_sum, mut db_sum) = (0.0, 0.0);
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        for slot in slots
            .iter()
            .filter(|s| s.second <= now && now - s.second < window)
        {
            api_sum += slot.api_sum;
            f.api_requests += slot.api_count;
            db_sum += slot.db_sum;
            f.database_queries += slot.db_count;
            f.cache_hits += slot.hits;
            f.cache_misses += slot.misses;
            f.queue_rejections += slot.rejected;
        }
        drop(slots);
        f.api_response_time = (f.api_requests > 0).then(|| api_sum / f.api_requests as f64);
        f.database_query_time =
            (f.database_queries > 0).then(|| db_sum / f.database_queries as f64);
        let lookups = f.cache_hits + f.cache_misses;
        f.cache_hit_rate = (lookups > 0).then(|| f.cache_hits as f64 / lookups as f64);
        f
    }

    /// Applies the design §6 rules to the last `window` seconds, logs each alert that was
    /// raised, escalated, eased or cleared since the previous evaluation (once: the state
    /// lock is held across compare and update, so concurrent readers cannot both log it),
    /// updates `netpulse_alerts_active`, and returns the active alerts.
    pub fn evaluate(&self, thresholds: &Thresholds, window: u64) -> Vec<Alert> {
        self.window.store(window, Ordering::Relaxed);
        let f = self.figures(window);
        let w = f.window;
        let mut alerts = Vec::new();
        if let Some(avg) = f.api_response_time {
            alerts.extend(above(
                "api_response_time",
                avg,
                thresholds.api_response_time,
                w,
            ));
        }
        alerts.extend(pool(
            f.connection_pool_utilization,
            thresholds.connection_pool_utilization,
        ));
        if let Some(rate) = f.cache_hit_rate {
            alerts.extend(hit_rate(
                rate,
                thresholds.cache_hit_rate,
                f.cache_hits + f.cache_misses,
                w,
            ));
        }
        if let Some(avg) = f.database_query_time {
            alerts.extend(above(
                "database_query_time",
                avg,
                thresholds.database_query_time,
                w,
            ));
        }
        alerts.extend(queue(&f, thresholds.worker_queue_size));

        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        for (i, name) in ALERT_NAMES.iter().enumerate() {
            let now = alerts.iter().find(|a| a.name == *name);
            let before = state.get(i).copied().flatten();
            transition(name, before, now);
            if let Some(slot) = state.get_mut(i) {
                *slot = now.map(|a| a.severity);
            }
            for severity in [Severity::Warning, Severity::Critical] {
                let on = now.is_some_and(|a| a.severity == severity);
                self.active
                    .get(&[name, severity.as_str()])
                    .set(if on { 1.0 } else { 0.0 });
            }
        }
        alerts
    }
}

/// Logs one alert's change of state, if any.
fn transition(name: &str, before: Option<Severity>, now: Option<&Alert>) {
    match (before, now) {
        (None, Some(a)) => tracing::warn!(
            alert = name, severity = a.severity.as_str(), value = a.value, threshold = a.threshold,
            detail = %a.message, "alert raised"
        ),
        (Some(Severity::Warning), Some(a)) if a.severity == Severity::Critical => tracing::warn!(
            alert = name, severity = "critical", value = a.value, threshold = a.threshold,
            detail = %a.message, "alert escalated"
        ),
        (Some(Severity::Critical), Some(a)) if a.severity == Severity::Warning => tracing::info!(
            alert = name, severity = "warning", value = a.value, threshold = a.threshold,
            detail = %a.message, "alert eased"
        ),
        (Some(was), None) => {
            tracing::info!(alert = name, was = was.as_str(), "alert cleared");
        }
        _ => {}
    }
}

/// A time measure: warning past the threshold, critical past 1.5× it.
fn above(name: &'static str, avg: f64, threshold: f64, window: u64) -> Option<Alert> {
    let critical = threshold * CRITICAL_FACTOR;
    let severity = if avg > critical {
        Severity::Critical
    } else if avg > threshold {
        Severity::Warning
    } else {
        return None;
    };
    Some(Alert {
        name,
        severity,
        value: avg,
        threshold,
        message: format!(
            "{name}: mean {avg:.3}s over the last {window}s is above {threshold}s (critical above {critical}s)"
        ),
    })
}

/// Pool utilisation: warning past the threshold, critical once the pool is exhausted.
fn pool(utilization: f64, threshold: f64) -> Option<Alert> {
    let severity = if utilization >= POOL_EXHAUSTED {
        Severity::Critical
    } else if utilization > threshold {
        Severity::Warning
    } else {
        return None;
    };
    Some(Alert {
        name: "connection_pool_utilization",
        severity,
        value: utilization,
        threshold,
        message: format!(
            "connection_pool_utilization: {:.0}% of sessions in use is above {:.0}% (critical at {:.0}%, exhausted)",
            utilization * 100.0,
            threshold * 100.0,
            POOL_EXHAUSTED * 100.0
        ),
    })
}

/// The cache hit rate alerts when it falls **below** the threshold; critical below ÷ 1.5.
fn hit_rate(rate: f64, threshold: f64, lookups: u64, window: u64) -> Option<Alert> {
    let critical = threshold / CRITICAL_FACTOR;
    let severity = if rate < critical {
        Severity::Critical
    } else if rate < threshold {
        Severity::Warning
    } else {
        return None;
    };
    Some(Alert {
        name: "cache_hit_rate",
        severity,
        value: rate,
        threshold,
        message: format!(
            "cache_hit_rate: {:.1}% of {lookups} lookups over the last {window}s is below {:.1}% (critical below {:.1}%)",
            rate * 100.0,
            threshold * 100.0,
            critical * 100.0
        ),
    })
}

/// Queue depth: warning past the threshold, critical when the queue was full in the window
/// (a 429 was issued), even if it has drained since: clients were refused.
fn queue(f: &Figures, threshold: usize) -> Option<Alert> {
    let depth = f.worker_queue_size;
    let (severity, message) = if f.queue_rejections > 0 {
        (
            Severity::Critical,
            format!(
                "worker_queue_size: the queue was full, {} submissions refused with 429 in the last {}s (depth now {depth})",
                f.queue_rejections, f.window
            ),
        )
    } else if depth > threshold as u64 {
        (
            Severity::Warning,
            format!("worker_queue_size: {depth} queued jobs is above {threshold}"),
        )
    } else {
        return None;
    };
    Some(Alert {
        name: "worker_queue_size",
        severity,
        value: depth as f64,
        threshold: threshold as f64,
        message,
    })
}
