//! The job as the API shows it (NetPulse/RQ shape) and as a worker receives it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::ssh::{Secret, Target};
use crate::store::{JobRow, JobStatus};

/// How commands reach the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// Interactive CLI session driven by the vendor profile (netmiko/cli).
    Cli,
    /// One SSH exec channel per command (paramiko/exec), for Linux hosts.
    Exec,
}

/// What the job does on the device.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// Show commands, run in order; a failing one does not stop the rest.
    Commands(Vec<String>),
    /// Config lines pushed in config mode; the first error stops the push.
    Config {
        /// The lines.
        lines: Vec<String>,
        /// Save the configuration afterwards.
        save: bool,
    },
}

impl Work {
    /// The lines, for the job record's `command` field.
    pub fn lines(&self) -> &[String] {
        match self {
            Work::Commands(lines) | Work::Config { lines, .. } => lines,
        }
    }

    /// `command` or `config`, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Work::Commands(_) => "command",
            Work::Config { .. } => "config",
        }
    }
}

/// A validated request, ready for a worker. Holds secrets, so it lives only in memory.
#[derive(Debug, Clone)]
pub struct JobSpec {
    /// Where and how to log in.
    pub target: Target,
    /// Canonical platform.
    pub device_type: String,
    /// CLI or exec.
    pub driver: Driver,
    /// The commands or config.
    pub work: Work,
    /// Enable secret; `None` means never send `enable`.
    pub secret: Option<Secret>,
    /// Parser to apply (`auto` or a plugin name); `None` leaves `parsed` null.
    pub parsing: Option<String>,
    /// The queue it waits in, reported on the job.
    pub queue: QueueStrategy,
    /// Limit on the whole job once started.
    pub execution_timeout: Duration,
    /// How long the job may wait in the queue.
    pub ttl: Option<Duration>,
    /// The request with secrets removed, stored with the job.
    pub redacted_request: Box<RawValue>,
    /// Cache control for show commands (never used for config).
    pub cache: CacheRequest,
    /// The request as received, secrets included: sealed into the job row so a restarted
    /// gateway can still run the job. `None` for work that need not survive a restart.
    pub source: Option<String>,
    /// After a crash interrupted it, run it again (read-only jobs) instead of failing it.
    pub retry_on_restart: bool,
    /// How long the record is kept after the job ends; `None` keeps it.
    pub result_ttl: Option<Duration>,
    /// Where to announce the job's end.
    pub webhook: Option<super::webhook::Webhook>,
    /// Name of the API key that submitted it (never the key); recorded on the job.
    pub submitted_by: Option<String>,
}

/// A request's `cache` field, resolved.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CacheRequest {
    /// Look results up and store them. Opt-in per request: a network engineer asking a
    /// device expects the device's answer unless they chose otherwise.
    pub enabled: bool,
    /// A shorter TTL for what this request stores.
    pub ttl: Option<Duration>,
    /// Skip the lookup, run on the device, store the fresh result.
    pub refresh: bool,
}

/// Which queue a job waits in: the words the `queue` column and `queue_strategy` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueStrategy {
    /// First come, first served across all devices.
    Fifo,
    /// One job at a time per device, in submit order (keeps a warm session busy).
    Pinned,
    /// A bulk batch's job (its wave decides when it runs; not a request's choice).
    Bulk,
}

impl QueueStrategy {
    /// The strategies a request's `queue_strategy` may name.
    pub const REQUESTABLE: [QueueStrategy; 2] = [Self::Fifo, Self::Pinned];

    /// The stored and shown word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fifo => "fifo",
            Self::Pinned => "pinned",
            Self::Bulk => "bulk",
        }
    }

    /// The requestable strategy a word names.
    pub fn requested(word: &str) -> Option<Self> {
        Self::REQUESTABLE.into_iter().find(|q| q.as_str() == word)
    }
}

/// The job as `GET /jobs/{id}` returns it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// UUID.
    pub id: String,
    /// queued | started | finished | failed | canceled.
    pub status: String,
    /// Queue name.
    pub queue: String,
    /// Worker that ran it.
    pub worker: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub started_at: Option<String>,
    /// RFC 3339 UTC.
    pub ended_at: Option<String>,
    /// Seconds from start to end.
    pub duration: Option<f64>,
    /// Seconds from creation to start.
    pub queue_time: Option<f64>,
    /// The device host.
    pub device_name: String,
    /// The commands (or config lines).
    pub command: Value,
    /// The result once ended, as JSON text: an answer carries the text the row stores,
    /// serialized once, and a read hands the stored text on without parsing it.
    pub result: Option<Box<RawValue>>,
    /// The bulk batch this job belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    /// How the webhook delivery went, once attempted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Value>,
    /// Name of the API key that submitted it (`anonymous` without auth); never the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<String>,
}

