//! The `netpulse` binary as an operator runs it: `check-config`, and `lab` + `serve` as two
//! processes with debug logging, whose logs and database must never contain a secret.
#![allow(missing_docs, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_netpulse");

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn check_config_reports_every_error_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "connection_pool:\n  min_size: 10\n  max_size: 5\n  bogus_key: 1\nworker:\n  queue_size: 0\n").unwrap();
    let out = Command::new(BIN)
        .args(["check-config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 4: connection_pool.bogus_key: unknown key"),
        "{err}"
    );
    let good = Command::new(BIN)
        .args(["check-config", "config/netpulse.yaml"])
        .output()
        .unwrap();
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
}

#[test]
fn secrets_never_reach_logs_or_database() {
    let dir = tempfile::tempdir().unwrap();
    let lab_port = free_port();
    let http_port = free_port();
    let mut lab = Killed(
        Command::new(BIN)
            .args([
                "lab",
                "--devices",
                "1",
                "--base-port",
                &lab_port.to_string(),
                "--password",
                "Lab-Pw-9931!",
                "--enable-secret",
                "En-Secret-4417!",
                "--state-dir",
            ])
            .arg(dir.path().join("lab"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut ready = String::new();
    BufReader::new(lab.0.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert!(ready.starts_with("ready"), "{ready}");

    let config = dir.path().join("netpulse.yaml");
    std::fs::write(
        &config,
        format!(
            "server: {{ listen: \"127.0.0.1:{http_port}\", api_keys: [\"binary-test-key-0123456789\"] }}\n\
             database: {{ url: \"sqlite://{db}\" }}\n\
             ssh: {{ known_hosts: \"{kh}\", host_key_policy: accept-new }}\n\
             plugins: {{ dir: \"{plugins}\", cache_dir: \"{cache}\" }}\n\
             logging: {{ level: \"debug\" }}\n",
            db = dir.path().join("jobs.db").display(),
            kh = dir.path().join("known_hosts").display(),
            plugins = dir.path().join("plugins").display(),
            cache = std::env::temp_dir().join("netpulse-test-wasm-cache").display(),
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let serve = Killed(
        Command::new(BIN)
            .args(["serve", "--config"])
            .arg(&config)
            .env("RUST_LOG", "debug")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{http_port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while http(&format!("{base}/health"), None).is_err() {
        assert!(Instant::now() < deadline, "serve did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    for (password, secret) in [
        ("Lab-Pw-9931!", "En-Secret-4417!"),
        ("Wrong-Pw-5120!", "Wrong-En-8812!"),
    ] {
        let body = format!(
            r#"{{"connection_args": {{"device_type": "cisco_ios", "host": "127.0.0.1", "port": {lab_port}, "username": "admin", "password": "{password}", "secret": "{secret}"}}, "command": "show version"}}"#
        );
        let answer = http(&format!("{base}/device/exec?wait=30"), Some(&body)).unwrap();
        assert!(answer.contains("\"status\""), "{answer}");
        assert!(
            !answer.contains(password) && !answer.contains(secret),
            "{answer}"
        );
    }
    drop(serve);
    let mut seen =
        String::from_utf8_lossy(&std::fs::read(dir.path().join("serve.log")).unwrap()).into_owned();
    assert!(
        seen.contains("netpulse listening"),
        "the log was captured: {seen}"
    );
    for suffix in ["", "-wal"] {
        if let Ok(bytes) =
            std::fs::read(format!("{}{suffix}", dir.path().join("jobs.db").display()))
        {
            seen.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    for secret in [
        "Lab-Pw-9931!",
        "En-Secret-4417!",
        "Wrong-Pw-5120!",
        "Wrong-En-8812!",
    ] {
        assert!(
            !seen.contains(secret),
            "{secret} leaked into the log or the database"
        );
    }
}

/// A minimal HTTP/1.1 client over a TcpStream, so the test needs no HTTP client crate.
fn http(url: &str, body: Option<&str>) -> std::io::Result<String> {
    http_with_key(url, body, "binary-test-key-0123456789")
}

fn http_with_key(url: &str, body: Option<&str>, key: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let request = match body {
        Some(body) => format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nX-API-KEY: {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
        None => format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nX-API-KEY: {key}\r\nConnection: close\r\n\r\n"
        ),
    };
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

/// Waits up to 10 s for `check` to hold, polling.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn config_edits_apply_live_under_a_running_binary() {
    let dir = tempfile::tempdir().unwrap();
    let http_port = free_port();
    let config = dir.path().join("netpulse.yaml");
    let write = |key: &str, extra: &str| {
        let text = format!(
            "server: {{ listen: \"127.0.0.1:{http_port}\", api_keys: [\"{key}\"] }}\n\
             database: {{ url: \"sqlite://{db}\" }}\n\
             plugins: {{ dir: \"{plugins}\", cache_dir: \"{cache}\" }}\n{extra}",
            db = dir.path().join("jobs.db").display(),
            plugins = dir.path().join("plugins").display(),
            cache = std::env::temp_dir()
                .join("netpulse-test-wasm-cache")
                .display(),
        );
        // Editors save by writing a temp file and renaming it over the original.
        let tmp = dir.path().join(".netpulse.yaml.swp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &config).unwrap();
    };
    let first = "live-key-one-0123456789";
    let second = "live-key-two-0123456789";
    write(first, "");
    let _serve = Killed(
        Command::new(BIN)
            .args(["serve", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{http_port}");
    eventually("serve to start", || {
        http(&format!("{base}/health"), None).is_ok()
    });
    let ok = |key: &str| {
        http_with_key(&format!("{base}/jobs"), None, key)
            .is_ok_and(|r| r.starts_with("HTTP/1.1 200"))
    };
    assert!(ok(first));

    // API keys and pool bounds apply live.
    write(
        second,
        "connection_pool: { max_size: 7, min_size: 1, max_connections_per_device: 2 }\n",
    );
    eventually("the new API key", || ok(second) && !ok(first));
    let status = http_with_key(&format!("{base}/config"), None, second).unwrap();
    assert!(status.contains("\"max_size\":7"), "{status}");
    assert!(!status.contains(second), "API keys are redacted: {status}");

    // An invalid edit changes nothing and is reported with its line.
    write(second, "connection_pool: { max_size: 7, bogus_key: 1 }\n");
    eventually("the refusal", || {
        http_with_key(&format!("{base}/config"), None, second)
            .is_ok_and(|s| s.contains("\"invalid\""))
    });
    let status = http_with_key(&format!("{base}/config"), None, second).unwrap();
    assert!(
        status.contains("bogus_key") && status.contains("\"line\":4"),
        "{status}"
    );
    assert!(ok(second), "the old config keeps serving");

    // server.listen needs a restart: reported as pending, never half-applied.
    let other = free_port();
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(&http_port.to_string(), &other.to_string());
    let text = text.replace("bogus_key: 1", "min_size: 1");
    std::fs::write(dir.path().join(".swap"), text).unwrap();
    std::fs::rename(dir.path().join(".swap"), &config).unwrap();
    eventually("the pending restart", || {
        http_with_key(&format!("{base}/config"), None, second)
            .is_ok_and(|s| s.contains("pending_restart\":[\"server.listen\"]"))
    });
    assert!(ok(second), "still listening on the old address");
}

/// The JSON body of an HTTP/1.1 response.
fn body_json(response: &str) -> serde_json::Value {
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

/// Durability: SIGKILL the gateway mid-batch, start it again on the same database, and
/// every job reaches an end state and the batch finishes from the wave it was in.
#[test]
fn a_batch_survives_sigkill_mid_wave() {
    let dir = tempfile::tempdir().unwrap();
    let lab_port = free_port();
    let http_port = free_port();
    let mut lab = Killed(
        Command::new(BIN)
            .args([
                "lab",
                "--devices",
                "6",
                "--base-port",
                &lab_port.to_string(),
                "--latency-ms",
                "400",
                "--state-dir",
            ])
            .arg(dir.path().join("lab"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(lab.0.stdout.take().unwrap());
    for _ in 0..6 {
        let mut ready = String::new();
        lines.read_line(&mut ready).unwrap();
        assert!(ready.starts_with("ready"), "{ready}");
    }
    let config = dir.path().join("netpulse.yaml");
    std::fs::write(
        &config,
        format!(
            "server: {{ listen: \"127.0.0.1:{http_port}\", api_keys: [\"binary-test-key-0123456789\"] }}\n\
             database: {{ url: \"sqlite://{db}\" }}\n\
             ssh: {{ known_hosts: \"{kh}\", host_key_policy: accept-new }}\n\
             worker: {{ sealing_key_file: \"{key}\" }}\n\
             plugins: {{ dir: \"{plugins}\", cache_dir: \"{cache}\" }}\n",
            db = dir.path().join("jobs.db").display(),
            kh = dir.path().join("known_hosts").display(),
            key = dir.path().join("sealing.key").display(),
            plugins = dir.path().join("plugins").display(),
            cache = std::env::temp_dir().join("netpulse-test-wasm-cache").display(),
        ),
    )
    .unwrap();
    let start = || {
        Killed(
            Command::new(BIN)
                .args(["serve", "--config"])
                .arg(&config)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    };
    let base = format!("http://127.0.0.1:{http_port}");
    let up = || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while http(&format!("{base}/health"), None).is_err() {
            assert!(Instant::now() < deadline, "serve did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let mut serve = start();
    up();
    let devices: Vec<String> = (0..6)
        .map(|i| format!(r#"{{"host": "127.0.0.1", "port": {}}}"#, lab_port + i))
        .collect();
    let body = format!(
        r#"{{"connection_args": {{"device_type": "cisco_ios", "username": "admin", "password": "admin"}},
            "command": "show version", "retry_on_restart": true, "devices": [{}],
            "strategy": {{"name": "rolling", "params": {{"batch_size": 2}}}}}}"#,
        devices.join(",")
    );
    let accepted = body_json(&http(&format!("{base}/device/bulk"), Some(&body)).unwrap());
    let batch_id = accepted["batch_id"].as_str().unwrap().to_string();
    let batch =
        || body_json(&http(&format!("{base}/batches/{batch_id}"), None).unwrap_or_default());
    // Kill it while wave 1 runs.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let b = batch();
        if b["waves"][1]["devices"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["status"] == "started"))
        {
            break;
        }
        assert!(Instant::now() < deadline, "wave 1 never started: {b:#}");
        std::thread::sleep(Duration::from_millis(20));
    }
    serve.0.kill().unwrap(); // SIGKILL
    serve.0.wait().unwrap();
    drop(serve);

    let _again = start();
    up();
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let b = batch();
        if b["status"] == "finished" {
            break b;
        }
        assert!(
            Instant::now() < deadline,
            "the batch did not finish after the restart: {b:#}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        done["counts"]["finished"], 6,
        "read-only jobs with retry_on_restart all ran: {done:#}"
    );
    assert_eq!(
        done["waves"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["decision"].clone())
            .collect::<Vec<_>>(),
        vec![serde_json::json!("continue"); 3]
    );
}
