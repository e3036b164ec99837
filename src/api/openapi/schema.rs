//! The shapes of the device, job and batch answers, for the OpenAPI document only (the
//! system routes' are in [`super::system`]).
//!
//! Most handlers build their answer as JSON (`json!` in `api::handlers`, the batch view in
//! `jobs::batch`, a job's result in `jobs::runner`), and a few return types of the modules
//! below the API (`ssh`, `cache`, `plugin`, `metrics`, `config`) that the API may not import.
//! Each shape is written down once here, field for field as those builders write it, and
//! `tests/openapi.rs` checks real answers of every route against the document, so a field
//! that changes there without changing here fails the tests.
//!
//! Nullable fields are `Option`; a field the builder may leave out is marked
//! `#[schema(required = false)]`.

#![allow(dead_code)] // The types are read by the OpenAPI derive, never built.

use std::collections::BTreeMap;

use serde_json::Value;
use utoipa::ToSchema;

// The words are `jobs::JobStatus`'s, written into the document by `Shared`.
/// A job's status, as NetPulse and RQ spell it.
#[derive(ToSchema)]
pub struct JobStatus(String);

// Mirrors jobs::model::Job.
/// A job record: what `POST /device/exec`, `GET /jobs/{id}` and `DELETE /jobs/{id}` answer.
#[derive(ToSchema)]
#[schema(as = Job)]
pub struct JobView {
    /// The job id (a UUID).
    #[schema(format = "uuid")]
    id: String,
    status: JobStatus,
    /// `fifo`, `pinned`, or `bulk` for a batch's jobs.
    queue: String,
    /// The worker that ran it; null until one started it.
    worker: Option<String>,
    /// RFC 3339 UTC.
    #[schema(format = DateTime)]
    created_at: String,
    /// RFC 3339 UTC; null until started.
    #[schema(format = DateTime)]
    started_at: Option<String>,
    /// RFC 3339 UTC; null until ended.
    #[schema(format = DateTime)]
    ended_at: Option<String>,
    /// Seconds from start to end.
    duration: Option<f64>,
    /// Seconds from creation to start.
    queue_time: Option<f64>,
    /// The device host (`connection_args.host`).
    device_name: String,
    /// The show commands, or the config lines, in order.
    command: Vec<String>,
    /// The outcome; null until the job ended (a job canceled while queued has none).
    result: Option<JobResult>,
    /// The bulk batch the job belongs to.
    #[schema(required = false, format = "uuid")]
    batch_id: String,
    /// How the webhook delivery went, once attempted.
    #[schema(required = false)]
    webhook: WebhookDelivery,
    /// Name of the API key that submitted the job (`anonymous` without auth); never the key.
    #[schema(required = false)]
    submitted_by: String,
}

// Mirrors jobs::runner::build_outcome, and the results of expired, panicked and
// batch-aborted jobs.
/// A job's outcome (expired, panicked and batch-aborted jobs carry an empty `retval` and the
/// `error`).
#[derive(ToSchema)]
pub struct JobResult {
    /// 1 ok, 2 failed, 3 stopped (its batch was aborted), 4 retried.
    #[serde(rename = "type")]
    #[schema(minimum = 1, maximum = 4)]
    kind: i64,
    /// One entry per command that ran, in request order.
    retval: Vec<Retval>,
    /// Why the job failed; null when it finished.
    error: Option<JobError>,
}

/// Why a job failed.
#[derive(ToSchema)]
pub struct JobError {
    /// What kind of failure: `command_failed`, `expired`, `panic`, `batch_aborted`, or the
    /// SSH error's kind (`connect`, `auth`, `host_key`, `timeout`, ...).
    #[serde(rename = "type")]
    kind: String,
    /// A sentence naming the command, host or limit at fault.
    message: String,
}

/// One command's result.
#[derive(ToSchema)]
pub struct Retval {
    /// The command as sent (after the vendor's normalisation).
    command: String,
    /// What the device printed.
    stdout: String,
    /// The device's error message (CLI) or the exec channel's stderr.
    stderr: String,
    /// 0 ok; 1 when the output matched the profile's error patterns; the exit status of an
    /// exec channel.
    exit_status: i64,
    /// Parsed records when `parsing` was asked and the parser succeeded, else null.
    parsed: Option<Value>,
    metadata: RetvalMetadata,
}

