//! Live config: the file is watched, and each valid edit is published whole as a new
//! `Arc<Config>` that subsystems pick up from a `tokio::sync::watch` channel (design §6).
//!
//! Stages, as in Vector: watch (notify on the **directory**, since editors save by writing
//! a temp file and renaming it over the original, which replaces the inode a file watch
//! would be on) → debounce (one reload per burst of events) → load + validate the whole
//! file → diff against the config the process started with → publish. An invalid file
//! changes nothing; its errors stay visible in [`Live::status`] until a valid one replaces
//! it. Keys that need a restart ([`super::RESTART_KEYS`]) keep their running values in the
//! published config and are reported as pending, so nothing is half-applied.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher};
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::{Config, Problem};

/// Quiet time after the last file event before reloading: long enough to cover an editor's
/// write + rename + chmod burst, short enough that an edit applies in well under 500 ms.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// The longest a reload waits for quiet: something rewriting the file continuously must not
/// postpone reloads for ever.
pub const MAX_DEBOUNCE: Duration = Duration::from_secs(1);

/// File events buffered between notify's thread and the debouncer; one is enough to trigger
/// a reload, so a full buffer loses nothing.
const EVENT_BUFFER: usize = 64;

/// Why the watcher could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The OS refused a watch on the config's directory (missing directory, inotify limit).
    #[error("watch config directory {dir}: {source}")]
    Watch {
        /// The directory.
        dir: PathBuf,
        /// notify's error.
        source: notify::Error,
    },
    /// SIGHUP could not be subscribed to.
    #[error("listen for SIGHUP: {0}")]
    Signal(std::io::Error),
}

/// What asked for a reload; shown in `last_reload` so an operator can tell a SIGHUP from an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// The file changed on disk.
    File,
    /// SIGHUP.
    Signal,
    /// [`Live::reload`] called by code (tests, an admin endpoint).
    Manual,
}

/// What a reload came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Valid: published (restart-only keys excepted).
    Ok,
    /// Read, but rejected by the YAML parser or validation; the old config stays.
    Invalid,
    /// Not readable (deleted, permissions); the old config stays.
    Error,
}

impl Outcome {
    /// The `result` label of `netpulse_config_reloads_total`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Invalid => "invalid",
            Self::Error => "error",
        }
    }
}

/// The last reload attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reload {
    /// When it ended.
    pub at: DateTime<Utc>,
    /// What started it.
    pub trigger: Trigger,
    /// `ok`, `invalid` or `error`.
    pub result: Outcome,
    /// Every problem found (empty when `ok`), in file order.
    pub errors: Vec<Problem>,
}

/// The running config and its reload history, shared by every subsystem. Cheap to clone.
#[derive(Clone)]
pub struct Live {
    shared: Arc<Shared>,
}

