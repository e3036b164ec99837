//! The WebAssembly plugin host: vendor knowledge (profiles, parsers) and bulk strategies as
//! sandboxed wasmtime components, hot-swapped from the plugin directory.
//!
//! - [`bindings`]: `bindgen!` output for the three worlds, alone.
//! - [`engine`]: the engine, compile cache, epoch ticker and per-instance sandbox.
//! - [`instance`]: one loaded plugin version and its warm instances.
//! - [`registry`]: the current set (bundled + dropped-in), swapped atomically.
//! - [`watch`]: notify on the plugin directory, debounced, compiled off the request path.
//! - [`calls`]: typed calls (parse, profile, normalize, plan, after-wave). The job runner
//!   reaches them through its own `Profiles`/`Parsers`/`Strategies` traits
//!   (`jobs::vendors`), so the plugin host knows nothing of jobs.
//! - [`conformance`]: running a corpus of device outputs through a parser.

pub mod bindings;
pub mod calls;
pub mod conformance;
pub mod engine;
pub mod instance;
pub mod registry;
pub mod watch;

use std::path::PathBuf;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

pub use instance::{Info, Kind, Plugin, Source};
pub use registry::{Host, PluginView, Refused};

/// Plugin-host failures. Every message names the plugin involved.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine could not be built.
    #[error("plugin engine: {0}")]
    Engine(String),
    /// A bundled plugin failed to load (a build problem, not an operator one).
    #[error("bundled plugin {name}: {message}")]
    Bundled {
        /// The crate directory.
        name: String,
        /// Why.
        message: String,
    },
    /// No plugin of that name or for that platform.
    #[error("{what}; known: {known}")]
    NotFound {
        /// What was looked for.
        what: String,
        /// What exists.
        known: String,
    },
    /// The plugin call failed (trap, deadline, memory cap, bad return).
    #[error("plugin {plugin}: {failure}")]
    Call {
        /// The plugin's name.
        plugin: String,
        /// What happened.
        failure: CallFailure,
    },
    /// The plugin answered with its own declared error.
    #[error("plugin {plugin}: {message}")]
    Declined {
        /// The plugin's name.
        plugin: String,
        /// Its message.
        message: String,
        /// True when the plugin has no parser for the request (another may try).
        unsupported: bool,
    },
}

/// How one call failed; the instance is discarded in every case.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallFailure {
    /// The guest trapped (panic, unreachable, out-of-bounds).
    #[error("trapped: {0}")]
    Trap(String),
    /// The call ran past `plugins.call_timeout_ms`.
    #[error("exceeded the call deadline of {0} ms")]
    Timeout(u64),
    /// The guest tried to grow memory past `plugins.memory_limit_mb`.
    #[error("exceeded the memory limit of {0} MiB")]
    MemoryLimit(u64),
    /// A fresh instance could not be created.
    #[error("cannot instantiate: {0}")]
    Instantiate(String),
    /// The plugin already had this many calls running, and none ended within the deadline.
    #[error("has {0} calls running already (its cap); try again")]
    Busy(usize),
    /// The guest returned something that breaks the contract (invalid JSON, bad plan).
    #[error("returned an invalid result: {0}")]
    Malformed(String),
}

/// Live-tunable sandbox limits (config reload changes them without a restart).
#[derive(Debug)]
pub struct Limits {
    memory_mb: AtomicU64,
    call_timeout_ms: AtomicU64,
    template_dirs: RwLock<Vec<PathBuf>>,
}

impl Limits {
    /// Limits from config values.
    pub fn new(memory_mb: u64, call_timeout_ms: u64, template_dirs: Vec<PathBuf>) -> Self {
        Self {
            memory_mb: AtomicU64::new(memory_mb),
            call_timeout_ms: AtomicU64::new(call_timeout_ms),
            template_dirs: RwLock::new(template_dirs),
        }
    }

    /// Memory cap per instance, MiB.
    pub fn memory_mb(&self) -> u64 {
        self.memory_mb.load(Ordering::Relaxed)
    }

    /// Deadline per call, ms.
    pub fn call_timeout_ms(&self) -> u64 {
        self.call_timeout_ms.load(Ordering::Relaxed)
    }

    /// The deadline in epoch ticks.
    pub fn deadline_ticks(&self) -> u64 {
        instance::ticks_for(self.call_timeout_ms())
    }

    /// Directories granted read-only to plugins.
    pub fn template_dirs(&self) -> Vec<PathBuf> {
        self.template_dirs
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Applies new values; returns true when instances must be rebuilt to see them.
    pub fn update(
        &self,
        memory_mb: u64,
        call_timeout_ms: u64,
        template_dirs: Vec<PathBuf>,
    ) -> bool {
        self.call_timeout_ms
            .store(call_timeout_ms, Ordering::Relaxed);
        let old_memory = self.memory_mb.swap(memory_mb, Ordering::Relaxed);
        let mut dirs = self
            .template_dirs
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let dirs_changed = *dirs != template_dirs;
        *dirs = template_dirs;
        old_memory != memory_mb || dirs_changed
    }
}

/// Lower-case hex sha256, shown by `GET /plugins` and used to skip unchanged files.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The bundled components built by `build.rs`: (crate directory, bytes).
pub mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled_plugins.rs"));
}
