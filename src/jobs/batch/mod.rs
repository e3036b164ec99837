//! Bulk batches. A bulk request becomes one batch row and one queued job row per device,
//! written in one transaction. A strategy plugin plans the waves before the request is
//! answered (so they are visible at once); a runner task then feeds each wave's jobs into
//! the bulk lane at the wave's concurrency, asks the strategy after every wave whether to
//! continue, abort or pause, and records each decision on the batch.
//!
//! Jobs reach the workers through their sealed requests, read back wave by wave: memory stays
//! proportional to a wave's concurrency, not the batch's size, and the path a batch takes
//! after a restart is the one it always takes.

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::lanes::Lane;
use super::webhook::Webhook;
use super::{Error, JobSpec, Jobs, model, new_row};
use crate::plugin::calls::{Decision, DeviceRef, Wave, WaveSummary};
use crate::store::{BatchRow, SealedJob};

/// Most devices one bulk request may name.
pub const MAX_DEVICES: usize = 10_000;

/// How often a runner waiting for queue room looks again.
const ROOM_POLL: Duration = Duration::from_millis(20);

/// Batch status words.
pub mod status {
    /// Waves are running (or the next one is about to).
    pub const RUNNING: &str = "running";
    /// The strategy paused it; `POST /batches/{id}/resume` continues.
    pub const PAUSED: &str = "paused";
    /// Every wave ran.
    pub const FINISHED: &str = "finished";
    /// The strategy stopped it; later waves' devices were never contacted.
    pub const ABORTED: &str = "aborted";
    /// It never started: the strategy could not plan it.
    pub const FAILED: &str = "failed";
}

/// One device of a bulk, validated.
#[derive(Debug, Clone)]
pub struct BulkDevice {
    /// Its job.
    pub spec: JobSpec,
    /// Site (from the device entry or the inventory), for by-site strategies.
    pub site: Option<String>,
    /// Tags, for strategies.
    pub tags: Vec<String>,
}

/// A strategy choice: plugin name and its params as JSON text.
#[derive(Debug, Clone)]
pub struct StrategyChoice {
    /// Plugin name.
    pub name: String,
    /// Params, JSON text.
    pub params: String,
}

/// A validated bulk request.
#[derive(Debug, Clone)]
pub struct BulkSubmission {
    /// The devices, in request order.
    pub devices: Vec<BulkDevice>,
    /// The strategy; none runs one wave at full concurrency.
    pub strategy: Option<StrategyChoice>,
    /// Announces the batch's end: parsed, and its JSON text (sealed in the batch row).
    pub webhook: Option<(Webhook, String)>,
    /// How long the batch record is kept after it ends.
    pub result_ttl: Option<Duration>,
    /// The shared request without secrets, stored on the batch.
    pub redacted: Value,
}

/// What `POST /device/bulk` answers.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The batch.
    pub batch_id: String,
    /// (job id, host) per device, in request order; empty when the plan failed.
    pub jobs: Vec<(String, String)>,
    /// Why the batch failed before touching any device.
    pub failure: Option<String>,
}

/// A wave as stored on the batch: the plan, then what happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct WaveRecord {
    devices: Vec<u32>,
    concurrency: u32,
    decision: Option<String>,
    summary: Option<Summary>,
}

/// A finished wave's figures (what `after-wave` was given).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Summary {
    succeeded: u32,
    failed: u32,
    failed_hosts: Vec<String>,
}

fn word(decision: Decision) -> &'static str {
    match decision {
        Decision::Continue => "continue",
        Decision::Abort => "abort",
        Decision::Pause => "pause",
    }
}

