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
//! - `claims`: which jobs this process holds queued or running (workers and cancels agree).
//! - [`vendors`]: where session profiles, parsers and strategies come from.
//! - [`lanes`]: the worker queue's exec and bulk lanes (fair scheduling).
//! - [`batch`]: bulk batches: planning waves with a strategy plugin and running them.
//! - [`seal`]: requests sealed at rest, so queued work survives a restart.
//! - [`webhook`]: announcing a job's or batch's end.
//! - [`targets`]: `security.allowed_targets`, checked at submit and before connecting.
//! - `supervise`: a panic fails its job, never the worker.

pub mod batch;
pub mod cached;
mod claims;
pub mod lanes;
pub mod model;
pub mod pinned;
pub mod runner;
pub mod seal;
mod supervise;
pub mod targets;
pub mod vendors;
pub mod webhook;
pub mod webhook_target;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tracing::Instrument;

use crate::cache::Cache;
use crate::metrics::Metrics;
use crate::ssh::Connector;
use crate::ssh::pool::Pool;
use crate::store::{self, CancelOutcome, JobFilter, JobRow, Store};
use lanes::{Lane, Lanes};
pub use model::{Driver, Job, JobSpec, Work, new_row};
pub use vendors::{Parsers, PluginVendors, Profiles, Strategies};

/// Rebuilds a job spec from the request text it was sealed from (the API's validation, with
/// the config in force), for jobs that run after a restart or when their wave comes.
pub type Rebuild = Arc<dyn Fn(&str) -> Result<JobSpec, String> + Send + Sync>;

