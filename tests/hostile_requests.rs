//! Hostile requests (issue 18): whoever holds a key is untrusted input. Each test drives the
//! router with the real lab behind it and checks the gateway refuses, or survives, the
//! request: inventory credentials stay with the inventory's address, the target allow-list,
//! field bounds, single-token commands and hosts, bounded bulks, and a panicking job.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

use netpulse::config::Config;

fn message(body: &Value) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn expect_status(h: &Harness, uri: &str, body: Value, status: StatusCode) -> String {
    let (got, answer) = call(&h.router(), "POST", uri, Some(body)).await;
    assert_eq!(got, status, "{answer}");
    message(&answer)
}

fn inventory(config: &mut Config, dir: &Path, addr: std::net::SocketAddr) {
    let secret_file = dir.join("core-1.password");
    std::fs::write(&secret_file, "admin\n").unwrap();
    config.inventory = vec![netpulse::config::InventoryDevice {
        name: "core-1".into(),
        host: addr.ip().to_string(),
        port: Some(addr.port()),
        device_type: "cisco_ios".into(),
        credential: netpulse::config::Credential {
            username: "admin".into(),
            password_file: Some(secret_file.display().to_string()),
            ..Default::default()
        },
        ..Default::default()
    }];
}

async fn inventory_harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(&["cisco_ios"], dir.path()).await;
    let mut config = test_config(dir.path());
    inventory(&mut config, dir.path(), lab.devices()[0].addr);
    let gw = netpulse::gateway::build(config, dir.path()).await.unwrap();
    Harness { lab, gw, dir }
}

