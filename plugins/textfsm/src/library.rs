//! A template library on disk: one or more directories, each with an `index`, read lazily
//! and re-read when a file changes, so an operator's edit is picked up without a restart.
//!
//! The plugin sees the directories the host grants as `/templates/0`, `/templates/1`, …
//! ([`Library::numbered`]); the first directory whose index has a matching row wins. Each
//! file is cached with its modification time and length, and recompiled only when they
//! change.
//!
//! How often the files are looked at is [`Library::recheck_after`]: by default every parse
//! `stat`s the directories, the index and the templates it uses, so an edit shows on the
//! very next parse. Inside the Wasm plugin every such `stat` is a WASI call that the host
//! runs on a blocking thread pool, several times dearer than the parse itself, so the plugin
//! trusts what it checked for [`PLUGIN_RECHECK`] and an edit shows within that long.
//! Between checks a parse does no filesystem call at all, and the index row a
//! (platform, command) pair selects is remembered until the index changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::clitable::{self, Index, parse_chain, parse_chain_json, parse_chain_table};
use crate::record::{Record, Table};
use crate::template::Template;

/// How long the Wasm plugin trusts a file it checked before it `stat`s it again: an edited
/// template or index is used at most this long after it was saved.
pub const PLUGIN_RECHECK: Duration = Duration::from_secs(1);

/// Remembered index lookups per index; past this many distinct (platform, command) pairs
/// the memo starts over, so arbitrary commands cannot grow it without bound.
const LOOKUP_MEMO_LIMIT: usize = 4096;

/// Where the library's directories come from.
#[derive(Debug, Clone)]
enum Roots {
    /// `base/0`, `base/1`, … until one is missing (the plugin's preopens).
    Numbered(PathBuf),
    /// An explicit list, in priority order.
    List(Vec<PathBuf>),
}

/// A file's identity for cache purposes: a changed time or length means re-read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

/// A cached file: what was built from it, its stamp, and when the stamp was last checked.
#[derive(Debug)]
struct Cached<T> {
    stamp: Stamp,
    checked: Instant,
    value: Arc<T>,
}

/// A directory's index as last seen: `None` when the directory had no index.
#[derive(Debug)]
struct IndexEntry {
    file: Option<Cached<Index>>,
    /// When `file` was last confirmed (including "still no index").
    checked: Instant,
    /// Row number the index gives each platform and command asked so far (`None`: no row).
    lookups: HashMap<String, HashMap<String, Option<usize>>>,
    /// Entries in `lookups`.
    memo_len: usize,
}

/// Template directories with compiled indexes and templates cached by path.
#[derive(Debug)]
pub struct Library {
    /// The directories to search.
    roots: Roots,
    /// How long a checked stamp (or directory list) is trusted.
    recheck: Duration,
    /// The directory list and when it was made.
    dirs: Option<(Instant, Arc<[PathBuf]>)>,
    /// Indexes by directory.
    indexes: HashMap<PathBuf, IndexEntry>,
    /// Compiled templates by path.
    templates: HashMap<PathBuf, Cached<Template>>,
}

impl Library {
    /// Searches `base/0`, `base/1`, … in order, stopping at the first missing directory.
    pub fn numbered(base: impl Into<PathBuf>) -> Library {
        Library::new(Roots::Numbered(base.into()))
    }

    /// Searches the given directories in order.
    pub fn with_dirs(dirs: Vec<PathBuf>) -> Library {
        Library::new(Roots::List(dirs))
    }

    fn new(roots: Roots) -> Library {
        Library {
            roots,
            recheck: Duration::ZERO,
            dirs: None,
            indexes: HashMap::new(),
            templates: HashMap::new(),
        }
    }

    /// Trusts what was checked for `every` before looking at the files again (the default,
    /// zero, checks on every parse). Edits then show at most `every` after they are saved.
    pub fn recheck_after(mut self, every: Duration) -> Library {
        self.recheck = every;
        self
    }

    /// True while something checked at `checked` needs no new look at `now`.
    fn fresh(&self, checked: Instant, now: Instant) -> bool {
        now.saturating_duration_since(checked) < self.recheck
    }

    fn dirs(&mut self, now: Instant) -> Arc<[PathBuf]> {
        if let Some((checked, dirs)) = &self.dirs
            && self.fresh(*checked, now)
        {
            return Arc::clone(dirs);
        }
        let dirs: Arc<[PathBuf]> = match &self.roots {
            Roots::List(dirs) => dirs.as_slice().into(),
            Roots::Numbered(base) => (0..)
                .map(|i| base.join(i.to_string()))
                .take_while(|d| d.is_dir())
                .collect(),
        };
        self.dirs = Some((now, Arc::clone(&dirs)));
        dirs
    }

    /// Parses `text`, the output of `command` on `platform`, with the first matching index row
    /// of the first directory that has one.
    pub fn parse(
        &mut self,
        platform: &str,
        command: &str,
        text: &str,
    ) -> Result<Vec<Record>, clitable::Error> {
        let chain = self.chain(platform, command)?;
        parse_chain(&chain.iter().map(Arc::as_ref).collect::<Vec<_>>(), text)
    }

