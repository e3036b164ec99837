//! Start-up wiring: config → store → SSH connector → job service → router. Shared by
//! `netpulse serve`, `netpulse demo` and the integration tests, so all three run the same
//! gateway.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use crate::api::{self, AppState};
use crate::cache::{Cache, Settings as CacheSettings};
use crate::config::Config;
use crate::config::watch::Live;
use crate::jobs::{self, Jobs};
use crate::metrics::Metrics;
use crate::plugin::{self, Host, Limits};
use crate::ssh::hostkeys::HostKeys;
use crate::ssh::pool::{Pool, Settings as PoolSettings};
use crate::ssh::{Connector, LoginLimit, LoginSettings};
use crate::store::{self, Store};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The cache could not start.
    #[error(transparent)]
    Cache(#[from] crate::cache::Error),
    /// The plugin host could not start.
    #[error(transparent)]
    Plugin(#[from] plugin::Error),
    /// The plugin directory could not be watched.
    #[error("{0}")]
    Watch(String),
    /// The key sealing queued requests could not be loaded.
    #[error(transparent)]
    Seal(#[from] jobs::seal::Error),
    /// Work left by a previous run could not be recovered.
    #[error("recover work left by the previous run: {0}")]
    Recover(#[from] jobs::Error),
    /// A key in `NETPULSE_API_KEYS` breaks the rule keys in the file meet.
    #[error("{0}")]
    EnvApiKey(String),
    /// No API key and auth not explicitly disabled on loopback.
    #[error(
        "no API key configured: set server.api_keys or NETPULSE_API_KEYS (or, on a loopback listener only, server.insecure_no_auth: true)"
    )]
    NoApiKey,
}

/// A built gateway: the router and the services behind it.
pub struct Gateway {
    /// The HTTP app.
    pub router: Router,
    /// The job service (for shutdown).
    pub jobs: Jobs,
    /// The store (closed at shutdown).
    pub store: Store,
    /// The plugin host.
    pub plugins: Arc<Host>,
    /// Keeps the plugin directory watched while the gateway lives.
    pub plugin_watch: plugin::watch::WatchGuard,
    /// The SSH session pool.
    pub pool: Pool,
    /// The result cache.
    pub cache: Cache,
    /// Background tasks (pool reaper, reload applier, metrics sampler), aborted on drop.
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The live config.
    pub live: Live,
    /// The metrics registry.
    pub metrics: Metrics,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// How often gauges (pool, queue, workers) are sampled for metrics and alerts.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// Applies each published config to the subsystems that tune live: pool bounds and
/// timeouts, login limits, plugin limits and template directories, API keys, and what the
/// job service tunes (allowed targets, cache, workers, webhooks). Thresholds are read at
/// evaluation time, so they need nothing here.
async fn apply_reloads(
    live: Live,
    state: AppState,
    pool: Pool,
    logins: LoginLimit,
    host: Arc<Host>,
    base: PathBuf,
) {
    let mut updates = live.subscribe();
    while updates.changed().await.is_ok() {
        let config = updates.borrow_and_update().clone();
        pool.apply(pool_settings(&config));
        logins.apply(LoginSettings::from(&config.connection_pool));
        let dirs = config
            .parsing
            .template_dirs
            .iter()
            .map(|d| base.join(d))
            .collect();
        if host.limits().update(
            config.plugins.memory_limit_mb,
            config.plugins.call_timeout_ms,
            dirs,
        ) {
            host.reset_instances();
        }
        if host.set_require_sha256(config.plugins.require_sha256.clone()) {
            plugin::watch::rescan(&host).await;
        }
        state.set_api_keys(config.effective_api_keys());
        state.jobs().apply(&config);
        tracing::info!("config reload applied");
    }
}

/// How often idle sessions are reaped and nudged: often enough for second-scale
/// `max_idle_time` and keepalive settings, rare enough to cost nothing.
const REAP_EVERY: Duration = Duration::from_secs(1);

/// Pool bounds from the config: `worker.max_connections` also caps sessions (design §6).
pub fn pool_settings(config: &Config) -> PoolSettings {
    let p = &config.connection_pool;
    PoolSettings {
        max_size: p.max_size.min(config.worker.max_connections).max(1),
        min_size: p.min_size,
        per_device: p.max_connections_per_device.max(1),
        max_idle: Duration::from_secs(p.max_idle_time),
        keepalive: Duration::from_secs(p.keepalive_interval.max(1)),
        acquire_timeout: Duration::from_secs(p.connection_timeout),
        adaptive: p.adaptive.enabled,
        expand_above: p.adaptive.expand_above,
        shrink_below: p.adaptive.shrink_below,
    }
}

/// Builds the plugin host from `config` (bundled plugins loaded, nothing watched yet).
pub fn plugin_host(config: &Config, base: &Path, metrics: Metrics) -> Result<Host, plugin::Error> {
    let template_dirs = config
        .parsing
        .template_dirs
        .iter()
        .map(|d| base.join(d))
        .collect();
    let limits = Limits::new(
        config.plugins.memory_limit_mb,
        config.plugins.call_timeout_ms,
        template_dirs,
    );
    let cache = base.join(&config.plugins.cache_dir);
    tracing::info!(cache = %cache.display(), "loading bundled plugins (the first start compiles them, later starts load the cached artifacts)");
    let host = Host::new(
        limits,
        base.join(&config.plugins.dir),
        Some(&cache),
        metrics,
    )?;
    host.set_require_sha256(config.plugins.require_sha256.clone());
    Ok(host)
}

/// Builds every service from `config` with no config-file watcher (demo, tests). `base` is
/// the directory relative paths resolve against.
pub async fn build(config: Config, base: &Path) -> Result<Gateway, Error> {
    let metrics = Metrics::new();
    let live = Live::new(
        PathBuf::from("(built-in defaults)"),
        config,
        metrics.reload_counter(),
    );
    start(live, metrics, base).await
}

/// Builds every service from a live config: subsystems follow its reloads.
pub async fn start(live: Live, metrics: Metrics, base: &Path) -> Result<Gateway, Error> {
    let config = live.current();
    crate::config::check_env_api_keys().map_err(Error::EnvApiKey)?;
    if config.effective_api_keys().is_empty() && !config.server.insecure_no_auth {
        return Err(Error::NoApiKey);
    }
    let store = Store::connect(&config.database)
        .await?
        .with_metrics(metrics.clone());
    let sealer = jobs::seal::Sealer::load(&base.join(&config.worker.sealing_key_file))?;
    let pool = &config.connection_pool;
    let known_hosts = base.join(&config.ssh.known_hosts);
    // One limiter for the whole process: every login of every job and device test.
    let logins = LoginLimit::new(LoginSettings::from(pool), Some(metrics.clone()));
    let connector = Connector::new(
        HostKeys::new(known_hosts, config.ssh.host_key_policy),
        Duration::from_secs(pool.connection_timeout),
        Some((
            Duration::from_secs(pool.keepalive_interval),
            pool.keepalive_count,
        )),
    )
    .with_logins(logins.clone());
    let host = Arc::new(plugin_host(&config, base, metrics.clone())?);
    let plugin_watch = plugin::watch::watch(host.clone())
        .await
        .map_err(Error::Watch)?;
    let vendors = Arc::new(jobs::PluginVendors::new(host.clone()));
    if let Some(dropped) = crate::cache::retire_database_key(&store).await? {
        tracing::info!(
            dropped,
            "removed the cache credential key from the database (it now derives from the sealing key); cached outputs from before are dropped"
        );
    }
    let cache = Cache::new(
        CacheSettings::from_config(&config.cache),
        store.clone(),
        "netpulse",
        crate::cache::CredentialHasher::from_key(sealer.cache_hmac_key()),
    )
    .await?;
    let pool = Pool::new(pool_settings(&config));
    let reaper = pool.spawn_reaper(REAP_EVERY);
    let rebuild: jobs::Rebuild = {
        let (live, vendors) = (live.clone(), vendors.clone());
        Arc::new(move |text: &str| {
            let request: api::request::ExecutionRequest =
                serde_json::from_str(text).map_err(|e| e.to_string())?;
            let mut spec = request
                .into_spec(&live.current(), &jobs::Parsers::known(&*vendors))
                .map_err(|e| e.to_string())?;
            spec.source = Some(text.to_string());
            Ok(spec)
        })
    };
    let deps = jobs::Deps {
        pool: pool.clone(),
        connector: connector.clone(),
        store: store.clone(),
        profiles: vendors.clone(),
        parsers: vendors.clone(),
        strategies: vendors,
        metrics: metrics.clone(),
        cache: cache.clone(),
        sealer,
        rebuild,
        targets: jobs::targets::AllowedTargets::new(&config.security.allowed_targets),
        max_output_bytes: config.worker.max_output_bytes,
        webhooks: jobs::webhook_target::Deliveries::new(config.clone(), metrics.clone()),
    };
    let jobs = Jobs::start(
        deps,
        config.worker.pool_size,
        config.worker.queue_size,
        metrics.clone(),
    );
    jobs.recover().await?;
    let state = AppState::new(live.clone(), metrics.clone(), jobs.clone(), host.clone());
    let applier = tokio::spawn(apply_reloads(
        live.clone(),
        state.clone(),
        pool.clone(),
        logins,
        host.clone(),
        base.to_path_buf(),
    ));
    let warmer = jobs.spawn_cache_warming(live.clone());
    let sampler = {
        let jobs = jobs.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SAMPLE_EVERY);
            loop {
                tick.tick().await;
                jobs.sample_metrics();
            }
        })
    };
    Ok(Gateway {
        router: api::app(state),
        jobs,
        store,
        plugins: host,
        plugin_watch,
        pool,
        cache,
        tasks: vec![reaper, applier, sampler, warmer],
        live,
        metrics,
    })
}
