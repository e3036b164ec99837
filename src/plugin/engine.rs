//! The one wasmtime engine: compilation cache, epoch ticker, and the per-instance sandbox.
//!
//! The sandbox, per instance (one store each): one linear memory capped at
//! `plugins.memory_limit_mb`, at most [`MAX_TABLES`] tables of [`MAX_TABLE_ELEMENTS`]
//! entries and [`MAX_CORE_INSTANCES`] core instances; an epoch deadline per call. WASI is
//! linked interface by interface: streams, stdio (stdin empty, stdout dropped, stderr
//! captured), environment (empty), exit, random and the filesystem (no preopened directory
//! unless granted; only the TextFSM plugin is granted `parsing.template_dirs`, read-only).
//! Clocks are linked to [`SandboxClocks`]: `subscribe-duration` and `subscribe-instant` (a
//! host wait the epoch deadline could not interrupt) and the wall clock trap for every
//! plugin. The one clock a world needs is the monotonic `now` of the TextFSM plugin, which
//! times when to look at its template files again: a plugin granted files reads a monotonic
//! clock that starts at zero with its instance (so it learns no absolute time); for any
//! other plugin `now` traps too. A component that imports clocks still loads. No socket is
//! linked at all.

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

/// Core instances per store: a `wasm32-wasip2` component is its module plus the small
/// shim and fix-up modules `wasm-component-ld` adds; more means something else is going on.
pub const MAX_CORE_INSTANCES: usize = 8;

/// Tables per store: the module's function table and the shims' import tables.
pub const MAX_TABLES: usize = 4;

/// Entries per table: far above a large Rust guest's function table (a few thousand), far
/// below what would let `table.grow` spend the memory cap a second time.
pub const MAX_TABLE_ELEMENTS: usize = 1 << 16;

/// The resource table's data, for the WASI io interfaces.
struct IoTable;

impl wasmtime::component::HasData for IoTable {
    type Data<'a> = &'a mut ResourceTable;
}

/// The clocks plugins get (see the module doc): linked in place of WASI's, so components
/// whose standard library imports clocks still instantiate.
pub struct SandboxClocks {
    /// Zero of the monotonic clock, for a plugin granted one; `None` traps every read.
    monotonic_from: Option<std::time::Instant>,
}

const NO_CLOCK: &str = "plugins get no clock (the netpulse:plugin worlds need none)";
const NO_WAIT: &str = "plugins may not wait on a clock: a host wait outlives the call deadline";

impl wasmtime::component::HasData for SandboxClocks {
    type Data<'a> = SandboxClocks;
}

impl wasmtime_wasi::p2::bindings::clocks::wall_clock::Host for SandboxClocks {
    fn now(
        &mut self,
    ) -> wasmtime::Result<wasmtime_wasi::p2::bindings::clocks::wall_clock::Datetime> {
        Err(wasmtime::format_err!(NO_CLOCK))
    }

    fn resolution(
        &mut self,
    ) -> wasmtime::Result<wasmtime_wasi::p2::bindings::clocks::wall_clock::Datetime> {
        Err(wasmtime::format_err!(NO_CLOCK))
    }
}

impl wasmtime_wasi::p2::bindings::clocks::monotonic_clock::Host for SandboxClocks {
    fn now(&mut self) -> wasmtime::Result<u64> {
        let from = self
            .monotonic_from
            .ok_or_else(|| wasmtime::format_err!(NO_CLOCK))?;
        Ok(u64::try_from(from.elapsed().as_nanos()).unwrap_or(u64::MAX))
    }

    fn resolution(&mut self) -> wasmtime::Result<u64> {
        self.monotonic_from
            .map(|_| 1)
            .ok_or_else(|| wasmtime::format_err!(NO_CLOCK))
    }