/// How often records past their `result_ttl` are deleted.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

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
    /// No batch with that id.
    #[error("no batch with id {0}")]
    BatchNotFound(String),
    /// Resume asked for a batch that is not paused.
    #[error("batch {id} is {status}; only a paused batch can be resumed")]
    NotPaused {
        /// The batch.
        id: String,
        /// Its current status.
        status: String,
    },
    /// The request could not be sealed for storage.
    #[error(transparent)]
    Seal(#[from] seal::Error),
    /// The webhook's destination is refused (or does not resolve).
    #[error(transparent)]
    Webhook(#[from] webhook::Invalid),
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
    /// Bulk strategies (plan waves, decide after each).
    pub strategies: Arc<dyn Strategies>,
    /// Seals requests into job rows.
    pub sealer: seal::Sealer,
    /// Turns a sealed request back into a spec.
    pub rebuild: Rebuild,
    /// Where jobs may connect (`security.allowed_targets`, follows reloads).
    pub targets: targets::AllowedTargets,
    /// `worker.max_output_bytes`: device output one job may receive, all commands together.
    pub max_output_bytes: u64,
    /// Where webhooks may go, and the bound on deliveries under way.
    pub webhooks: webhook_target::Deliveries,
}

/// A queued job: its id and the spec (with secrets) a worker needs.
struct Queued {
    id: String,
    spec: JobSpec,
    /// Set for `pinned` jobs: the job runs only at its turn for the device.
    ticket: Option<pinned::Ticket>,
    /// Told when the job has ended (a batch runner counting its wave).
    done: Option<mpsc::UnboundedSender<String>>,
    /// What the cache answered at submit, so the worker does not ask again.
    lookup: Option<cached::Lookup>,
    /// Set when a `?wait` caller waits for this job: it gets the ended job from memory.
    waiter: Option<Waiter>,
    /// Set while the job's insert may still be in flight: whether it committed.
    inserted: Option<watch::Receiver<Option<bool>>>,
}

/// A `?wait` caller's end of a job: the row as recorded at submit, which the worker
/// completes with what it wrote at the end, so the answer needs no read of the store.
struct Waiter {
    row: Box<JobRow>,
    reply: oneshot::Sender<Job>,
}

/// What a worker recorded when a job ended.
struct Ended {
    status: &'static str,
    worker: Option<String>,
    started_at: Option<String>,
    ended_at: String,
    result: Box<serde_json::value::RawValue>,
    result_expires_at: Option<String>,
}

impl Waiter {
    /// Answers the caller with the job as it now stands in the store.
    fn answer(self, ended: Ended) {
        let mut row = *self.row;
        row.status = ended.status.into();
        row.worker = ended.worker;
        row.started_at = ended.started_at;
        row.ended_at = Some(ended.ended_at);
        row.result_expires_at = ended.result_expires_at;
        let mut job = Job::from_row(&row);
        job.result = Some(ended.result);
        let _ = self.reply.send(job);
    }
}

/// The job service: submit, query, cancel, wait. Cheap to clone.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

struct Inner {
    deps: Arc<Deps>,
    lanes: Lanes<Queued>,
    /// Jobs waiting for a worker in either lane, bounded by `queue_size` for execs (bulk
    /// jobs enter only while it is under half full).
    queued: AtomicUsize,
    queue_size: AtomicUsize,
    /// Workers wanted; a worker whose number is at or past it exits after its job.
    workers_wanted: AtomicUsize,
    workers_running: AtomicUsize,
    metrics: Metrics,
    pinned: pinned::Pinned,
    /// Jobs queued or running here; a worker and a cancel decide on them.
    claims: claims::Claims,
    /// Ids of jobs canceled while queued, so their `?wait` callers answer at once.
    canceled: broadcast::Sender<Arc<str>>,
    shutting_down: AtomicBool,
    busy_workers: AtomicUsize,
    /// Batch ids with a runner in this process (and whether to look again when it ends),
    /// so a resume never starts a second runner.
    batch_runners: std::sync::Mutex<std::collections::HashMap<String, bool>>,
}

/// How many cancel notifications a slow waiter may miss before it re-reads the store.
const CANCELED_BACKLOG: usize = 1024;

impl Jobs {
    /// Starts `workers` workers over a queue of `queue_size`.
    pub fn start(deps: Deps, workers: usize, queue_size: usize, metrics: Metrics) -> Self {
        let (canceled, _) = broadcast::channel(CANCELED_BACKLOG);
        let inner = Arc::new(Inner {
            deps: Arc::new(deps),
            lanes: Lanes::default(),
            queued: AtomicUsize::new(0),
            queue_size: AtomicUsize::new(queue_size.max(1)),
            workers_wanted: AtomicUsize::new(0),
            workers_running: AtomicUsize::new(0),
            metrics,
            pinned: pinned::Pinned::default(),
            canceled,
            claims: claims::Claims::default(),
            shutting_down: AtomicBool::new(false),
            busy_workers: AtomicUsize::new(0),
            batch_runners: Default::default(),
        });
        let jobs = Self { inner };
        jobs.resize(workers, queue_size);
        let store = jobs.inner.deps.store.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            loop {
                tick.tick().await;
                sweep_expired(&store).await;
            }
        });
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
                tokio::spawn(supervise::keep_running(inner, running));
            }
        }
    }

    /// Records a job and queues it. Fails with [`Error::QueueFull`] before writing anything
    /// when there is no room, so a 429 leaves nothing half-created.
    pub async fn submit(&self, spec: JobSpec) -> Result<Job, Error> {
        self.submit_with(spec, None).await
    }

    /// [`Jobs::submit`], then waits up to `limit` for the job to end and returns it as it
    /// stands (`?wait`). The worker hands the ended job over in memory; the store is read
    /// only when the wait runs out or the job was canceled.
    pub async fn submit_and_wait(&self, spec: JobSpec, limit: Duration) -> Result<Job, Error> {
        let mut canceled = self.inner.canceled.subscribe();
        let (reply, ended) = oneshot::channel();
        let job = self.submit_with(spec, Some(reply)).await?;
        if job.is_done() {
            return Ok(job);
        }
        let deadline = tokio::time::Instant::now() + limit;
        let mut ended = std::pin::pin!(ended);
        let mut worker_let_go = false;
        loop {
            tokio::select! {
                answer = &mut ended, if !worker_let_go => match answer {
                    Ok(job) => return Ok(job),
                    // The worker let go without an end of its own (canceled, or its state
                    // could not be written): the store says; a cancel may still be landing.
                    Err(_) => {
                        let now = self.get(&job.id).await?;
                        if now.is_done() {
                            return Ok(now);
                        }
                        worker_let_go = true;
                    }
                },
                id = canceled.recv() => match id {
                    Ok(id) if *id != *job.id => continue,
                    // This job, or missed notifications: look at the store.
                    _ => {
                        let now = self.get(&job.id).await?;
                        if now.is_done() {
                            return Ok(now);
                        }
                        canceled = canceled.resubscribe();
                    }
                },
                () = tokio::time::sleep_until(deadline) => return self.get(&job.id).await,
            }
        }
    }

    async fn submit_with(
        &self,
        spec: JobSpec,
        reply: Option<oneshot::Sender<Job>>,
    ) -> Result<Job, Error> {
        if self.inner.shutting_down.load(Ordering::Relaxed) {
            return Err(Error::ShuttingDown);
        }
        if let Some(hook) = &spec.webhook {
            self.inner.deps.webhooks.admit(hook).await?;
        }
        // A job the cache answers whole needs no worker and no queue slot: it is recorded
        // ended, in one write. Pinned jobs keep their turn order, so they always queue.
        let mut lookup = None;
        if spec.cache.enabled && !spec.cache.refresh && spec.queue != "pinned" {
            let mut found = cached::lookup(&self.inner.deps, &spec).await;
            if let Some(outcome) = runner::answered_by_cache(&spec, &mut found) {
                return self.record_answered(&spec, outcome).await;
            }
            lookup = Some(found);
        }
        let limit = self.inner.queue_size.load(Ordering::Relaxed);
        self.inner
            .queued
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < limit).then_some(n + 1)
            })
            .map_err(|_| Error::QueueFull(limit))?;
        let id = model::new_id();
        let row = new_row(&id, &spec, Utc::now(), None);
        let sealed = match spec
            .source
            .as_deref()
            .map(|s| self.inner.deps.sealer.seal(&id, s))
        {
            Some(Err(e)) => {
                self.inner.queued.fetch_sub(1, Ordering::Relaxed);
                return Err(e.into());
            }
            Some(Ok(sealed)) => Some(sealed),
            None => None,
        };
        let inserted = match self
            .inner
            .deps
            .store
            .begin_insert_job(row.clone(), sealed.as_deref())
        {
            Ok(inserted) => inserted,
            Err(e) => {
                self.inner.queued.fetch_sub(1, Ordering::Relaxed);
                return Err(e.into());
            }
        };
        // Queued while the insert commits: a worker that takes the job first waits for the
        // insert's outcome (below) before it goes to the device.
        let job = Job::from_row(&row);
        let waiter = reply.map(|reply| Waiter {
            row: Box::new(row),
            reply,
        });
        let (insert_outcome, insert_seen) = watch::channel(None);
        self.inner.enqueue_queued(
            Lane::Exec,
            Queued {
                id,
                spec,
                ticket: None,
                done: None,
                lookup,
                waiter,
                inserted: Some(insert_seen),
            },
        );
        let inserted = inserted.await;
        insert_outcome.send_replace(Some(inserted.is_ok()));
        inserted?;
        Ok(job)
    }

    /// Records a job the cache answered, already ended.
    async fn record_answered(
        &self,
        spec: &JobSpec,
        outcome: runner::Outcome,
    ) -> Result<Job, Error> {
        let id = model::new_id();
        let now = Utc::now();
        let at = model::format_time(now);
        let mut row = new_row(&id, spec, now, None);
        row.status = outcome.status.into();
        row.worker = Some("cache".into());
        row.started_at = Some(at.clone());
        row.ended_at = Some(at);
        if let Some((kind, message)) = &outcome.error {
            row.error_type = Some(kind.clone());
            row.error_message = Some(message.clone());
        }
        row.result_expires_at = result_expiry(spec);
        // The answer takes the result as it is; only the row gets its text (a hit's
        // output is kilobytes: no parse back, no second copy of the row).
        let result = model::raw_result(&outcome.result);
        let mut job = Job::from_row(&row);
        row.result = Some(result.get().to_owned());
        job.result = Some(result);
        self.inner.deps.store.begin_insert_job(row, None)?.await?;
        self.inner.metrics.job_outcome(outcome.status);
        announce(&self.inner, &id, spec);
        Ok(job)
    }

    /// One job.
    pub async fn get(&self, id: &str) -> Result<Job, Error> {
        match self.inner.deps.store.get_job(id).await? {
            Some(row) => Ok(Job::from_row(&row)),
            None => Err(Error::NotFound(id.to_string())),
        }
    }

    /// A page of jobs and the total count.
    pub async fn list(&self, filter: &JobFilter) -> Result<(Vec<Job>, i64), Error> {
        let (rows, total) = self.inner.deps.store.list_jobs(filter).await?;
        Ok((rows.iter().map(Job::from_row).collect(), total))
    }

    /// Cancels a queued job.
    pub async fn cancel(&self, id: &str) -> Result<Job, Error> {
        if self.inner.claims.cancel(id) == claims::Found::Running {
            return Err(Error::NotQueued {
                id: id.to_string(),
                status: model::status::STARTED.into(),
            });
        }
        match self.inner.deps.store.cancel_job(id, &model::now()).await? {
            CancelOutcome::Canceled => {
                let _ = self.inner.canceled.send(Arc::from(id));
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

impl Inner {
    /// Puts an accepted job (already counted in `queued`) in its lane.
    fn enqueue(
        &self,
        lane: Lane,
        id: String,
        spec: JobSpec,
        done: Option<mpsc::UnboundedSender<String>>,
    ) {
        self.enqueue_queued(
            lane,
            Queued {
                id,
                spec,
                ticket: None,
                done,
                lookup: None,
                waiter: None,
                inserted: None,
            },
        );
    }

    /// [`Inner::enqueue`] of a job with everything its worker needs already set (what the
    /// cache answered, its waiter). The job is claimed as queued here, and pinned tickets
    /// are taken here, in submit order, which is the order pinned jobs then run in.
    fn enqueue_queued(&self, lane: Lane, mut job: Queued) {
        self.claims.queue(&job.id);
        job.ticket = (lane == Lane::Exec && job.spec.queue == "pinned")
            .then(|| self.pinned.ticket(&job.spec.target.label()));
        self.lanes.push(lane, job);
    }

    /// Workers bulk jobs may hold now.
    fn bulk_cap(&self) -> usize {
        lanes::bulk_share(self.workers_wanted.load(Ordering::Relaxed))
    }
}

async fn sweep_expired(store: &Store) {
    let now = model::now();
    match store.delete_expired_jobs(&now).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(jobs = n, "deleted job records past their result_ttl"),
        Err(e) => tracing::warn!(error = %e, "cannot delete expired job records"),
    }
    if let Err(e) = store.delete_expired_batches(&now).await {
        tracing::warn!(error = %e, "cannot delete expired batch records");
    }
}

async fn worker(inner: Arc<Inner>, number: usize) {
    let name = format!("worker-{number}");
    loop {
        if number >= inner.workers_wanted.load(Ordering::Relaxed) {
            inner.workers_running.fetch_sub(1, Ordering::Relaxed);
            inner.lanes.wake();
            return;
        }
        let (next, lane) = inner.lanes.next(|| inner.bulk_cap()).await;
        let Queued {
            id,
            spec,
            ticket,
            done,
            lookup,
            waiter,
            inserted,
        } = next;
        if let Some(ticket) = &ticket {
            inner.pinned.wait_turn(ticket).await;
        }
        inner.queued.fetch_sub(1, Ordering::Relaxed);
        inner.busy_workers.fetch_add(1, Ordering::Relaxed);
        let span =
            tracing::info_span!("job", job_id = %id, device = %spec.target.label(), worker = %name);
        let claimed = inner.claims.start(&id);
        let ended = if claimed {
            let run = run_one(&inner, &id, &spec, &name, lookup, inserted);
            match supervise::caught(run.instrument(span.clone())).await {
                Ok(ended) => ended,
                Err(panic) => {
                    supervise::fail_panicked(&inner, &id, &spec, &name, &panic)
                        .instrument(span)
                        .await
                }
            }
        } else {
            None // canceled while queued
        };
        inner.claims.end(&id);
        if let (Some(waiter), Some(ended)) = (waiter, ended) {
            waiter.answer(ended);
        }
        if let Some(ticket) = &ticket {
            inner.pinned.done(ticket);
        }
        inner.busy_workers.fetch_sub(1, Ordering::Relaxed);
        if lane == Lane::Bulk {
            inner.lanes.bulk_done();
        }
        if let Some(done) = done {
            let _ = done.send(id);
        }
    }
}

/// Runs one job and records its end; returns what it recorded (`None` when it did not run:
/// canceled while queued, or its state could not be written).
async fn run_one(
    inner: &Arc<Inner>,
    id: &str,
    spec: &JobSpec,
    worker: &str,
    lookup: Option<cached::Lookup>,
    inserted: Option<watch::Receiver<Option<bool>>>,
) -> Option<Ended> {
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
        let result = model::raw_result(
            &serde_json::json!({"type": 2, "retval": [], "error": {"type": "expired", "message": message}}),
        );
        let (ended_at, expires) = (model::now(), result_expiry(spec));
        let recorded = store
            .finish_job(
                id,
                model::status::FAILED,
                &ended_at,
                result.get(),
                Some(("expired", &message)),
                expires.as_deref(),
            )
            .await;
        announce(inner, id, spec);
        return match recorded {
            Ok(()) => Some(Ended {
                status: model::status::FAILED,
                worker: None,
                started_at: None,
                ended_at,
                result,
                result_expires_at: expires,
            }),
            Err(e) => {
                tracing::error!(error = %e, "cannot record expired job");
                None
            }
        };
    }
    // A config push touches the device only once its row exists. Show commands run while
    // their row commits (one database round trip less per job); their end is written, and
    // answered, only once the insert is known to have landed. Jobs recorded before they
    // were queued (bulk, recovery) have no insert in flight.
    let (recorded, mut insert_in_flight) = match inserted {
        None => (Some(true), None),
        Some(seen) if matches!(spec.work, Work::Commands(_)) => (Some(true), Some(seen)),
        Some(mut seen) => (insert_outcome(&mut seen).await, None),
    };
    if recorded == Some(false) {
        return None; // the submitter already reported the failed insert
    }
    let started_at = model::now();
    let start = match store.begin_mark_started(id, worker, &started_at) {
        Ok(start) => start,
        Err(e) => {
            tracing::error!(error = %e, "cannot mark job started; skipping it");
            return None;
        }
    };
    // The claim already makes this worker the job's only runner, so the `started` write
    // commits while the device works; only when the insert's fate is unknown is it awaited.
    let start = if recorded.is_some() {
        Some(start)
    } else {
        match start.await {
            Ok(true) => None,
            Ok(false) => return None,
            Err(e) => {
                tracing::error!(error = %e, "cannot mark job started; skipping it");
                return None;
            }
        }
    };
    let outcome = match lookup {
        Some(lookup) => runner::run_with(&inner.deps, spec, lookup).await,
        None => runner::run(&inner.deps, spec).await,
    };
    if let Some(seen) = &mut insert_in_flight
        && insert_outcome(seen).await == Some(false)
    {
        return None; // the submitter already reported the failed insert
    }
    let error = outcome
        .error
        .as_ref()
        .map(|(kind, message)| (kind.as_str(), message.as_str()));
    if let Some((kind, message)) = error {
        tracing::info!(error.kind = kind, error.message = message, "job failed");
    } else {
        tracing::debug!("job finished");
    }
    if let Some(start) = start {
        match start.await {
            Ok(true) => {}
            Ok(false) => tracing::warn!("the job's row was no longer queued when it started"),
            Err(e) => tracing::error!(error = %e, "cannot mark job started"),
        }
    }
    let (ended_at, expires) = (model::now(), result_expiry(spec));
    let result = model::raw_result(&outcome.result);
    let recorded = store
        .finish_job(
            id,
            outcome.status,
            &ended_at,
            result.get(),
            error,
            expires.as_deref(),
        )
        .await;
    inner.metrics.job_outcome(outcome.status);
    announce(inner, id, spec);
    match recorded {
        Ok(()) => Some(Ended {
            status: outcome.status,
            worker: Some(worker.to_string()),
            started_at: Some(started_at),
            ended_at,
            result,
            result_expires_at: expires,
        }),
        Err(e) => {
            tracing::error!(error = %e, "cannot record job result");
            None
        }
    }
}

/// Waits for the submitter to report how the job's insert went: `None` when it went away
/// before it knew.
async fn insert_outcome(seen: &mut watch::Receiver<Option<bool>>) -> Option<bool> {
    match seen.wait_for(Option::is_some).await {
        Ok(outcome) => *outcome,
        Err(_) => None,
    }
}

/// When a job ending now is deleted.
fn result_expiry(spec: &JobSpec) -> Option<String> {
    spec.result_ttl
        .and_then(|ttl| model::after(Utc::now(), ttl))
}

/// Sends the ended job to its webhook, off the worker (the end state is already stored).
fn announce(inner: &Arc<Inner>, id: &str, spec: &JobSpec) {
    if let Some(hook) = spec.webhook.clone() {
        webhook_target::announce_job(&inner.deps, id, hook);
    }
}

/// What a start did with the work a previous run left behind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovery {
    /// Interrupted jobs queued again (`retry_on_restart`).
    pub requeued: u64,
    /// Interrupted jobs failed ("gateway restarted").
    pub failed: u64,
    /// Queued single jobs put back in the queue.
    pub resumed_jobs: usize,
    /// Queued jobs whose request could not be rebuilt (failed with the reason).
    pub unrecoverable: usize,
    /// Running batches continued from their current wave.
    pub resumed_batches: usize,
}

