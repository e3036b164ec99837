//! One loaded plugin version: its compiled component, what it says it is, and a small pool
//! of warm instances. Every call runs under the epoch deadline and memory cap; an instance
//! that traps is thrown away (it refuses further calls anyway). At most [`MAX_RUNNING`]
//! calls of one plugin run at once. A plugin granted files (the TextFSM engine) makes host
//! calls that block (file reads), which the epoch cannot interrupt: its calls run on their
//! own thread and the caller stops waiting at the deadline ([`Plugin::call_owned`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use wasmtime::component::Component;
use wasmtime::{Store, Trap};

use super::bindings::{parser, strategy, vendor};
use super::engine::{EPOCH_TICK, HostState, PluginEngine, STDERR_CAPACITY};
use super::{CallFailure, Limits};

/// Warm instances kept per plugin version; more concurrent callers create fresh ones.
const MAX_WARM: usize = 8;

/// Calls of one plugin version running at once (each on its own instance): with the warm
/// pool, a plugin holds at most this many plus [`MAX_WARM`] instances, whatever the load,
/// and a plugin whose calls hang in host I/O stops at this many stuck threads.
pub const MAX_RUNNING: usize = 16;

/// How long past the epoch deadline a caller waits for a call that blocks in the host: the
/// epoch trap (a clearer error) gets two ticks to win the race.
const HOST_WAIT_GRACE: Duration = Duration::from_millis(2 * EPOCH_TICK.as_millis() as u64);

/// The name of the one plugin granted `parsing.template_dirs`.
const FILE_GRANTEE: &str = super::calls::TEXTFSM;

/// Counts the calls running, for [`MAX_RUNNING`].
#[derive(Default)]
struct Gate {
    running: Mutex<usize>,
    freed: Condvar,
}

/// One running call; dropping it frees the slot (also when a stuck call's thread ends).
struct Permit(Arc<Gate>);

impl Gate {
    /// A slot, waiting at most `wait` for one.
    fn enter(self: &Arc<Self>, wait: Duration) -> Option<Permit> {
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut running, _) = self
            .freed
            .wait_timeout_while(running, wait, |n| *n >= MAX_RUNNING)
            .unwrap_or_else(PoisonError::into_inner);
        if *running >= MAX_RUNNING {
            return None;
        }
        *running += 1;
        Some(Permit(self.clone()))
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut running = self
            .0
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *running = running.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

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
    /// Whether instances get the template directories (only the TextFSM engine).
    grants_files: bool,
    gate: Arc<Gate>,
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
        // No grant before `info()` has said which plugin this is.
        let mut warm = instantiate(engine, &limits, &component, false)?;
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
        let grants_files = info.name == FILE_GRANTEE;
        Ok(Plugin {
            info,
            source,
            sha256,
            loaded_at: crate::time::now(),
            component,
            engine: engine.clone(),
            limits,
            grants_files,
            gate: Arc::default(),
            // The grantee's first instance was made without its grant: not kept.
            pool: Mutex::new(if grants_files { Vec::new() } else { vec![warm] }),
            normalized: Mutex::new(HashMap::new()),
        })
    }

    /// The plugin's world.
    pub fn kind(&self) -> Kind {
        self.info.kind
    }

    /// Whether this plugin's calls may block in the host (it is granted files), so they
    /// must go through [`Plugin::call_owned`].
    pub fn grants_files(&self) -> bool {
        self.grants_files
    }

    /// Runs `f` on a warm instance under the deadline, on this thread; a failure discards
    /// the instance. For a plugin granted files, [`Plugin::call_owned`] bounds host waits.
    pub fn call<R>(
        &self,
        f: impl FnOnce(&mut Store<HostState>, &Bindings) -> wasmtime::Result<R>,
    ) -> Result<R, CallFailure> {
        let (permit, mut warm) = self.enter()?;
        let started = std::time::Instant::now();
        let result = call_on(&mut warm, &self.limits, f);
        drop(permit);
        self.finish(warm, started, result)
    }

    /// [`Plugin::call`] for a closure that owns its inputs. For a plugin granted files the
    /// call runs on a thread of its own, and the caller waits no longer than the deadline
    /// (plus [`HOST_WAIT_GRACE`]): a host call blocked in a file read cannot hold the caller
    /// past it. The thread, its instance and its [`MAX_RUNNING`] slot are released when the
    /// read returns; the instance is discarded.
    pub fn call_owned<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store<HostState>, &Bindings) -> wasmtime::Result<R> + Send + 'static,
    ) -> Result<R, CallFailure> {
        if !self.grants_files {
            return self.call(f);
        }
        let (permit, mut warm) = self.enter()?;
        let limits = self.limits.clone();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let started = std::time::Instant::now();
        std::thread::Builder::new()
            .name("netpulse-plugin-io".into())
            .spawn(move || {
                let result = call_on(&mut warm, &limits, f);
                drop(permit);
                // The caller may have stopped waiting; then the instance goes with the thread.
                let _ = tx.send((warm, result));
            })
            .map_err(|e| CallFailure::Instantiate(format!("start a call thread: {e}")))?;
        let wait = Duration::from_millis(self.limits.call_timeout_ms()) + HOST_WAIT_GRACE;
        match rx.recv_timeout(wait) {
            Ok((warm, result)) => self.finish(warm, started, result),
            Err(_) => {
                self.engine.metrics.plugin_trap(&self.info.name);
                Err(CallFailure::Timeout(self.limits.call_timeout_ms()))
            }
        }
    }

    /// A slot and an instance for one call.
    fn enter(&self) -> Result<(Permit, Warm), CallFailure> {
        let wait = Duration::from_millis(self.limits.call_timeout_ms());
        let permit = self
            .gate
            .enter(wait)
            .ok_or(CallFailure::Busy(MAX_RUNNING))?;
        let pooled = self
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let warm = match pooled {
            Some(warm) => warm,
            None => instantiate(
                &self.engine,
                &self.limits,
                &self.component,
                self.grants_files,
            )
            .map_err(CallFailure::Instantiate)?,
        };
        Ok((permit, warm))
    }

    /// Records the call and keeps the instance warm if it is still good.
    fn finish<R>(
        &self,
        mut warm: Warm,
        started: std::time::Instant,
        result: Result<R, CallFailure>,
    ) -> Result<R, CallFailure> {
        self.engine
            .metrics
            .plugin_call(&self.info.name, started.elapsed().as_secs_f64());
        if result.is_err() {
            self.engine.metrics.plugin_trap(&self.info.name);
        }
        self.log_stderr(&mut warm);
        if result.is_ok() && warm.stderr_logged < STDERR_CAPACITY / 2 {
            let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
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
    grants_files: bool,
) -> Result<Warm, String> {
    let template_dirs = if grants_files {
        limits.template_dirs()
    } else {
        Vec::new()
    };
    let mut store = engine.store(limits.memory_mb(), &template_dirs, grants_files);
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

#[cfg(test)]
mod gate_tests {
    use super::*;

    #[test]
    fn the_gate_admits_max_running_and_frees_a_slot_on_drop() {
        let gate = Arc::new(Gate::default());
        let held: Vec<Permit> = (0..MAX_RUNNING)
            .map(|_| gate.enter(Duration::ZERO).expect("a free slot"))
            .collect();
        assert!(
            gate.enter(Duration::from_millis(10)).is_none(),
            "one call past the cap"
        );
        drop(held.into_iter().next());
        assert!(
            gate.enter(Duration::ZERO).is_some(),
            "a dropped permit frees its slot"
        );
    }
}
