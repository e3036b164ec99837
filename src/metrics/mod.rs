//! Counters, gauges and histograms for `GET /metrics` (Prometheus text format 0.0.4), and
//! the alert rules of design §6 fed by the same calls.
//!
//! - [`Metrics`]: the registry and one typed method per event; clone it into every subsystem.
//! - [`alerts`]: the sliding-window [`Monitor`] behind `GET /system/stats`' `alerts` list.
//! - [`http`]: the axum middleware that times every request by matched route and status.
//!
//! There is no global registry: each [`Metrics`] is its own, so tests can make theirs.
//! Every family exists from construction, so a scrape before any traffic already lists it.

pub mod alerts;
mod family;
pub mod http;

use std::sync::Arc;

pub use alerts::{Alert, Figures, Monitor, Severity, Thresholds};
use family::{Counter, Family, Gauge, Histogram};

/// Request and plugin-call buckets, seconds: from a cache hit (sub-millisecond) to a slow
/// device command near the default 30 s job timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// SSH connect + login buckets, seconds: loopback labs log in in ~2 ms, real devices take
/// seconds, and `connection_timeout` defaults to 30.
const CONNECT_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Database query buckets, seconds: SQLite answers in tens of microseconds, and the
/// default alert threshold is 1 s.
const DB_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Where a cached lookup was answered (`metadata.cache` in design §4).
pub const CACHE_LEVELS: [&str; 4] = ["l1", "l2", "l3", "miss"];

/// How a job ended (the final `Job.status` values).
pub const JOB_OUTCOMES: [&str; 3] = ["finished", "failed", "canceled"];

/// What a config reload came to: applied, rejected by validation, or the file unreadable.
pub const RELOAD_RESULTS: [&str; 3] = ["ok", "invalid", "error"];

/// Which way the adaptive pool moved.
pub const RESIZE_DIRECTIONS: [&str; 2] = ["grow", "shrink"];

/// The registry. Cheap to clone (one `Arc`); recording is a few relaxed atomics, plus a
/// short mutex for the measures the alert window keeps.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