impl Job {
    /// Builds the API view of a stored row.
    pub fn from_row(row: &JobRow) -> Self {
        let created = crate::time::parse(&row.created_at);
        let started = row.started_at.as_deref().and_then(crate::time::parse);
        let ended = row.ended_at.as_deref().and_then(crate::time::parse);
        let seconds = |a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>| match (a, b) {
            (Some(a), Some(b)) => Some((b - a).num_microseconds().unwrap_or(0) as f64 / 1e6),
            _ => None,
        };
        Self {
            id: row.id.clone(),
            status: row.status.clone(),
            queue: row.queue.clone(),
            worker: row.worker.clone(),
            created_at: row.created_at.clone(),
            started_at: row.started_at.clone(),
            ended_at: row.ended_at.clone(),
            duration: seconds(started, ended),
            queue_time: seconds(created, started),
            device_name: row.host.clone(),
            command: serde_json::from_str(&row.command).unwrap_or(Value::Null),
            result: row
                .result
                .as_ref()
                .and_then(|r| RawValue::from_string(r.clone()).ok()),
            batch_id: row.batch_id.clone(),
            webhook: row
                .webhook
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok()),
            submitted_by: row.submitted_by.clone(),
        }
    }

    /// Whether the job has reached an end state.
    pub fn is_done(&self) -> bool {
        JobStatus::parse(&self.status).is_some_and(JobStatus::is_done)
    }
}

/// The row a new job is recorded as (`batch`: batch id, wave, device index).
pub fn new_row(
    id: &str,
    spec: &JobSpec,
    created: chrono::DateTime<Utc>,
    batch: Option<(&str, i64, i64)>,
) -> JobRow {
    JobRow {
        id: id.to_string(),
        status: JobStatus::Queued.as_str().into(),
        queue: spec.queue.as_str().into(),
        worker: None,
        created_at: crate::time::format(created),
        started_at: None,
        ended_at: None,
        host: spec.target.host.clone(),
        port: i64::from(spec.target.port),
        device_type: spec.device_type.clone(),
        kind: spec.work.kind().into(),
        command: serde_json::to_string(spec.work.lines()).unwrap_or_else(|_| "[]".into()),
        request: spec.redacted_request.get().to_owned(),
        result: None,
        error_type: None,
        error_message: None,
        batch_id: batch.map(|(b, _, _)| b.to_string()),
        expires_at: spec.ttl.and_then(|ttl| crate::time::after(created, ttl)),
        wave: batch.map(|(_, wave, _)| wave),
        device_index: batch.map(|(_, _, index)| index),
        retry_on_restart: spec.retry_on_restart,
        webhook: None,
        result_expires_at: None,
        submitted_by: spec.submitted_by.clone(),
    }
}

/// Serializes a job's result once, for both its row and its answer.
pub fn raw_result(result: &Value) -> Box<RawValue> {
    // A `Value` always serializes (string keys, finite numbers); the default is `null`.
    serde_json::value::to_raw_value(result).unwrap_or_default()
}

/// A new job or batch id: a UUID whose leading bits are the time (version 7). Ids made in
/// order sort in order, so each insert lands on the last page of the primary-key index
/// instead of dirtying a random one: a commit of many jobs writes a few index pages, not one
/// per job. The 74 random bits keep ids unguessable.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_made_in_order_sort_in_order_and_differ() {
        let ids: Vec<String> = (0..1000).map(|_| new_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "a later id sorted before an earlier one");
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "two ids were equal");
        assert_eq!(uuid::Uuid::parse_str(&ids[0]).unwrap().get_version_num(), 7);
    }

    #[test]
    fn a_result_serialized_once_reads_back_equal() {
        let result = serde_json::json!({"type": 1, "retval": [{"stdout": "a\n\"b\""}]});
        let raw = raw_result(&result);
        let back: Value = serde_json::from_str(raw.get()).unwrap();
        assert_eq!(back, result);
    }
}
