//! The plugin sandbox with real components: TextFSM parsing on the job path (template files
//! read off the async runtime), no clock for plugins, a blocked file read that cannot hold a
//! caller past the deadline, and `plugins.require_sha256`.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

fn test_plugin(name: &str) -> PathBuf {
    Path::new(env!("NETPULSE_TEST_PLUGINS"))
        .join(format!("netpulse_test_{}.wasm", name.replace('-', "_")))
}

/// The template library written for these tests (`tests/fixtures/textfsm`).
fn fixture_templates() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/textfsm")
        .display()
        .to_string()
}

fn drop_in(h: &Harness, component: &Path, as_name: &str) {
    let dir = h.dir.path().join("plugins");
    let tmp = dir.join(format!(".{as_name}.tmp"));
    std::fs::copy(component, &tmp).unwrap();
    std::fs::rename(&tmp, dir.join(as_name)).unwrap();
}

/// Polls `GET /plugins` (as admin) until `ready`, for at most 20 s.
async fn wait_for(h: &Harness, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = call(&h.router(), "GET", "/plugins", None).await;
        assert_eq!(status, StatusCode::OK);
        if ready(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn refusal<'a>(body: &'a Value, file: &str) -> Option<&'a Value> {
    body["refused"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with(file))
}

fn loaded(body: &Value, name: &str) -> bool {
    body["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == name)
}

#[tokio::test]
async fn exec_job_parses_with_textfsm_templates_from_template_dirs() {
    let h = harness_with(&["cisco_ios"], |c| {
        c.parsing.template_dirs = vec![fixture_templates()];
    })
    .await;
    let (host, port) = h.device("cisco_ios");
    let mut body = exec_body(
        "cisco_ios",
        &host,
        port,
        json!(["show version", "sh ver", "show vlan brief"]),
    );
    body["parsing"] = json!({"name": "textfsm"});
    let job = exec_wait(&h, body).await;
    assert_eq!(job["status"], "finished", "{job}");
    let hostname = h.lab.devices()[0].name.clone();
    for retval in &job["result"]["retval"].as_array().unwrap()[..2] {
        let records = retval["parsed"]
            .as_array()
            .unwrap_or_else(|| panic!("{job}"));
        assert_eq!(records.len(), 1, "{job}");
        assert_eq!(records[0]["hostname"], hostname.as_str(), "{job}");
        assert!(!records[0]["uptime"].as_str().unwrap().is_empty(), "{job}");
    }
    // A command the index lacks: no records, the reason in its metadata, the job still fine.
    let vlan = &job["result"]["retval"][2];
    assert_eq!(vlan["parsed"], Value::Null, "{job}");
    assert!(
        vlan["metadata"]["parse_error"]
            .as_str()
            .unwrap()
            .contains("no template"),
        "{job}"
    );
}

#[tokio::test]
async fn a_plugin_waiting_on_a_clock_fails_instead_of_sleeping() {
    let h = harness_with(&["cisco_ios"], |c| c.plugins.call_timeout_ms = 500).await;
    drop_in(&h, &test_plugin("sleeper"), "sleeper.wasm");
    wait_for(&h, "the sleeper plugin", |b| loaded(b, "test-sleeper")).await;
    let started = Instant::now();
    let (status, body) = call(
        &h.router(),
        "POST",
        "/template/parse",
        Some(json!({"platform": "cisco_ios", "command": "show test", "context": "x", "name": "test-sleeper"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("test-sleeper"), "{message}");
    // The plugin asked for a ten-minute sleep; any answer inside the harness's bound means the
    // wait never happened. The message says why.
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(message.contains("trapped"), "{message}");
}

#[tokio::test]
async fn a_template_read_that_blocks_cannot_outlive_the_call_deadline() {
    let lib = tempfile::tempdir().unwrap();
    let fifo = lib.path().join("index");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    let dir = lib.path().display().to_string();
    let h = harness_with(&["cisco_ios"], move |c| {
        c.parsing.template_dirs = vec![dir];
        c.plugins.call_timeout_ms = 300;
    })
    .await;
    // Through /template/parse and through a job: both end with the deadline error.
    let (status, body) = call(
        &h.router(),
        "POST",
        "/template/parse",
        Some(json!({"platform": "cisco_ios", "command": "show version", "context": "x", "name": "textfsm"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("exceeded the call deadline of 300 ms"),
        "{body}"
    );
    let (host, port) = h.device("cisco_ios");
    let mut exec = exec_body("cisco_ios", &host, port, json!("show version"));
    exec["parsing"] = json!({"name": "textfsm"});
    let job = exec_wait(&h, exec).await;
    assert_eq!(job["status"], "finished", "{job}");
    let error = job["result"]["retval"][0]["metadata"]["parse_error"]
        .as_str()
        .unwrap_or_else(|| panic!("{job}"));
    assert!(error.contains("exceeded the call deadline"), "{job}");
    // Let the stuck reads end (a writer opens and closes the FIFO) so no thread outlives the
    // test; several readers may be waiting, one open releases them all.
    let fifo_writer = std::thread::spawn(move || {
        drop(std::fs::OpenOptions::new().write(true).open(&fifo));
    });
    tokio::task::spawn_blocking(move || fifo_writer.join().unwrap())
        .await
        .unwrap();
}

fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

#[tokio::test]
async fn require_sha256_refuses_unlisted_and_mismatched_files() {
    let good = test_plugin("echo-v1");
    let good_sha = sha256_of(&good);
    let required: BTreeMap<String, String> = [
        ("echo.wasm".to_string(), good_sha.clone()),
        ("tampered.wasm".to_string(), "0".repeat(64)),
    ]
    .into();
    let h = harness_with(&["cisco_ios"], move |c| {
        c.plugins.require_sha256 = Some(required);
    })
    .await;
    drop_in(&h, &good, "echo.wasm");
    drop_in(&h, &good, "tampered.wasm");
    drop_in(&h, &test_plugin("echo-v2"), "stranger.wasm");
    let body = wait_for(&h, "two refusals and one load", |b| {
        refusal(b, "tampered.wasm").is_some()
            && refusal(b, "stranger.wasm").is_some()
            && b["plugins"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["source"].as_str().unwrap().ends_with("echo.wasm"))
    })
    .await;
    let tampered = refusal(&body, "tampered.wasm").unwrap();
    assert!(
        tampered["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("sha256 {good_sha} does not match")),
        "{body}"
    );
    let stranger = refusal(&body, "stranger.wasm").unwrap();
    assert!(
        stranger["reason"]
            .as_str()
            .unwrap()
            .contains("not listed in plugins.require_sha256"),
        "{body}"
    );
    assert!(
        !body["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["source"].as_str().unwrap().ends_with("stranger.wasm")),
        "{body}"
    );
}

/// The figures behind keeping `profile` and `normalize-command` inline (docs/plugins.md):
/// a warm call of each against a `spawn_blocking` round trip. Prints, asserts nothing about
/// time; run with `cargo test --test plugin_sandbox -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check"]
async fn measure_inline_plugin_calls_against_a_blocking_hop() {
    use netpulse::plugin::calls::{normalize_with, profile_with};
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path());
    let host =
        netpulse::gateway::plugin_host(&config, dir.path(), netpulse::metrics::Metrics::new())
            .unwrap();
    let vendor = host.snapshot().vendor_for("cisco_ios").unwrap().clone();
    const N: usize = 2000;
    let mean = |total: Duration| total.as_secs_f64() * 1e6 / N as f64;
    // Distinct commands, so the memo does not answer (it holds 4096).
    let started = Instant::now();
    for i in 0..N {
        normalize_with(&vendor, "cisco_ios", &format!("sh ver {i}")).unwrap();
    }
    let normalize = mean(started.elapsed());
    let started = Instant::now();
    for _ in 0..N {
        profile_with(&vendor, "cisco_ios").unwrap();
    }
    let profile = mean(started.elapsed());
    let started = Instant::now();
    for _ in 0..N {
        tokio::task::spawn_blocking(|| ()).await.unwrap();
    }
    let hop = mean(started.elapsed());
    println!(
        "warm normalize-command {normalize:.1} us, warm profile {profile:.1} us, spawn_blocking round trip {hop:.1} us (mean of {N})"
    );
}
