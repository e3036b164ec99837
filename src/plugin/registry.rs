//! The set of loaded plugins: bundled ones plus files from the plugin directory (a file
//! overrides a bundled plugin of the same name or platform). Readers take a snapshot `Arc`;
//! a change builds a new snapshot and swaps it in, so nobody sees half a change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use serde::Serialize;

use super::engine::PluginEngine;
use super::instance::{Kind, Plugin, Source};
use super::{Error, Limits, bundled};

/// A file the watcher refused, and why; shown by `GET /plugins`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Refused {
    /// The file.
    pub file: String,
    /// sha256 of the refused bytes.
    pub sha256: String,
    /// Why it was refused.
    pub reason: String,
    /// When.
    pub at: String,
}

/// One plugin as `GET /plugins` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PluginView {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// World.
    pub kind: Kind,
    /// Platforms served.
    pub platforms: Vec<String>,
    /// Commands parsed.
    pub parsers: Vec<String>,
    /// `bundled` or the file path.
    pub source: String,
    /// sha256 of the component.
    pub sha256: String,
    /// Load time.
    pub loaded_at: String,
}

#[derive(Default)]
struct Sets {
    bundled: BTreeMap<String, Arc<Plugin>>,
    files: BTreeMap<PathBuf, Arc<Plugin>>,
}

/// The effective set at one moment.
#[derive(Default)]
pub struct Snapshot {
    by_name: BTreeMap<String, Arc<Plugin>>,
}

impl Snapshot {
    /// The plugin called `name`.
    pub fn by_name(&self, name: &str) -> Option<&Arc<Plugin>> {
        self.by_name.get(name)
    }

    /// The vendor plugin serving `platform`; a dropped-in file wins over a bundled one.
    pub fn vendor_for(&self, platform: &str) -> Option<&Arc<Plugin>> {
        let serves = |p: &&Arc<Plugin>| {
            p.kind() == Kind::Vendor && p.info.platforms.iter().any(|x| x == platform)
        };
        self.by_name
            .values()
            .filter(serves)
            .find(|p| matches!(p.source, Source::File(_)))
            .or_else(|| self.by_name.values().find(serves))
    }

    /// Every plugin, by name.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Plugin>> {
        self.by_name.values()
    }
}

/// The plugin host: engine, limits and the current set.
pub struct Host {
    engine: PluginEngine,
    limits: Arc<Limits>,
    sets: Mutex<Sets>,
    current: RwLock<Arc<Snapshot>>,
    refused: Mutex<BTreeMap<PathBuf, Refused>>,
    dir: PathBuf,
    /// `plugins.require_sha256`: when set, the only drop-ins that may load (file name →
    /// sha256).
    required: RwLock<Option<BTreeMap<String, String>>>,
}

impl Host {
    /// Builds the engine and loads the bundled plugins. `dir` is the watched directory.
    pub fn new(
        limits: Limits,
        dir: PathBuf,
        cache_dir: Option<&Path>,
        metrics: crate::metrics::Metrics,
    ) -> Result<Self, Error> {
        let engine = PluginEngine::new(cache_dir, metrics)?;
        let limits = Arc::new(limits);
        let mut sets = Sets::default();
        for (crate_dir, bytes) in bundled::BUNDLED {
            let plugin = Plugin::load(&engine, limits.clone(), bytes, Source::Bundled).map_err(
                |message| Error::Bundled {
                    name: (*crate_dir).to_string(),
                    message,
                },
            )?;
            sets.bundled
                .insert(plugin.info.name.clone(), Arc::new(plugin));
        }
        let host = Self {
            engine,
            limits,
            sets: Mutex::new(sets),
            current: RwLock::new(Arc::new(Snapshot::default())),
            refused: Mutex::new(BTreeMap::new()),
            dir,
            required: RwLock::new(None),
        };
        host.publish();
        Ok(host)
    }

    /// The engine (for loading files off the request path).
    pub fn engine(&self) -> &PluginEngine {
        &self.engine
    }

    /// The sandbox limits (live-tunable).
    pub fn limits(&self) -> &Arc<Limits> {
        &self.limits
    }

    /// The watched directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The current set.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Installs or replaces the plugin loaded from `file`.
    pub fn install_file(&self, file: PathBuf, plugin: Plugin) {
        tracing::info!(plugin = %plugin.info.name, version = %plugin.info.version, file = %file.display(), sha256 = %plugin.sha256, "plugin loaded");
        self.lock_refused().remove(&file);
        self.lock_sets().files.insert(file, Arc::new(plugin));
        self.publish();
    }

