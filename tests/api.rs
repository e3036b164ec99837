//! The core path end to end: HTTP through the router → job → real SSH to the in-process lab
//! → stored job. Plus every bad input of issue #2.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn show_version_runs_over_ssh_and_is_stored() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let job = exec_wait(
        &h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    assert_eq!(job["status"], "finished", "{job}");
    let retval = &job["result"]["retval"][0];
    assert_eq!(retval["command"], "show version");
    assert_eq!(retval["exit_status"], 0);
    let stdout = retval["stdout"].as_str().unwrap();
    assert!(stdout.contains("Cisco IOS"), "{stdout}");
    assert!(
        !stdout.contains("show version"),
        "echo must be stripped: {stdout}"
    );
    assert!(!stdout.contains("--More--"), "pager must be gone: {stdout}");
    assert!(!stdout.contains('\r'), "no carriage returns: {stdout:?}");
    assert!(
        !stdout.trim_end().ends_with('>'),
        "prompt must be stripped: {stdout}"
    );
    assert!(job["duration"].as_f64().unwrap() > 0.0);
    assert!(job["queue_time"].as_f64().is_some());
    assert_eq!(job["device_name"], host);

    // The same job, read back from the store.
    let id = job["id"].as_str().unwrap();
    let (status, stored) = call(&h.router(), "GET", &format!("/jobs/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored["status"], "finished");
    assert_eq!(stored["result"]["retval"][0]["stdout"], retval["stdout"]);
}

#[tokio::test]
async fn commands_in_order_and_device_error_marks_failure() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let job = exec_wait(
        &h,
        exec_body(
            "cisco_ios",
            &host,
            port,
            json!(["show ip interface brief", "show bogus", "show vlan brief"]),
        ),
    )
    .await;
    assert_eq!(job["status"], "failed", "{job}");
    let retval = job["result"]["retval"].as_array().unwrap();
    assert_eq!(retval.len(), 3, "later show commands still run: {job}");
    assert_eq!(retval[0]["exit_status"], 0);
    assert_eq!(retval[1]["exit_status"], 1);
    assert!(
        retval[1]["stderr"]
            .as_str()
            .unwrap()
            .contains("% Invalid input"),
        "{job}"
    );
    assert_eq!(retval[2]["exit_status"], 0);
    assert!(
        job["result"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("show bogus")
    );
}

#[tokio::test]
async fn enable_and_config_push_change_device_state() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let mut body = json!({
        "connection_args": {"device_type": "cisco_ios", "host": host, "port": port,
                            "username": "admin", "password": "admin", "secret": "enable"},
        "config": ["interface GigabitEthernet0/1", "description uplink-to-core-42"],
    });
    let job = exec_wait(&h, body.clone()).await;
    assert_eq!(job["status"], "finished", "{job}");
    body.as_object_mut().unwrap().remove("config");
    body["command"] = json!("show running-config");
    let job = exec_wait(&h, body).await;
    assert_eq!(job["status"], "finished", "{job}");
    let stdout = job["result"]["retval"][0]["stdout"].as_str().unwrap();
    assert!(stdout.contains("description uplink-to-core-42"), "{stdout}");
}

#[tokio::test]
async fn config_push_stops_at_first_error() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let body = json!({
        "connection_args": {"device_type": "cisco_ios", "host": host, "port": port,
                            "username": "admin", "password": "admin", "secret": "enable"},
        "config": "interface GigabitEthernet0/1\nbogus command here\ndescription never-applied",
    });
    let job = exec_wait(&h, body).await;
    assert_eq!(job["status"], "failed", "{job}");
    let retval = job["result"]["retval"].as_array().unwrap();
    assert!(
        retval
            .iter()
            .all(|r| r["command"] != "description never-applied"),
        "{job}"
    );
}

#[tokio::test]
async fn wrong_secret_fails_with_enable_error_without_leaking_it() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let body = json!({
        "connection_args": {"device_type": "cisco_ios", "host": host, "port": port,
                            "username": "admin", "password": "admin", "secret": "not-the-secret-77"},
        "command": "show version",
    });
    let job = exec_wait(&h, body).await;
    assert_eq!(job["status"], "failed");
    let text = job.to_string();
    assert!(text.contains("enable"), "{text}");
    assert!(!text.contains("not-the-secret-77"), "{text}");
}

#[tokio::test]
async fn linux_over_exec_channel() {
    let h = harness(&["linux"]).await;
    let (host, port) = h.device("linux");
    let job = exec_wait(
        &h,
        exec_body(
            "linux",
            &host,
            port,
            json!(["uname -a", "hostname", "nosuchcmd"]),
        ),
    )
    .await;
    let retval = job["result"]["retval"].as_array().unwrap();
    assert!(
        retval[0]["stdout"].as_str().unwrap().contains("Linux"),
        "{job}"
    );
    assert_eq!(retval[0]["exit_status"], 0);
    assert_eq!(retval[2]["exit_status"], 127);
    assert!(
        retval[2]["stderr"]
            .as_str()
            .unwrap()
            .contains("command not found")
    );
    assert_eq!(job["status"], "failed");
}

