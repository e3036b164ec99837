//! Jobs: the bounded queue, the worker pool, and the job lifecycle
//! (queued → started → finished | failed, or canceled while queued).
//!
//! Every state change is written to the store before it is acknowledged; specs (which hold
//! secrets) live only in memory.
//!
//! - [`model`]: the API's Job shape and the in-memory [`JobSpec`].
//! - [`runner`]: running one job on its device.
//! - [`pinned`]: per-device turns for `queue_strategy: pinned`.
//! - [`cached`]: the cache lookup before the device, and storing or invalidating after.
//! - [`vendors`]: where session profiles and parsers come from.

pub mod cached;
pub mod model;
pub mod pinned;
pub mod runner;
pub mod vendors;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Mutex, broadcast, mpsc};
use tracing::Instrument;
use uuid::Uuid;

use crate::cache::Cache;
use crate::metrics::Metrics;
use crate::ssh::Connector;
use crate::ssh::pool::Pool;
use crate::store::{self, CancelOutcome, JobFilter, JobRow, Store};
pub use model::{Driver, Job, JobSpec, Work};
pub use vendors::{Parsers, PluginVendors, Profiles};

/// Why a job could not be accepted or found.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The queue holds `worker.queue_size` jobs already.
    #[error("the job queue is full ({0} jobs waiting); retry later")]
    QueueFull(usize),
    /// The gateway is shutting down and accepts no new work.
    #[error("the gateway is shutting down")]
    ShuttingDown,
    /// No job with that id.
    #[error("no job with id {0}")]
    NotFound(String),
    /// Cancel asked for a job that already left the queue.
    #[error("job {id} is {status}, only queued jobs can be canceled")]
    NotQueued {
        /// The job.
        id: String,
        /// Its current status.
        status: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// What workers need to run jobs.
pub struct Deps {
    /// Opens SSH connections.
    pub connector: Connector,
    /// Long-lived sessions per device.
    pub pool: Pool,
    /// Job records.
    pub store: Store,
    /// Session profiles by platform.
    pub profiles: Arc<dyn Profiles>,
    /// Output parsers.
    pub parsers: Arc<dyn Parsers>,
    /// Connect latency and job outcomes are recorded here.
    pub metrics: Metrics,
    /// The result cache, asked before the device.
    pub cache: Cache,
}

/// A queued job: its id and the spec (with secrets) a worker needs.
struct Queued {
    id: String,
    spec: JobSpec,
    /// Set for `pinned` jobs: the job runs only at its turn for the device.
    ticket: Option<pinned::Ticket>,
}

/// The job service: submit, query, cancel, wait. Cheap to clone.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

struct Inner {
    deps: Arc<Deps>,
    sender: mpsc::UnboundedSender<Queued>,
    receiver: Arc<Mutex<mpsc::UnboundedReceiver<Queued>>>,
    /// Jobs waiting for a worker, bounded by `queue_size` (live-tunable, hence not the
    /// channel's own capacity).
    queued: AtomicUsize,
    queue_size: AtomicUsize,
    /// Workers wanted; a worker whose number is at or past it exits after its job.
    workers_wanted: AtomicUsize,
    workers_running: AtomicUsize,
    metrics: Metrics,
    pinned: pinned::Pinned,
    /// Ids of jobs that just ended, for `?wait` callers.
    ended: broadcast::Sender<Arc<str>>,
    shutting_down: AtomicBool,
    busy_workers: AtomicUsize,
}

/// How many finished-job notifications a slow waiter may miss before it re-reads the store.
const ENDED_BACKLOG: usize = 4096;

impl Jobs {
    /// Starts `workers` workers over a queue of `queue_size`.
    pub fn start(deps: Deps, workers: usize, queue_size: usize, metrics: Metrics) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let (ended, _) = broadcast::channel(ENDED_BACKLOG);
        let inner = Arc::new(Inner {
            deps: Arc::new(deps),
            sender,
            receiver: Arc::new(Mutex::new(receiver)),
            queued: AtomicUsize::new(0),
            queue_size: AtomicUsize::new(queue_size.max(1)),
            workers_wanted: AtomicUsize::new(0),
            workers_running: AtomicUsize::new(0),
            metrics,
            pinned: pinned::Pinned::default(),
            ended,
            shutting_down: AtomicBool::new(false),
            busy_workers: AtomicUsize::new(0),
        });
        let jobs = Self { inner };
        jobs.resize(workers, queue_size);
        jobs
    }

    /// Applies a new worker count and queue bound live: extra workers start at once,
    /// surplus ones stop after their current job; a lower bound only refuses new jobs.
    pub fn resize(&self, workers: usize, queue_size: usize) {
        let inner = &self.inner;
        inner.queue_size.store(queue_size.max(1), Ordering::Relaxed);
        let wanted = workers.max(1);
        inner.workers_wanted.store(wanted, Ordering::Relaxed);
        loop {
            let running = inner.workers_running.load(Ordering::Relaxed);
            if running >= wanted {
                break;
            }
            if inner
                .workers_running
                .compare_exchange(running, running + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                let inner = inner.clone();
                tokio::spawn(async move { worker(inner, running).await });
            }
        }
    }

    /// Records a job and queues it. Fails with [`Error::QueueFull`] before writing anything
    /// when there is no room, so a 429 leaves nothing half-created.
    pub async fn submit(&self, spec: JobSpec) -> Result<Job, Error> {
        if self.inner.shutting_down.load(Ordering::Relaxed) {
            return Err(Error::ShuttingDown);
        }
        let limit = self.inner.queue_size.load(Ordering::Relaxed);
        self.inner
            .queued
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < limit).then_some(n + 1)
            })
            .map_err(|_| Error::QueueFull(limit))?;
        let id = Uuid::new_v4().to_string();
        let created = Utc::now();
        let row = JobRow {
            id: id.clone(),
            status: model::status::QUEUED.into(),
            queue: spec.queue.clone(),
            worker: None,
            created_at: model::format_time(created),
            started_at: None,
            ended_at: None,
            host: spec.target.host.clone(),
            port: i64::from(spec.target.port),
            device_type: spec.device_type.clone(),
            kind: spec.work.kind().into(),
            command: serde_json::to_string(spec.work.lines()).unwrap_or_else(|_| "[]".into()),
            request: spec.redacted_request.to_string(),
            result: None,
            error_type: None,
            error_message: None,
            batch_id: None,
            expires_at: spec.ttl.and_then(|ttl| {
                chrono::Duration::from_std(ttl)
                    .ok()
                    .map(|ttl| model::format_time(created + ttl))
            }),
        };
        if let Err(e) = self.inner.deps.store.insert_job(&row).await {
            self.inner.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(e.into());
        }
        // Tickets are taken here, in submit order, which is the order pinned jobs then run in.
        let ticket =
            (spec.queue == "pinned").then(|| self.inner.pinned.ticket(&spec.target.label()));
        if let Err(mpsc::error::SendError(lost)) =
            self.inner.sender.send(Queued { id, spec, ticket })
        {
            if let Some(ticket) = &lost.ticket {
                self.inner.pinned.done(ticket);
            }
            // Workers are gone only when the runtime is shutting down.
            self.inner.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(Error::ShuttingDown);
        }
        Ok(Job::from_row(&row))
    }

    /// One job.
    pub async fn get(&self, id: &str) -> Result<Job, Error> {
        match self.inner.deps.store.get_job(id).await? {
            Some(row) => Ok(Job::from_row(&row)),
            None => Err(Error::NotFound(id.to_string())),
        }
    }

    /// Waits up to `limit` for the job to end, then returns it as it stands.
    pub async fn wait(&self, id: &str, limit: Duration) -> Result<Job, Error> {
        let mut ended = self.inner.ended.subscribe();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let job = self.get(id).await?;
            if job.is_done() {
                return Ok(job);
            }
            loop {
                match tokio::time::timeout_at(deadline, ended.recv()).await {
                    Err(_) => return self.get(id).await,
                    Ok(Ok(done)) if &*done == id => break,
                    Ok(Ok(_)) => continue,
                    // Missed notifications or closed channel: re-read the store.
                    Ok(Err(_)) => break,
                }
            }
        }
    }

    /// A page of jobs and the total count.
    pub async fn list(&self, filter: &JobFilter) -> Result<(Vec<Job>, i64), Error> {
        let (rows, total) = self.inner.deps.store.list_jobs(filter).await?;
        Ok((rows.iter().map(Job::from_row).collect(), total))
    }

    /// Cancels a queued job.
    pub async fn cancel(&self, id: &str) -> Result<Job, Error> {
        match self.inner.deps.store.cancel_job(id, &model::now()).await? {
            CancelOutcome::Canceled => {
                let _ = self.inner.ended.send(Arc::from(id));
                self.get(id).await
            }
            CancelOutcome::NotFound => Err(Error::NotFound(id.to_string())),
            CancelOutcome::NotQueued(status) => Err(Error::NotQueued {
                id: id.to_string(),
                status,
            }),
        }
    }

    /// Stops accepting jobs (503); queued and running jobs still finish.
    pub fn begin_shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::Relaxed);
    }

    /// Whether new work is refused.
    pub fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::Relaxed)
    }

    /// Jobs waiting for a worker.
    pub fn queue_depth(&self) -> usize {
        self.inner.queued.load(Ordering::Relaxed)
    }

    /// Capacity of the queue.
    pub fn queue_size(&self) -> usize {
        self.inner.queue_size.load(Ordering::Relaxed)
    }

    /// Workers running a job now.
    pub fn busy_workers(&self) -> usize {
        self.inner.busy_workers.load(Ordering::Relaxed)
    }

    /// The dependencies, for handlers that need the parsers or store directly.
    pub fn deps(&self) -> &Arc<Deps> {
        &self.inner.deps
    }
}

