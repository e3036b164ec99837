//! Running a batch: each wave's jobs go into the bulk lane at the wave's concurrency, the
//! strategy decides after every wave (continue, abort, pause), and the batch's end is
//! recorded and announced.

use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use tokio::sync::mpsc;

use super::{ROOM_POLL, Summary, WaveRecord, status, word};
use crate::jobs::lanes::Lane;
use crate::jobs::webhook::Webhook;
use crate::jobs::{Error, JobSpec, JobStatus, Jobs};
use crate::plugin::calls::{Decision, WaveSummary};
use crate::store::{BatchRow, SealedJob};

impl Jobs {
    pub(super) async fn run_batch(&self, id: &str) -> Result<(), Error> {
        let store = self.deps().store.clone();
        loop {
            let Some(batch) = store.get_batch(id).await? else {
                return Ok(());
            };
            if batch.status != status::RUNNING || self.is_shutting_down() {
                return Ok(());
            }
            let mut waves: Vec<WaveRecord> = serde_json::from_str(&batch.waves).unwrap_or_default();
            let w = batch.current_wave.max(0) as usize;
            if w >= waves.len() {
                return self.end_batch(&batch, &waves, status::FINISHED, None).await;
            }
            let summary = self.run_wave(&batch, w as i64, &waves[w]).await?;
            tracing::info!(
                wave = w,
                succeeded = summary.succeeded,
                failed = summary.failed,
                "wave done"
            );
            let (decision, reason) = match &batch.strategy {
                None => (Decision::Continue, None),
                Some(name) => {
                    let question = WaveSummary {
                        wave: w as u32,
                        succeeded: summary.succeeded,
                        failed: summary.failed,
                        failed_hosts: summary.failed_hosts.clone(),
                    };
                    let (strategies, name, params) = (
                        self.deps().strategies.clone(),
                        name.clone(),
                        batch.params.clone(),
                    );
                    let answer = tokio::task::spawn_blocking(move || {
                        strategies
                            .after_wave(&name, &question, &params)
                            .map_err(|e| format!("strategy {name} failed after wave {w}: {e}"))
                    })
                    .await
                    .unwrap_or_else(|e| Err(format!("the after-wave task failed: {e}")));
                    match answer {
                        Ok(decision) => (decision, None),
                        Err(reason) => (Decision::Abort, Some(reason)),
                    }
                }
            };
            tracing::info!(wave = w, decision = word(decision), "strategy decided");
            waves[w].decision = Some(word(decision).into());
            waves[w].summary = Some(summary.clone());
            let last = w + 1 == waves.len();
            let text = serde_json::to_string(&waves).unwrap_or_else(|_| "[]".into());
            match decision {
                Decision::Continue | Decision::Pause if last => {
                    return self.end_batch(&batch, &waves, status::FINISHED, None).await;
                }
                Decision::Continue => {
                    let moved = store
                        .update_batch(
                            id,
                            status::RUNNING,
                            status::RUNNING,
                            &text,
                            w as i64 + 1,
                            None,
                            None,
                            None,
                        )
                        .await?;
                    if !moved {
                        return Ok(());
                    }
                }
                Decision::Pause => {
                    store
                        .update_batch(
                            id,
                            status::RUNNING,
                            status::PAUSED,
                            &text,
                            w as i64 + 1,
                            None,
                            None,
                            None,
                        )
                        .await?;
                    tracing::info!(
                        wave = w,
                        "batch paused by its strategy; POST /batches/{id}/resume continues it"
                    );
                    return Ok(());
                }
                Decision::Abort => {
                    let reason = reason.unwrap_or_else(|| {
                        format!(
                            "strategy {} aborted after wave {w}: {} of {} devices failed",
                            batch.strategy.as_deref().unwrap_or("-"),
                            summary.failed,
                            summary.failed + summary.succeeded
                        )
                    });
                    let canceled = store
                        .cancel_batch_rest(id, w as i64 + 1, &crate::time::now(), &reason)
                        .await?;
                    tracing::warn!(wave = w, canceled, %reason, "batch aborted");
                    return self
                        .end_batch(&batch, &waves, status::ABORTED, Some(&reason))
                        .await;
                }
            }
        }
    }

