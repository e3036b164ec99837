//! Bulk batches end to end against the lab: strategies plan waves before the 201, waves run
//! in order at their concurrency, decisions are recorded, pause/resume, abort, bad plans,
//! webhooks, result_ttl, fair scheduling and restart recovery. The scenarios run on SQLite
//! here and on PostgreSQL in `services.rs`.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::bulk::*;
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn rolling_batch_on_sqlite() {
    let h = harness(&[
        "cisco_ios",
        "arista_eos",
        "cisco_ios",
        "juniper_junos",
        "cisco_nxos",
    ])
    .await;
    rolling_batch_runs_every_wave(&h).await;
    failing_wave_aborts_the_rest(&h).await;
}

#[tokio::test]
async fn canary_pauses_and_resume_continues() {
    let h = harness(&["cisco_ios"; 4]).await;
    let accepted = submit(
        &h,
        bulk_body(
            &h,
            |_| "show version".into(),
            json!({"name": "canary", "params": {"canary_count": 1, "batch_size": 3, "pause_after_canary": true}}),
        ),
    )
    .await;
    let id = accepted["batch_id"].as_str().unwrap();
    let paused = wait_batch(&h, id, |b| b["status"] == "paused" || ended(b)).await;
    assert_eq!(paused["status"], "paused", "{paused:#}");
    assert_eq!(decisions(&paused), vec![json!("pause"), Value::Null]);
    assert_eq!(paused["waves"][1]["devices"][0]["status"], "queued");
    let (status, resumed) = call(&h.router(), "POST", &format!("/batches/{id}/resume"), None).await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    let batch = wait_batch(&h, id, ended).await;
    assert_eq!(batch["status"], "finished", "{batch:#}");
    assert_eq!(batch["counts"]["finished"], 4);
    // Resuming a batch that is not paused is a conflict; an unknown batch is 404.
    let (status, body) = call(&h.router(), "POST", &format!("/batches/{id}/resume"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("finished")
    );
    let (status, _) = call(
        &h.router(),
        "GET",
        "/batches/00000000-0000-0000-0000-000000000000",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn by_site_runs_one_inventory_site_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(&["cisco_ios"; 4], dir.path()).await;
    let mut config = test_config(dir.path());
    let secret = dir.path().join("password");
    std::fs::write(&secret, "admin\n").unwrap();
    for (i, d) in lab.devices().iter().enumerate() {
        let entry: netpulse::config::InventoryDevice = serde_json::from_value(json!({
            "name": format!("sw{i}"), "host": d.addr.ip().to_string(), "port": d.addr.port(),
            "device_type": "cisco_ios", "site": if i % 2 == 0 { "paris" } else { "lyon" },
            "credential": {"username": "admin", "password_file": secret.display().to_string()},
        }))
        .unwrap();
        config.inventory.push(entry);
    }
    let gw = netpulse::gateway::build(config, dir.path()).await.unwrap();
    let h = Harness { lab, gw, dir };
    let body = json!({
        "command": "show version",
        "devices": [{"name": "sw0"}, {"name": "sw1"}, {"name": "sw2"}, {"name": "sw3"}],
        "strategy": {"name": "by-site"},
    });
    let accepted = submit(&h, body).await;
    let id = accepted["batch_id"].as_str().unwrap();
    let batch = wait_batch(&h, id, ended).await;
    assert_eq!(batch["status"], "finished", "{batch:#}");
    let waves = wave_indexes(&batch);
    assert_eq!(
        waves,
        vec![vec![0, 2], vec![1, 3]],
        "paris first, then lyon"
    );
}

#[tokio::test]
async fn bad_bulk_requests_are_refused_whole() {
    let h = harness(&["cisco_ios", "cisco_ios"]).await;
    let body = bulk_body(&h, |_| "show version".into(), json!({"name": "zigzag"}));
    let (status, e) = call(&h.router(), "POST", "/device/bulk", Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = e["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("zigzag")
            && message.contains("rolling")
            && message.contains("canary")
            && message.contains("by-site"),
        "{message}"
    );

    let (status, e) = call(
        &h.router(),
        "POST",
        "/device/bulk",
        Some(json!({"command": "show version", "devices": []})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("empty"));

    let many: Vec<Value> = (0..10_001)
        .map(|i| json!({"host": format!("10.0.{}.{}", i / 250, i % 250)}))
        .collect();
    let (status, e) = call(
        &h.router(),
        "POST",
        "/device/bulk",
        Some(json!({"command": "show version", "devices": many})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("10000"));

    let mut body = bulk_body(&h, |_| "show version".into(), Value::Null);
    body["connection_args"]["host"] = json!("10.0.0.1");
    let (status, e) = call(&h.router(), "POST", "/device/bulk", Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("carry no host")
    );

    // One bad device rejects the bulk and names it; nothing is recorded.
    let mut body = bulk_body(&h, |_| "show version".into(), Value::Null);
    body["devices"][1]["device_type"] = json!("toaster_os");
    let (status, e) = call(&h.router(), "POST", "/device/bulk", Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let message = e["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("devices[1]")
            && message.contains("toaster_os")
            && message.contains("cisco_ios"),
        "{message}"
    );
    let (_, jobs) = call(&h.router(), "GET", "/jobs", None).await;
    assert_eq!(jobs, json!([]), "a refused bulk records nothing");

    // Malformed JSON is a 400 naming the position.
    let (status, _, e) = call_raw(
        &h.router(),
        "POST",
        "/device/bulk",
        Some("{\"devices\": [".into()),
        Some(KEY),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("column"),
        "{e}"
    );
}

fn copy_test_plugin(dir: &Path, name: &str) {
    let from = Path::new(env!("NETPULSE_TEST_PLUGINS"))
        .join(format!("netpulse_test_{}.wasm", name.replace('-', "_")));
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(from, dir.join(format!("{name}.wasm"))).unwrap();
}

#[tokio::test]
async fn a_bad_plan_fails_the_batch_before_any_device() {
    let dir = tempfile::tempdir().unwrap();
    copy_test_plugin(&dir.path().join("plugins"), "bad-strategy");
    let lab = lab(&["cisco_ios"; 3], dir.path()).await;
    let mut config = test_config(dir.path());
    config.plugins.call_timeout_ms = 300;
    let gw = netpulse::gateway::build(config, dir.path()).await.unwrap();
    let h = Harness { lab, gw, dir };
    for (mode, expect) in [
        ("twice", "appears twice"),
        ("range", "names device 8"),
        ("empty", "wave 0 of the plan is empty"),
        ("refuse", "refuses every batch"),
        ("trap", "test-bad-strategy"),
        ("spin", "test-bad-strategy"),
    ] {
        let body = bulk_body(
            &h,
            |_| "show version".into(),
            json!({"name": "test-bad-strategy", "params": {"mode": mode}}),
        );
        let accepted = submit(&h, body).await;
        assert_eq!(accepted["status"], "failed", "{mode}: {accepted}");
        assert_eq!(accepted["succeeded"], json!([]));
        let failed = accepted["failed"].as_array().unwrap();
        assert_eq!(failed.len(), 3);
        let reason = failed[0]["reason"].as_str().unwrap();
        assert!(reason.contains(expect), "{mode}: {reason}");
        let batch = get_batch(&h, accepted["batch_id"].as_str().unwrap()).await;
        assert_eq!(batch["status"], "failed");
        assert_eq!(batch["reason"], reason);
    }
    // No device was contacted: no job was ever recorded.
    let (_, jobs) = call(&h.router(), "GET", "/jobs", None).await;
    assert_eq!(jobs, json!([]));
    // A strategy trapping after a wave aborts the batch with the reason; the gateway lives on.
    let body = bulk_body(
        &h,
        |_| "show version".into(),
        json!({"name": "test-bad-strategy", "params": {"mode": "trap-after"}}),
    );
    let accepted = submit(&h, body).await;
    let batch = wait_batch(&h, accepted["batch_id"].as_str().unwrap(), ended).await;
    assert_eq!(batch["status"], "aborted", "{batch:#}");
    assert!(
        batch["reason"].as_str().unwrap().contains("after wave 0"),
        "{batch:#}"
    );
    assert_eq!(batch["counts"]["finished"], 1);
    assert_eq!(batch["counts"]["canceled"], 2);
    let (status, _) = call(&h.router(), "GET", "/health", None).await;
    assert_eq!(status, StatusCode::OK);
}

/// A tiny webhook receiver: records each body, answers `status`.
async fn receiver(status: u16) -> (String, tokio::sync::mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null));
            axum::http::StatusCode::from_u16(status).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (url, rx)
}

/// The job once its webhook outcome is recorded (delivery runs after the job ends), or as it
/// stands after 10 s.
async fn with_webhook_outcome(h: &Harness, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, job) = call(&h.router(), "GET", &format!("/jobs/{id}"), None).await;
        if !job["webhook"].is_null() || Instant::now() > deadline {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn webhooks_announce_jobs_and_batches_and_failures_are_recorded() {
    let h = harness(&["cisco_ios", "cisco_ios"]).await;
    let (url, mut received) = receiver(200).await;
    let (port_host, port) = h.device("cisco_ios");
    let mut body = exec_body("cisco_ios", &port_host, port, json!("show version"));
    body["webhook"] = json!({"url": url, "headers": {"X-Token": "hook-secret"}});
    let job = exec_wait(&h, body).await;
    let got = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got["id"], job["id"]);
    assert_eq!(got["status"], "finished");
    // The delivery is recorded on the job; the header's value never is.
    let job = with_webhook_outcome(&h, job["id"].as_str().unwrap()).await;
    assert_eq!(job["webhook"]["delivered"], true, "{job:#}");
    assert!(!job.to_string().contains("hook-secret"));

    // A bulk announces each job and then the batch.
    let mut body = bulk_body(
        &h,
        |_| "show version".into(),
        json!({"name": "rolling", "params": {"batch_size": 1}}),
    );
    body["webhook"] = json!({"url": url});
    let accepted = submit(&h, body).await;
    let batch_id = accepted["batch_id"].as_str().unwrap();
    let mut batch_seen = None;
    for _ in 0..3 {
        let got = tokio::time::timeout(Duration::from_secs(20), received.recv())
            .await
            .unwrap()
            .unwrap();
        if got["waves"].is_array() {
            batch_seen = Some(got);
        }
    }
    let batch_seen = batch_seen.expect("the batch end was announced");
    assert_eq!(batch_seen["id"], batch_id);
    assert_eq!(batch_seen["status"], "finished");

    // A receiver answering 500: retried, recorded as not delivered, the job still finished.
    let (bad_url, mut bad_received) = receiver(500).await;
    let mut body = exec_body("cisco_ios", &port_host, port, json!("show version"));
    body["webhook"] = json!({"url": bad_url, "max_retries": 2, "retry_intervals": [0.05]});
    let job = exec_wait(&h, body).await;
    assert_eq!(job["status"], "finished");
    for _ in 0..3 {
        tokio::time::timeout(Duration::from_secs(10), bad_received.recv())
            .await
            .unwrap()
            .unwrap();
    }
    let job = with_webhook_outcome(&h, job["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "finished");
    assert_eq!(job["webhook"]["delivered"], false, "{job:#}");
    assert_eq!(job["webhook"]["attempts"], 3);
    assert!(job["webhook"]["error"].as_str().unwrap().contains("500"));

    // https is refused up front with what to do.
    let mut body = exec_body("cisco_ios", &port_host, port, json!("show version"));
    body["webhook"] = json!({"url": "https://example.invalid/x"});
    let (status, e) = call(&h.router(), "POST", "/device/exec", Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("webhook.url")
    );
}

#[tokio::test]
async fn single_execs_are_not_starved_by_a_big_bulk() {
    let h = harness_with(&["cisco_ios"; 8], |c| c.worker.pool_size = 4).await;
    // Every bulk job holds its worker for 300 ms; with 3 of 4 workers the bulk takes >= 1 s.
    let body = bulk_body(&h, |_| "lab sleep 300".into(), Value::Null);
    let accepted = submit(&h, body).await;
    let batch_id = accepted["batch_id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (host, port) = h.device("cisco_ios");
    let job = exec_wait(
        &h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    assert_eq!(job["status"], "finished");
    let batch = get_batch(&h, &batch_id).await;
    assert_eq!(
        batch["status"], "running",
        "the single exec did not wait for the bulk: {batch:#}"
    );
    assert!(batch["counts"]["queued"].as_u64().unwrap() > 0, "{batch:#}");
    wait_batch(&h, &batch_id, ended).await;
}

#[tokio::test]
async fn records_past_their_result_ttl_are_deleted() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let mut body = exec_body("cisco_ios", &host, port, json!("show version"));
    body["result_ttl"] = json!(1);
    let job = exec_wait(&h, body).await;
    let id = job["id"].as_str().unwrap();
    let kept = exec_wait(
        &h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _) = call(&h.router(), "GET", &format!("/jobs/{id}"), None).await;
        if status == StatusCode::NOT_FOUND {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} outlived its result_ttl"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _) = call(
        &h.router(),
        "GET",
        &format!("/jobs/{}", kept["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "a job without result_ttl is kept");
}

#[tokio::test]
async fn a_restart_runs_queued_jobs_and_fails_interrupted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(&["cisco_ios"], dir.path()).await;
    let d = &lab.devices()[0];
    let (host, port) = (d.addr.ip().to_string(), d.addr.port());
    // First life: record a queued job (its sealed request) and fake two interrupted ones by
    // writing their state as a crash would leave it.
    let config = test_config(dir.path());
    let first = netpulse::gateway::build(config.clone(), dir.path())
        .await
        .unwrap();
    let store = first.store.clone();
    let make = |retry: bool, command: &str| {
        let mut body = exec_body("cisco_ios", &host, port, json!(command));
        body["retry_on_restart"] = json!(retry);
        body
    };
    let mut ids = Vec::new();
    for (retry, command) in [
        (false, "show version"),
        (true, "show clock"),
        (false, "show inventory"),
    ] {
        let request: netpulse::api::request::ExecutionRequest =
            serde_json::from_value(make(retry, command)).unwrap();
        let source = serde_json::to_string(&request).unwrap();
        let mut spec = request.into_spec(&config, &["auto".to_string()]).unwrap();
        spec.source = Some(source);
        // Pause the workers' view: write rows directly as queued, then set states.
        let id = uuid::Uuid::new_v4().to_string();
        let row = netpulse::jobs::new_row(&id, &spec, chrono::Utc::now(), None);
        // The gateway's sealer is the key file's: the same file seals the same way.
        let sealed =
            netpulse::jobs::seal::Sealer::load(&dir.path().join(&config.worker.sealing_key_file))
                .unwrap()
                .seal(&id, spec.source.as_deref().unwrap())
                .unwrap();
        store.insert_job(&row, Some(&sealed)).await.unwrap();
        ids.push(id);
    }
    for id in &ids[..2] {
        assert!(
            store
                .mark_started(id, "worker-0", "2026-01-01T00:00:00.000000Z")
                .await
                .unwrap()
        );
    }
    // A queued job without a sealed request (an older gateway's) cannot run again.
    let orphan = uuid::Uuid::new_v4().to_string();
    let request: netpulse::api::request::ExecutionRequest =
        serde_json::from_value(make(false, "show version")).unwrap();
    let spec = request.into_spec(&config, &["auto".to_string()]).unwrap();
    store
        .insert_job(
            &netpulse::jobs::new_row(&orphan, &spec, chrono::Utc::now(), None),
            None,
        )
        .await
        .unwrap();
    drop(first);

    let second = netpulse::gateway::build(config, dir.path()).await.unwrap();
    let h = Harness {
        lab,
        gw: second,
        dir,
    };
    let wait_done = |id: String| {
        let router = h.router();
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let (_, job) = call(&router, "GET", &format!("/jobs/{id}"), None).await;
                if matches!(
                    job["status"].as_str(),
                    Some("finished" | "failed" | "canceled")
                ) {
                    return job;
                }
                assert!(Instant::now() < deadline, "{job:#}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let interrupted = wait_done(ids[0].clone()).await;
    assert_eq!(interrupted["status"], "failed");
    assert_eq!(
        interrupted["result"]["error"]["message"],
        "gateway restarted"
    );
    let retried = wait_done(ids[1].clone()).await;
    assert_eq!(
        retried["status"], "finished",
        "retry_on_restart ran it again: {retried:#}"
    );
    let queued = wait_done(ids[2].clone()).await;
    assert_eq!(
        queued["status"], "finished",
        "a queued job runs after the restart: {queued:#}"
    );
    let orphan = wait_done(orphan).await;
    assert_eq!(orphan["status"], "failed");
    assert!(
        orphan["result"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot run"),
        "{orphan:#}"
    );
}
