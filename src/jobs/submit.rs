//! Accepting a job: a job the cache answers whole is recorded ended without a worker;
//! anything else takes a queue slot (or is refused with [`Error::QueueFull`] before a
//! byte is written), is sealed and inserted, and is queued while the insert commits.
//! `?wait` callers get the ended job from the worker in memory.

use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{oneshot, watch};

use super::lanes::Lane;
use super::worker::{self, Queued, Waiter};
use super::{Error, Job, JobSpec, Jobs, QueueStrategy, cached, model, new_row, runner};

impl Jobs {
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
        if spec.cache.enabled && !spec.cache.refresh && spec.queue != QueueStrategy::Pinned {
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
        let at = crate::time::format(now);
        let mut row = new_row(&id, spec, now, None);
        row.status = outcome.status.as_str().into();
        row.worker = Some("cache".into());
        row.started_at = Some(at.clone());
        row.ended_at = Some(at);
        if let Some((kind, message)) = &outcome.error {
            row.error_type = Some(kind.clone());
            row.error_message = Some(message.clone());
        }
        row.result_expires_at = worker::result_expiry(spec);
        // The answer takes the result as it is; only the row gets its text (a hit's
        // output is kilobytes: no parse back, no second copy of the row).
        let result = model::raw_result(&outcome.result);
        let mut job = Job::from_row(&row);
        row.result = Some(result.get().to_owned());
        job.result = Some(result);
        self.inner.deps.store.begin_insert_job(row, None)?.await?;
        self.inner.metrics.job_outcome(outcome.status.as_str());
        worker::announce(&self.inner, &id, spec);
        Ok(job)
    }
}
