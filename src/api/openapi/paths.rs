//! One OpenAPI operation per route of [`crate::api::app`], declared apart from the handlers
//! so the handlers stay plain functions. Each declaration names its request type (the one the
//! handler deserializes), its success shape and the errors particular to it; the errors every
//! route shares (auth, rate limit, bodies, ids in the path) and each route's role are added
//! by [`super::Shared`] from the auth table itself.

#![allow(dead_code)] // The functions only carry the attributes; the derive reads those.

use serde_json::json;

use super::schema::{BulkAccepted, JobView, ParsedRecords, TestResult};
use super::system::{ConfigStatus, Health, Plugins, SystemStats};
use crate::api::error::ErrorBody;
use crate::api::handlers::ParseRequest;
use crate::api::request::ExecutionRequest;

/// The examples name devices of `netpulse lab --devices 3 --vendor cisco_ios --vendor linux`
/// (ports from 2200, user and password `admin`), so they work when tried against a gateway
/// next to such a lab, as `.ci/schemathesis` runs it.
macro_rules! lab_device {
    () => {
        json!({"device_type": "cisco_ios", "host": "127.0.0.1", "port": 2200, "username": "admin", "password": "admin"})
    };
}

/// Run commands (or push config) on one device.
///
/// Records a job and queues it; answers 201 with the job. With `?wait=SECONDS` the answer is
/// held until the job ends (or the wait elapses, then it is the job as it stands). A body with
/// `config` needs role `change`.
#[utoipa::path(
    post,
    path = "/device/exec",
    tag = "devices",
    params(
        ("wait" = Option<f64>, Query, minimum = 0, maximum = 300, example = 10,
            description = "Seconds to hold the answer until the job ends; 0 or absent answers at once."),
    ),
    request_body(content = ExecutionRequest, example = json!({
        "connection_args": lab_device!(),
        "command": ["show version", "show ip interface brief"],
        "parsing": {"name": "auto"},
    })),
    responses(
        (status = 201, description = "The job, queued (or as it stood when the wait ended).", body = JobView),
        (status = 429, description = "The worker queue is full (`queue_full`), or a rate limit is reached (`rate_limited`); see `Retry-After`.",
            body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = "The gateway is shutting down (`shutting_down`).", body = ErrorBody),
    )
)]
fn exec() {}

/// Check that a device can be reached: connect, log in, see the prompt, disconnect.
///
/// Synchronous; `command` and `config` may be left out. A failed login is a 200 with
/// `success: false` and the reason.
#[utoipa::path(
    post,
    path = "/device/test",
    tag = "devices",
    request_body(content = ExecutionRequest, example = json!({"connection_args": lab_device!()})),
    responses(
        (status = 200, description = "The outcome of the connect and login.", body = TestResult),
    )
)]
fn test_device() {}

/// Run one request on many devices, in waves planned by a strategy.
///
/// The body is an `ExecutionRequest` shared by every device plus `devices`, a list of
/// per-device overrides (`host`, `port`, `device_type`, `username`, `password`, `command`,
/// `config`, `device` (an inventory name), `site`, `tags`, and any other `connection_args`
/// field), and an optional `strategy: {name, params}`. One invalid device refuses the whole
/// bulk (422 naming every device at fault); one device outside `security.allowed_targets`
/// refuses it too (403). A body where any device pushes config needs role `change`.
#[utoipa::path(
    post,
    path = "/device/bulk",
    tag = "devices",
    request_body(content = ref("#/components/schemas/BulkRequest"), description = "The shared request, `devices` and `strategy`.",
        example = json!({
            "connection_args": {"device_type": "cisco_ios", "username": "admin", "password": "admin"},
            "command": "show version",
            "devices": [{"host": "127.0.0.1", "port": 2200}, {"host": "127.0.0.1", "port": 2202}],
            "strategy": {"name": "rolling", "params": {"batch_size": 1}},
        })),
    responses(
        (status = 201, description = "The batch and its jobs (or, when the strategy could not plan, the batch failed with its reason).", body = BulkAccepted),
        (status = 429, description = "A rate limit is reached (`rate_limited`); see `Retry-After`.",
            body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = "The gateway is shutting down (`shutting_down`).", body = ErrorBody),
    )
)]
fn bulk() {}

/// A batch's progress: its waves, each device's job and the decision after each wave.
#[utoipa::path(
    get,
    path = "/batches/{id}",
    tag = "batches",
    params(("id" = String, Path, description = "The batch id.")),
    responses(
        (status = 200, description = "The batch.", body = super::schema::Batch),
    )
)]
fn get_batch() {}

/// Continue a paused batch from the wave after the one that paused it.
#[utoipa::path(
    post,
    path = "/batches/{id}/resume",
    tag = "batches",
    params(("id" = String, Path, description = "The batch id.")),
    responses(
        (status = 200, description = "The batch, running again.", body = super::schema::Batch),
        (status = 409, description = "The batch is not paused (`conflict`).", body = ErrorBody),
    )
)]
fn resume_batch() {}