/// Where a command's result came from and what it cost.
#[derive(ToSchema)]
pub struct RetvalMetadata {
    /// The device host.
    host: String,
    /// Seconds the command took on the device.
    duration_seconds: f64,
    /// Whether the command ran on a pooled session opened for an earlier job.
    session_reused: bool,
    /// Milliseconds the connect and login took, when this job opened the session.
    connect_ms: Option<f64>,
    /// Seconds the job waited for a session slot.
    pool_wait_seconds: f64,
    /// Which cache level answered: `l1`, `l2`, `l3`, or `miss` (the device did).
    #[schema(pattern = "^(l1|l2|l3|miss)$")]
    cache: String,
    /// Why the parser gave no records, when it was asked and failed.
    parse_error: Option<String>,
    /// Whether the session's prompt was learned from the device.
    prompt_learned: bool,
}

// Mirrors jobs::webhook::Webhook::deliver.
/// How a webhook delivery went.
#[derive(ToSchema)]
pub struct WebhookDelivery {
    /// The URL, without any `user:password@`.
    url: String,
    /// Whether a receiver answered 2xx.
    delivered: bool,
    /// Attempts made.
    attempts: u32,
    /// The last HTTP status received.
    status_code: Option<u16>,
    /// The last failure; null when delivered.
    error: Option<String>,
    /// When the delivery ended (RFC 3339 UTC).
    #[schema(format = DateTime)]
    at: String,
}

/// `webhook` of a request: where to announce the job's (or batch's) end. The destination is
/// checked against `webhooks.allow` / `webhooks.deny` at submit and before every attempt.
#[derive(ToSchema)]
#[schema(as = Webhook)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    /// NetPulse's label for the hook; not used.
    name: Option<String>,
    /// `http://host[:port]/path`; https is not supported (use a local relay).
    #[schema(pattern = "^http://")]
    url: String,
    /// `POST` (default), `PUT` or `PATCH`, any case.
    method: Option<String>,
    /// Extra request headers; Host, Content-Length, Transfer-Encoding and Connection are the
    /// gateway's own.
    headers: Option<BTreeMap<String, String>>,
    /// Seconds each attempt may take (default 5).
    #[schema(exclusive_minimum = 0, maximum = 300)]
    timeout: Option<f64>,
    /// Attempts after the first (default 3).
    #[schema(minimum = 0, maximum = 10)]
    max_retries: Option<u32>,
    /// Seconds to pause before each retry; the last repeats (default 1, 2, 4, ...).
    retry_intervals: Option<Vec<f64>>,
    /// `[username, password]` for HTTP basic auth.
    #[schema(min_items = 2, max_items = 2)]
    auth: Option<Vec<String>>,
    /// Not supported: only null or `{}` is accepted; send cookies in `headers`.
    cookies: Option<BTreeMap<String, String>>,
}

/// `POST /device/test`: whether the device could be reached and logged in to.
#[derive(ToSchema)]
pub struct TestResult {
    /// Whether connect, login and the prompt check succeeded.
    success: bool,
    /// Seconds the whole test took.
    latency: f64,
    /// Why it failed; null on success.
    error: Option<String>,
    /// The session's facts; null on failure.
    result: Option<TestSession>,
    /// When the test ended (RFC 3339 UTC).
    #[schema(format = DateTime)]
    timestamp: String,
}

// Mirrors jobs::check::Reached.
/// What the test's session showed.
#[derive(ToSchema)]
pub struct TestSession {
    /// `cli` (interactive session) or `exec` (SSH exec channel).
    #[schema(pattern = "^(cli|exec)$")]
    driver: String,
    /// Milliseconds the connect and login took.
    connect_ms: f64,
    /// `cli`: whether the session reached enable (privileged) mode.
    #[schema(required = false)]
    privileged: bool,
    /// `exec`: the exit status of `true` on the host (null when the server sent none).
    #[schema(required = false)]
    exit_status: Option<u32>,
}

