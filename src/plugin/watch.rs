//! Hot swap: notify on the plugin directory, debounced; each changed `*.wasm` is compiled on
//! a blocking thread (off the request path) and swapped in only if it loads and answers
//! `info()`. Removed files fall back to the bundled plugin of that name.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::instance::{Plugin, Source};
use super::registry::Host;

/// Quiet time after the last event before the directory is rescanned: editors and `cp`
/// write in several steps, and a half-written file must not be compiled.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Whether `path` is a plugin drop-in (`*.wasm`, not a dotfile or editor temp file).
pub fn is_plugin_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    !name.starts_with('.') && name.ends_with(".wasm")
}

/// Scans the directory once and applies every difference. Returns (loaded, refused).
pub async fn rescan(host: &Arc<Host>) -> (usize, usize) {
    let dir = host.dir().to_path_buf();
    let mut present = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if is_plugin_file(&path) && path.is_file() {
                present.push(path);
            }
        }
    }
    present.sort();
    for loaded in host.loaded_files() {
        if !present.contains(&loaded) {
            host.remove_file(&loaded);
        }
    }
    let (mut loaded, mut refused) = (0, 0);
    for path in present {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                host.refuse(path.clone(), String::new(), format!("cannot read: {e}"));
                refused += 1;
                continue;
            }
        };
        let sha = super::sha256_hex(&bytes);
        // Provenance first: a file loaded before `plugins.require_sha256` changed must not
        // keep serving because its bytes did not change.
        if let Some(reason) = host.provenance_refusal(&path, &sha) {
            if host
                .refusal(&path)
                .is_some_and(|r| r.sha256 == sha && r.reason == reason)
            {
                continue;
            }
            if host.loaded_files().contains(&path) {
                host.remove_file(&path);
            }
            host.refuse(path, sha, reason);
            refused += 1;
            continue;
        }
        if host.known_sha(&path).as_deref() == Some(sha.as_str()) {
            continue;
        }
        let engine = host.engine().clone();
        let limits = host.limits().clone();
        let source = Source::File(path.clone());
        let result =
            tokio::task::spawn_blocking(move || Plugin::load(&engine, limits, &bytes, source))
                .await;
        match result {
            Ok(Ok(plugin)) => {
                host.install_file(path, plugin);
                loaded += 1;
            }
            Ok(Err(reason)) => {
                host.refuse(path, sha, reason);
                refused += 1;
            }
            Err(e) => {
                host.refuse(path, sha, format!("loader panicked: {e}"));
                refused += 1;
            }
        }
    }
    (loaded, refused)
}

/// Watches the plugin directory until the returned guard is dropped. The first scan runs
/// before this returns, so drop-ins present at start serve from the first request.
pub async fn watch(host: Arc<Host>) -> Result<WatchGuard, String> {
    let dir = host.dir().to_path_buf();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return Err(format!("create plugin directory {}: {e}", dir.display()));
    }
    rescan(&host).await;
    let (tx, mut rx) = mpsc::channel::<()>(64);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && event.paths.iter().any(|p| is_plugin_file(p))
        {
            let _ = tx.try_send(());
        }
    })
    .map_err(|e| format!("watch {}: {e}", dir.display()))?;
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(|e| format!("watch {}: {e}", dir.display()))?;
    let task = tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Debounce: wait until events stop for DEBOUNCE.
            while let Ok(Some(())) = tokio::time::timeout(DEBOUNCE, rx.recv()).await {}
            let (loaded, refused) = rescan(&host).await;
            tracing::debug!(loaded, refused, "plugin directory rescanned");
        }
    });
    Ok(WatchGuard {
        _watcher: watcher,
        task,
        dir,
    })
}

/// Keeps the watcher alive; dropping it stops watching.
pub struct WatchGuard {
    _watcher: notify::RecommendedWatcher,
    task: tokio::task::JoinHandle<()>,
    dir: PathBuf,
}

impl WatchGuard {
    /// The watched directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.task.abort();
    }
}