/// Called with each reload's result (`ok`, `invalid`, `error`). A plain callback, so the
/// config module needs nothing of whoever counts them.
pub type OnReload = Arc<dyn Fn(&'static str) + Send + Sync>;

struct Shared {
    /// The file, as given on the command line (relative paths stay relative for display).
    path: PathBuf,
    /// The config the process started with: restart-only keys are compared with it, so
    /// reverting an edit clears the pending restart.
    started: Arc<Config>,
    /// Publishes each applied config; subscribers see the latest, never a half-applied one.
    tx: watch::Sender<Arc<Config>>,
    /// What `GET /config` reports besides the config itself.
    status: Mutex<Status>,
    /// Told each reload's result (`ok`, `invalid`, `error`): the gateway counts them.
    on_reload: OnReload,
    /// One reload at a time, so a SIGHUP during a file reload cannot publish out of order.
    reloading: tokio::sync::Mutex<()>,
}

struct Status {
    /// When the effective config was last loaded successfully.
    loaded_at: DateTime<Utc>,
    last_reload: Option<Reload>,
    pending_restart: Vec<&'static str>,
    /// Hash of the text last read; a file event that leaves the text unchanged (touch,
    /// chmod, an editor's extra write) is not a reload.
    last_text: Option<u64>,
}

impl Live {
    /// A live config without a watcher, for `demo`'s embedded defaults and for tests;
    /// [`Live::reload`] still works. `initial` is the config the process starts with.
    pub fn new(path: PathBuf, initial: Config, on_reload: OnReload) -> Self {
        let started = Arc::new(initial);
        let (tx, _) = watch::channel(Arc::clone(&started));
        Self {
            shared: Arc::new(Shared {
                path,
                started,
                tx,
                status: Mutex::new(Status {
                    loaded_at: Utc::now(),
                    last_reload: None,
                    pending_restart: Vec::new(),
                    last_text: None,
                }),
                on_reload,
                reloading: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The config in force now.
    pub fn current(&self) -> Arc<Config> {
        Arc::clone(&self.shared.tx.borrow())
    }

    /// A receiver that wakes on every applied reload; each subsystem applies its part from it.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Config>> {
        self.shared.tx.subscribe()
    }

    /// The file being watched.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Keys changed on disk that only a restart applies.
    pub fn pending_restart(&self) -> Vec<&'static str> {
        self.lock().pending_restart.clone()
    }

    /// The last reload attempt, if any.
    pub fn last_reload(&self) -> Option<Reload> {
        self.lock().last_reload.clone()
    }

    /// The body of `GET /config`: `{file, loaded_at, effective, last_reload, pending_restart}`,
    /// with secrets redacted.
    pub fn status(&self) -> serde_json::Value {
        let effective = self.current().redacted();
        let status = self.lock();
        serde_json::json!({
            "file": self.shared.path.display().to_string(),
            "loaded_at": crate::time::format(status.loaded_at),
            "effective": effective,
            "last_reload": status.last_reload.as_ref().map(|r| serde_json::json!({
                "at": crate::time::format(r.at),
                "trigger": r.trigger,
                "result": r.result,
                "errors": r.errors,
            })),
            "pending_restart": status.pending_restart,
        })
    }

    /// Reloads now, even if the text is unchanged (what SIGHUP does).
    pub async fn reload(&self) -> Reload {
        self.reload_as(Trigger::Manual).await
    }

    async fn reload_as(&self, trigger: Trigger) -> Reload {
        let _one_at_a_time = self.shared.reloading.lock().await;
        let read = self.read().await;
        self.apply(trigger, read)
    }

    /// What a file event does: nothing when the text is what was last read (touch, chmod,
    /// an editor's second write of the same bytes).
    async fn reload_if_changed(&self) -> Option<Reload> {
        let _one_at_a_time = self.shared.reloading.lock().await;
        let read = self.read().await;
        if let Ok((_, hash)) = &read
            && self.lock().last_text == Some(*hash)
        {
            tracing::trace!(file = %self.shared.path.display(), "config file event without a change");
            return None;
        }
        Some(self.apply(Trigger::File, read))
    }

    /// The file's text and its hash.
    async fn read(&self) -> std::io::Result<(String, u64)> {
        let text = tokio::fs::read_to_string(&self.shared.path).await?;
        let mut h = DefaultHasher::new();
        text.hash(&mut h);
        Ok((text, h.finish()))
    }

    /// Validates what was read and publishes it, or records why not.
    fn apply(&self, trigger: Trigger, read: std::io::Result<(String, u64)>) -> Reload {
        let path = &self.shared.path;
        let (text, hash) = match read {
            Ok(read) => read,
            Err(e) => {
                tracing::warn!(
                    file = %path.display(), ?trigger, error = %e,
                    "config reload failed, keeping the running config"
                );
                let problem = Problem {
                    path: None,
                    line: None,
                    message: format!("read config {}: {e}", path.display()),
                };
                let mut status = self.lock();
                status.last_text = None;
                return self.finish(&mut status, trigger, Outcome::Error, vec![problem]);
            }
        };
        let parsed = super::from_str(&text, path);
        let mut status = self.lock();
        status.last_text = Some(hash);
        match parsed {
            Ok(next) => {
                let started = &self.shared.started;
                let pending = started.restart_needed(&next);
                let mut effective = next;
                // Restart-only keys keep the values the process runs with: publishing the new
                // ones would tell subsystems something that is not true until a restart.
                effective.server.listen.clone_from(&started.server.listen);
                effective.database.url.clone_from(&started.database.url);
                status.loaded_at = Utc::now();
                status.pending_restart.clone_from(&pending);
                let reload = self.finish(&mut status, trigger, Outcome::Ok, Vec::new());
                drop(status);
                let effective = Arc::new(effective);
                let changed = self.shared.tx.send_if_modified(|current| {
                    if **current == *effective {
                        false
                    } else {
                        *current = Arc::clone(&effective);
                        true
                    }
                });
                tracing::info!(
                    file = %path.display(), ?trigger, changed, pending_restart = ?pending,
                    "config reloaded"
                );
                reload
            }
            Err(e) => {
                let problems = problems(&e);
                tracing::warn!(
                    file = %path.display(), ?trigger, error = %e,
                    "config reload rejected, keeping the running config"
                );
                self.finish(&mut status, trigger, Outcome::Invalid, problems)
            }
        }
    }

    fn finish(
        &self,
        status: &mut Status,
        trigger: Trigger,
        result: Outcome,
        errors: Vec<Problem>,
    ) -> Reload {
        let reload = Reload {
            at: Utc::now(),
            trigger,
            result,
            errors,
        };
        status.last_reload = Some(reload.clone());
        (self.shared.on_reload)(result.as_str());
        reload
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Status> {
        // Status fields are replaced whole under the lock, so a poisoned one is consistent.
        self.shared
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Keeps the watcher and its tasks alive; dropping it stops watching (the [`Live`] keeps
/// serving the last config).
pub struct WatchGuard {
    _watcher: notify::RecommendedWatcher,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts watching `path` (and reloading on SIGHUP); `initial` is the config the process
/// was started with, already loaded from `path`. Must run inside a tokio runtime.
pub async fn watch(
    path: PathBuf,
    initial: Config,
    on_reload: OnReload,
) -> Result<(Live, WatchGuard), Error> {
    let live = Live::new(path.clone(), initial, on_reload);
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(ToOwned::to_owned);
    let (tx, rx) = mpsc::channel::<()>(EVENT_BUFFER);
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(event) => {
                let ours = event
                    .paths
                    .iter()
                    .any(|p| p.file_name().is_some() && p.file_name() == name.as_deref());
                if ours && changes_content(&event.kind) {
                    // Full means a reload is already due; dropping this event loses nothing.
                    let _ = tx.try_send(());
                }
            }
            Err(e) => tracing::warn!(error = %e, "config watch error"),
        })
        .map_err(|source| Error::Watch {
            dir: dir.clone(),
            source,
        })?;
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(|source| Error::Watch {
            dir: dir.clone(),
            source,
        })?;
    let mut tasks = vec![tokio::spawn(debounce(live.clone(), rx))];
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangup = signal(SignalKind::hangup()).map_err(Error::Signal)?;
        let live = live.clone();
        tasks.push(tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                tracing::info!(file = %live.path().display(), "SIGHUP: reloading config");
                live.reload_as(Trigger::Signal).await;
            }
        }));
    }
    tracing::info!(file = %path.display(), dir = %dir.display(), "watching config");
    Ok((
        live,
        WatchGuard {
            _watcher: watcher,
            tasks,
        },
    ))
}

/// Whether an event can mean new content. notify also reports opens and reads (our own
/// reload reads the file), which must not trigger another reload.
fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Create(_)
        | EventKind::Modify(_)
        | EventKind::Remove(_)
        | EventKind::Any
        | EventKind::Other => true,
    }
}

