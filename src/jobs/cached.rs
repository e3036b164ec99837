//! The job runner's side of the cache: look each show command up before going to the device,
//! store what the device answered, and invalidate a device after a successful config push.
//! The cache itself never talks to a device.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::Deps;
use super::model::{JobSpec, Work};
use super::runner::{Outcome, Retval};
use crate::cache::{Entry, Key, Level};

/// What the cache answered for one job.
pub(super) struct Lookup {
    /// Per command of the request: the cached retval, or `None` for a miss.
    hits: Vec<Option<Retval>>,
    /// The commands that must go to the device, in request order.
    pub(super) misses: Vec<String>,
    /// Cache key per command (empty when the cache is not used for this job).
    keys: Vec<Key>,
}

impl Lookup {
    /// Whether the cache was asked at all (enabled, show commands).
    pub(super) fn uses_cache(&self) -> bool {
        !self.keys.is_empty()
    }

    /// Whether a cached retval still lacks its parsed records.
    pub(super) fn hits_to_parse(&self) -> bool {
        self.hits
            .iter()
            .flatten()
            .any(|r| r.exit_status == 0 && r.parsed.is_none())
    }

    /// Puts the device's retvals (for the misses, in order) between the cached ones.
    pub(super) fn merge(&mut self, device: Vec<Retval>) -> Vec<Retval> {
        if self.keys.is_empty() {
            return device;
        }
        let mut device = device.into_iter();
        let mut merged = Vec::with_capacity(self.hits.len());
        for hit in std::mem::take(&mut self.hits) {
            match hit {
                Some(retval) => merged.push(retval),
                // A command that never ran (the session failed first) has no retval.
                None => merged.extend(device.next()),
            }
        }
        merged
    }
}

/// The credential part of the key: user and every secret that changes what the device
/// shows (password or key, and the enable secret).
fn credential(deps: &Deps, spec: &JobSpec) -> String {
    deps.cache
        .credential_hasher()
        .digest(&spec.target, spec.secret.as_ref())
}

/// Looks every show command up (unless the request did not enable the cache, or asked for
/// a refresh). Config pushes are never looked up.
pub(super) async fn lookup(deps: &Arc<Deps>, spec: &JobSpec) -> Lookup {
    let Work::Commands(commands) = &spec.work else {
        return uncached(spec);
    };
    if !spec.cache.enabled {
        return uncached(spec);
    }
    let credential = credential(deps, spec);
    let keys: Vec<Key> = commands
        .iter()
        .map(|command| Key {
            host: spec.target.host.clone(),
            port: spec.target.port,
            device_type: spec.device_type.clone(),
            command: deps.parsers.normalize(&spec.device_type, command),
            credential: credential.clone(),
        })
        .collect();
    let mut hits = Vec::with_capacity(commands.len());
    let mut misses = Vec::new();
    for (command, key) in commands.iter().zip(&keys) {
        let found = if spec.cache.refresh {
            None
        } else {
            deps.cache.get(key).await
        };
        match found {
            Some((entry, level)) => {
                deps.metrics.cache_lookup(level.as_str());
                hits.push(Some(Retval {
                    command: command.clone(),
                    stdout: entry.stdout,
                    stderr: String::new(),
                    exit_status: 0,
                    duration: Duration::ZERO,
                    parsed: entry.parsed,
                    parse_error: None,
                    cache: level,
                }));
            }
            None => {
                deps.metrics.cache_lookup(Level::Miss.as_str());
                hits.push(None);
                misses.push(command.clone());
            }
        }
    }
    Lookup { hits, misses, keys }
}

fn uncached(spec: &JobSpec) -> Lookup {
    Lookup {
        hits: Vec::new(),
        misses: spec.work.lines().to_vec(),
        keys: Vec::new(),
    }
}

/// Stores the device's successful show outputs (with their parsed records), and after a
/// successful config push invalidates every entry of the device at every level.
pub(super) async fn store(deps: &Arc<Deps>, spec: &JobSpec, lookup: &Lookup, outcome: &Outcome) {
    let retvals = outcome.result["retval"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Work::Config { .. } = spec.work {
        if outcome.error.is_none() {
            deps.cache
                .invalidate_device(&spec.target.host, spec.target.port)
                .await;
        }
        return;
    }
    if lookup.keys.is_empty() {
        return;
    }
    for (key, retval) in lookup.keys.iter().zip(&retvals) {
        let from_device = retval["metadata"]["cache"] == Level::Miss.as_str();
        if !from_device || retval["exit_status"] != 0 {
            continue;
        }
        let parsed = match &retval["parsed"] {
            Value::Null => None,
            other => Some(other.clone()),
        };
        let stdout = retval["stdout"].as_str().unwrap_or_default();
        deps.cache
            .put(key, &Entry::new(stdout, parsed), spec.cache.ttl)
            .await;
    }
}
