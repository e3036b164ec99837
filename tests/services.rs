//! Tests against outside services started by `.ci/run`: OpenSSH sshd (the exec driver against
//! a real SSH server, not our lab) and PostgreSQL (the store on the second backend). They
//! read the service address from env vars and fail loudly when one is missing.
#![cfg(feature = "services")]
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

fn required(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the services tests through .ci/run, which starts the service")
    })
}

/// A fresh schema per test on the `test` database, so runs never see each other's rows.
async fn postgres_url() -> String {
    let base = required("NETPULSE_TEST_POSTGRES");
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&base)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

#[tokio::test]
async fn exec_driver_against_openssh() {
    let addr = required("NETPULSE_TEST_SSHD");
    let user = required("NETPULSE_TEST_SSHD_USER");
    let key = std::fs::read_to_string(required("NETPULSE_TEST_SSHD_KEY")).unwrap();
    let (host, port) = addr.rsplit_once(':').unwrap();
    let h = harness(&["linux"]).await;
    let body = json!({
        "driver": "paramiko",
        "connection_args": {"device_type": "linux", "host": host, "port": port.parse::<u16>().unwrap(),
                            "username": user, "private_key": key},
        "command": ["echo netpulse-over-openssh", "sh -c 'echo oops >&2; exit 3'"],
    });
    let (status, job) = call(&h.router(), "POST", "/device/exec?wait=30", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED);
    let retval = job["result"]["retval"]
        .as_array()
        .unwrap_or_else(|| panic!("{job}"));
    assert_eq!(
        retval[0]["stdout"].as_str().unwrap().trim(),
        "netpulse-over-openssh",
        "{job}"
    );
    assert_eq!(retval[0]["exit_status"], 0);
    assert_eq!(retval[1]["exit_status"], 3);
    assert_eq!(retval[1]["stderr"].as_str().unwrap().trim(), "oops");
    assert_eq!(job["status"], "failed");
    assert!(
        !job.to_string().contains("PRIVATE KEY"),
        "the key must never be echoed back"
    );
}

