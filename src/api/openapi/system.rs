//! The shapes of the system routes' answers (`/health`, `/plugins`, `/system/stats`,
//! `/config`), for the OpenAPI document only; written after the types and `json!` builders
//! named on each, as [`super::schema`] explains.

#![allow(dead_code)] // The types are read by the OpenAPI derive, never built.

use std::collections::BTreeMap;

use serde_json::Value;
use utoipa::ToSchema;

/// `GET /health`.
#[derive(ToSchema)]
pub struct Health {
    /// Always `ok` while the process answers.
    #[schema(example = "ok")]
    status: String,
}

/// `GET /plugins`.
#[derive(ToSchema)]
pub struct Plugins {
    /// Loaded plugins, bundled and dropped in.
    plugins: Vec<Plugin>,
    /// Files in the plugin directory that were refused, and why.
    refused: Vec<RefusedPlugin>,
    /// The watched plugin directory.
    directory: String,
}

/// What kind of plugin a component is (the WIT world it implements).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum PluginKind {
    /// Parses CLI text.
    Parser,
    /// Parser plus session profile and command normalisation.
    Vendor,
    /// Bulk wave planner.
    Strategy,
}

// Mirrors plugin::registry::PluginView.
/// A loaded plugin.
#[derive(ToSchema)]
pub struct Plugin {
    name: String,
    version: String,
    kind: PluginKind,
    /// Platforms served.
    platforms: Vec<String>,
    /// Commands parsed.
    parsers: Vec<String>,
    /// `bundled` or the file's path.
    source: String,
    /// sha256 of the component, hex.
    sha256: String,
    /// When it was loaded.
    loaded_at: String,
}

// Mirrors plugin::registry::Refused.
/// A refused plugin file.
#[derive(ToSchema)]
pub struct RefusedPlugin {
    file: String,
    /// sha256 of the refused bytes, hex.
    sha256: String,
    /// Why it was refused.
    reason: String,
    /// When.
    at: String,
}

/// `GET /system/stats`.
#[derive(ToSchema)]
pub struct SystemStats {
    /// Seconds since the gateway started.
    uptime_seconds: f64,
    /// Alerts active now, evaluated against `monitoring.thresholds`.
    alerts: Vec<Alert>,
    /// The monitoring window's figures.
    window: WindowFigures,
    queue: QueueFigures,
    workers: WorkerFigures,
    connection_pool: PoolStats,
    cache: CacheStats,
    plugins: PluginCounts,
}

// Mirrors metrics::alerts::Alert.
/// An active alert.
#[derive(ToSchema)]
pub struct Alert {
    /// The measure, the same as its threshold key.
    name: String,
    /// `warning` or `critical`.
    #[schema(pattern = "^(warning|critical)$")]
    severity: String,
    /// The measured figure.
    value: f64,
    /// The configured threshold.
    threshold: f64,
    /// A sentence naming the figure, the window and the limit.
    message: String,
}

// Mirrors metrics::alerts::Figures.
/// The monitoring window's figures; null where nothing was measured.
#[derive(ToSchema)]
pub struct WindowFigures {
    /// Seconds of history covered.
    window: u64,
    /// Mean API response time, seconds.
    api_response_time: Option<f64>,
    api_requests: u64,
    /// Mean database query time, seconds.
    database_query_time: Option<f64>,
    database_queries: u64,
    cache_hits: u64,
    cache_misses: u64,
    /// hits ÷ (hits + misses).
    cache_hit_rate: Option<f64>,
    /// The latest pool utilisation (0..1).
    connection_pool_utilization: f64,
    /// The latest queue depth.
    worker_queue_size: u64,
    /// Submissions refused because the queue was full.
    queue_rejections: u64,
}

/// The worker queue.
#[derive(ToSchema)]
pub struct QueueFigures {
    /// Jobs waiting for a worker.
    depth: u64,
    /// `worker.queue_size`.
    size: u64,
}

/// The workers.
#[derive(ToSchema)]
pub struct WorkerFigures {
    /// `worker.pool_size`.
    size: u64,
    /// Workers running a job now.
    busy: u64,
}

// Mirrors ssh::pool_stats::Stats.
/// The SSH session pool.
#[derive(ToSchema)]
pub struct PoolStats {
    /// Sessions open (idle + active + connecting).
    total: u64,
    /// Sessions running a command.
    active: u64,
    /// Sessions waiting for work.
    idle: u64,
    /// Requests waiting for a slot.
    waiters: u64,
    /// Devices with at least one session or waiter.
    devices: u64,
    /// `total / connection_pool.max_size`.
    utilization: f64,
    /// Acquire calls since start.
    requests: u64,
    /// Acquires served by an idle session.
    reused: u64,
    /// New connections opened.
    connects: u64,
    /// Idle sessions closed to make room for another device.
    evictions: u64,
    /// Adaptive cap increases.
    grows: u64,
    /// Adaptive cap decreases.
    shrinks: u64,
    /// Total seconds spent waiting for a slot.
    wait_seconds: f64,
}

/// One cache level's reads.
#[derive(ToSchema)]
pub struct CacheLevel {
    hits: u64,
    misses: u64,
}

// Mirrors cache::CacheStats.
/// The cache.
#[derive(ToSchema)]
pub struct CacheStats {
    /// The in-process level.
    l1: CacheLevel,
    /// Redis (all zero while `cache.redis_url` is null).
    l2: CacheLevel,
    /// The database level.
    l3: CacheLevel,
    /// Reads.
    requests: u64,
    /// Reads no level answered.
    misses: u64,
    /// Share of reads some level answered (0 before the first read).
    hit_rate: f64,
    /// L1 entries pushed out by `cache.max_size`.
    evictions: u64,
    /// Entries held in L1 now.
    l1_entries: u64,
    l2_enabled: bool,
    l2_available: bool,
    l2_errors: u64,
    l2_skipped: u64,
    l3_timeouts: u64,
    l3_errors: u64,
}

/// Plugins loaded and refused.
#[derive(ToSchema)]
pub struct PluginCounts {
    loaded: u64,
    refused: u64,
}

// Mirrors config::watch::Live::status.
/// `GET /config`.
#[derive(ToSchema)]
pub struct ConfigStatus {
    /// The config file.
    file: String,
    /// When the config in force was loaded (RFC 3339 UTC).
    #[schema(format = DateTime)]
    loaded_at: String,
    /// The config in force, every key (design §6), secrets replaced by `<redacted>`.
    effective: BTreeMap<String, Value>,
    /// The last reload attempt; null before the first.
    last_reload: Option<ConfigReload>,
    /// Keys changed in the file that take effect only after a restart.
    pending_restart: Vec<String>,
}

/// A reload attempt.
#[derive(ToSchema)]
pub struct ConfigReload {
    /// When it ended (RFC 3339 UTC).
    #[schema(format = DateTime)]
    at: String,
    /// `file`, `signal` or `manual`.
    #[schema(pattern = "^(file|signal|manual)$")]
    trigger: String,
    /// `ok`, `invalid` or `error`.
    #[schema(pattern = "^(ok|invalid|error)$")]
    result: String,
    /// Every problem found, in file order (empty when `ok`).
    errors: Vec<ConfigProblem>,
}

/// One problem of a rejected reload.
#[derive(ToSchema)]
pub struct ConfigProblem {
    /// The key path at fault.
    path: Option<String>,
    /// 1-based line in the file.
    line: Option<u64>,
    /// What is wrong.
    message: String,
}