/// Checks a strategy's plan against the request: every device in exactly one wave, no
/// index out of range, no empty wave. Each wave keeps the request's device order.
fn validate_plan(waves: Vec<Wave>, hosts: &[String]) -> Result<Vec<WaveRecord>, String> {
    let n = hosts.len();
    if waves.is_empty() {
        return Err("the plan has no waves".into());
    }
    let mut seen = vec![false; n];
    let mut records = Vec::with_capacity(waves.len());
    for (w, wave) in waves.into_iter().enumerate() {
        if wave.devices.is_empty() {
            return Err(format!("wave {w} of the plan is empty"));
        }
        let mut devices = wave.devices;
        for &i in &devices {
            let index = i as usize;
            if index >= n {
                return Err(format!(
                    "wave {w} names device {i}, but the request has {n} devices (indexes 0 to {})",
                    n.saturating_sub(1)
                ));
            }
            if seen[index] {
                return Err(format!(
                    "device {i} ({}) appears twice in the plan",
                    hosts[index]
                ));
            }
            seen[index] = true;
        }
        devices.sort_unstable();
        records.push(WaveRecord {
            devices,
            concurrency: wave.concurrency,
            decision: None,
            summary: None,
        });
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(format!(
            "device {missing} ({}) is in no wave of the plan",
            hosts[missing]
        ));
    }
    Ok(records)
}

impl Jobs {
    /// Records a bulk: plans its waves with the strategy, writes the batch and every job in
    /// one transaction, and starts its runner. A strategy that traps or plans badly fails
    /// the batch before any device is touched (recorded, with the reason).
    pub async fn submit_bulk(&self, bulk: BulkSubmission) -> Result<Accepted, Error> {
        if self.is_shutting_down() {
            return Err(Error::ShuttingDown);
        }
        let deps = self.deps().clone();
        super::webhook_target::admit_bulk(&deps.webhooks, &bulk).await?;
        let batch_id = model::new_id();
        let created = Utc::now();
        let hosts: Vec<String> = bulk
            .devices
            .iter()
            .map(|d| d.spec.target.host.clone())
            .collect();
        let plan = match &bulk.strategy {
            None => Ok(vec![WaveRecord {
                devices: (0..bulk.devices.len() as u32).collect(),
                concurrency: 0,
                decision: None,
                summary: None,
            }]),
            Some(choice) => {
                let refs: Vec<DeviceRef> = bulk
                    .devices
                    .iter()
                    .enumerate()
                    .map(|(i, d)| DeviceRef {
                        index: i as u32,
                        host: d.spec.target.host.clone(),
                        platform: d.spec.device_type.clone(),
                        site: d.site.clone(),
                        tags: d.tags.clone(),
                    })
                    .collect();
                let (strategies, choice) = (deps.strategies.clone(), choice.clone());
                // Plugin calls are synchronous and bounded by the call deadline.
                tokio::task::spawn_blocking(move || {
                    strategies.plan(&choice.name, &refs, &choice.params)
                })
                .await
                .unwrap_or_else(|e| Err(format!("the plan task failed: {e}")))
                .map_err(|e| format!("strategy could not plan the batch: {e}"))
                .and_then(|waves| {
                    validate_plan(waves, &hosts)
                        .map_err(|e| format!("strategy returned an invalid plan: {e}"))
                })
            }
        };
        let (strategy, params) = match &bulk.strategy {
            Some(c) => (Some(c.name.clone()), c.params.clone()),
            None => (None, "{}".to_string()),
        };
        let sealed_hook = match &bulk.webhook {
            Some((_, text)) => Some(deps.sealer.seal(&batch_id, text)?),
            None => None,
        };
        let mut row = BatchRow {
            id: batch_id.clone(),
            status: status::RUNNING.into(),
            created_at: model::format_time(created),
            ended_at: None,
            strategy,
            params,
            waves: "[]".into(),
            current_wave: 0,
            reason: None,
            request: bulk.redacted.to_string(),
            sealed: sealed_hook,
            webhook: None,
            result_ttl: bulk
                .result_ttl
                .map(|t| i64::try_from(t.as_secs()).unwrap_or(i64::MAX)),
            result_expires_at: None,
            total: bulk.devices.len() as i64,
            // The handler records the submitting key on every device's spec.
            submitted_by: bulk
                .devices
                .first()
                .and_then(|d| d.spec.submitted_by.clone()),
        };
        let waves = match plan {
            Ok(waves) => waves,
            Err(reason) => {
                tracing::warn!(batch_id = %batch_id, %reason, "bulk batch failed before touching any device");
                row.status = status::FAILED.into();
                row.reason = Some(reason.clone());
                row.ended_at = Some(model::format_time(created));
                row.sealed = None;
                row.result_expires_at = bulk.result_ttl.and_then(|t| model::after(created, t));
                deps.store.insert_batch(&row, &[]).await?;
                return Ok(Accepted {
                    batch_id,
                    jobs: Vec::new(),
                    failure: Some(reason),
                });
            }
        };
        let mut wave_of = vec![0i64; bulk.devices.len()];
        for (w, wave) in waves.iter().enumerate() {
            for &i in &wave.devices {
                wave_of[i as usize] = w as i64;
            }
        }
        row.waves = serde_json::to_string(&waves).unwrap_or_else(|_| "[]".into());
        let ids: Vec<String> = (0..bulk.devices.len()).map(|_| model::new_id()).collect();
        let mut rows = Vec::with_capacity(ids.len());
        let mut sealed = Vec::with_capacity(ids.len());
        for (i, (id, device)) in ids.iter().zip(&bulk.devices).enumerate() {
            let mut spec_row = new_row(
                id,
                &device.spec,
                created,
                Some((&batch_id, wave_of[i], i as i64)),
            );
            spec_row.queue = "bulk".into();
            rows.push(spec_row);
            let text = device.spec.source.as_deref().unwrap_or_default();
            sealed.push(deps.sealer.seal(id, text)?);
        }
        let pairs: Vec<_> = rows
            .iter()
            .zip(&sealed)
            .map(|(r, s)| (r, Some(s.as_str())))
            .collect();
        deps.store.insert_batch(&row, &pairs).await?;
        tracing::info!(batch_id = %batch_id, devices = ids.len(), waves = waves.len(), "bulk batch accepted");
        self.spawn_batch(batch_id.clone());
        Ok(Accepted {
            batch_id,
            jobs: ids.into_iter().zip(hosts).collect(),
            failure: None,
        })
    }

