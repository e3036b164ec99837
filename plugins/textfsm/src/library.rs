//! A template library on disk: one or more directories, each with an `index`, read lazily
//! and re-read when a file changes, so an operator's edit is picked up on the next parse.
//!
//! The plugin sees the directories the host grants as `/templates/0`, `/templates/1`, …
//! ([`Library::numbered`]); the first directory whose index has a matching row wins. Each
//! file is cached with its modification time and length; a parse re-checks both (one `stat`
//! per file) and recompiles only what changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::clitable::{self, Index, parse_chain};
use crate::record::Record;
use crate::template::Template;

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

/// Template directories with compiled indexes and templates cached by path.
#[derive(Debug)]
pub struct Library {
    /// The directories to search.
    roots: Roots,
    /// Parsed indexes by index path, with the stamp they were read at.
    indexes: HashMap<PathBuf, (Stamp, Arc<Index>)>,
    /// Compiled templates by path, with the stamp they were read at.
    templates: HashMap<PathBuf, (Stamp, Arc<Template>)>,
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
            indexes: HashMap::new(),
            templates: HashMap::new(),
        }
    }

    fn dirs(&self) -> Vec<PathBuf> {
        match &self.roots {
            Roots::List(dirs) => dirs.clone(),
            Roots::Numbered(base) => (0..)
                .map(|i| base.join(i.to_string()))
                .take_while(|d| d.is_dir())
                .collect(),
        }
    }

    /// Parses `text`, the output of `command` on `platform`, with the first matching index row
    /// of the first directory that has one.
    pub fn parse(
        &mut self,
        platform: &str,
        command: &str,
        text: &str,
    ) -> Result<Vec<Record>, clitable::Error> {
        for dir in self.dirs() {
            let Some(index) = self.index(&dir)? else {
                continue;
            };
            let Some(row) = index.find(platform, command) else {
                continue;
            };
            let chain = row
                .templates
                .iter()
                .map(|name| self.template(&dir.join(name), name))
                .collect::<Result<Vec<_>, _>>()?;
            let refs: Vec<&Template> = chain.iter().map(Arc::as_ref).collect();
            return parse_chain(&refs, text);
        }
        Err(clitable::Error::NoTemplate {
            platform: platform.to_string(),
            command: command.to_string(),
        })
    }

    /// The directory's index, re-read if it changed; `None` when it has no index.
    fn index(&mut self, dir: &Path) -> Result<Option<Arc<Index>>, clitable::Error> {
        let path = dir.join("index");
        let Some(now) = stamp(&path) else {
            self.indexes.remove(&path);
            return Ok(None);
        };
        if let Some((seen, index)) = self.indexes.get(&path)
            && *seen == now
        {
            return Ok(Some(Arc::clone(index)));
        }
        let text = read(&path)?;
        let index = Arc::new(Index::parse(&path.display().to_string(), &text)?);
        self.indexes.insert(path, (now, Arc::clone(&index)));
        Ok(Some(index))
    }

    /// A compiled template, recompiled if its file changed.
    fn template(&mut self, path: &Path, name: &str) -> Result<Arc<Template>, clitable::Error> {
        let now = stamp(path);
        if let (Some(now), Some((seen, t))) = (now, self.templates.get(path))
            && *seen == now
        {
            return Ok(Arc::clone(t));
        }
        let text = read(path)?;
        let t = Arc::new(Template::parse(name, &text)?);
        if let Some(now) = now {
            self.templates
                .insert(path.to_path_buf(), (now, Arc::clone(&t)));
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