/// `POST /device/bulk`: the batch and a job per device.
#[derive(ToSchema)]
pub struct BulkAccepted {
    /// The batch id (a UUID); follow it with `GET /batches/{id}`.
    #[schema(format = "uuid")]
    batch_id: String,
    /// `running`, or `failed` when the strategy could not plan the waves.
    #[schema(pattern = "^(running|failed)$")]
    status: String,
    /// Why the batch failed (only when `status` is `failed`).
    #[schema(required = false)]
    reason: String,
    /// One queued job per device.
    succeeded: Vec<BulkJob>,
    /// Every device, when the batch failed.
    failed: Vec<BulkFailure>,
}

/// A device's job in a new batch.
#[derive(ToSchema)]
pub struct BulkJob {
    /// The job id.
    #[schema(format = "uuid")]
    id: String,
    /// `queued`.
    status: JobStatus,
    /// `bulk`.
    queue: String,
    /// The device host.
    host: String,
}

/// A device of a batch that failed before it ran.
#[derive(ToSchema)]
pub struct BulkFailure {
    /// The device host.
    host: String,
    /// Why.
    reason: String,
}

// Mirrors jobs::batch::view.
/// A batch as `GET /batches/{id}` shows it.
#[derive(ToSchema)]
pub struct Batch {
    /// The batch id (a UUID).
    #[schema(format = "uuid")]
    id: String,
    /// `running`, `paused`, `finished`, `aborted` or `failed`.
    #[schema(pattern = "^(running|paused|finished|aborted|failed)$")]
    status: String,
    /// RFC 3339 UTC.
    #[schema(format = DateTime)]
    created_at: String,
    /// RFC 3339 UTC; null while it runs.
    #[schema(format = DateTime)]
    ended_at: Option<String>,
    /// The strategy that planned the waves; null for one wave.
    strategy: Option<BatchStrategy>,
    /// Why it failed or was aborted.
    reason: Option<String>,
    /// Devices in the batch.
    total: i64,
    /// The wave running now (or the last one).
    current_wave: i64,
    /// Jobs per status.
    counts: BatchCounts,
    /// The waves, in order.
    waves: Vec<BatchWave>,
    /// The shared request, secrets removed.
    request: Value,
    /// How the batch's webhook delivery went, once attempted.
    webhook: Option<WebhookDelivery>,
    /// Name of the API key that submitted the batch.
    submitted_by: Option<String>,
}

/// `strategy` of a batch.
#[derive(ToSchema)]
pub struct BatchStrategy {
    /// The strategy plugin.
    name: String,
    /// The parameters it was given.
    params: Value,
}

/// A batch's jobs per status.
#[derive(ToSchema)]
pub struct BatchCounts {
    queued: u64,
    started: u64,
    finished: u64,
    failed: u64,
    canceled: u64,
}

/// One wave of a batch.
#[derive(ToSchema)]
pub struct BatchWave {
    /// 0-based position.
    wave: u32,
    /// `pending`, `running` or `done`.
    #[schema(pattern = "^(pending|running|done)$")]
    status: String,
    /// Devices run at once in this wave.
    concurrency: u32,
    /// The wave's devices and their jobs.
    devices: Vec<BatchDevice>,
    /// What the strategy decided after the wave: `continue`, `pause` or `abort`.
    decision: Option<String>,
    /// The wave's figures, once it ended.
    summary: Option<WaveSummary>,
}

/// A device of a wave.
#[derive(ToSchema)]
pub struct BatchDevice {
    /// The device's position in the request's `devices`.
    index: u32,
    /// The device host (null if its job is gone).
    host: Option<String>,
    /// Its job (null if gone, e.g. past `result_ttl`).
    #[schema(format = "uuid")]
    job_id: Option<String>,
    /// Its job's status.
    status: Option<JobStatus>,
}

/// A finished wave's figures.
#[derive(ToSchema)]
pub struct WaveSummary {
    succeeded: u32,
    failed: u32,
    failed_hosts: Vec<String>,
}

/// `POST /template/parse`: the parser's records.
#[derive(ToSchema)]
pub struct ParsedRecords(Vec<Value>);