    /// Removes the plugin loaded from `file` (the bundled one of that name serves again).
    pub fn remove_file(&self, file: &Path) {
        self.lock_refused().remove(file);
        if let Some(old) = self.lock_sets().files.remove(file) {
            tracing::info!(plugin = %old.info.name, file = %file.display(), "plugin removed");
        }
        self.publish();
    }

    /// Records a refused file; the previous version (if any) keeps serving.
    pub fn refuse(&self, file: PathBuf, sha256: String, reason: String) {
        tracing::warn!(file = %file.display(), %reason, "plugin file refused; the previous version keeps serving");
        let entry = Refused {
            file: file.display().to_string(),
            sha256,
            reason,
            at: crate::time::now(),
        };
        self.lock_refused().insert(file, entry);
    }

    /// sha256 of the plugin currently loaded from `file`, or of its last refusal.
    pub fn known_sha(&self, file: &Path) -> Option<String> {
        if let Some(p) = self.lock_sets().files.get(file) {
            return Some(p.sha256.clone());
        }
        self.lock_refused().get(file).map(|r| r.sha256.clone())
    }

    /// Applies `plugins.require_sha256`; true when it changed. Refusals are then forgotten,
    /// so the next rescan judges every file again (and unloads one no longer allowed).
    pub fn set_require_sha256(&self, required: Option<BTreeMap<String, String>>) -> bool {
        let required = required.map(|map| {
            map.into_iter()
                .map(|(file, sha)| (file, sha.to_ascii_lowercase()))
                .collect()
        });
        let mut current = self
            .required
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *current == required {
            return false;
        }
        *current = required;
        drop(current);
        self.lock_refused().clear();
        true
    }

    /// Why `file` (whose bytes hash to `sha256`) may not load under
    /// `plugins.require_sha256`, or `None` when it may.
    pub fn provenance_refusal(&self, file: &Path, sha256: &str) -> Option<String> {
        let required = self
            .required
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let required = required.as_ref()?;
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match required.get(name) {
            None => Some(format!(
                "not listed in plugins.require_sha256 (its sha256 is {sha256})"
            )),
            Some(expected) if expected != sha256 => Some(format!(
                "sha256 {sha256} does not match {expected}, the one plugins.require_sha256 lists for {name}"
            )),
            Some(_) => None,
        }
    }

    /// The last refusal of `file`, if it stands.
    pub fn refusal(&self, file: &Path) -> Option<Refused> {
        self.lock_refused().get(file).cloned()
    }

    /// Files currently loaded.
    pub fn loaded_files(&self) -> Vec<PathBuf> {
        self.lock_sets().files.keys().cloned().collect()
    }

    /// Loaded plugins and refused files, for `GET /plugins`.
    pub fn describe(&self) -> (Vec<PluginView>, Vec<Refused>) {
        let views = self
            .snapshot()
            .all()
            .map(|p| PluginView {
                name: p.info.name.clone(),
                version: p.info.version.clone(),
                kind: p.info.kind,
                platforms: p.info.platforms.clone(),
                parsers: p.info.commands.clone(),
                source: match &p.source {
                    Source::Bundled => "bundled".into(),
                    Source::File(f) => f.display().to_string(),
                },
                sha256: p.sha256.clone(),
                loaded_at: p.loaded_at.clone(),
            })
            .collect();
        (views, self.lock_refused().values().cloned().collect())
    }

    /// Drops every warm instance (after a limits change), so new ones see the new limits.
    pub fn reset_instances(&self) {
        for plugin in self.snapshot().all() {
            plugin.reset_pool();
        }
    }

    fn publish(&self) {
        let sets = self.lock_sets();
        let mut by_name: BTreeMap<String, Arc<Plugin>> = sets.bundled.clone();
        for plugin in sets.files.values() {
            by_name.insert(plugin.info.name.clone(), plugin.clone());
        }
        drop(sets);
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(Snapshot { by_name });
    }

    fn lock_sets(&self) -> std::sync::MutexGuard<'_, Sets> {
        self.sets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_refused(&self) -> std::sync::MutexGuard<'_, BTreeMap<PathBuf, Refused>> {
        self.refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
