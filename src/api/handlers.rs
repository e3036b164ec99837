//! Route handlers: thin, each turning HTTP into a call on the job service and back.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{self, Caller};
use super::json::{Json, JsonWithText};
use super::query::Query;
use super::request::ExecutionRequest;
use super::{ApiError, AppState};
use crate::jobs::{Job, JobFilter, JobStatus};

/// Default and largest page for `GET /jobs`.
const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 1000;

/// `GET /health`: liveness, no auth.
pub async fn health() -> axum::Json<Value> {
    axum::Json(json!({"status": "ok"}))
}

/// Unknown routes get the API's error shape too.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

/// Query of `POST /device/exec`.
#[derive(Debug, Deserialize)]
pub struct WaitQuery {
    /// Seconds to hold the response until the job ends (text: checked here, so junk is a
    /// 422 in the API's shape, at most `checks::MAX_WAIT_SECS`).
    pub wait: Option<String>,
}

/// `POST /device/exec`: records and queues a job; 201 with the job.
pub async fn exec(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<WaitQuery>,
    JsonWithText(request, text): JsonWithText<ExecutionRequest>,
) -> Result<(StatusCode, axum::Json<Job>), ApiError> {
    caller.require(auth::exec_role(&request), "POST /device/exec with config")?;
    if state.jobs().is_shutting_down() {
        return Err(ApiError::ShuttingDown);
    }
    let config = state.config();
    // The list copies every plugin's name; only a request that names a parser needs it.
    let known = match &request.parsing {
        Some(_) => state.jobs().known_parsers(),
        None => Vec::new(),
    };
    let wait = super::checks::wait(query.wait.as_deref())?;
    let mut spec = request.into_spec(&config, &known)?;
    state
        .rate_limits()
        .check_devices(&config, || vec![spec.target.label()])?;
    spec.submitted_by = Some(caller.name.to_string());
    state.jobs().allowed_targets().check(&spec.target).await?;
    // Kept (sealed) with the job so it can still run after a restart.
    spec.source = Some(text);
    let submitted = match wait {
        Some(wait) => state.jobs().submit_and_wait(spec, wait).await,
        None => state.jobs().submit(spec).await,
    };
    let job = match submitted {
        Ok(job) => job,
        Err(e) => {
            if matches!(e, crate::jobs::Error::QueueFull(_)) {
                state.metrics().queue_rejected();
            }
            return Err(e.into());
        }
    };
    Ok((StatusCode::CREATED, axum::Json(job)))
}

/// `POST /device/bulk`: validates every device, plans the waves with the strategy, records
/// the batch and its jobs; 201 with the job per device (or, when the strategy could not plan,
/// the batch failed with its reason and every device under `failed`).
pub async fn bulk(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    if state.jobs().is_shutting_down() {
        return Err(ApiError::ShuttingDown);
    }
    let config = state.config();
    let jobs = state.jobs();
    let mut submission =
        super::bulk::parse(body, &config, &jobs.known_parsers(), &jobs.strategy_names())?;
    auth::admit_bulk(&state, &caller, &config, &mut submission)?;
    super::bulk::check_targets(jobs.allowed_targets(), &submission).await?;
    let hosts: Vec<String> = submission
        .devices
        .iter()
        .map(|d| d.spec.target.host.clone())
        .collect();
    let accepted = state.jobs().submit_bulk(submission).await?;
    let body = match &accepted.failure {
        None => json!({
            "batch_id": accepted.batch_id,
            "status": "running",
            "succeeded": accepted.jobs.iter().map(|(id, host)| json!({
                "id": id, "status": "queued", "queue": "bulk", "host": host,
            })).collect::<Vec<_>>(),
            "failed": [],
        }),
        Some(reason) => json!({
            "batch_id": accepted.batch_id,
            "status": "failed",
            "reason": reason,
            "succeeded": [],
            "failed": hosts.iter().map(|host| json!({"host": host, "reason": reason})).collect::<Vec<_>>(),
        }),
    };
    Ok((StatusCode::CREATED, axum::Json(body)))
}

/// `GET /batches/{id}`: progress, waves, per-device jobs and each wave's decision.
pub async fn get_batch(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    Ok(axum::Json(state.jobs().batch(&id).await?))
}

/// `POST /batches/{id}/resume`: continues a paused batch; 409 when it is not paused.
pub async fn resume_batch(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    Ok(axum::Json(state.jobs().resume_batch(&id).await?))
}

/// `POST /device/test`: connect, log in, see the prompt, disconnect; synchronous.
pub async fn test_device(
    State(state): State<AppState>,
    Json(request): Json<ExecutionRequest>,
) -> Result<axum::Json<Value>, ApiError> {
    let mut request = request;
    // The test needs no command; give the validator one so the same rules apply.
    if request.command.is_none() && request.config.is_none() {
        request.command = Some(super::request::OneOrMany::One("<connect>".into()));
    }
    let config = state.config();
    let spec = request.into_spec(&config, &["auto".to_string()])?;
    state
        .rate_limits()
        .check_devices(&config, || vec![spec.target.label()])?;
    state.jobs().allowed_targets().check(&spec.target).await?;
    let check = state.jobs().check_device(&spec).await;
    let (latency, timestamp) = (check.latency.as_secs_f64(), crate::time::now());
    Ok(axum::Json(match check.outcome {
        Ok(result) => {
            json!({"success": true, "latency": latency, "error": null, "result": result, "timestamp": timestamp})
        }
        Err(e) => {
            json!({"success": false, "latency": latency, "error": e, "result": null, "timestamp": timestamp})
        }
    }))
}

