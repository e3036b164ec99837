//! The one wasmtime engine: compilation cache, epoch ticker, and the per-instance sandbox
//! (memory cap, empty WASI context unless template directories are granted).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::Error;

/// How often the epoch advances; a call's deadline is counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Bytes of guest stderr kept per instance before the instance is recycled.
pub const STDERR_CAPACITY: usize = 64 * 1024;

/// Per-store state: WASI context, its resource table, memory limits, captured stderr.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// Memory cap enforced by wasmtime on every grow.
    pub limits: StoreLimits,
    /// Guest stderr, logged under the plugin's name after each call.
    pub stderr: MemoryOutputPipe,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// The shared engine and linker. Cheap to clone.
#[derive(Clone)]
pub struct PluginEngine {
    /// The wasmtime engine (compiles and runs every plugin).
    pub engine: Engine,
    /// Linker with WASI 0.2 (capabilities are still empty unless the context grants them).
    pub linker: Arc<Linker<HostState>>,
    /// Call durations and traps per plugin.
    pub metrics: crate::metrics::Metrics,
}

impl PluginEngine {
    /// Builds the engine with epoch interruption and a compiled-artifact cache in `cache_dir`
    /// (keyed by wasm hash, wasmtime version and engine config, by wasmtime itself).
    pub fn new(cache_dir: Option<&Path>, metrics: crate::metrics::Metrics) -> Result<Self, Error> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.wasm_component_model(true);
        if let Some(dir) = cache_dir {
            let mut cache = wasmtime::CacheConfig::new();
            cache.with_directory(dir);
            match wasmtime::Cache::new(cache) {
                Ok(cache) => {
                    config.cache(Some(cache));
                }
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "plugin compile cache disabled")
                }
            }
        }
        let engine = Engine::new(&config).map_err(|e| Error::Engine(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| Error::Engine(e.to_string()))?;
        let ticker = engine.weak();
        std::thread::Builder::new()
            .name("netpulse-epoch".into())
            .spawn(move || {
                // Stops when the engine is dropped.
                while let Some(engine) = ticker.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })
            .map_err(|e| Error::Engine(format!("start the epoch ticker: {e}")))?;
        Ok(Self {
            engine,
            linker: Arc::new(linker),
            metrics,
        })
    }

    /// Compiles a component (or loads it from the cache).
    pub fn compile(&self, bytes: &[u8]) -> Result<Component, String> {
        Component::new(&self.engine, bytes).map_err(|e| format!("{e:#}"))
    }

    /// A fresh store with the sandbox: `memory_mb` cap, and read-only template directories
    /// preopened at `/templates/{i}` when given (the TextFSM plugin's only capability).
    pub fn store(&self, memory_mb: u64, template_dirs: &[PathBuf]) -> Store<HostState> {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        let mut builder = WasiCtxBuilder::new();
        builder.stderr(stderr.clone());
        for (i, dir) in template_dirs.iter().enumerate() {
            if let Err(e) = builder.preopened_dir(
                dir,
                format!("/templates/{i}"),
                wasmtime_wasi::FsPerms::ReadOnly,
            ) {
                tracing::warn!(dir = %dir.display(), error = %e, "template directory not granted to plugins");
            }
        }
        let limits = StoreLimitsBuilder::new()
            .memory_size(
                usize::try_from(memory_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX),
            )
            .trap_on_grow_failure(true)
            .instances(4)
            .build();
        let mut store = Store::new(
            &self.engine,
            HostState {
                wasi: builder.build(),
                table: ResourceTable::new(),
                limits,
                stderr,
            },
        );
        store.limiter(|state| &mut state.limits);
        store
    }
}
