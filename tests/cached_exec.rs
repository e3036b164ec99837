//! The cache through the full HTTP path: a hit never touches the device, normalised
//! commands share an entry, other credentials never see it, and a config push over SSH
//! invalidates the device.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

fn cached_body(host: &str, port: u16, command: &str) -> Value {
    let mut body = exec_body("cisco_ios", host, port, json!(command));
    body["cache"] = json!({"enabled": true});
    body["parsing"] = json!({"name": "auto"});
    body["connection_args"]["secret"] = json!("enable");
    body
}

fn level(job: &Value) -> &str {
    job["result"]["retval"][0]["metadata"]["cache"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn second_read_is_an_l1_hit_with_parsed_output() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let first = exec_wait(&h, cached_body(&host, port, "show version")).await;
    assert_eq!(first["status"], "finished", "{first}");
    assert_eq!(level(&first), "miss");
    let runs_before = h.lab.total_connections();
    let second = exec_wait(&h, cached_body(&host, port, "sh ver")).await;
    assert_eq!(
        level(&second),
        "l1",
        "normalised `sh ver` shares the entry: {second}"
    );
    assert_eq!(
        second["result"]["retval"][0]["stdout"],
        first["result"]["retval"][0]["stdout"]
    );
    assert_eq!(
        second["result"]["retval"][0]["parsed"],
        first["result"]["retval"][0]["parsed"]
    );
    assert!(
        second["result"]["retval"][0]["parsed"].is_array(),
        "{second}"
    );
    assert_eq!(
        h.lab.total_connections(),
        runs_before,
        "a hit never touches the device"
    );
    let (_, stats) = call(&h.router(), "GET", "/system/stats", None).await;
    assert!(
        stats["cache"]["l1"]["hits"].as_u64().unwrap_or(0) >= 1
            || stats["cache"].to_string().contains("hits"),
        "{stats}"
    );
}

#[tokio::test]
async fn cache_is_opt_in_and_refresh_skips_the_lookup() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    exec_wait(&h, cached_body(&host, port, "show version")).await;
    let plain = exec_wait(
        &h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    assert_eq!(
        level(&plain),
        "miss",
        "without cache.enabled the device answers"
    );
    let mut refresh = cached_body(&host, port, "show version");
    refresh["cache"]["refresh"] = json!(true);
    let refreshed = exec_wait(&h, refresh).await;
    assert_eq!(level(&refreshed), "miss");
}

#[tokio::test]
async fn other_credentials_never_get_cached_output() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    exec_wait(&h, cached_body(&host, port, "show version")).await;
    let mut wrong = cached_body(&host, port, "show version");
    wrong["connection_args"]["password"] = json!("wrong-password-xyz");
    let job = exec_wait(&h, wrong).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["result"]["error"]["type"], "authentication");
}

#[tokio::test]
async fn config_push_invalidates_the_device() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let before = exec_wait(&h, cached_body(&host, port, "show running-config")).await;
    assert_eq!(level(&before), "miss");
    assert_eq!(
        level(&exec_wait(&h, cached_body(&host, port, "show running-config")).await),
        "l1"
    );
    let mut push = cached_body(&host, port, "x");
    push.as_object_mut().unwrap().remove("command");
    push.as_object_mut().unwrap().remove("cache");
    push["config"] = json!([
        "interface GigabitEthernet0/2",
        "description cache-invalidation-test"
    ]);
    let pushed = exec_wait(&h, push).await;
    assert_eq!(pushed["status"], "finished", "{pushed}");
    let after = exec_wait(&h, cached_body(&host, port, "show running-config")).await;
    assert_eq!(
        level(&after),
        "miss",
        "the push invalidated the device's entries"
    );
    assert!(
        after["result"]["retval"][0]["stdout"]
            .as_str()
            .unwrap()
            .contains("cache-invalidation-test")
    );
}

async fn inventory_harness(warm: bool) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(&["cisco_ios"], dir.path()).await;
    let addr = lab.devices()[0].addr;
    let secret_file = dir.path().join("r1.password");
    std::fs::write(&secret_file, "admin\n").unwrap();
    let mut config = test_config(dir.path());
    config.inventory = vec![netpulse::config::InventoryDevice {
        name: "core-1".into(),
        host: addr.ip().to_string(),
        port: Some(addr.port()),
        device_type: "cisco_ios".into(),
        site: Some("par1".into()),
        tags: vec!["core".into()],
        credential: netpulse::config::Credential {
            username: "admin".into(),
            password_file: Some(secret_file.display().to_string()),
            ..Default::default()
        },
    }];
    if warm {
        config.cache.warm.hosts = vec!["core-1".into()];
        config.cache.warm.commands = vec!["show version".into()];
    }
    let gw = netpulse::gateway::build(config, dir.path()).await.unwrap();
    Harness { lab, gw, dir }
}

#[tokio::test]
async fn inventory_names_stand_for_connection_args() {
    let h = inventory_harness(false).await;
    let job = exec_wait(&h, json!({"device": "core-1", "command": "show version"})).await;
    assert_eq!(job["status"], "finished", "{job}");
    let (status, body) = call(
        &h.router(),
        "POST",
        "/device/exec",
        Some(json!({"device": "edge-9", "command": "show version"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("core-1"),
        "{body}"
    );
}

#[tokio::test]
async fn warming_fills_the_cache_before_the_first_request() {
    let h = inventory_harness(true).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, _, list) =
            call_raw(&h.router(), "GET", "/jobs?status=finished", None, Some(KEY)).await;
        if !list.as_array().unwrap().is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "warming never ran");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let job = exec_wait(
        &h,
        json!({"device": "core-1", "command": "sh ver", "cache": {"enabled": true}}),
    )
    .await;
    assert_eq!(level(&job), "l1", "{job}");
}