async fn worker(inner: Arc<Inner>, number: usize) {
    let name = format!("worker-{number}");
    loop {
        if number >= inner.workers_wanted.load(Ordering::Relaxed) {
            inner.workers_running.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        let next = { inner.receiver.lock().await.recv().await };
        let Some(Queued { id, spec, ticket }) = next else {
            return;
        };
        if let Some(ticket) = &ticket {
            inner.pinned.wait_turn(ticket).await;
        }
        inner.queued.fetch_sub(1, Ordering::Relaxed);
        inner.busy_workers.fetch_add(1, Ordering::Relaxed);
        let span =
            tracing::info_span!("job", job_id = %id, device = %spec.target.label(), worker = %name);
        run_one(&inner, &id, &spec, &name).instrument(span).await;
        if let Some(ticket) = &ticket {
            inner.pinned.done(ticket);
        }
        inner.busy_workers.fetch_sub(1, Ordering::Relaxed);
        let _ = inner.ended.send(Arc::from(id.as_str()));
    }
}

async fn run_one(inner: &Arc<Inner>, id: &str, spec: &JobSpec, worker: &str) {
    let store = &inner.deps.store;
    // TTL: a job that waited too long ends without touching the device.
    if let Some(ttl) = spec.ttl
        && let Ok(Some(row)) = store.get_job(id).await
        && let Ok(created) = chrono::DateTime::parse_from_rfc3339(&row.created_at)
        && Utc::now()
            .signed_duration_since(created)
            .to_std()
            .unwrap_or_default()
            > ttl
    {
        let message = format!("job waited longer than its ttl of {}s", ttl.as_secs());
        let result = serde_json::json!({"type": 2, "retval": [], "error": {"type": "expired", "message": message}});
        if let Err(e) = store
            .finish_job(
                id,
                model::status::FAILED,
                &model::now(),
                &result.to_string(),
                Some(("expired", &message)),
            )
            .await
        {
            tracing::error!(error = %e, "cannot record expired job");
        }
        return;
    }
    match store.mark_started(id, worker, &model::now()).await {
        Ok(true) => {}
        Ok(false) => return, // canceled while queued
        Err(e) => {
            tracing::error!(error = %e, "cannot mark job started; skipping it");
            return;
        }
    }
    let outcome = runner::run(&inner.deps, spec).await;
    let error = outcome
        .error
        .as_ref()
        .map(|(kind, message)| (kind.as_str(), message.as_str()));
    if let Some((kind, message)) = error {
        tracing::info!(error.kind = kind, error.message = message, "job failed");
    } else {
        tracing::debug!("job finished");
    }
    if let Err(e) = store
        .finish_job(
            id,
            outcome.status,
            &model::now(),
            &outcome.result.to_string(),
            error,
        )
        .await
    {
        tracing::error!(error = %e, "cannot record job result");
    }
    inner.metrics.job_outcome(outcome.status);
}
