//! The workers: each takes the next job from the lanes, runs it on its device (or ends it
//! when it waited past its `ttl`), and records its end through [`record_end`], the one end
//! path every job a worker took goes through, the panicked ones included.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::Utc;
use tokio::sync::{mpsc, oneshot, watch};
use tracing::Instrument;

use super::lanes::Lane;
use super::{
    Inner, Job, JobSpec, JobStatus, Work, cached, model, pinned, runner, supervise, webhook_target,
};
use crate::store::JobRow;

/// A queued job: its id and the spec (with secrets) a worker needs.
pub(super) struct Queued {
    pub(super) id: String,
    pub(super) spec: JobSpec,
    /// Set for `pinned` jobs: the job runs only at its turn for the device.
    pub(super) ticket: Option<pinned::Ticket>,
    /// Told when the job has ended (a batch runner counting its wave).
    pub(super) done: Option<mpsc::UnboundedSender<String>>,
    /// What the cache answered at submit, so the worker does not ask again.
    pub(super) lookup: Option<cached::Lookup>,
    /// Set when a `?wait` caller waits for this job: it gets the ended job from memory.
    pub(super) waiter: Option<Waiter>,
    /// Set while the job's insert may still be in flight: whether it committed.
    pub(super) inserted: Option<watch::Receiver<Option<bool>>>,
}

/// A `?wait` caller's end of a job: the row as recorded at submit, which the worker
/// completes with what it wrote at the end, so the answer needs no read of the store.
pub(super) struct Waiter {
    pub(super) row: Box<JobRow>,
    pub(super) reply: oneshot::Sender<Job>,
}

/// What a worker recorded when a job ended.
pub(super) struct Ended {
    status: JobStatus,
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
        row.status = ended.status.as_str().into();
        row.worker = ended.worker;
        row.started_at = ended.started_at;
        row.ended_at = Some(ended.ended_at);
        row.result_expires_at = ended.result_expires_at;
        let mut job = Job::from_row(&row);
        job.result = Some(ended.result);
        let _ = self.reply.send(job);
    }
}

/// Worker `number`: takes the next job from the lanes (exec first, bulk up to its share),
/// waits for a pinned job's turn, runs it under the panic guard, and answers its waiter.
pub(super) async fn worker(inner: Arc<Inner>, number: usize) {
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
        && let Some(created) = crate::time::parse(&row.created_at)
        && Utc::now()
            .signed_duration_since(created)
            .to_std()
            .unwrap_or_default()
            > ttl
    {
        let message = format!("job waited longer than its ttl of {}s", ttl.as_secs());
        let outcome = runner::Outcome::failed("expired", message);
        return record_end(inner, id, spec, None, None, outcome).await;
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
    let started_at = crate::time::now();
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
    if let Some((kind, message)) = &outcome.error {
        tracing::info!(error.kind = %kind, error.message = %message, "job failed");
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
    record_end(inner, id, spec, Some(worker), Some(started_at), outcome).await
}

/// The one way a job that a worker took ends: its row gets the outcome, the metrics count
/// it, its webhook is told, and the waiter gets what was written (`None` when the write
/// failed: the store then still says `started`, and a restart's recovery ends it).
pub(super) async fn record_end(
    inner: &Arc<Inner>,
    id: &str,
    spec: &JobSpec,
    worker: Option<&str>,
    started_at: Option<String>,
    outcome: runner::Outcome,
) -> Option<Ended> {
    let (ended_at, expires) = (crate::time::now(), result_expiry(spec));
    let result = model::raw_result(&outcome.result);
    let error = outcome
        .error
        .as_ref()
        .map(|(kind, message)| (kind.as_str(), message.as_str()));
    let recorded = inner
        .deps
        .store
        .finish_job(
            id,
            outcome.status,
            &ended_at,
            result.get(),
            error,
            expires.as_deref(),
        )
        .await;
    inner.metrics.job_outcome(outcome.status.as_str());
    announce(inner, id, spec);
    match recorded {
        Ok(()) => Some(Ended {
            status: outcome.status,
            worker: worker.map(str::to_string),
            started_at,
            ended_at,
            result,
            result_expires_at: expires,
        }),
        Err(e) => {
            tracing::error!(error = %e, "cannot record the job's end");
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
pub(super) fn result_expiry(spec: &JobSpec) -> Option<String> {
    spec.result_ttl
        .and_then(|ttl| crate::time::after(Utc::now(), ttl))
}

/// Sends the ended job to its webhook, off the worker (the end state is already stored).
pub(super) fn announce(inner: &Arc<Inner>, id: &str, spec: &JobSpec) {
    if let Some(hook) = spec.webhook.clone() {
        webhook_target::announce_job(&inner.deps, id, hook);
    }
}