/// Query of `GET /jobs`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Filter by status.
    pub status: Option<String>,
    /// Filter by host.
    pub host: Option<String>,
    /// Filter by queue.
    pub queue: Option<String>,
    /// Page size.
    pub limit: Option<i64>,
    /// Rows skipped.
    pub offset: Option<i64>,
}

/// `GET /jobs`: a JSON array, total in `X-Total-Count`.
pub async fn list_jobs(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(status) = &query.status
        && JobStatus::parse(status).is_none()
    {
        return Err(ApiError::Invalid(format!(
            "status: unknown status {status:?}; known: {}",
            JobStatus::known()
        )));
    }
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::Invalid(format!(
            "limit: {limit} must be between 1 and {MAX_PAGE}"
        )));
    }
    let offset = query.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::Invalid(format!(
            "offset: {offset} must not be negative"
        )));
    }
    let filter = JobFilter {
        status: query.status,
        host: query.host,
        queue: query.queue,
        limit,
        offset,
    };
    let (jobs, total) = state.jobs().list(&filter).await?;
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&total.to_string()) {
        headers.insert("x-total-count", value);
    }
    Ok((headers, axum::Json(jobs)))
}

/// `GET /jobs/{id}`.
pub async fn get_job(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Job>, ApiError> {
    Ok(axum::Json(state.jobs().get(&id).await?))
}

/// `DELETE /jobs/{id}`: cancels a queued job; 409 when it already started.
pub async fn cancel_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<axum::Json<Job>, ApiError> {
    auth::admit_cancel(&state, &caller, &id).await?;
    Ok(axum::Json(state.jobs().cancel(&id).await?))
}

/// Body of `POST /template/parse`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParseRequest {
    /// Platform (Netmiko name or alias).
    pub platform: String,
    /// The command whose output `context` is.
    pub command: String,
    /// The device output to parse.
    pub context: String,
    /// Parser: `auto` (default), `textfsm`, or a plugin name.
    #[serde(default)]
    pub name: Option<String>,
}

/// `POST /template/parse`: parse text with a plugin, no device involved.
pub async fn template_parse(
    State(state): State<AppState>,
    Json(request): Json<ParseRequest>,
) -> Result<axum::Json<Value>, ApiError> {
    let platform = crate::config::platform::canonical(&request.platform).ok_or_else(|| {
        ApiError::Invalid(format!(
            "platform: unknown platform {:?}; known: {}",
            request.platform,
            crate::config::platform::known_names().join(", ")
        ))
    })?;
    let parser = request.name.as_deref().unwrap_or("auto");
    let host = state.plugins().clone();
    let (command, context) = (request.command, request.context);
    let parser = parser.to_string();
    // Plugin calls are synchronous and bounded by the call deadline; keep them off the
    // async workers.
    let parsed =
        tokio::task::spawn_blocking(move || host.parse(&parser, platform, &command, &context))
            .await
            .map_err(|e| ApiError::Internal(format!("parse task: {e}")))??;
    Ok(axum::Json(parsed))
}

/// `GET /plugins`: loaded plugins and refused files.
pub async fn list_plugins(State(state): State<AppState>) -> axum::Json<Value> {
    let (plugins, refused) = state.plugins().describe();
    axum::Json(
        json!({"plugins": plugins, "refused": refused, "directory": state.plugins().dir().display().to_string()}),
    )
}

/// `GET /system/stats`: pool, queue, worker and plugin figures, read when asked.
pub async fn system_stats(State(state): State<AppState>) -> axum::Json<Value> {
    let jobs = state.jobs();
    let config = state.config();
    jobs.sample_metrics();
    let figures = jobs.figures();
    let (plugins, refused) = state.plugins().describe();
    let alerts = state
        .metrics()
        .alerts(&alert_thresholds(&config), config.monitoring.window);
    let window = state.metrics().monitor().figures(config.monitoring.window);
    axum::Json(json!({
        "uptime_seconds": state.uptime(),
        "alerts": alerts,
        "window": window,
        "queue": {
            "depth": figures.queue_depth,
            "size": figures.queue_size,
        },
        "workers": {
            "size": config.worker.pool_size,
            "busy": figures.busy_workers,
        },
        "connection_pool": figures.pool,
        "cache": figures.cache,
        "plugins": {"loaded": plugins.len(), "refused": refused.len()},
    }))
}

/// `GET /metrics`: Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    state.jobs().sample_metrics();
    let config = state.config();
    // Evaluating alerts here keeps the alert gauge current for scrapers.
    state
        .metrics()
        .alerts(&alert_thresholds(&config), config.monitoring.window);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            crate::metrics::CONTENT_TYPE,
        )],
        state.metrics().render(),
    )
}

/// The alert rules' limits from `monitoring.thresholds`, as the metrics module takes them.
pub fn alert_thresholds(config: &crate::config::Config) -> crate::metrics::Thresholds {
    let t = &config.monitoring.thresholds;
    crate::metrics::Thresholds {
        api_response_time: t.api_response_time,
        connection_pool_utilization: t.connection_pool_utilization,
        cache_hit_rate: t.cache_hit_rate,
        database_query_time: t.database_query_time,
        worker_queue_size: t.worker_queue_size,
    }
}

/// `GET /config`: the effective config (secrets redacted), its file, last reload, pending keys.
pub async fn config(State(state): State<AppState>) -> axum::Json<Value> {
    axum::Json(state.live().status())
}
