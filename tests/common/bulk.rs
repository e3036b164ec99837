//! Bulk helpers and the batch scenarios shared by the SQLite (`bulk.rs`) and PostgreSQL
//! (`services.rs`) suites.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Harness, call};

/// A bulk body over the lab's devices; `command` per device by index.
pub fn bulk_body(h: &Harness, command: impl Fn(usize) -> String, strategy: Value) -> Value {
    let devices: Vec<Value> = h
        .lab
        .devices()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({"host": d.addr.ip().to_string(), "port": d.addr.port(), "device_type": d.vendor, "command": command(i)})
        })
        .collect();
    json!({
        "connection_args": {"username": "admin", "password": "admin"},
        "devices": devices,
        "strategy": strategy,
    })
}

/// Each wave's device indexes, in order.
pub fn wave_indexes(batch: &Value) -> Vec<Vec<u64>> {
    batch["waves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            w["devices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["index"].as_u64().unwrap())
                .collect()
        })
        .collect()
}

pub async fn get_batch(h: &Harness, id: &str) -> Value {
    let (status, body) = call(&h.router(), "GET", &format!("/batches/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Polls the batch until `done` holds, for at most 60 s.
pub async fn wait_batch(h: &Harness, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let batch = get_batch(h, id).await;
        if done(&batch) {
            return batch;
        }
        assert!(
            Instant::now() < deadline,
            "batch never got there: {batch:#}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn ended(batch: &Value) -> bool {
    matches!(
        batch["status"].as_str(),
        Some("finished" | "aborted" | "failed")
    )
}

pub fn decisions(batch: &Value) -> Vec<Value> {
    batch["waves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["decision"].clone())
        .collect()
}

pub async fn submit(h: &Harness, body: Value) -> Value {
    let (status, accepted) = call(&h.router(), "POST", "/device/bulk", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{accepted}");
    accepted
}

/// Rolling waves of 2 over 5 devices: the plan is visible at once, in request order, and
/// every wave runs and is followed by `continue`.
pub async fn rolling_batch_runs_every_wave(h: &Harness) {
    let accepted = submit(
        h,
        bulk_body(
            h,
            |_| "show version".into(),
            json!({"name": "rolling", "params": {"batch_size": 2}}),
        ),
    )
    .await;
    let id = accepted["batch_id"].as_str().unwrap();
    assert_eq!(accepted["succeeded"].as_array().unwrap().len(), 5);
    assert_eq!(accepted["failed"], json!([]));
    let first = get_batch(h, id).await;
    let planned = wave_indexes(&first);
    assert_eq!(
        planned,
        vec![vec![0, 1], vec![2, 3], vec![4]],
        "waves planned before the 201"
    );
    let batch = wait_batch(h, id, ended).await;
    assert_eq!(batch["status"], "finished", "{batch:#}");
    assert_eq!(decisions(&batch), vec![json!("continue"); 3]);
    assert_eq!(batch["counts"]["finished"], 5, "{batch:#}");
    // Each device's job is an ordinary job record, tagged with the batch.
    let job_id = batch["waves"][1]["devices"][0]["job_id"].as_str().unwrap();
    let (status, job) = call(&h.router(), "GET", &format!("/jobs/{job_id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(job["status"], "finished");
    assert_eq!(job["queue"], "bulk");
    assert_eq!(job["batch_id"], id);
    // Waves ran in order: no job of wave 1 started before every job of wave 0 ended.
    let mut wave_end = String::new();
    for w in 0..3 {
        let mut starts = Vec::new();
        let mut ends = Vec::new();
        for d in batch["waves"][w]["devices"].as_array().unwrap() {
            let (_, job) = call(
                &h.router(),
                "GET",
                &format!("/jobs/{}", d["job_id"].as_str().unwrap()),
                None,
            )
            .await;
            starts.push(job["started_at"].as_str().unwrap().to_string());
            ends.push(job["ended_at"].as_str().unwrap().to_string());
        }
        let first_start = starts.iter().min().unwrap().clone();
        assert!(
            first_start >= wave_end,
            "wave {w} started before the previous wave ended"
        );
        wave_end = ends.iter().max().unwrap().clone();
    }
}

/// A failing wave makes rolling abort: later devices are never contacted (canceled), and
/// the decision is recorded as `abort`.
pub async fn failing_wave_aborts_the_rest(h: &Harness) {
    let accepted = submit(
        h,
        bulk_body(
            h,
            |i| {
                if i == 0 {
                    "show no-such-thing".into()
                } else {
                    "show version".into()
                }
            },
            json!({"name": "rolling", "params": {"batch_size": 2, "max_failure_ratio": 0.0}}),
        ),
    )
    .await;
    let id = accepted["batch_id"].as_str().unwrap();
    let batch = wait_batch(h, id, ended).await;
    assert_eq!(batch["status"], "aborted", "{batch:#}");
    assert_eq!(decisions(&batch)[0], "abort");
    assert_eq!(batch["waves"][0]["summary"]["failed"], 1);
    assert!(
        batch["reason"]
            .as_str()
            .unwrap()
            .contains("aborted after wave 0"),
        "{batch:#}"
    );
    for w in 1..3 {
        for d in batch["waves"][w]["devices"].as_array().unwrap() {
            assert_eq!(d["status"], "canceled", "{batch:#}");
        }
    }
    assert_eq!(batch["counts"]["canceled"], 3);
}
