//! Jobs: the bounded queue, the worker pool, and the job lifecycle
//! (queued → started → finished | failed, or canceled while queued).
//!
//! Every state change is written to the store before it is acknowledged; specs (which hold
//! secrets) live only in memory.
//!
//! - `submit`: accepting a job (cache answer, queue bound, insert) and `?wait`.
//! - `worker`: the worker loop, one job's run and its one end path.
//! - [`recovery`]: what a start does with the work a previous run left behind.
//! - `sweeper`: deleting records past their `result_ttl`.
//! - `warm`: cache warming (`cache.warm`) as ordinary jobs.
//! - `figures`: the queue, worker, pool and cache figures, and their metrics sample.
//! - [`check`]: `POST /device/test`: log in, see the prompt, leave.
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
pub mod check;
mod claims;
mod figures;
pub mod lanes;
pub mod model;
pub mod pinned;
pub mod recovery;
pub mod runner;
pub mod seal;
mod submit;
mod supervise;
mod sweeper;
pub mod targets;
pub mod vendors;
mod warm;
pub mod webhook;
pub mod webhook_target;
mod worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::{broadcast, mpsc};

use crate::cache::Cache;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::ssh::Connector;
use crate::ssh::pool::Pool;
use crate::store::{self, CancelOutcome, Store};
pub use crate::store::{JobFilter, JobStatus};
pub use check::DeviceCheck;
pub use figures::Figures;
use lanes::{Lane, Lanes};
pub use model::{Driver, Job, JobSpec, QueueStrategy, Work, new_row};
pub use recovery::Recovery;
pub use vendors::{Parsers, PluginVendors, Profiles, Strategies};
use worker::Queued;

/// Rebuilds a job spec from the request text it was sealed from (the API's validation, with
/// the config in force), for jobs that run after a restart or when their wave comes.
pub type Rebuild = Arc<dyn Fn(&str) -> Result<JobSpec, String> + Send + Sync>;

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

/// What the job service runs on: handed over at start, private to the service after.
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
        sweeper::spawn(jobs.inner.deps.store.clone());
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
                status: JobStatus::Started.as_str().into(),
            });
        }
        match self
            .inner
            .deps
            .store
            .cancel_job(id, &crate::time::now())
            .await?
        {
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

    /// Applies a reloaded config to what the service tunes live: where jobs may connect,
    /// the cache's settings, workers and queue bound, and where webhooks may go.
    pub fn apply(&self, config: &Arc<Config>) {
        let deps = &self.inner.deps;
        deps.targets.set(&config.security.allowed_targets);
        deps.cache
            .apply(&crate::cache::Settings::from_config(&config.cache));
        self.resize(config.worker.pool_size, config.worker.queue_size);
        deps.webhooks.apply(config.clone());
    }

    /// Parser names a request may give (`auto`, `textfsm`, plugin names).
    pub fn known_parsers(&self) -> Vec<String> {
        self.inner.deps.parsers.known()
    }

    /// Bulk strategy names a request may give.
    pub fn strategy_names(&self) -> Vec<String> {
        self.inner.deps.strategies.names()
    }

    /// `security.allowed_targets` as in force now (bulk checks many devices at once).
    pub fn allowed_targets(&self) -> &targets::AllowedTargets {
        &self.inner.deps.targets
    }

    /// Where webhooks may go, and the deliveries under way.
    pub fn webhooks(&self) -> &webhook_target::Deliveries {
        &self.inner.deps.webhooks
    }

    /// The dependencies, for this module's own files.
    fn deps(&self) -> &Arc<Deps> {
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
        job.ticket = (lane == Lane::Exec && job.spec.queue == QueueStrategy::Pinned)
            .then(|| self.pinned.ticket(&job.spec.target.label()));
        self.lanes.push(lane, job);
    }

    /// Workers bulk jobs may hold now.
    fn bulk_cap(&self) -> usize {
        lanes::bulk_share(self.workers_wanted.load(Ordering::Relaxed))
    }
}