#[tokio::test]
async fn inventory_credentials_go_only_to_the_inventory_address() {
    let h = inventory_harness().await;
    for (field, value) in [
        ("host", json!("203.0.113.9")),
        ("ip", json!("203.0.113.9")),
        ("port", json!(2222)),
        ("proxy_host", json!("203.0.113.9")),
        ("proxy_port", json!(22)),
        ("proxy_username", json!("jump")),
        ("proxy_password", json!("x")),
        ("proxy_key", json!("-----BEGIN")),
        ("sock", json!("/tmp/x")),
    ] {
        let body = json!({"device": "core-1", "connection_args": {field: value}, "command": "show version"});
        let text = expect_status(&h, "/device/exec", body, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(
            text.starts_with(&format!("connection_args.{field}:")),
            "{field}: {text}"
        );
        let body = json!({"device": "core-1", "connection_args": {field: value}});
        let text = expect_status(&h, "/device/test", body, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(text.contains(&format!("connection_args.{field}")), "{text}");
    }
    // A bulk entry naming an inventory device and an address is refused the same way, and
    // so is a shared port given to inventory devices.
    let bulk = json!({"devices": [{"device": "core-1", "host": "203.0.113.9"}], "command": "show version"});
    let text = expect_status(&h, "/device/bulk", bulk, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(text.contains("connection_args.host"), "{text}");
    let bulk = json!({"devices": [{"name": "core-1"}], "connection_args": {"port": 1}, "command": "show version"});
    let text = expect_status(&h, "/device/bulk", bulk, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(text.contains("connection_args.port"), "{text}");
    // Fields that do not move the connection still may be given, and null is no value.
    let job = exec_wait(
        &h,
        json!({"device": "core-1", "connection_args": {"host": null, "timeout": 5}, "command": "show version"}),
    )
    .await;
    assert_eq!(job["status"], "finished", "{job}");
}

#[tokio::test]
async fn field_bounds_are_422_naming_the_field_and_maximum() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let base = exec_body("cisco_ios", &host, port, json!("show clock"));
    let with = |field: &str, value: Value| {
        let mut body = base.clone();
        body[field] = value;
        body
    };
    for (field, value, needle) in [
        ("ttl", json!(86_401), "86400"),
        ("ttl", json!(u64::MAX), "86400"),
        ("result_ttl", json!(604_801), "604800"),
        ("result_ttl", json!(u64::MAX), "604800"),
        ("execution_timeout", json!(86_401), "86400"),
        ("execution_timeout", json!(1e300), "86400"),
        ("execution_timeout", json!(-1), "above 0"),
        ("execution_timeout", json!(0), "above 0"),
        ("ttl", json!(-1), "ttl"),
        ("ttl", json!(1.5), "ttl"),
        ("result_ttl", json!("a week"), "result_ttl"),
    ] {
        let text = expect_status(
            &h,
            "/device/exec",
            with(field, value.clone()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(text.starts_with(field), "{field}={value}: {text}");
        assert!(text.contains(needle), "{field}={value}: {text}");
    }
    let mut cache = base.clone();
    cache["cache"] = json!({"enabled": true, "ttl": u64::MAX});
    let text = expect_status(&h, "/device/exec", cache, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(text.starts_with("cache.ttl"), "{text}");
    for wait in ["301", "-1", "NaN", "inf", "abc", "1e999"] {
        let text = expect_status(
            &h,
            &format!("/device/exec?wait={wait}"),
            base.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(text.starts_with("wait:"), "wait={wait}: {text}");
    }
    let text = expect_status(
        &h,
        "/device/exec?wait=301",
        base.clone(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(text.contains("300"), "{text}");
    // At the maxima the job runs and is recorded whole: no arithmetic on them panics a
    // worker or leaks a queue slot (the worker then runs the next job too).
    let mut max = base.clone();
    max["ttl"] = json!(86_400);
    max["result_ttl"] = json!(604_800);
    max["execution_timeout"] = json!(86_400);
    let job = exec_wait(&h, max).await;
    assert_eq!(job["status"], "finished", "{job}");
    let next = exec_wait(&h, base.clone()).await;
    assert_eq!(next["status"], "finished", "{next}");
    assert_eq!(h.gw.jobs.queue_depth(), 0, "no queue slot leaked");
}

#[tokio::test]
async fn commands_and_hosts_are_single_tokens() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    for command in [
        json!("show version\nconfigure terminal"),
        json!(["show clock", "show version\rreload"]),
        json!("show version\u{0}"),
        json!(["show version\u{1a}"]),
    ] {
        let text = expect_status(
            &h,
            "/device/exec",
            exec_body("cisco_ios", &host, port, command.clone()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(text.starts_with("command"), "{command}: {text}");
        assert!(text.contains("control character"), "{text}");
    }
    let mut config = exec_body("cisco_ios", &host, port, json!(null));
    config.as_object_mut().unwrap().remove("command");
    config["config"] = json!("hostname a\u{0}b");
    let text = expect_status(
        &h,
        "/device/exec",
        config.clone(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(text.starts_with("config"), "{text}");
    // A config string is split on LF, a CR before it dropped: each line its own config line.
    config["config"] = json!("hostname token-test\r\ninterface Loopback9\r\n description x\n");
    config["connection_args"]["secret"] = json!("enable");
    let job = exec_wait(&h, config).await;
    assert_eq!(
        job["command"],
        json!([
            "hostname token-test",
            "interface Loopback9",
            " description x"
        ]),
        "{job}"
    );
    for bad in [
        "evil host",
        "a\nb",
        "r1,r2",
        "r1\u{0}",
        "\t10.0.0.1",
        "r1#x",
    ] {
        for field in ["host", "ip"] {
            let mut body = exec_body("cisco_ios", &host, port, json!("show clock"));
            body["connection_args"][field] = json!(bad);
            let text =
                expect_status(&h, "/device/exec", body, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert!(
                text.starts_with(&format!("connection_args.{field}")),
                "{bad:?}: {text}"
            );
        }
    }
    let bulk = json!({
        "connection_args": {"username": "admin", "password": "admin", "device_type": "cisco_ios"},
        "command": "show clock",
        "devices": [{"host": host, "port": port}, {"host": "r2 r3", "port": port}],
    });
    let text = expect_status(&h, "/device/bulk", bulk, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        text.contains("devices[1]") && text.contains("connection_args.host"),
        "{text}"
    );
    // Nothing of the refused requests reached known_hosts.
    let known = std::fs::read_to_string(h.dir.path().join("known_hosts")).unwrap_or_default();
    assert!(!known.contains("evil") && !known.contains("r2"), "{known}");
}

#[tokio::test]
async fn a_bulk_is_bounded_by_what_it_describes() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    // 200 KiB of shared command × 700 devices = 140 MiB of per-device requests, from a
    // 230 KiB body.
    let devices: Vec<Value> = (0..700)
        .map(|_| json!({"host": host, "port": port}))
        .collect();
    let bulk = json!({
        "connection_args": {"username": "admin", "password": "admin", "device_type": "cisco_ios"},
        "command": format!("show {}", "x".repeat(200 * 1024)),
        "devices": devices,
    });
    let text = expect_status(&h, "/device/bulk", bulk, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        text.contains("MAX_BULK_BYTES") && text.contains("134217728"),
        "{text}"
    );
    // 51 commands × 10,000 devices = 510,000 commands.
    let devices: Vec<Value> = (0..10_000)
        .map(|_| json!({"host": host, "port": port}))
        .collect();
    let commands: Vec<String> = (0..51).map(|i| format!("show {i}")).collect();
    let bulk = json!({
        "connection_args": {"username": "admin", "password": "admin", "device_type": "cisco_ios"},
        "command": commands,
        "devices": devices,
    });
    let text = expect_status(&h, "/device/bulk", bulk, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        text.contains("MAX_BULK_COMMANDS") && text.contains("500000"),
        "{text}"
    );
    let (status, jobs) = call(&h.router(), "GET", "/jobs", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jobs, json!([]), "a refused bulk records nothing");
}

#[tokio::test]
async fn targets_outside_the_allow_list_are_403_naming_the_rule() {
    let h = harness_with(&["cisco_ios"], |c| {
        c.security.allowed_targets = vec!["10.0.0.0/8".into(), "*.lab.example".into()];
    })
    .await;
    let (host, port) = h.device("cisco_ios");
    let check = |text: &str, address: &str| {
        assert!(text.contains("security.allowed_targets"), "{text}");
        assert!(text.contains(address), "{text}");
    };
    let body = exec_body("cisco_ios", &host, port, json!("show clock"));
    check(
        &expect_status(&h, "/device/exec", body.clone(), StatusCode::FORBIDDEN).await,
        &host,
    );
    check(
        &expect_status(&h, "/device/test", body.clone(), StatusCode::FORBIDDEN).await,
        &host,
    );
    // A name is resolved and its address checked; `ip` is where the connection goes.
    let named = exec_body("cisco_ios", "localhost", port, json!("show clock"));
    let text = expect_status(&h, "/device/exec", named, StatusCode::FORBIDDEN).await;
    assert!(text.contains("localhost resolves to it"), "{text}");
    let mut via_ip = exec_body("cisco_ios", "r1.lab.example", port, json!("show clock"));
    via_ip["connection_args"]["ip"] = json!("169.254.169.254");
    check(
        &expect_status(&h, "/device/exec", via_ip, StatusCode::FORBIDDEN).await,
        "169.254.169.254",
    );
    let mapped = exec_body("cisco_ios", "::ffff:127.0.0.1", port, json!("show clock"));
    check(
        &expect_status(&h, "/device/exec", mapped, StatusCode::FORBIDDEN).await,
        "127.0.0.1",
    );
    // One refused device refuses the bulk, naming it; nothing is recorded.
    let bulk = json!({
        "connection_args": {"username": "admin", "password": "admin", "device_type": "cisco_ios"},
        "command": "show clock",
        "devices": [{"host": "10.1.1.1", "port": port}, {"host": host, "port": port}],
    });
    let text = expect_status(&h, "/device/bulk", bulk, StatusCode::FORBIDDEN).await;
    assert!(
        text.contains("devices[1]") && !text.contains("devices[0]"),
        "{text}"
    );
    let (_, jobs) = call(&h.router(), "GET", "/jobs", None).await;
    assert_eq!(jobs, json!([]), "{jobs}");
}

/// A gateway on a config file, so a test can edit the file and reload it live.
async fn file_harness(tweak: impl FnOnce(&mut Config)) -> (Harness, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(&["cisco_ios"], dir.path()).await;
    harness_on_file(lab, dir, tweak).await
}

#[tokio::test]
async fn the_allow_list_follows_reloads_and_is_checked_again_before_connecting() {
    let (h, path) = file_harness(|c| {
        c.worker.pool_size = 1;
        c.security.allowed_targets = vec!["127.0.0.0/8".into()];
    })
    .await;
    let (host, port) = h.device("cisco_ios");
    let r = h.router();
    let job = exec_wait(&h, exec_body("cisco_ios", &host, port, json!("show clock"))).await;
    assert_eq!(job["status"], "finished", "an allowed target runs: {job}");
    // The one worker is held by a slow job (5 s, on its pooled session); the next job, as
    // another user (so it needs a new connection), waits in the queue, accepted.
    let (status, _) = call(
        &r,
        "POST",
        "/device/exec",
        Some(exec_body("cisco_ios", &host, port, json!("lab sleep 5000"))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut queued = exec_body("cisco_ios", &host, port, json!("show clock"));
    queued["connection_args"]["username"] = json!("other-user");
    let (status, queued) = call(&r, "POST", "/device/exec", Some(queued)).await;
    assert_eq!(status, StatusCode::CREATED, "{queued}");
    // The list changes while it waits: the worker refuses to connect, naming the rule.
    reload_with(&h, &path, |c| {
        c.security.allowed_targets = vec!["10.0.0.0/8".into()];
    })
    .await;
    let id = queued["id"].as_str().unwrap();
    let ended = wait_job(&h, id).await;
    assert_eq!(ended["status"], "failed", "{ended}");
    let error = ended["result"]["error"]["message"].as_str().unwrap();
    assert!(error.contains("security.allowed_targets"), "{error}");
    // And new submits get 403 at once.
    let body = exec_body("cisco_ios", &host, port, json!("show clock"));
    let text = expect_status(&h, "/device/exec", body, StatusCode::FORBIDDEN).await;
    assert!(text.contains("10.0.0.0/8"), "{text}");
}

/// Profiles that panic for one platform: a fault reached through the real job path
/// (request → queue → worker → SSH to the lab → the session's profile), every other
/// platform going to the real plugins. (A parser's panic is already caught at the parse,
/// on its blocking thread, and costs only the parse: the worker's own guard is what this
/// test reaches.)
struct PanickingProfiles(Arc<netpulse::jobs::PluginVendors>);

impl netpulse::jobs::Profiles for PanickingProfiles {
    fn profile(&self, platform: &str) -> Result<Arc<netpulse::ssh::SessionProfile>, String> {
        if platform == "cisco_xe" {
            panic!("a profile lookup met a platform it never expected");
        }
        self.0.profile(platform)
    }
}

#[tokio::test]
async fn a_panicking_job_fails_alone_and_the_worker_runs_the_next() {
    use netpulse::{api, cache, gateway, jobs, ssh, store};
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(&["cisco_ios"], dir.path()).await;
    let mut config = test_config(dir.path());
    config.worker.pool_size = 1;
    let metrics = netpulse::metrics::Metrics::new();
    let store = store::Store::connect(&config.database).await.unwrap();
    let connector = ssh::Connector::new(
        ssh::hostkeys::HostKeys::new(dir.path().join("known_hosts"), config.ssh.host_key_policy),
        Duration::from_secs(5),
        None,
    );
    let host = Arc::new(gateway::plugin_host(&config, dir.path(), metrics.clone()).unwrap());
    let vendors = Arc::new(jobs::PluginVendors::new(host.clone()));
    let parsers: Arc<dyn jobs::Parsers> = vendors.clone();
    let profiles: Arc<dyn jobs::Profiles> = Arc::new(PanickingProfiles(vendors.clone()));
    let sealer = jobs::seal::Sealer::load(&dir.path().join("sealing.key")).unwrap();
    let cache = cache::Cache::new(
        cache::Settings::from_config(&config.cache),
        store.clone(),
        "netpulse",
        cache::CredentialHasher::from_key(sealer.cache_hmac_key()),
    )
    .await
    .unwrap();
    let live = netpulse::config::watch::Live::new(
        dir.path().join("none.yaml"),
        config.clone(),
        metrics.reload_counter(),
    );
    let rebuild: jobs::Rebuild = {
        let (live, parsers) = (live.clone(), parsers.clone());
        Arc::new(move |text: &str| {
            let request: api::request::ExecutionRequest =
                serde_json::from_str(text).map_err(|e| e.to_string())?;
            request
                .into_spec(&live.current(), &parsers.known())
                .map_err(|e| e.to_string())
        })
    };
    let deps = jobs::Deps {
        pool: ssh::pool::Pool::new(gateway::pool_settings(&config)),
        connector: connector.clone(),
        store: store.clone(),
        profiles,
        parsers,
        strategies: vendors,
        metrics: metrics.clone(),
        cache,
        sealer,
        rebuild,
        targets: jobs::targets::AllowedTargets::default(),
        max_output_bytes: config.worker.max_output_bytes,
        webhooks: jobs::webhook_target::Deliveries::new(Arc::new(config.clone()), metrics.clone()),
    };
    let jobs = jobs::Jobs::start(deps, 1, 100, metrics.clone());
    let router = api::app(api::AppState::new(live, metrics, jobs.clone(), host));
    let addr = lab.devices()[0].addr;
    let body = |platform: &str, command: &str| {
        let mut body = exec_body(
            platform,
            &addr.ip().to_string(),
            addr.port(),
            json!(command),
        );
        body["parsing"] = json!({"name": "auto"});
        body
    };
    let (status, job) = call(
        &router,
        "POST",
        "/device/exec?wait=30",
        Some(body("cisco_xe", "show clock")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["result"]["error"]["type"], "panic", "{job}");
    let reason = job["result"]["error"]["message"].as_str().unwrap();
    assert!(reason.contains("never expected"), "{reason}");
    // The record says the same: the job is not left `started`.
    let id = job["id"].as_str().unwrap();
    let (_, stored) = call(&router, "GET", &format!("/jobs/{id}"), None).await;
    assert_eq!(stored["status"], "failed", "{stored}");
    // The one worker is still there: the next job runs on it.
    let (status, next) = call(
        &router,
        "POST",
        "/device/exec?wait=30",
        Some(body("cisco_ios", "show version")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{next}");
    assert_eq!(next["status"], "finished", "{next}");
    assert_eq!(next["worker"], stored["worker"], "the same worker ran it");
    assert_eq!(jobs.busy_workers(), 0);
}

#[test]
fn the_config_refuses_bad_allow_list_rules_and_multi_token_inventory_hosts() {
    let text = "security:\n  allowed_targets: [\"10.0.0.0/33\", \"*.lab\", \"a b\"]\ninventory:\n  - name: core-1\n    host: \"10.0.0.1 evil\"\n    device_type: cisco_ios\n";
    let err = netpulse::config::from_str(text, Path::new("hostile.yaml")).unwrap_err();
    let netpulse::config::Error::Invalid { problems, .. } = err else {
        panic!("not a validation error: {err}");
    };
    let paths: Vec<&str> = problems.iter().filter_map(|p| p.path.as_deref()).collect();
    assert_eq!(
        paths,
        [
            "security.allowed_targets[0]",
            "security.allowed_targets[2]",
            "inventory[0].host"
        ],
        "{problems:?}"
    );
    assert_eq!(problems[0].line, Some(2), "{problems:?}");
    let ok = "security:\n  allowed_targets: [\"10.0.0.0/8\", \"192.0.2.7\", \"2001:db8::/32\", \"*.lab.example\"]\n";
    let config = netpulse::config::from_str(ok, Path::new("ok.yaml")).unwrap();
    assert_eq!(config.security.allowed_targets.len(), 4);
}