impl Jobs {
    /// At start: jobs a crash left `started` end `failed` ("gateway restarted") or, when they
    /// asked for it and only read, are queued again; queued jobs run; running batches
    /// continue from the wave they were in. Paused batches wait for their resume.
    pub async fn recover(&self) -> Result<Recovery, Error> {
        let store = &self.inner.deps.store;
        let interrupted = store
            .recover_started(&model::now(), "gateway restarted")
            .await?;
        let mut report = Recovery {
            requeued: interrupted.requeued,
            failed: interrupted.failed,
            ..Recovery::default()
        };
        for job in store.queued_singles().await? {
            match self.unseal(&job) {
                Ok(spec) => {
                    self.inner.queued.fetch_add(1, Ordering::Relaxed);
                    self.inner.enqueue(Lane::Exec, job.id, spec, None);
                    report.resumed_jobs += 1;
                }
                Err(reason) => {
                    let message = format!(
                        "gateway restarted before the job ran, and it cannot run: {reason}"
                    );
                    store
                        .fail_queued(&job.id, &model::now(), "restarted", &message)
                        .await?;
                    report.unrecoverable += 1;
                }
            }
        }
        for batch in store.batches_in(batch::status::RUNNING).await? {
            self.spawn_batch(batch.id);
            report.resumed_batches += 1;
        }
        if report != Recovery::default() {
            tracing::warn!(
                requeued = report.requeued,
                failed = report.failed,
                resumed_jobs = report.resumed_jobs,
                unrecoverable = report.unrecoverable,
                resumed_batches = report.resumed_batches,
                "recovered work left by a previous run"
            );
        }
        Ok(report)
    }
}
