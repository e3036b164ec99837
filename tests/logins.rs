//! The gateway-wide login limit against the lab: logins in flight counted on the device side,
//! a job that waits past its deadline for a login slot, the limit following a reload, and
//! the login figures in `/metrics`.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::bulk::{ended, submit, wait_batch};
use common::*;
use netpulse::config::Config;
use netpulse::lab::{Lab, LabOptions};
use serde_json::{Value, json};

/// How long a test waits for something to happen before it fails: generous for a loaded
/// 2-core machine, and never an assertion about how fast anything was.
const PATIENCE: Duration = Duration::from_secs(30);

/// A lab of `devices` IOS devices that each hold their first prompt `login_delay_ms`.
async fn slow_lab(devices: usize, login_delay_ms: u64, dir: &std::path::Path) -> Lab {
    Lab::start(LabOptions {
        devices,
        base_port: 0,
        vendors: vec!["cisco_ios".into()],
        login_delay_ms,
        state_dir: dir.join("lab"),
        ..LabOptions::default()
    })
    .await
    .expect("lab starts")
}

/// A gateway in front of a slow lab, on a config file a test may edit and reload.
async fn slow_harness(
    devices: usize,
    login_delay_ms: u64,
    tweak: impl FnOnce(&mut Config),
) -> (Harness, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let lab = slow_lab(devices, login_delay_ms, dir.path()).await;
    harness_on_file(lab, dir, tweak).await
}

/// Waits until `check` holds, polling, for at most [`PATIENCE`].
async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One sample of `/metrics` (a family without labels).
async fn metric(h: &Harness, name: &str) -> f64 {
    let (status, text) = call(&h.router(), "GET", "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    let text = text.as_str().unwrap_or_default().to_string();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{text}"))
}

fn bulk_of(h: &Harness) -> Value {
    let devices: Vec<Value> = h
        .lab
        .devices()
        .iter()
        .map(|d| json!({"host": d.addr.ip().to_string(), "port": d.addr.port()}))
        .collect();
    json!({
        "connection_args": {"device_type": "cisco_ios", "username": "admin", "password": "admin"},
        "command": "show version",
        "devices": devices,
    })
}

/// A bulk of 12 devices (with device tests beside it) under `max_concurrent_logins: 3`:
/// the devices never see more than three logins at once, and every job still finishes.
#[tokio::test]
async fn a_bulk_never_has_more_logins_in_flight_than_the_limit() {
    const LIMIT: usize = 3;
    let (h, _) = slow_harness(12, 300, |c| {
        c.connection_pool.max_concurrent_logins = LIMIT;
    })
    .await;
    let accepted = submit(&h, bulk_of(&h)).await;
    let id = accepted["batch_id"].as_str().unwrap().to_string();
    // `/device/test` logs in through the same limiter, on sessions of its own.
    let tests: Vec<_> = h.lab.devices()[..4]
        .iter()
        .map(|d| {
            let body = json!({"connection_args": {"device_type": "cisco_ios",
                "host": d.addr.ip().to_string(), "port": d.addr.port(),
                "username": "admin", "password": "admin"}});
            let router = h.router();
            tokio::spawn(async move { call(&router, "POST", "/device/test", Some(body)).await })
        })
        .collect();
    until("logins waiting for a slot in /metrics", async || {
        metric(&h, "netpulse_ssh_logins_waiting").await > 0.0
    })
    .await;
    let batch = wait_batch(&h, &id, ended).await;
    assert_eq!(batch["status"], "finished", "{batch:#}");
    assert_eq!(batch["counts"]["finished"], 12, "{batch:#}");
    for test in tests {
        let (status, result) = test.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(result["success"], true, "{result}");
    }
    let most = h.lab.most_logins_in_progress();
    assert!(
        most <= LIMIT,
        "the lab saw {most} logins at once under max_concurrent_logins {LIMIT}"
    );
    assert!(most >= 1, "the lab counted the logins");
    assert_eq!(h.lab.total_connections(), 16, "one login per job and test");
    assert_eq!(
        metric(&h, "netpulse_ssh_login_duration_seconds_count").await,
        16.0
    );
    assert_eq!(metric(&h, "netpulse_ssh_logins_in_flight").await, 0.0);
    assert_eq!(metric(&h, "netpulse_ssh_logins_waiting").await, 0.0);
}