/// One field per family, in exposition order.
struct Inner {
    http: Family<Histogram>,
    pool_sessions: Family<Gauge>,
    pool_active: Family<Gauge>,
    pool_idle: Family<Gauge>,
    pool_waiters: Family<Gauge>,
    pool_utilization: Family<Gauge>,
    pool_resizes: Family<Counter>,
    connect: Family<Histogram>,
    logins_waiting: Family<Gauge>,
    logins_in_flight: Family<Gauge>,
    login_duration: Family<Histogram>,
    cache_lookups: Family<Counter>,
    cache_hit_rate: Family<Gauge>,
    queue_depth: Family<Gauge>,
    queue_rejections: Family<Counter>,
    busy_workers: Family<Gauge>,
    jobs: Family<Counter>,
    plugin_calls: Family<Histogram>,
    plugin_traps: Family<Counter>,
    db_query: Family<Histogram>,
    config_reloads: Family<Counter>,
    http_connections_refused: Family<Counter>,
    webhooks_dropped: Family<Counter>,
    alerts_active: Arc<Family<Gauge>>,
    monitor: Monitor,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every family present at zero; the alert window starts at the
    /// documented default (300 s) until [`Monitor::evaluate`] is called with the config's.
    pub fn new() -> Self {
        let mut alert_sets: Vec<[&str; 2]> = Vec::new();
        for name in alerts::ALERT_NAMES {
            for severity in ["warning", "critical"] {
                alert_sets.push([name, severity]);
            }
        }
        let alert_sets: Vec<&[&str]> = alert_sets.iter().map(|s| s.as_slice()).collect();
        let one =
            |v: &'static [&'static str]| v.iter().map(std::slice::from_ref).collect::<Vec<_>>();
        let alerts_active = Arc::new(Family::with_values(
            "netpulse_alerts_active",
            "1 while the alert is active at this severity (evaluated when /system/stats is read).",
            &["alert", "severity"],
            &alert_sets,
        ));
        let inner = Inner {
            http: Family::new(
                "netpulse_http_request_duration_seconds",
                "HTTP request duration by matched route and status.",
                &["route", "status"],
                LATENCY_BUCKETS,
            ),
            pool_sessions: gauge(
                "netpulse_pool_sessions",
                "SSH sessions open across all devices.",
            ),
            pool_active: gauge(
                "netpulse_pool_sessions_active",
                "SSH sessions running a command.",
            ),
            pool_idle: gauge("netpulse_pool_sessions_idle", "SSH sessions open and idle."),
            pool_waiters: gauge("netpulse_pool_waiters", "Jobs waiting for a pool session."),
            pool_utilization: gauge(
                "netpulse_pool_utilization",
                "Fraction of the session pool in use (0..1).",
            ),
            pool_resizes: Family::with_values(
                "netpulse_pool_resizes_total",
                "Adaptive pool resizes by direction.",
                &["direction"],
                &one(&RESIZE_DIRECTIONS),
            ),
            connect: Family::new(
                "netpulse_connect_latency_seconds",
                "SSH connect and login time.",
                &[],
                CONNECT_BUCKETS,
            ),
            logins_waiting: gauge(
                "netpulse_ssh_logins_waiting",
                "SSH logins waiting for a slot (connection_pool.max_concurrent_logins) or a turn (connection_pool.login_rate).",
            ),
            logins_in_flight: gauge(
                "netpulse_ssh_logins_in_flight",
                "SSH logins between TCP connect and a session ready for commands.",
            ),
            login_duration: Family::new(
                "netpulse_ssh_login_duration_seconds",
                "SSH login time from TCP connect to a session ready for commands (the CLI's prompt seen), successful or not.",
                &[],
                CONNECT_BUCKETS,
            ),
            cache_lookups: Family::with_values(
                "netpulse_cache_lookups_total",
                "Cache lookups by the level that answered (miss: none did).",
                &["level"],
                &one(&CACHE_LEVELS),
            ),
            cache_hit_rate: gauge(
                "netpulse_cache_hit_rate",
                "Cache hits / lookups over the alert window; NaN while there were none.",
            ),
            queue_depth: gauge("netpulse_queue_depth", "Jobs waiting for a worker."),
            queue_rejections: Family::new(
                "netpulse_queue_rejections_total",
                "Submissions refused with 429 because the queue was full.",
                &[],
                &[],
            ),
            busy_workers: gauge("netpulse_workers_busy", "Workers running a job."),
            jobs: Family::with_values(
                "netpulse_jobs_total",
                "Jobs ended, by final status.",
                &["status"],
                &one(&JOB_OUTCOMES),
            ),
            plugin_calls: Family::new(
                "netpulse_plugin_call_duration_seconds",
                "Plugin call duration by plugin.",
                &["plugin"],
                LATENCY_BUCKETS,
            ),
            plugin_traps: Family::new(
                "netpulse_plugin_traps_total",
                "Plugin calls that trapped (out of memory, deadline, guest panic), by plugin.",
                &["plugin"],
                &[],
            ),
            db_query: Family::new(
                "netpulse_db_query_duration_seconds",
                "Database query duration.",
                &[],
                DB_BUCKETS,
            ),
            config_reloads: Family::with_values(
                "netpulse_config_reloads_total",
                "Config reloads by result (ok, invalid: rejected by validation, error: unreadable).",
                &["result"],
                &one(&RELOAD_RESULTS),
            ),
            http_connections_refused: Family::new(
                "netpulse_http_connections_refused_total",
                "HTTP connections answered 503 and closed because server.max_connections were open.",
                &[],
                &[],
            ),
            webhooks_dropped: Family::new(
                "netpulse_webhooks_dropped_total",
                "Webhook deliveries not attempted because too many were pending.",
                &[],
                &[],
            ),
            monitor: Monitor::new(Arc::clone(&alerts_active), 300),
            alerts_active,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// One HTTP request finished: `route` is the matched path pattern (never the raw URI, so
    /// ids do not explode the label set).
    pub fn http_request(&self, route: &str, status: u16, seconds: f64) {
        let status_text = status.to_string();
        self.inner.http.get(&[route, &status_text]).observe(seconds);
        self.inner.monitor.api(seconds, status);
    }

    /// The pool's session counts, reported whenever they change.
    pub fn pool_sessions(&self, total: u64, active: u64, idle: u64, waiters: u64) {
        let i = &self.inner;
        i.pool_sessions.get(&[]).set(total as f64);
        i.pool_active.get(&[]).set(active as f64);
        i.pool_idle.get(&[]).set(idle as f64);
        i.pool_waiters.get(&[]).set(waiters as f64);
    }

    /// Fraction of the pool in use (0..1); the latest value is what the alert compares.
    pub fn pool_utilization(&self, fraction: f64) {
        self.inner.pool_utilization.get(&[]).set(fraction);
        self.inner.monitor.pool_utilization(fraction);
    }

    /// The adaptive pool grew or shrank (`"grow"` or `"shrink"`).
    pub fn pool_resize(&self, direction: &str) {
        self.inner.pool_resizes.get(&[direction]).inc();
    }

    /// One SSH connect + login took this long.
    pub fn connect_latency(&self, seconds: f64) {
        self.inner.connect.get(&[]).observe(seconds);
    }

    /// The login limiter's counts: logins waiting for it, and logins in flight.
    pub fn ssh_logins(&self, waiting: u64, in_flight: u64) {
        self.inner.logins_waiting.get(&[]).set(waiting as f64);
        self.inner.logins_in_flight.get(&[]).set(in_flight as f64);
    }

    /// One SSH login (TCP connect to a ready session) ended after this long.
    pub fn ssh_login(&self, seconds: f64) {
        self.inner.login_duration.get(&[]).observe(seconds);
    }

    /// A cache lookup answered at `level` (`l1`, `l2`, `l3`) or not at all (`miss`).
    pub fn cache_lookup(&self, level: &str) {
        self.inner.cache_lookups.get(&[level]).inc();
        self.inner.monitor.cache(level != "miss");
    }

    /// The number of jobs waiting for a worker.
    pub fn queue_depth(&self, depth: u64) {
        self.inner.queue_depth.get(&[]).set(depth as f64);
        self.inner.monitor.queue_depth(depth);
    }

    /// A submission was refused because the queue was full. HTTP 429s recorded through
    /// [`Metrics::http_request`] count for the alert already; call this where no HTTP
    /// response is involved, or in addition (the alert only asks whether any happened).
    pub fn queue_rejected(&self) {
        self.inner.queue_rejections.get(&[]).inc();
        self.inner.monitor.queue_rejected();
    }

    /// The number of workers running a job.
    pub fn busy_workers(&self, busy: u64) {
        self.inner.busy_workers.get(&[]).set(busy as f64);
    }

    /// A job ended with this status (`finished`, `failed`, `canceled`).
    pub fn job_outcome(&self, status: &str) {
        self.inner.jobs.get(&[status]).inc();
    }

    /// A connection was refused at `server.max_connections`.
    pub fn http_connection_refused(&self) {
        self.inner.http_connections_refused.get(&[]).inc();
    }

    /// A webhook delivery was dropped because too many were pending.
    pub fn webhook_dropped(&self) {
        self.inner.webhooks_dropped.get(&[]).inc();
    }

    /// One plugin call (parse, profile, plan…) took this long.
    pub fn plugin_call(&self, plugin: &str, seconds: f64) {
        self.inner.plugin_calls.get(&[plugin]).observe(seconds);
    }

    /// A plugin call trapped; the request failed, the host did not.
    pub fn plugin_trap(&self, plugin: &str) {
        self.inner.plugin_traps.get(&[plugin]).inc();
    }

    /// One database query took this long.
    pub fn db_query(&self, seconds: f64) {
        self.inner.db_query.get(&[]).observe(seconds);
        self.inner.monitor.db(seconds);
    }

    /// A config reload ended: `ok`, `invalid` (validation refused it) or `error` (unreadable).
    pub fn config_reload(&self, result: &str) {
        self.inner.config_reloads.get(&[result]).inc();
    }

    /// [`Metrics::config_reload`] as a callback, for the live config to call on each reload.
    pub fn reload_counter(&self) -> std::sync::Arc<dyn Fn(&'static str) + Send + Sync> {
        let metrics = self.clone();
        std::sync::Arc::new(move |result| metrics.config_reload(result))
    }

    /// Sets one alert gauge directly; the [`Monitor`] does this on every evaluation, so
    /// only code with alerts of its own needs it.
    pub fn alerts_active(&self, name: &str, severity: Severity, active: bool) {
        self.inner
            .alerts_active
            .get(&[name, severity.as_str()])
            .set(if active { 1.0 } else { 0.0 });
    }

    /// The alert window, for `GET /system/stats`.
    pub fn monitor(&self) -> &Monitor {
        &self.inner.monitor
    }

    /// Shorthand for `monitor().evaluate(..)`: the active alerts, evaluated now.
    pub fn alerts(&self, thresholds: &Thresholds, window: u64) -> Vec<Alert> {
        self.inner.monitor.evaluate(thresholds, window)
    }

    /// The current reloads count for one result; lets callers (and tests) wait for a reload.
    pub fn config_reloads(&self, result: &str) -> u64 {
        self.inner
            .config_reloads
            .snapshot()
            .into_iter()
            .find(|(values, _)| values.first().is_some_and(|v| v == result))
            .map_or(0, |(_, c)| c.value())
    }

    /// The whole exposition, `text/plain; version=0.0.4`.
    pub fn render(&self) -> String {
        let i = &self.inner;
        let rate = i.monitor.figures(i.monitor.window()).cache_hit_rate;
        i.cache_hit_rate.get(&[]).set(rate.unwrap_or(f64::NAN));
        let mut out = String::with_capacity(16 * 1024);
        i.http.render(&mut out);
        i.pool_sessions.render(&mut out);
        i.pool_active.render(&mut out);
        i.pool_idle.render(&mut out);
        i.pool_waiters.render(&mut out);
        i.pool_utilization.render(&mut out);
        i.pool_resizes.render(&mut out);
        i.connect.render(&mut out);
        i.logins_waiting.render(&mut out);
        i.logins_in_flight.render(&mut out);
        i.login_duration.render(&mut out);
        i.cache_lookups.render(&mut out);
        i.cache_hit_rate.render(&mut out);
        i.queue_depth.render(&mut out);
        i.queue_rejections.render(&mut out);
        i.busy_workers.render(&mut out);
        i.jobs.render(&mut out);
        i.plugin_calls.render(&mut out);
        i.plugin_traps.render(&mut out);
        i.db_query.render(&mut out);
        i.config_reloads.render(&mut out);
        i.http_connections_refused.render(&mut out);
        i.webhooks_dropped.render(&mut out);
        i.alerts_active.render(&mut out);
        out
    }
}

/// The content type `GET /metrics` answers with.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn gauge(name: &'static str, help: &'static str) -> Family<Gauge> {
    Family::new(name, help, &[], &[])
}
