//! Pooled sessions against the lab: reuse, faults (hang, drop, refused auth, changed host
//! key), and the global cap asserted on the lab side.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn second_command_reuses_the_session() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let first = exec_wait(
        &h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    assert_eq!(first["status"], "finished", "{first}");
    assert_eq!(
        first["result"]["retval"][0]["metadata"]["session_reused"],
        false
    );
    assert!(
        first["result"]["retval"][0]["metadata"]["connect_ms"]
            .as_f64()
            .is_some()
    );
    let second = exec_wait(
        &h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    assert_eq!(second["status"], "finished", "{second}");
    assert_eq!(
        second["result"]["retval"][0]["metadata"]["session_reused"],
        true
    );
    assert_eq!(
        h.lab.total_connections(),
        1,
        "one SSH connection served both jobs"
    );
    let (_, stats) = call(&h.router(), "GET", "/system/stats", None).await;
    assert_eq!(stats["connection_pool"]["reused"], 1, "{stats}");
    assert_eq!(stats["connection_pool"]["idle"], 1, "{stats}");
}

#[tokio::test]
async fn other_credentials_never_share_a_session() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    exec_wait(
        &h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    let mut wrong = exec_body("cisco_ios", &host, port, json!("show version"));
    wrong["connection_args"]["password"] = json!("not-admin-at-all");
    let job = exec_wait(&h, wrong).await;
    assert_eq!(
        job["status"], "failed",
        "a pooled session must not serve other credentials: {job}"
    );
    assert_eq!(job["result"]["error"]["type"], "authentication");
}

#[tokio::test]
async fn hang_fails_the_job_and_the_pool_recovers() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let mut hang = exec_body("cisco_ios", &host, port, json!("lab hang"));
    hang["execution_timeout"] = json!(1.0);
    let job = exec_wait(&h, hang).await;
    assert_eq!(job["status"], "failed");
    assert_eq!(job["result"]["error"]["type"], "timeout", "{job}");
    let next = exec_wait(
        &h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    assert_eq!(next["status"], "finished", "{next}");
    assert_eq!(
        next["result"]["retval"][0]["metadata"]["session_reused"], false,
        "the hung session was discarded"
    );
}

#[tokio::test]
async fn drop_mid_output_costs_one_command() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    exec_wait(
        &h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    let job = exec_wait(&h, exec_body("cisco_ios", &host, port, json!("lab drop"))).await;
    assert_eq!(job["status"], "failed");
    let message = job["result"]["error"]["message"].as_str().unwrap();
    assert!(message.contains("closed"), "{message}");
    let next = exec_wait(
        &h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    assert_eq!(next["status"], "finished", "{next}");
}

#[tokio::test]
async fn refused_auth_backs_off_instead_of_storming() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let mut wrong = exec_body("cisco_ios", &host, port, json!("show version"));
    wrong["connection_args"]["password"] = json!("bad-password-42");
    for _ in 0..5 {
        let job = exec_wait(&h, wrong.clone()).await;
        assert_eq!(job["result"]["error"]["type"], "authentication", "{job}");
    }
    assert_eq!(
        h.lab.total_connections(),
        1,
        "after the first refusal the device is left alone"
    );
}

