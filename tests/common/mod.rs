//! Shared test setup: a lab on loopback, a gateway on a temp SQLite file, and helpers that
//! speak HTTP to the router without a socket.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use netpulse::config::{Config, HostKeyPolicy};
use netpulse::gateway::{self, Gateway};
use netpulse::lab::{Lab, LabOptions};

pub mod bulk;

pub const KEY: &str = "test-key-0123456789abcdef";

pub struct Harness {
    pub lab: Lab,
    pub gw: Gateway,
    pub dir: tempfile::TempDir,
}

impl Harness {
    pub fn router(&self) -> Router {
        self.gw.router.clone()
    }

    pub fn device(&self, vendor: &str) -> (String, u16) {
        let d = self
            .lab
            .devices()
            .iter()
            .find(|d| d.vendor == vendor)
            .unwrap_or_else(|| panic!("no {vendor} device in the lab"));
        (d.addr.ip().to_string(), d.addr.port())
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("jobs.db")
    }
}

pub fn test_config(dir: &std::path::Path) -> Config {
    let mut config = Config::default();
    config.server.api_keys = vec![KEY.into()];
    config.database.url = format!("sqlite://{}", dir.join("jobs.db").display());
    config.ssh.known_hosts = dir.join("known_hosts").display().to_string();
    config.ssh.host_key_policy = HostKeyPolicy::AcceptNew;
    config.connection_pool.connection_timeout = 5;
    config.worker.timeout = 10;
    config.plugins.dir = dir.join("plugins").display().to_string();
    // Shared across tests so each compiles the bundled components once, not once per test.
    config.plugins.cache_dir = std::env::temp_dir()
        .join("netpulse-test-wasm-cache")
        .display()
        .to_string();
    config
}

pub async fn lab(vendors: &[&str], dir: &std::path::Path) -> Lab {
    Lab::start(LabOptions {
        devices: vendors.len(),
        base_port: 0,
        vendors: vendors.iter().map(|v| v.to_string()).collect(),
        state_dir: dir.join("lab"),
        ..LabOptions::default()
    })
    .await
    .expect("lab starts")
}

pub async fn harness(vendors: &[&str]) -> Harness {
    harness_with(vendors, |_| {}).await
}

pub async fn harness_with(vendors: &[&str], tweak: impl FnOnce(&mut Config)) -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = lab(vendors, dir.path()).await;
    let mut config = test_config(dir.path());
    tweak(&mut config);
    let gw = gateway::build(config, dir.path())
        .await
        .expect("gateway builds");
    Harness { lab, gw, dir }
}

/// A gateway in front of `lab` on a config file in `dir`, so a test can edit the file and
/// reload it live.
pub async fn harness_on_file(
    lab: Lab,
    dir: tempfile::TempDir,
    tweak: impl FnOnce(&mut Config),
) -> (Harness, PathBuf) {
    let mut config = test_config(dir.path());
    tweak(&mut config);
    let path = dir.path().join("netpulse.yaml");
    write_config(&path, &config);
    let metrics = netpulse::metrics::Metrics::new();
    let live = netpulse::config::watch::Live::new(path.clone(), config, metrics.reload_counter());
    let gw = gateway::start(live, metrics, dir.path()).await.unwrap();
    (Harness { lab, gw, dir }, path)
}

pub fn write_config(path: &std::path::Path, config: &Config) {
    // JSON is YAML: the loader reads it as the same tree.
    std::fs::write(path, serde_json::to_string_pretty(config).unwrap()).unwrap();
}

/// Edits the config file of a [`harness_on_file`] gateway and reloads it; the reload must
/// apply.
pub async fn reload_with(h: &Harness, path: &std::path::Path, edit: impl FnOnce(&mut Config)) {
    let mut config = (*h.gw.live.current()).clone();
    edit(&mut config);
    write_config(path, &config);
    let reload = h.gw.live.reload().await;
    assert_eq!(
        reload.result,
        netpulse::config::watch::Outcome::Ok,
        "{reload:?}"
    );
}

/// Polls the job until it ended, for at most 30 s.
pub async fn wait_job(h: &Harness, id: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, job) = call(&h.router(), "GET", &format!("/jobs/{id}"), None).await;
        if ["finished", "failed", "canceled"].contains(&job["status"].as_str().unwrap_or("")) {
            return job;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job {id} never ended: {job}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn call(
    router: &Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, _, body) =
        call_raw(router, method, uri, body.map(|b| b.to_string()), Some(KEY)).await;
    (status, body)
}

pub async fn call_raw(
    router: &Router,
    method: &str,
    uri: &str,
    body: Option<String>,
    key: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    req = req.header("content-type", "application/json");
    let req = req
        .body(body.map(Body::from).unwrap_or_else(Body::empty))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(60), router.clone().oneshot(req))
        .await
        .expect("request finishes within 60s")
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    (status, headers, value)
}

pub fn exec_body(vendor: &str, host: &str, port: u16, command: Value) -> Value {
    serde_json::json!({
        "connection_args": {"device_type": vendor, "host": host, "port": port, "username": "admin", "password": "admin"},
        "command": command,
    })
}

/// Submits an exec, waits for the job (`?wait=30`) and returns it; the answer must be 201.
pub async fn exec_wait(h: &Harness, body: Value) -> Value {
    let (status, job) = call(&h.router(), "POST", "/device/exec?wait=30", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    job
}