    /// `GET /batches/{id}`: status, every wave with its devices' jobs and the decision after it.
    pub async fn batch(&self, id: &str) -> Result<Value, Error> {
        let store = &self.deps().store;
        let batch = store
            .get_batch(id)
            .await?
            .ok_or_else(|| Error::BatchNotFound(id.to_string()))?;
        let jobs = store.batch_jobs(id).await?;
        Ok(view(&batch, &jobs))
    }

    /// Continues a paused batch from the wave after the one that paused it.
    pub async fn resume_batch(&self, id: &str) -> Result<Value, Error> {
        let store = &self.deps().store;
        if !store.resume_batch(id).await? {
            return match store.get_batch(id).await? {
                None => Err(Error::BatchNotFound(id.to_string())),
                Some(b) => Err(Error::NotPaused {
                    id: id.to_string(),
                    status: b.status,
                }),
            };
        }
        tracing::info!(batch_id = %id, "batch resumed");
        self.spawn_batch(id.to_string());
        self.batch(id).await
    }

    /// Starts the runner of a running batch, unless this process runs it already (then it
    /// looks at the batch once more when its current pass ends).
    pub(crate) fn spawn_batch(&self, id: String) {
        {
            let mut runners = self
                .inner
                .batch_runners
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(again) = runners.get_mut(&id) {
                *again = true;
                return;
            }
            runners.insert(id.clone(), false);
        }
        let jobs = self.clone();
        let span = tracing::info_span!("batch", batch_id = %id);
        tokio::spawn(
            async move {
                loop {
                    if let Err(e) = jobs.run_batch(&id).await {
                        tracing::error!(error = %e, "batch runner stopped; the batch continues on the next start");
                    }
                    let mut runners = jobs
                        .inner
                        .batch_runners
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    match runners.get_mut(&id) {
                        Some(again) if *again => *again = false,
                        _ => {
                            runners.remove(&id);
                            return;
                        }
                    }
                }
            }
            .instrument(span),
        );
    }

