//! The HTTP API (design §4): router, shared state, auth, and the error type.
//!
//! `app(state)` builds the whole router so tests drive it with `oneshot` and no socket.
//!
//! - [`error`]: `ApiError` and its one `status_code()` match.
//! - [`json`]: the JSON extractor answering in the API's error shape.
//! - [`auth`]: API keys (compared in constant time) and their roles per route and request.
//! - [`ratelimit`]: `security.rate_limit` token buckets per key and per device.
//! - [`request`]: `ExecutionRequest` and its validation.
//! - [`checks`]: field bounds, and commands and hosts as single tokens.
//! - [`bulk`]: the bulk body: shared request, per-device overrides, strategy.
//! - [`inventory`]: naming a device by its inventory entry instead of connection_args.
//! - [`handlers`]: one function per route.
//! - [`openapi`]: `GET /openapi.json` and `GET /docs`, the API described from its types.
//! - [`query`]: the query-string extractor answering in the API's error shape.

pub mod auth;
pub mod bulk;
pub mod checks;
pub mod error;
pub mod handlers;
pub mod inventory;
pub mod json;
pub mod openapi;
pub mod query;
pub mod ratelimit;
pub mod request;
pub mod server;

use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::config::Config;
use crate::config::watch::Live;
use crate::jobs::Jobs;
use crate::metrics::Metrics;
use crate::plugin::Host;

pub use error::ApiError;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<StateInner>,
}

struct StateInner {
    jobs: Jobs,
    plugins: Arc<Host>,
    live: Live,
    metrics: Metrics,
    api_keys: RwLock<Arc<auth::Keys>>,
    rate_limits: ratelimit::RateLimits,
    started: Instant,
}

impl AppState {
    /// Builds the state; API keys come from the config and `NETPULSE_API_KEYS`.
    pub fn new(live: Live, metrics: Metrics, jobs: Jobs, plugins: Arc<Host>) -> Self {
        let keys = Arc::new(auth::Keys::new(&live.current().effective_api_keys()));
        Self {
            inner: Arc::new(StateInner {
                jobs,
                plugins,
                live,
                metrics,
                api_keys: RwLock::new(keys),
                rate_limits: ratelimit::RateLimits::default(),
                started: Instant::now(),
            }),
        }
    }

    /// The job service.
    pub fn jobs(&self) -> &Jobs {
        &self.inner.jobs
    }

    /// The plugin host.
    pub fn plugins(&self) -> &Arc<Host> {
        &self.inner.plugins
    }

    /// The config in force (follows live reloads).
    pub fn config(&self) -> Arc<Config> {
        self.inner.live.current()
    }

    /// The live config and its reload status.
    pub fn live(&self) -> &Live {
        &self.inner.live
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Replaces the accepted API keys (config reload).
    pub fn set_api_keys(&self, keys: Vec<crate::config::ApiKey>) {
        *self
            .inner
            .api_keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(auth::Keys::new(&keys));
    }

    /// Accepted API keys, with their names and roles.
    pub fn api_keys(&self) -> Arc<auth::Keys> {
        self.inner
            .api_keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The rate limiters (`security.rate_limit`).
    pub fn rate_limits(&self) -> &ratelimit::RateLimits {
        &self.inner.rate_limits
    }

    /// Whether requests without a key are let through (loopback development only).
    pub fn insecure_no_auth(&self) -> bool {
        self.config().server.insecure_no_auth
    }

    /// Seconds since the gateway started.
    pub fn uptime(&self) -> f64 {
        self.inner.started.elapsed().as_secs_f64()
    }
}

/// The whole router: `/health`, `/openapi.json` and `/docs` open, everything else behind the
/// API key and the role each route needs ([`auth::route_role`], design §10).
pub fn app(state: AppState) -> Router {
    let body_limit = state.config().server.body_limit;
    let protected = Router::new()
        .route("/device/exec", post(handlers::exec))
        .route("/device/test", post(handlers::test_device))
        .route("/device/bulk", post(handlers::bulk))
        .route("/batches/{id}", get(handlers::get_batch))
        .route("/batches/{id}/resume", post(handlers::resume_batch))
        .route("/jobs", get(handlers::list_jobs))
        .route(
            "/jobs/{id}",
            get(handlers::get_job).delete(handlers::cancel_job),
        )
        .route("/template/parse", post(handlers::template_parse))
        .route("/plugins", get(handlers::list_plugins))
        .route("/system/stats", get(handlers::system_stats))
        .route("/metrics", get(handlers::metrics))
        .route("/config", get(handlers::config))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_key,
        ));
    let metrics = state.metrics().clone();
    Router::new()
        .route("/health", get(handlers::health))
        .merge(openapi::routes())
        .merge(protected)
        .fallback(handlers::not_found)
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::http::track,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::Extension(json::BodyLimit(body_limit)))
        .with_state(state)
}
