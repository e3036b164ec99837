//! The batch as `GET /batches/{id}` shows it: progress counts, each wave's state and
//! devices, and the strategy's decisions.

use serde_json::{Value, json};

use super::{WaveRecord, status};
use crate::jobs::JobStatus;
use crate::store::{BatchJob, BatchRow};

/// The batch as the API shows it.
pub(super) fn view(batch: &BatchRow, jobs: &[BatchJob]) -> Value {
    let waves: Vec<WaveRecord> = serde_json::from_str(&batch.waves).unwrap_or_default();
    let by_index: std::collections::HashMap<i64, &BatchJob> =
        jobs.iter().map(|j| (j.device_index, j)).collect();
    let mut counts = std::collections::BTreeMap::<&str, u64>::new();
    for status in JobStatus::ALL {
        counts.insert(status.as_str(), 0);
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
                .all(|s| JobStatus::parse(s).is_some_and(JobStatus::is_done));
            let state = if wave.decision.is_some() || (all_ended && !statuses.is_empty() && w as i64 != batch.current_wave) {
                "done"
            } else if statuses.iter().any(|s| *s != JobStatus::Queued.as_str())
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