    async fn run_batch(&self, id: &str) -> Result<(), Error> {
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
                        .cancel_batch_rest(id, w as i64 + 1, &model::now(), &reason)
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
        for job in jobs.iter().filter(|j| j.status == model::status::QUEUED) {
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
                        .fail_queued(&job.id, &model::now(), "unrecoverable", &reason)
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
            if job.status == model::status::FINISHED {
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
            .and_then(|t| model::after(now, Duration::from_secs(t.max(0).unsigned_abs())));
        let text = serde_json::to_string(waves).unwrap_or_else(|_| "[]".into());
        let ended = store
            .update_batch(
                &batch.id,
                status::RUNNING,
                end,
                &text,
                batch.current_wave.max(waves.len() as i64),
                reason,
                Some(&model::format_time(now)),
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
        super::webhook_target::announce_batch(store, &self.deps().webhooks, id, hook, body);
    }
}

/// The batch as the API shows it.
fn view(batch: &BatchRow, jobs: &[crate::store::BatchJob]) -> Value {
    let waves: Vec<WaveRecord> = serde_json::from_str(&batch.waves).unwrap_or_default();
    let by_index: std::collections::HashMap<i64, &crate::store::BatchJob> =
        jobs.iter().map(|j| (j.device_index, j)).collect();
    let mut counts = std::collections::BTreeMap::<&str, u64>::new();
    for status in ["queued", "started", "finished", "failed", "canceled"] {
        counts.insert(status, 0);
    }
    for job in jobs {
        *counts.entry(job.status.as_str()).or_default() += 1;
    }
    let waves_view: Vec<Value> = waves
        .iter()
        .enumerate()
        .map(|(w, wave)| {
            let devices: Vec<Value> = wave
                .devices
                .iter()
                .map(|&i| match by_index.get(&i64::from(i)) {
                    Some(job) => json!({"index": i, "host": job.host, "job_id": job.id, "status": job.status}),
                    None => json!({"index": i, "host": null, "job_id": null, "status": null}),
                })
                .collect();
            let statuses: Vec<&str> = devices
                .iter()
                .filter_map(|d| d["status"].as_str())
                .collect();
            let all_ended = statuses
                .iter()
                .all(|s| matches!(*s, "finished" | "failed" | "canceled"));
            let state = if wave.decision.is_some() || (all_ended && !statuses.is_empty() && w as i64 != batch.current_wave) {
                "done"
            } else if statuses.iter().any(|s| *s != "queued")
                || (w as i64 == batch.current_wave && batch.status == status::RUNNING)
            {
                "running"
            } else {
                "pending"
            };
            json!({
                "wave": w,
                "status": state,
                "concurrency": wave.concurrency,
                "devices": devices,
                "decision": wave.decision,
                "summary": wave.summary,
            })
        })
        .collect();
    json!({
        "id": batch.id,
        "status": batch.status,
        "created_at": batch.created_at,
        "ended_at": batch.ended_at,
        "strategy": batch.strategy.as_ref().map(|name| json!({
            "name": name,
            "params": serde_json::from_str::<Value>(&batch.params).unwrap_or(Value::Null),
        })),
        "reason": batch.reason,
        "total": batch.total,
        "current_wave": batch.current_wave,
        "counts": counts,
        "waves": waves_view,
        "request": serde_json::from_str::<Value>(&batch.request).unwrap_or(Value::Null),
        "webhook": batch.webhook.as_deref().and_then(|w| serde_json::from_str::<Value>(w).ok()),
        "submitted_by": batch.submitted_by,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn wave(devices: &[u32], concurrency: u32) -> Wave {
        Wave {
            devices: devices.to_vec(),
            concurrency,
        }
    }

    #[test]
    fn a_plan_must_cover_every_device_once() {
        let hosts: Vec<String> = (0..4).map(|i| format!("r{i}")).collect();
        let ok = validate_plan(vec![wave(&[1, 0], 2), wave(&[3, 2], 0)], &hosts).unwrap();
        assert_eq!(ok[0].devices, vec![0, 1], "waves keep the request's order");
        for (plan, expect) in [
            (vec![], "no waves"),
            (
                vec![wave(&[0, 1, 2, 3], 1), wave(&[], 1)],
                "wave 1 of the plan is empty",
            ),
            (vec![wave(&[0, 1, 2, 9], 1)], "names device 9"),
            (
                vec![wave(&[0, 1], 1), wave(&[1, 2, 3], 1)],
                "device 1 (r1) appears twice",
            ),
            (vec![wave(&[0, 1, 2], 1)], "device 3 (r3) is in no wave"),
        ] {
            let e = validate_plan(plan, &hosts).unwrap_err();
            assert!(e.contains(expect), "{e}");
        }
    }
}