/// Job records, newest first; the total matching is in X-Total-Count.
#[utoipa::path(
    get,
    path = "/jobs",
    tag = "jobs",
    params(
        ("status" = Option<super::schema::JobStatus>, Query, description = "Only jobs with this status."),
        ("host" = Option<String>, Query, description = "Only jobs on this device host."),
        ("queue" = Option<String>, Query, description = "Only jobs of this queue (`fifo`, `pinned`, `bulk`)."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "Page size (default 50)."),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Jobs skipped (default 0)."),
    ),
    responses(
        (status = 200, description = "A page of jobs.", body = Vec<JobView>,
            headers(("X-Total-Count" = u64, description = "Jobs matching the filter, over all pages."))),
        (status = 422, description = "A query value breaks a rule; the message names it (`validation_failed`).", body = ErrorBody),
    )
)]
fn list_jobs() {}

/// One job record.
#[utoipa::path(
    get,
    path = "/jobs/{id}",
    tag = "jobs",
    params(("id" = String, Path, description = "The job id.")),
    responses(
        (status = 200, description = "The job.", body = JobView),
    )
)]
fn get_job() {}

/// Cancel a queued job.
///
/// A `change` key cancels the jobs it submitted; cancelling another key's job needs `admin`.
#[utoipa::path(
    delete,
    path = "/jobs/{id}",
    tag = "jobs",
    params(("id" = String, Path, description = "The job id.")),
    responses(
        (status = 200, description = "The job, canceled.", body = JobView),
        (status = 409, description = "The job is not queued any more (`conflict`).", body = ErrorBody),
    )
)]
fn cancel_job() {}

/// Parse device output with a plugin; no device is involved.
#[utoipa::path(
    post,
    path = "/template/parse",
    tag = "parsing",
    request_body = ParseRequest,
    responses(
        (status = 200, description = "The parser's records.", body = ParsedRecords),
        (status = 502, description = "The plugin failed: trap, deadline, memory cap or an invalid answer (`plugin_failed`).", body = ErrorBody),
    )
)]
fn template_parse() {}

/// Loaded plugins, and the files that were refused.
#[utoipa::path(
    get,
    path = "/plugins",
    tag = "system",
    responses(
        (status = 200, description = "Plugins loaded and refused.", body = Plugins),
    )
)]
fn list_plugins() {}

/// Pool, queue, worker, cache, plugin and alert figures, read when asked.
#[utoipa::path(
    get,
    path = "/system/stats",
    tag = "system",
    responses(
        (status = 200, description = "The figures.", body = SystemStats),
    )
)]
fn system_stats() {}

/// Prometheus text exposition of every netpulse_* family.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "system",
    responses(
        (status = 200, description = "The exposition (text format 0.0.4).", body = String, content_type = "text/plain"),
    )
)]
fn metrics() {}

/// The config in force (secrets redacted), its file, the last reload and the keys waiting
/// for a restart.
#[utoipa::path(
    get,
    path = "/config",
    tag = "system",
    responses(
        (status = 200, description = "The config and its reload status.", body = ConfigStatus),
    )
)]
fn config() {}

/// Liveness.
#[utoipa::path(
    get,
    path = "/health",
    tag = "system",
    responses(
        (status = 200, description = "The gateway answers.", body = Health),
    )
)]
fn health() {}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "system",
    responses(
        (status = 200, description = "The OpenAPI document.", body = Object),
    )
)]
fn document() {}

/// The interactive API page (Swagger UI), served from files embedded in the binary.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "system",
    responses(
        (status = 303, description = "Redirect to the page itself, under `/docs/`.",
            headers(("Location" = String, description = "`/docs/`"))),
    )
)]
fn page() {}

/// One device of a bulk: its own connection fields and, optionally, its own work.
#[derive(utoipa::ToSchema)]
pub struct BulkDevice {
    /// Device name or address (required unless `device` names an inventory entry).
    host: Option<String>,
    /// An inventory device name.
    device: Option<String>,
    /// Overrides the shared `command`.
    command: Option<crate::api::request::OneOrMany>,
    /// Overrides the shared `config`.
    config: Option<crate::api::request::OneOrMany>,
    /// A site label, for strategies that plan by site.
    site: Option<String>,
    /// Labels for strategies.
    tags: Option<Vec<String>>,
    /// Any `connection_args` field (`port`, `device_type`, `username`, `password`, ...).
    #[serde(flatten)]
    args: std::collections::BTreeMap<String, serde_json::Value>,
}

/// `strategy` of a bulk.
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    /// A strategy plugin (`rolling`, `canary`, `by-site`, or one dropped in).
    name: String,
    /// The strategy's parameters (each plugin documents its own).
    params: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}