    /// Runs one wave: its queued jobs enter the bulk lane in device order, at most
    /// `concurrency` at a time and only while the worker queue is under half full (the other
    /// half stays for single execs); returns once every job of the wave has ended.
    async fn run_wave(
        &self,
        batch: &BatchRow,
        wave: i64,
        record: &WaveRecord,
    ) -> Result<Summary, Error> {
        let store = &self.deps().store;
        let jobs = store.wave_jobs(&batch.id, wave).await?;
        let limit = match record.concurrency {
            0 => usize::MAX,
            c => c as usize,
        };
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<String>();
        let mut in_flight = 0usize;
        for job in jobs
            .iter()
            .filter(|j| j.status == JobStatus::Queued.as_str())
        {
            while in_flight >= limit || !self.bulk_room() {
                tokio::select! {
                    Some(_) = done_rx.recv() => in_flight -= 1,
                    () = tokio::time::sleep(ROOM_POLL) => {}
                }
            }
            let spec = match self.unseal(job) {
                Ok(spec) => spec,
                Err(reason) => {
                    tracing::error!(job_id = %job.id, %reason, "cannot rebuild a bulk job");
                    store
                        .fail_queued(&job.id, &crate::time::now(), "unrecoverable", &reason)
                        .await?;
                    continue;
                }
            };
            self.inner
                .queued
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.inner
                .enqueue(Lane::Bulk, job.id.clone(), spec, Some(done_tx.clone()));
            in_flight += 1;
        }
        // Every dispatched job's sender is dropped when it ends, so this ends too.
        drop(done_tx);
        while in_flight > 0 && done_rx.recv().await.is_some() {
            in_flight -= 1;
        }
        let ended = store.wave_jobs(&batch.id, wave).await?;
        let mut summary = Summary {
            succeeded: 0,
            failed: 0,
            failed_hosts: Vec::new(),
        };
        for job in ended {
            if job.status == JobStatus::Finished.as_str() {
                summary.succeeded += 1;
            } else {
                summary.failed += 1;
                summary.failed_hosts.push(job.host);
            }
        }
        Ok(summary)
    }

    /// Whether the bulk lane may take another job: the worker queue is under half full.
    fn bulk_room(&self) -> bool {
        let size = self.queue_size();
        self.queue_depth() < (size / 2).max(1)
    }

    /// The spec of a queued job from its sealed request.
    pub(crate) fn unseal(&self, job: &SealedJob) -> Result<JobSpec, String> {
        let sealed = job.sealed.as_deref().ok_or(
            "the job's request was not kept (it was accepted before requests were sealed)",
        )?;
        let text = self
            .deps()
            .sealer
            .open(&job.id, sealed)
            .map_err(|e| e.to_string())?;
        (self.deps().rebuild)(&text)
            .map_err(|e| format!("the stored request is no longer valid: {e}"))
    }

    async fn end_batch(
        &self,
        batch: &BatchRow,
        waves: &[WaveRecord],
        end: &str,
        reason: Option<&str>,
    ) -> Result<(), Error> {
        let store = &self.deps().store;
        let now = Utc::now();
        let expires = batch
            .result_ttl
            .and_then(|t| crate::time::after(now, Duration::from_secs(t.max(0).unsigned_abs())));
        let text = serde_json::to_string(waves).unwrap_or_else(|_| "[]".into());
        let ended = store
            .update_batch(
                &batch.id,
                status::RUNNING,
                end,
                &text,
                batch.current_wave.max(waves.len() as i64),
                reason,
                Some(&crate::time::format(now)),
                expires.as_deref(),
            )
            .await?;
        tracing::info!(status = end, "batch ended");
        if ended && let Some(sealed) = &batch.sealed {
            self.announce_batch(&batch.id, sealed).await;
        }
        Ok(())
    }

    async fn announce_batch(&self, id: &str, sealed: &str) {
        let store = self.deps().store.clone();
        let hook = self
            .deps()
            .sealer
            .open(id, sealed)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()))
            .and_then(|value| Webhook::from_json(&value).map_err(|e| e.to_string()));
        let hook = match hook {
            Ok(hook) => hook,
            Err(e) => {
                tracing::warn!(batch_id = %id, error = %e, "cannot read the batch webhook");
                return;
            }
        };
        let body = match self.batch(id).await {
            Ok(body) => body,
            Err(_) => return,
        };
        crate::jobs::webhook_target::announce_batch(store, &self.deps().webhooks, id, hook, body);
    }
}