#[tokio::test]
async fn wrong_password_is_an_authentication_failure() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let mut body = exec_body("cisco_ios", &host, port, json!("show version"));
    body["connection_args"]["password"] = json!("wrong-password-123");
    let job = exec_wait(&h, body).await;
    assert_eq!(job["status"], "failed");
    assert_eq!(job["result"]["error"]["type"], "authentication", "{job}");
    assert!(!job.to_string().contains("wrong-password-123"));
}

#[tokio::test]
async fn unreachable_host_fails_with_connect_error() {
    let h = harness(&["cisco_ios"]).await;
    // A port nobody listens on: bind then drop to get one.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let job = exec_wait(
        &h,
        exec_body("cisco_ios", "127.0.0.1", port, json!("show version")),
    )
    .await;
    assert_eq!(job["status"], "failed");
    let message = job["result"]["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("connect to 127.0.0.1:{port}:")),
        "{message}"
    );
}

#[tokio::test]
async fn hung_command_times_out() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let mut body = exec_body("cisco_ios", &host, port, json!("lab hang"));
    body["execution_timeout"] = json!(1.5);
    let job = exec_wait(&h, body).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["result"]["error"]["type"], "timeout", "{job}");
    // The command's own read ends at the job's deadline and says what it waited for.
    let message = job["result"]["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("waiting for the prompt") && message.contains("lab hang"),
        "{message}"
    );
}

