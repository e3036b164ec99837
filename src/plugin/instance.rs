//! One loaded plugin version: its compiled component, what it says it is, and a small pool
//! of warm instances. Every call runs under the epoch deadline and memory cap; an instance
//! that traps is thrown away (it refuses further calls anyway).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use wasmtime::component::Component;
use wasmtime::{Store, Trap};

use super::bindings::{parser, strategy, vendor};
use super::engine::{EPOCH_TICK, HostState, PluginEngine, STDERR_CAPACITY};
use super::{CallFailure, Limits};

/// Warm instances kept per plugin version; more concurrent callers create fresh ones.
const MAX_WARM: usize = 8;

/// The world a component implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Parses CLI text.
    Parser,
    /// Parser plus session profile and command normalisation.
    Vendor,
    /// Bulk wave planner.
    Strategy,
}

/// Where a plugin came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Compiled into the binary.
    Bundled,
    /// A `.wasm` file in the watched plugin directory.
    File(PathBuf),
}

/// What the plugin says about itself (`info()`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Info {
    /// Unique name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Its world.
    pub kind: Kind,
    /// Platforms served.
    pub platforms: Vec<String>,
    /// Commands parsed.
    pub commands: Vec<String>,
}

/// The generated bindings of one instance, by world.
pub enum Bindings {
    /// A parser instance.
    Parser(parser::Parser),
    /// A vendor instance.
    Vendor(vendor::Vendor),
    /// A strategy instance.
    Strategy(strategy::Strategy),
}

/// A live instance and its store.
pub struct Warm {
    store: Store<HostState>,
    bindings: Bindings,
    stderr_logged: usize,
}

/// A loaded plugin version. In-flight calls hold an `Arc` to it, so a hot swap never cuts
/// them short: they finish on the version they started on.
pub struct Plugin {
    /// Self-description.
    pub info: Info,
    /// Origin.
    pub source: Source,
    /// sha256 of the component bytes.
    pub sha256: String,
    /// RFC 3339 load time.
    pub loaded_at: String,
    component: Component,
    engine: PluginEngine,
    limits: Arc<Limits>,
    pool: Mutex<Vec<Warm>>,
    /// `normalize-command` answers of this load (see [`Plugin::remember_normalized`]).
    normalized: Mutex<HashMap<String, String>>,
}

/// Normalized commands remembered per plugin load before the memo starts over.
const NORMALIZED_MEMO: usize = 4096;

impl Plugin {
    /// Compiles and validates a component: it must instantiate as one of the three worlds and
    /// answer `info()` with the matching kind. The error says what is wrong.
    pub fn load(
        engine: &PluginEngine,
        limits: Arc<Limits>,
        bytes: &[u8],
        source: Source,
    ) -> Result<Plugin, String> {
        let sha256 = super::sha256_hex(bytes);
        let component = engine
            .compile(bytes)
            .map_err(|e| format!("does not compile as a component: {e}"))?;
        let mut warm = instantiate(engine, &limits, &component)?;
        let info = call_on(&mut warm, &limits, |store, bindings| match bindings {
            Bindings::Parser(b) => b
                .call_info(store)
                .map(|i| convert_info(i.name, i.version, i.kind as u8, i.platforms, i.commands)),
            Bindings::Vendor(b) => b
                .call_info(store)
                .map(|i| convert_info(i.name, i.version, i.kind as u8, i.platforms, i.commands)),
            Bindings::Strategy(b) => b
                .call_info(store)
                .map(|i| convert_info(i.name, i.version, i.kind as u8, i.platforms, i.commands)),
        })
        .map_err(|e| format!("info() failed: {e}"))?;
        let world = match warm.bindings {
            Bindings::Parser(_) => Kind::Parser,
            Bindings::Vendor(_) => Kind::Vendor,
            Bindings::Strategy(_) => Kind::Strategy,
        };
        if info.kind != world {
            return Err(format!(
                "info() says kind {:?} but the component exports the {:?} world",
                info.kind, world
            ));
        }
        if info.name.trim().is_empty() {
            return Err("info() returned an empty name".into());
        }
        Ok(Plugin {
            info,
            source,
            sha256,
            loaded_at: crate::jobs::model::now(),
            component,
            engine: engine.clone(),
            limits,
            pool: Mutex::new(vec![warm]),
            normalized: Mutex::new(HashMap::new()),
        })
    }

    /// The plugin's world.
    pub fn kind(&self) -> Kind {
        self.info.kind
    }

    /// Runs `f` on a warm instance under the deadline; a failure discards the instance.
    pub fn call<R>(
        &self,
        f: impl FnOnce(&mut Store<HostState>, &Bindings) -> wasmtime::Result<R>,
    ) -> Result<R, CallFailure> {
        let pooled = self
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        let mut warm = match pooled {
            Some(warm) => warm,
            None => instantiate(&self.engine, &self.limits, &self.component)
                .map_err(CallFailure::Instantiate)?,
        };
        let started = std::time::Instant::now();
        let result = call_on(&mut warm, &self.limits, f);
        self.engine
            .metrics
            .plugin_call(&self.info.name, started.elapsed().as_secs_f64());
        if result.is_err() {
            self.engine.metrics.plugin_trap(&self.info.name);
        }
        self.log_stderr(&mut warm);
        if result.is_ok() && warm.stderr_logged < STDERR_CAPACITY / 2 {
            let mut pool = self
                .pool
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if pool.len() < MAX_WARM {
                pool.push(warm);
            }
        }
        result
    }