/// Waits for a burst of events to go quiet for [`DEBOUNCE`] (at most [`MAX_DEBOUNCE`]), then
/// reloads once.
async fn debounce(live: Live, mut events: mpsc::Receiver<()>) {
    while events.recv().await.is_some() {
        let deadline = tokio::time::Instant::now() + MAX_DEBOUNCE;
        loop {
            let quiet = (tokio::time::Instant::now() + DEBOUNCE).min(deadline);
            match tokio::time::timeout_at(quiet, events.recv()).await {
                Ok(Some(())) if tokio::time::Instant::now() < deadline => continue,
                Ok(Some(())) | Err(_) => break,
                Ok(None) => return,
            }
        }
        live.reload_if_changed().await;
    }
}

/// Turns a load error into the per-problem list `GET /config` shows.
fn problems(error: &super::Error) -> Vec<Problem> {
    match error {
        super::Error::Invalid { problems, .. } => problems.clone(),
        super::Error::Syntax { message, .. } => vec![Problem {
            path: None,
            line: line_in(message),
            message: message.clone(),
        }],
        other => vec![Problem {
            path: None,
            line: None,
            message: other.to_string(),
        }],
    }
}

/// The first `line N` in a YAML parser message.
fn line_in(message: &str) -> Option<usize> {
    let (_, rest) = message.split_once("line ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_is_found_in_parser_messages() {
        assert_eq!(
            line_in("did not find expected ',' at line 3 column 1"),
            Some(3)
        );
        assert_eq!(line_in("no position"), None);
    }

    #[test]
    fn opens_and_reads_are_not_changes() {
        assert!(!changes_content(&EventKind::Access(AccessKind::Open(
            notify::event::AccessMode::Any
        ))));
        assert!(changes_content(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
    }
}