#[tokio::test]
async fn bad_inputs_get_clear_errors() {
    let h = harness(&["cisco_ios"]).await;
    let r = h.router();
    let (status, _, body) = call_raw(
        &r,
        "POST",
        "/device/exec",
        Some("{\"command\": \"show version\",,}".into()),
        Some(KEY),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 1 column"),
        "{body}"
    );

    let mut both = exec_body("cisco_ios", "127.0.0.1", 22, json!("show version"));
    both["config"] = json!("hostname x");
    let (status, body) = call(&r, "POST", "/device/exec", Some(both)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("command") && message.contains("config"),
        "{message}"
    );

    let mut neither = exec_body("cisco_ios", "127.0.0.1", 22, json!("x"));
    neither.as_object_mut().unwrap().remove("command");
    let (status, body) = call(&r, "POST", "/device/exec", Some(neither)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("command or config")
    );

    let unknown = exec_body("bogus_os", "127.0.0.1", 22, json!("show version"));
    let (status, body) = call(&r, "POST", "/device/exec", Some(unknown)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("bogus_os")
            && message.contains("cisco_ios")
            && message.contains("juniper_junos"),
        "{message}"
    );

    let mut unsupported = exec_body("cisco_ios", "127.0.0.1", 22, json!("show version"));
    unsupported["audit_mode"] = json!(true);
    let (status, body) = call(&r, "POST", "/device/exec", Some(unsupported)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("audit_mode")
    );

    let mut defaults = exec_body("cisco_ios", "127.0.0.1", 1, json!("show version"));
    defaults["audit_mode"] = json!(false);
    defaults["detach"] = json!(null);
    let (status, _) = call(&r, "POST", "/device/exec", Some(defaults)).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "fields at their default are accepted"
    );

    let (status, body) = call(
        &r,
        "GET",
        "/jobs/00000000-0000-0000-0000-000000000000",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let big = "x".repeat(2 * 1024 * 1024);
    let (status, _, body) = call_raw(
        &r,
        "POST",
        "/device/exec",
        Some(format!("{{\"command\": \"{big}\"}}")),
        Some(KEY),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
}

#[tokio::test]
async fn auth_is_required_except_health() {
    let h = harness(&["cisco_ios"]).await;
    let r = h.router();
    let (status, _, body) = call_raw(&r, "GET", "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok"}));
    let (status, _, _) = call_raw(&r, "GET", "/jobs", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = call_raw(&r, "GET", "/jobs", None, Some("wrong-key-000000000000")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let req = axum::http::Request::builder()
        .uri("/jobs")
        .header("authorization", format!("Bearer {KEY}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(r.clone(), req).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn list_filter_paginate_and_cancel() {
    // One worker, held busy by a sleeping command, so later jobs stay queued.
    let h = harness_with(&["cisco_ios"], |c| c.worker.pool_size = 1).await;
    let (host, port) = h.device("cisco_ios");
    let r = h.router();
    let (status, slow) = call(
        &r,
        "POST",
        "/device/exec",
        Some(exec_body("cisco_ios", &host, port, json!("lab sleep 1500"))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut queued = Vec::new();
    for _ in 0..3 {
        let (status, job) = call(
            &r,
            "POST",
            "/device/exec",
            Some(exec_body("cisco_ios", &host, port, json!("show clock"))),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        queued.push(job["id"].as_str().unwrap().to_string());
    }
    let (status, canceled) = call(&r, "DELETE", &format!("/jobs/{}", queued[2]), None).await;
    assert_eq!(status, StatusCode::OK, "{canceled}");
    assert_eq!(canceled["status"], "canceled");
    let (status, _, list) = call_raw(
        &r,
        "GET",
        &format!("/jobs?host={host}&limit=2"),
        None,
        Some(KEY),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (_, headers, _) = call_raw(
        &r,
        "GET",
        &format!("/jobs?host={host}&limit=2"),
        None,
        Some(KEY),
    )
    .await;
    assert_eq!(headers["x-total-count"], "4");
    let (_, canceled_list) = call(&r, "GET", "/jobs?status=canceled", None).await;
    assert_eq!(canceled_list.as_array().unwrap().len(), 1);
    let (status, _) = call(&r, "GET", "/jobs?status=sleeping", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The first job is running (or done): cancel is a conflict.
    let slow_id = slow["id"].as_str().unwrap();
    let (_, waited) = call(&r, "GET", &format!("/jobs/{slow_id}"), None).await;
    if waited["status"] != "queued" {
        let (status, _) = call(&r, "DELETE", &format!("/jobs/{slow_id}"), None).await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
    // Once the jobs around it have run, the canceled one still never ran.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, job) = call(&r, "GET", &format!("/jobs/{}", queued[1]), None).await;
        if job["status"] == "finished" || std::time::Instant::now() > deadline {
            assert_eq!(job["status"], "finished", "{job}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, job) = call(&r, "GET", &format!("/jobs/{}", queued[2]), None).await;
    assert_eq!(job["status"], "canceled", "{job}");
    assert!(job["started_at"].is_null(), "{job}");
    assert!(
        job["result"]["retval"].as_array().is_none_or(Vec::is_empty),
        "{job}"
    );
}

#[tokio::test]
async fn full_queue_answers_429_and_creates_nothing() {
    let h = harness_with(&["cisco_ios"], |c| {
        c.worker.pool_size = 1;
        c.worker.queue_size = 1;
        c.monitoring.thresholds.worker_queue_size = 1;
    })
    .await;
    let (host, port) = h.device("cisco_ios");
    let r = h.router();
    let body = exec_body("cisco_ios", &host, port, json!("lab sleep 1000"));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (status, headers, _) = call_raw(
            &r,
            "POST",
            "/device/exec",
            Some(body.to_string()),
            Some(KEY),
        )
        .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(headers.contains_key("retry-after"));
        }
        statuses.push(status);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let (_, headers, _) = call_raw(&r, "GET", "/jobs", None, Some(KEY)).await;
    assert_eq!(headers["x-total-count"], created.to_string().as_str());
}

#[tokio::test]
async fn device_test_reports_success_and_failure() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let body = json!({"connection_args": {"device_type": "cisco_ios", "host": host, "port": port,
                      "username": "admin", "password": "admin", "secret": "enable"}});
    let (status, result) = call(&h.router(), "POST", "/device/test", Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(result["success"], true, "{result}");
    assert_eq!(result["result"]["privileged"], true);
    assert!(result["latency"].as_f64().unwrap() > 0.0);
    let mut bad = body;
    bad["connection_args"]["password"] = json!("nope-nope-nope");
    let (_, result) = call(&h.router(), "POST", "/device/test", Some(bad)).await;
    assert_eq!(result["success"], false);
    assert!(
        result["error"]
            .as_str()
            .unwrap()
            .contains("authentication failed")
    );
}

#[tokio::test]
async fn secrets_never_reach_the_database() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let body = json!({
        "connection_args": {"device_type": "cisco_ios", "host": host, "port": port,
                            "username": "admin", "password": "admin", "secret": "enable"},
        "command": "show version",
    });
    let job = exec_wait(&h, body).await;
    assert_eq!(job["status"], "finished", "{job}");
    let mut bad = exec_body("cisco_ios", &host, port, json!("show version"));
    bad["connection_args"]["password"] = json!("Sup3r-S3cret-Pw!");
    exec_wait(&h, bad).await;
    h.gw.store.close().await;
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", h.db_path().display())) {
            bytes.extend(b);
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("show version"), "the database holds the jobs");
    assert!(
        !text.contains("Sup3r-S3cret-Pw!"),
        "password leaked into the database"
    );
}