#[tokio::test]
async fn global_cap_holds_on_the_lab_side() {
    let vendors = vec!["cisco_ios"; 30];
    let h = harness_with(&vendors, |c| {
        c.connection_pool.max_size = 8;
        c.connection_pool.min_size = 0;
        c.connection_pool.max_connections_per_device = 2;
        c.worker.pool_size = 16;
    })
    .await;
    let router = h.router();
    let mut ids = Vec::new();
    for device in h.lab.devices() {
        for _ in 0..2 {
            let body = exec_body(
                "cisco_ios",
                &device.addr.ip().to_string(),
                device.addr.port(),
                json!("lab sleep 50"),
            );
            let (status, job) = call(&router, "POST", "/device/exec", Some(body)).await;
            assert_eq!(status, StatusCode::CREATED);
            ids.push(job["id"].as_str().unwrap().to_string());
        }
    }
    let mut max_open = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        max_open = max_open.max(h.lab.open_connections());
        let (_, _, list) = call_raw(
            &router,
            "GET",
            "/jobs?status=finished&limit=1",
            None,
            Some(KEY),
        )
        .await;
        let (_, headers, _) = call_raw(
            &router,
            "GET",
            "/jobs?status=finished&limit=1",
            None,
            Some(KEY),
        )
        .await;
        let _ = list;
        if headers["x-total-count"] == ids.len().to_string().as_str() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "jobs did not finish");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        max_open <= 8,
        "lab saw {max_open} sessions open at once, cap is 8"
    );
    assert!(
        max_open >= 2,
        "the pool did use several sessions ({max_open})"
    );
    let (_, stats) = call(&router, "GET", "/system/stats", None).await;
    assert!(
        stats["connection_pool"]["evictions"].as_u64().unwrap() > 0,
        "{stats}"
    );
}

#[tokio::test]
async fn changed_host_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = |state: &str| {
        netpulse::lab::Lab::start(netpulse::lab::LabOptions {
            devices: 1,
            base_port: port,
            state_dir: dir.path().join(state),
            ..netpulse::lab::LabOptions::default()
        })
    };
    let lab = start("identity-a").await.unwrap();
    let config = test_config(dir.path());
    let gw = netpulse::gateway::build(config, dir.path()).await.unwrap();
    let body = exec_body("cisco_ios", "127.0.0.1", port, json!("show version"));
    let (_, job) = call(
        &gw.router,
        "POST",
        "/device/exec?wait=30",
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        job["status"], "finished",
        "first contact learns the key: {job}"
    );
    lab.shutdown().await;
    // Same address, new identity: a different device (or a man in the middle).
    let _lab = start("identity-b").await.unwrap();
    gw.pool.reap().await;
    let mut fresh = body;
    fresh["connection_args"]["username"] = json!("admin");
    fresh["connection_args"]["password"] = json!("admin");
    // A new credential digest forces a new connection rather than the dead pooled one.
    fresh["connection_args"]["secret"] = json!("enable");
    let (_, job) = call(&gw.router, "POST", "/device/exec?wait=30", Some(fresh)).await;
    assert_eq!(job["status"], "failed");
    let message = job["result"]["error"]["message"].as_str().unwrap();
    assert!(message.contains("host key"), "{message}");
}

#[tokio::test]
async fn pinned_jobs_run_in_order_on_one_session() {
    let h = harness_with(&["cisco_ios"], |c| {
        c.worker.pool_size = 4;
        c.connection_pool.max_connections_per_device = 4;
    })
    .await;
    let (host, port) = h.device("cisco_ios");
    let mut ids = Vec::new();
    for i in 0..6 {
        let mut body = exec_body(
            "cisco_ios",
            &host,
            port,
            json!(format!("lab sleep {}", 40 - i * 5)),
        );
        body["queue_strategy"] = json!("pinned");
        let (status, job) = call(&h.router(), "POST", "/device/exec", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(job["queue"], "pinned");
        ids.push(job["id"].as_str().unwrap().to_string());
    }
    let mut jobs = Vec::new();
    for id in &ids {
        let (_, job) = call(&h.router(), "GET", &format!("/jobs/{id}"), None).await;
        let (_, job) = if job["status"] == "finished" {
            (StatusCode::OK, job)
        } else {
            // Wait for it through ?wait on a fresh exec is not possible; poll.
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            loop {
                let (s, j) = call(&h.router(), "GET", &format!("/jobs/{id}"), None).await;
                if j["status"] == "finished" || std::time::Instant::now() > deadline {
                    break (s, j);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        assert_eq!(job["status"], "finished", "{job}");
        jobs.push(job);
    }
    for pair in jobs.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            a["ended_at"].as_str().unwrap() <= b["started_at"].as_str().unwrap(),
            "pinned jobs overlapped or ran out of order: {a} / {b}"
        );
    }
    assert_eq!(
        h.lab.total_connections(),
        1,
        "one session served the device's pinned jobs"
    );
}