    fn subscribe_instant(
        &mut self,
        _when: u64,
    ) -> wasmtime::Result<wasmtime::component::Resource<wasmtime_wasi::p2::DynPollable>> {
        Err(wasmtime::format_err!(NO_WAIT))
    }

    fn subscribe_duration(
        &mut self,
        _duration: u64,
    ) -> wasmtime::Result<wasmtime::component::Resource<wasmtime_wasi::p2::DynPollable>> {
        Err(wasmtime::format_err!(NO_WAIT))
    }
}

/// The linker every plugin gets: the WASI interfaces the sandbox offers, no more.
fn sandbox_linker(engine: &Engine) -> wasmtime::Result<Linker<HostState>> {
    use wasmtime_wasi::cli::{WasiCli, WasiCliView};
    use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
    use wasmtime_wasi::p2::bindings::clocks;
    use wasmtime_wasi::p2::bindings::{cli, filesystem, random, sync};
    use wasmtime_wasi::random::{WasiRandom, WasiRandomView};
    let mut linker = Linker::new(engine);
    let l = &mut linker;
    let clocks = |t: &mut HostState| SandboxClocks {
        monotonic_from: t.monotonic_from,
    };
    clocks::wall_clock::add_to_linker::<HostState, SandboxClocks>(l, clocks)?;
    clocks::monotonic_clock::add_to_linker::<HostState, SandboxClocks>(l, clocks)?;
    wasmtime_wasi_io::bindings::wasi::io::error::add_to_linker::<HostState, IoTable>(l, |t| {
        &mut t.table
    })?;
    sync::io::poll::add_to_linker::<HostState, IoTable>(l, |t| &mut t.table)?;
    sync::io::streams::add_to_linker::<HostState, IoTable>(l, |t| &mut t.table)?;
    filesystem::preopens::add_to_linker::<HostState, WasiFilesystem>(l, HostState::filesystem)?;
    sync::filesystem::types::add_to_linker::<HostState, WasiFilesystem>(l, HostState::filesystem)?;
    random::random::add_to_linker::<HostState, WasiRandom>(l, HostState::random)?;
    random::insecure::add_to_linker::<HostState, WasiRandom>(l, HostState::random)?;
    random::insecure_seed::add_to_linker::<HostState, WasiRandom>(l, HostState::random)?;
    cli::exit::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::environment::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::stdin::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::stdout::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::stderr::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::terminal_input::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::terminal_output::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::terminal_stdin::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::terminal_stdout::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::terminal_stderr::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    Ok(linker)
}

/// Per-store state: WASI context, its resource table, memory limits, captured stderr.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// Memory cap enforced by wasmtime on every grow.
    pub limits: StoreLimits,
    /// Guest stderr, logged under the plugin's name after each call.
    pub stderr: MemoryOutputPipe,
    /// Zero of the plugin's monotonic clock, when it is granted one (with files).
    monotonic_from: Option<std::time::Instant>,
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
    /// Linker with the sandbox's WASI interfaces (see the module doc).
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
        let linker = sandbox_linker(&engine).map_err(|e| Error::Engine(e.to_string()))?;
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

    /// A fresh store with the sandbox: `memory_mb` cap, and for the TextFSM plugin
    /// (`grantee`) read-only template directories preopened at `/templates/{i}` and the
    /// monotonic clock that times its rechecks of them.
    pub fn store(
        &self,
        memory_mb: u64,
        template_dirs: &[PathBuf],
        grantee: bool,
    ) -> Store<HostState> {
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
            .memories(1)
            .tables(MAX_TABLES)
            .table_elements(MAX_TABLE_ELEMENTS)
            .instances(MAX_CORE_INSTANCES)
            .build();
        let mut store = Store::new(
            &self.engine,
            HostState {
                wasi: builder.build(),
                table: ResourceTable::new(),
                limits,
                stderr,
                monotonic_from: grantee.then(std::time::Instant::now),
            },
        );
        store.limiter(|state| &mut state.limits);
        store
    }
}
