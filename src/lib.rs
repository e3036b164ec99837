//! NetPulse: a network-automation gateway. HTTP requests run CLI commands on routers and
//! switches over SSH, and come back as stored jobs with parsed output.
//!
//! Data flows one way: [`api`] → [`jobs`] → [`cache`] / [`ssh`] / [`plugin`] → [`store`];
//! [`config`], [`metrics`], [`device`] and [`time`] are leaves every module may use; they
//! import no other module (`config` may use `time`). `docs/architecture.md` draws the
//! modules and their arrows, and `tests/architecture.rs` keeps them so.
//!
//! - [`config`]: the tuning file's schema and whole-file validation (design §6).
//! - [`api`]: the axum router, handlers, auth and the one error type (design §4).
//! - [`jobs`]: bounded queue, workers, and running a job on its device.
//! - [`cache`]: the result cache: L1 in-process → L2 Redis → L3 database, credential-scoped keys.
//! - [`ssh`]: russh client: connect, host keys, interactive CLI and exec channel.
//! - [`plugin`]: the wasmtime plugin host: vendor profiles, parsers, strategies, hot swap.
//! - [`store`]: the sqlx pool (SQLite or PostgreSQL), migrations, job rows.
//! - [`gateway`]: start-up wiring shared by `serve`, `demo` and the tests.
//! - [`serve`]: what `serve` and `demo` do: logging, binding, graceful shutdown.
//! - [`client`]: the command-line client (`netpulse exec | bulk | jobs | batch`) over the HTTP
//!   API; it imports nothing of the gateway's internals.
//! - [`metrics`]: Prometheus families, `/metrics`, alert rules, request timing middleware.
//! - [`device`]: a device's address, credentials and CLI profile as plain values, and the
//!   one keyed digest of credentials.
//! - [`time`]: the one stored time format.
//! - [`lab`]: the device lab, a russh server emulating vendor CLIs (test equipment).

#![forbid(unsafe_code)]

pub mod api;
pub mod cache;
pub mod client;
pub mod config;
pub mod device;
pub mod gateway;
pub mod jobs;
pub mod lab;
pub mod metrics;
pub mod plugin;
pub mod serve;
pub mod ssh;
pub mod store;
pub mod time;
