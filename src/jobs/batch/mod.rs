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
use serde_json::Value;
use tracing::Instrument;

use super::webhook::Webhook;
use super::{Error, JobSpec, Jobs, QueueStrategy, model, new_row};
use crate::plugin::calls::{Decision, DeviceRef, Wave};
use crate::store::BatchRow;

mod run;
mod view;

use view::view;

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
            created_at: crate::time::format(created),
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
                row.ended_at = Some(crate::time::format(created));
                row.sealed = None;
                row.result_expires_at =
                    bulk.result_ttl.and_then(|t| crate::time::after(created, t));
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
            spec_row.queue = QueueStrategy::Bulk.as_str().into();
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