    /// `normalize-command` is a pure function of its input (a sandboxed guest sees no host
    /// state), and every cached exec asks it: remembering its answers spares each cache hit
    /// a call into Wasm. A reload builds a new `Plugin`, so an edited plugin is asked anew.
    /// `key` holds platform and command.
    pub fn remember_normalized<E>(
        &self,
        key: &str,
        compute: impl FnOnce() -> Result<String, E>,
    ) -> Result<String, E> {
        let memo = || {
            self.normalized
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(known) = memo().get(key) {
            return Ok(known.clone());
        }
        let answer = compute()?;
        let mut memo = memo();
        if memo.len() >= NORMALIZED_MEMO {
            memo.clear();
        }
        memo.insert(key.to_string(), answer.clone());
        Ok(answer)
    }

    /// Drops warm instances, so the next call builds one with the current limits.
    pub fn reset_pool(&self) {
        self.pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    fn log_stderr(&self, warm: &mut Warm) {
        let contents = warm.store.data().stderr.contents();
        if contents.len() > warm.stderr_logged {
            let new = String::from_utf8_lossy(&contents[warm.stderr_logged..]);
            for line in new.lines().filter(|l| !l.trim().is_empty()) {
                tracing::info!(target: "netpulse::plugin::guest", plugin = %self.info.name, "{line}");
            }
            warm.stderr_logged = contents.len();
        }
    }
}

fn convert_info(
    name: String,
    version: String,
    kind: u8,
    platforms: Vec<String>,
    commands: Vec<String>,
) -> Info {
    // The three generated `plugin-kind` enums share the WIT order: parser, vendor, strategy.
    let kind = match kind {
        0 => Kind::Parser,
        1 => Kind::Vendor,
        _ => Kind::Strategy,
    };
    Info {
        name,
        version,
        kind,
        platforms,
        commands,
    }
}

/// Instantiates the component as the richest world it satisfies: vendor, parser, strategy.
fn instantiate(
    engine: &PluginEngine,
    limits: &Limits,
    component: &Component,
) -> Result<Warm, String> {
    let template_dirs = limits.template_dirs();
    let mut store = engine.store(limits.memory_mb(), &template_dirs);
    let linker = &engine.linker;
    store.set_epoch_deadline(limits.deadline_ticks());
    let bindings = match vendor::Vendor::instantiate(&mut store, component, linker) {
        Ok(b) => Bindings::Vendor(b),
        Err(vendor_err) => match parser::Parser::instantiate(&mut store, component, linker) {
            Ok(b) => Bindings::Parser(b),
            Err(_) => match strategy::Strategy::instantiate(&mut store, component, linker) {
                Ok(b) => Bindings::Strategy(b),
                Err(_) => {
                    return Err(format!(
                        "exports none of the netpulse:plugin worlds (parser, vendor, strategy): {vendor_err:#}"
                    ));
                }
            },
        },
    };
    Ok(Warm {
        store,
        bindings,
        stderr_logged: 0,
    })
}

fn call_on<R>(
    warm: &mut Warm,
    limits: &Limits,
    f: impl FnOnce(&mut Store<HostState>, &Bindings) -> wasmtime::Result<R>,
) -> Result<R, CallFailure> {
    // Re-arm the deadline before every call: the epoch keeps advancing between calls.
    warm.store.set_epoch_deadline(limits.deadline_ticks());
    warm.store.epoch_deadline_trap();
    f(&mut warm.store, &warm.bindings).map_err(|e| classify(e, limits))
}

/// Trap vs limit: a memory-limit hit surfaces as an error whose root cause names the failed
/// grow, not as a `Trap`, so classify by the whole chain.
fn classify(e: wasmtime::Error, limits: &Limits) -> CallFailure {
    if let Some(trap) = e.downcast_ref::<Trap>() {
        if *trap == Trap::Interrupt {
            return CallFailure::Timeout(limits.call_timeout_ms());
        }
        return CallFailure::Trap(format!("{trap}"));
    }
    let chain = format!("{e:#}");
    if chain.contains("memory")
        && (chain.contains("grow") || chain.contains("limit") || chain.contains("exceed"))
    {
        return CallFailure::MemoryLimit(limits.memory_mb());
    }
    CallFailure::Trap(chain)
}

/// Ticks of [`EPOCH_TICK`] in `ms`, at least one.
pub fn ticks_for(ms: u64) -> u64 {
    (ms / EPOCH_TICK.as_millis().max(1) as u64).max(1) + 1
}