    /// [`Library::parse`]'s records as JSON text (what the plugin returns), written without
    /// building a table first when the index names a single template.
    pub fn parse_json(
        &mut self,
        platform: &str,
        command: &str,
        text: &str,
    ) -> Result<String, clitable::Error> {
        let chain = self.chain(platform, command)?;
        parse_chain_json(&chain.iter().map(Arc::as_ref).collect::<Vec<_>>(), text)
    }

    /// [`Library::parse`]'s result as a table (for [`Table::to_json`]).
    pub fn parse_table(
        &mut self,
        platform: &str,
        command: &str,
        text: &str,
    ) -> Result<Table, clitable::Error> {
        let chain = self.chain(platform, command)?;
        parse_chain_table(&chain.iter().map(Arc::as_ref).collect::<Vec<_>>(), text)
    }

    /// The templates the first matching index row names, compiled (or re-read if edited).
    fn chain(
        &mut self,
        platform: &str,
        command: &str,
    ) -> Result<Vec<Arc<Template>>, clitable::Error> {
        let now = Instant::now();
        for dir in self.dirs(now).iter() {
            let Some((index, row)) = self.lookup(dir, platform, command, now)? else {
                continue;
            };
            return index.rows[row]
                .templates
                .iter()
                .map(|name| self.template(&dir.join(name), name, now))
                .collect();
        }
        Err(clitable::Error::NoTemplate {
            platform: platform.to_string(),
            command: command.to_string(),
        })
    }

    /// The directory's index (re-read if it changed) and the number of its row for
    /// `platform` and `command`; `None` when there is no index or no such row.
    fn lookup(
        &mut self,
        dir: &Path,
        platform: &str,
        command: &str,
        now: Instant,
    ) -> Result<Option<(Arc<Index>, usize)>, clitable::Error> {
        let fresh = self
            .indexes
            .get(dir)
            .is_some_and(|e| self.fresh(e.checked, now));
        let entry = match self.indexes.get_mut(dir) {
            Some(entry) if fresh => entry,
            _ => self.refresh_index(dir, now)?,
        };
        let Some(file) = &entry.file else {
            return Ok(None);
        };
        let index = Arc::clone(&file.value);
        let memo = entry.lookups.get(platform).and_then(|m| m.get(command));
        let row = match memo {
            Some(row) => *row,
            None => {
                let row = index.position(platform, command);
                if entry.memo_len >= LOOKUP_MEMO_LIMIT {
                    entry.lookups.clear();
                    entry.memo_len = 0;
                }
                entry
                    .lookups
                    .entry(platform.to_string())
                    .or_default()
                    .insert(command.to_string(), row);
                entry.memo_len += 1;
                row
            }
        };
        Ok(row.map(|r| (index, r)))
    }

    /// Checks the directory's index file and re-reads it if it changed.
    fn refresh_index(
        &mut self,
        dir: &Path,
        now: Instant,
    ) -> Result<&mut IndexEntry, clitable::Error> {
        let path = dir.join("index");
        let current = stamp(&path);
        let entry = self
            .indexes
            .entry(dir.to_path_buf())
            .or_insert_with(|| IndexEntry {
                file: None,
                checked: now,
                lookups: HashMap::new(),
                memo_len: 0,
            });
        let unchanged = match (&mut entry.file, current) {
            (Some(file), Some(now_stamp)) if file.stamp == now_stamp => {
                file.checked = now;
                true
            }
            (None, None) => true,
            _ => false,
        };
        if !unchanged {
            entry.lookups.clear();
            entry.memo_len = 0;
            entry.file = None;
            if let Some(stamp) = current {
                let text = read(&path)?;
                let index = Index::parse(&path.display().to_string(), &text)?;
                entry.file = Some(Cached {
                    stamp,
                    checked: now,
                    value: Arc::new(index),
                });
            }
        }
        entry.checked = now;
        Ok(entry)
    }

    /// A compiled template, recompiled if its file changed.
    fn template(
        &mut self,
        path: &Path,
        name: &str,
        now: Instant,
    ) -> Result<Arc<Template>, clitable::Error> {
        if let Some(t) = self.templates.get(path)
            && self.fresh(t.checked, now)
        {
            return Ok(Arc::clone(&t.value));
        }
        let current = stamp(path);
        if let (Some(current), Some(t)) = (current, self.templates.get_mut(path))
            && t.stamp == current
        {
            t.checked = now;
            return Ok(Arc::clone(&t.value));
        }
        let text = read(path)?;
        let t = Arc::new(Template::parse(name, &text)?);
        match current {
            Some(stamp) => {
                self.templates.insert(
                    path.to_path_buf(),
                    Cached {
                        stamp,
                        checked: now,
                        value: Arc::clone(&t),
                    },
                );
            }
            None => {
                self.templates.remove(path);
            }
        }
        Ok(t)
    }
}

fn read(path: &Path) -> Result<String, clitable::Error> {
    std::fs::read_to_string(path).map_err(|source| clitable::Error::Io {
        path: path.to_path_buf(),
        source,
    })
}