/// The interactive CLI driver (`driver: netmiko`) on a Linux host: once with root's own
/// prompt (`root@host:~# `, the linux profile's form) and once with a key whose shell draws
/// `np-lab [sshd]> `, a prompt no profile knows, which the session learns from the device.
#[tokio::test]
async fn cli_driver_learns_a_custom_ps1_on_openssh() {
    let addr = required("NETPULSE_TEST_SSHD");
    let user = required("NETPULSE_TEST_SSHD_USER");
    let (host, port) = addr.rsplit_once(':').unwrap();
    let port: u16 = port.parse().unwrap();
    let h = harness(&["linux"]).await;
    for (key_var, learned) in [
        ("NETPULSE_TEST_SSHD_KEY", false),
        ("NETPULSE_TEST_SSHD_PS1_KEY", true),
    ] {
        let key = std::fs::read_to_string(required(key_var)).unwrap();
        let body = |command: serde_json::Value| {
            json!({
                "driver": "netmiko",
                "connection_args": {"device_type": "linux", "host": host, "port": port,
                                    "username": user, "private_key": key},
                "command": command,
            })
        };
        let (status, job) = call(
            &h.router(),
            "POST",
            "/device/exec?wait=30",
            Some(body(json!(["echo netpulse-$((6*7))", "cd /tmp", "pwd"]))),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(job["status"], "finished", "{key_var}: {job}");
        let retval = job["result"]["retval"].as_array().unwrap();
        assert_eq!(retval[0]["stdout"], "netpulse-42", "{key_var}: {job}");
        assert_eq!(retval[1]["stdout"], "", "{key_var}: {job}");
        assert_eq!(retval[2]["stdout"], "/tmp", "{key_var}: {job}");
        assert_eq!(retval[0]["metadata"]["prompt_learned"], learned, "{job}");
        // The pooled session comes back in step for the next job.
        let (_, again) = call(
            &h.router(),
            "POST",
            "/device/exec?wait=30",
            Some(body(json!("echo again"))),
        )
        .await;
        let retval = &again["result"]["retval"][0];
        assert_eq!(retval["stdout"], "again", "{key_var}: {again}");
        assert_eq!(retval["metadata"]["session_reused"], true, "{again}");
    }
}

#[tokio::test]
async fn jobs_are_stored_in_postgresql() {
    let url = postgres_url().await;
    let h = harness_with(&["cisco_ios"], |c| c.database.url = url.clone()).await;
    let (host, port) = h.device("cisco_ios");
    let (status, job) = call(
        &h.router(),
        "POST",
        "/device/exec?wait=30",
        Some(exec_body(
            "cisco_ios",
            &host,
            port,
            json!(["show version", "show bogus"]),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(job["status"], "failed", "{job}");
    let id = job["id"].as_str().unwrap();
    let (_, stored) = call(&h.router(), "GET", &format!("/jobs/{id}"), None).await;
    assert_eq!(stored["result"]["retval"][0]["exit_status"], 0);
    assert_eq!(stored["result"]["retval"][1]["exit_status"], 1);
    let (_, headers, list) = call_raw(
        &h.router(),
        "GET",
        &format!("/jobs?status=failed&host={host}"),
        None,
        Some(KEY),
    )
    .await;
    assert_eq!(headers["x-total-count"], "1");
    assert_eq!(list[0]["id"], id);
}

#[tokio::test]
async fn store_roundtrip_and_cancel_on_postgresql() {
    use netpulse::store::{CancelOutcome, JobFilter, JobRow, Store};
    let url = postgres_url().await;
    let db = netpulse::config::Database {
        url,
        ..netpulse::config::Database::default()
    };
    let store = Store::connect(&db).await.unwrap();
    let row = JobRow {
        id: uuid::Uuid::new_v4().to_string(),
        status: "queued".into(),
        queue: netpulse::jobs::QueueStrategy::Fifo.as_str().into(),
        worker: None,
        created_at: netpulse::time::now(),
        started_at: None,
        ended_at: None,
        host: "r1".into(),
        port: 22,
        device_type: "cisco_ios".into(),
        kind: "command".into(),
        command: "[\"show version\"]".into(),
        request: "{}".into(),
        result: None,
        error_type: None,
        error_message: None,
        batch_id: None,
        expires_at: None,
        wave: Some(2),
        device_index: Some(7),
        retry_on_restart: true,
        webhook: None,
        result_expires_at: None,
        submitted_by: Some("ops-bot".into()),
    };
    store.insert_job(&row, Some("sealed-blob")).await.unwrap();
    assert_eq!(store.get_job(&row.id).await.unwrap().unwrap(), row);
    assert_eq!(
        store
            .cancel_job(&row.id, &netpulse::time::now())
            .await
            .unwrap(),
        CancelOutcome::Canceled
    );
    assert_eq!(
        store
            .cancel_job(&row.id, &netpulse::time::now())
            .await
            .unwrap(),
        CancelOutcome::NotQueued("canceled".into())
    );
    let (rows, total) = store
        .list_jobs(&JobFilter {
            status: Some("canceled".into()),
            limit: 10,
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (1, 1));
    // Migrations are idempotent: a second connect (a second node) applies nothing twice.
    Store::connect(&db).await.unwrap();
}

/// The bulk scenarios of `bulk.rs`, with jobs and batches stored in PostgreSQL.
#[tokio::test]
async fn bulk_batches_on_postgresql() {
    let url = postgres_url().await;
    let h = harness_with(
        &[
            "cisco_ios",
            "arista_eos",
            "cisco_ios",
            "juniper_junos",
            "cisco_nxos",
        ],
        |c| c.database.url = url,
    )
    .await;
    common::bulk::rolling_batch_runs_every_wave(&h).await;
    common::bulk::failing_wave_aborts_the_rest(&h).await;
}

/// Every `/metrics` family, with samples in each, passes Prometheus' own linter
/// (`promtool check metrics`: `_total` counters, base units, HELP and TYPE lines).
#[tokio::test]
async fn promtool_accepts_the_exposition() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let promtool = required("NETPULSE_TEST_PROMTOOL");
    let metrics = netpulse::metrics::Metrics::new();
    metrics.http_request("/device/exec", 201, 0.012);
    metrics.pool_sessions(3, 1, 2, 0);
    metrics.pool_utilization(0.06);
    metrics.pool_resize("grow");
    metrics.connect_latency(0.4);
    metrics.ssh_logins(5, 3);
    metrics.ssh_login(1.2);
    metrics.cache_lookup("l1");
    metrics.cache_lookup("miss");
    metrics.queue_depth(2);
    metrics.queue_rejected();
    metrics.busy_workers(1);
    metrics.job_outcome("finished");
    metrics.plugin_call("cisco-ios", 0.0001);
    metrics.plugin_trap("cisco-ios");
    metrics.db_query(0.002);
    metrics.config_reload("ok");
    let text = metrics.render();
    let mut child = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {promtool}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "promtool check metrics: {said}\n{text}"
    );
}
