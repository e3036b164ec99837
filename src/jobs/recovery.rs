//! What a start does with the work a previous run left behind: interrupted jobs fail
//! ("gateway restarted") or, when they asked for it and only read, run again; queued jobs
//! run; running batches continue from the wave they were in.

use std::sync::atomic::Ordering;

use super::lanes::Lane;
use super::{Error, Jobs};

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
            .recover_started(&crate::time::now(), "gateway restarted")
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
                        .fail_queued(&job.id, &crate::time::now(), "restarted", &message)
                        .await?;
                    report.unrecoverable += 1;
                }
            }
        }
        for batch in store.batches_in(super::batch::status::RUNNING).await? {
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