/// The lab's count is the devices' view: without a tight limit, logins do overlap there,
/// so the bound above is the limiter's doing.
#[tokio::test]
async fn without_a_tight_limit_the_lab_sees_logins_overlap() {
    let (h, _) = slow_harness(6, 1000, |_| {}).await;
    let accepted = submit(&h, bulk_of(&h)).await;
    let id = accepted["batch_id"].as_str().unwrap().to_string();
    until("several logins at once on the lab", async || {
        h.lab.logins_in_progress() > 3
    })
    .await;
    let batch = wait_batch(&h, &id, ended).await;
    assert_eq!(batch["counts"]["finished"], 6, "{batch:#}");
}

/// A job whose deadline passes while every login slot is taken fails at its deadline,
/// saying which limit it waited for.
#[tokio::test]
async fn a_job_waiting_past_its_deadline_for_a_slot_names_the_limit() {
    let (h, _) = slow_harness(2, 4000, |c| {
        c.connection_pool.max_concurrent_logins = 1;
        c.connection_pool.connection_timeout = 10;
    })
    .await;
    let r = h.router();
    let [first, second] = [0, 1].map(|i| {
        let d = &h.lab.devices()[i];
        (d.addr.ip().to_string(), d.addr.port())
    });
    // The first job takes the only slot and keeps it through the four-second login.
    let (status, holder) = call(
        &r,
        "POST",
        "/device/exec",
        Some(exec_body(
            "cisco_ios",
            &first.0,
            first.1,
            json!("show clock"),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{holder}");
    until("the first login on the lab", async || {
        h.lab.logins_in_progress() == 1
    })
    .await;
    let mut body = exec_body("cisco_ios", &second.0, second.1, json!("show clock"));
    body["execution_timeout"] = json!(1.0);
    let job = exec_wait(&h, body).await;
    assert_eq!(job["status"], "failed", "{job}");
    let error = &job["result"]["error"];
    assert_eq!(error["type"], "timeout", "{job}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains(
            "waiting for a login slot (all 1 of connection_pool.max_concurrent_logins in flight)"
        ),
        "{message}"
    );
    assert!(
        message.contains(&format!("{}:{}", second.0, second.1)),
        "{message}"
    );
    assert_eq!(
        h.lab.total_connections(),
        1,
        "the job that timed out never reached its device"
    );
    let held = wait_job(&h, holder["id"].as_str().unwrap()).await;
    assert_eq!(held["status"], "finished", "{held}");
}

/// The limit follows a reload: from one login at a time to three.
#[tokio::test]
async fn the_limit_follows_a_reload() {
    let (h, path) = slow_harness(3, 3000, |c| {
        c.connection_pool.max_concurrent_logins = 1;
    })
    .await;
    reload_with(&h, &path, |c| {
        c.connection_pool.max_concurrent_logins = 3;
        c.connection_pool.login_rate = Some(1000.0);
    })
    .await;
    let accepted = submit(&h, bulk_of(&h)).await;
    let id = accepted["batch_id"].as_str().unwrap().to_string();
    until("three logins at once on the lab", async || {
        h.lab.logins_in_progress() == 3
    })
    .await;
    until("three logins in flight in /metrics", async || {
        metric(&h, "netpulse_ssh_logins_in_flight").await == 3.0
    })
    .await;
    let batch = wait_batch(&h, &id, ended).await;
    assert_eq!(batch["counts"]["finished"], 3, "{batch:#}");
    assert!(h.lab.most_logins_in_progress() <= 3);
}
