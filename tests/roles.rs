//! Keys and roles through the router (design §10's table), the submitter recorded on jobs
//! and batches, live reload of keys, and `security.rate_limit` (429 with Retry-After).
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use netpulse::config::{ApiKey, NamedKey, Role};
use serde_json::{Value, json};

const READ: &str = "read-key-0123456789abcdef";
const OPERATE: &str = "operate-key-0123456789abc";
const CHANGE: &str = "change-key-0123456789abcd";
const ADMIN: &str = "admin-key-0123456789abcde";

fn named(name: &str, key: &str, role: Role) -> ApiKey {
    ApiKey::Named(NamedKey {
        name: name.into(),
        key: key.into(),
        role,
    })
}

async fn roles_harness() -> Harness {
    harness_with(&["cisco_ios"], |c| {
        c.server.api_keys = vec![
            KEY.into(),
            named("viewer", READ, Role::Read),
            named("ops", OPERATE, Role::Operate),
            named("pusher", CHANGE, Role::Change),
            named("root", ADMIN, Role::Admin),
        ];
    })
    .await
}

async fn as_key(
    h: &Harness,
    key: &str,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    call_raw(
        &h.router(),
        method,
        uri,
        body.map(|b| b.to_string()),
        Some(key),
    )
    .await
}

/// A 403 whose message names `role` as the one needed.
fn assert_needs(status: StatusCode, body: &Value, role: &str) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "forbidden", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(&format!("needs role {role}")), "{message}");
}

fn config_body(host: &str, port: u16) -> Value {
    json!({
        "connection_args": {"device_type": "cisco_ios", "host": host, "port": port,
                            "username": "admin", "password": "admin", "secret": "enable"},
        "config": ["interface Loopback7", "description roles-test"],
    })
}

#[tokio::test]
async fn read_role_may_only_read() {
    let h = roles_harness().await;
    let (host, port) = h.device("cisco_ios");
    for uri in ["/jobs", "/system/stats", "/metrics"] {
        let (status, _, body) = as_key(&h, READ, "GET", uri, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    }
    for uri in ["/config", "/plugins"] {
        let (status, _, body) = as_key(&h, READ, "GET", uri, None).await;
        assert_needs(status, &body, "admin");
    }
    let show = exec_body("cisco_ios", &host, port, json!("show version"));
    let (status, _, body) = as_key(&h, READ, "POST", "/device/exec", Some(show.clone())).await;
    assert_needs(status, &body, "operate");
    let (status, _, body) = as_key(&h, READ, "POST", "/device/test", Some(show)).await;
    assert_needs(status, &body, "operate");
    let parse = json!({"platform": "cisco_ios", "command": "show clock", "context": "x"});
    let (status, _, body) = as_key(&h, READ, "POST", "/template/parse", Some(parse)).await;
    assert_needs(status, &body, "operate");
    let (status, _, body) = as_key(&h, READ, "DELETE", "/jobs/nope", None).await;
    assert_needs(status, &body, "change");
    // Nothing ran: the read key created no job.
    let (_, headers, _) = as_key(&h, READ, "GET", "/jobs", None).await;
    assert_eq!(headers["x-total-count"], "0");
}

#[tokio::test]
async fn operate_role_runs_show_commands_but_pushes_no_config() {
    let h = roles_harness().await;
    let (host, port) = h.device("cisco_ios");
    let show = exec_body("cisco_ios", &host, port, json!("show version"));
    let (status, _, job) = as_key(
        &h,
        OPERATE,
        "POST",
        "/device/exec?wait=30",
        Some(show.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_eq!(job["status"], "finished", "{job}");
    assert_eq!(job["submitted_by"], "ops", "{job}");

    let (status, _, body) = as_key(
        &h,
        OPERATE,
        "POST",
        "/device/exec",
        Some(config_body(&host, port)),
    )
    .await;
    assert_needs(status, &body, "change");

    // A bulk is judged by its content: one device pushing config makes it a push.
    let bulk = json!({
        "connection_args": {"device_type": "cisco_ios", "username": "admin", "password": "admin"},
        "command": "show version",
        "devices": [
            {"host": host, "port": port},
            {"host": host, "port": port, "config": ["interface Loopback8"]},
        ],
    });
    let (status, _, body) = as_key(&h, OPERATE, "POST", "/device/bulk", Some(bulk)).await;
    assert_needs(status, &body, "change");

    let (status, _, body) = as_key(&h, OPERATE, "POST", "/device/test", Some(show)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true, "{body}");
    let parse = json!({"platform": "cisco_ios", "command": "show clock", "context": "*10:00:00.000 UTC Mon Mar 1 2026"});
    let (status, _, body) = as_key(&h, OPERATE, "POST", "/template/parse", Some(parse)).await;
    assert_ne!(status, StatusCode::FORBIDDEN, "{body}");

    // Even its own job: cancelling needs `change`.
    let id = job["id"].as_str().unwrap();
    let (status, _, body) = as_key(&h, OPERATE, "DELETE", &format!("/jobs/{id}"), None).await;
    assert_needs(status, &body, "change");
    let (status, _, body) = as_key(&h, OPERATE, "POST", "/batches/x/resume", None).await;
    assert_needs(status, &body, "admin");
    let (status, _, body) = as_key(&h, OPERATE, "GET", "/config", None).await;
    assert_needs(status, &body, "admin");
}

#[tokio::test]
async fn change_role_pushes_and_cancels_only_its_own_jobs() {
    let h = roles_harness().await;
    let (host, port) = h.device("cisco_ios");
    let (status, _, pushed) = as_key(
        &h,
        CHANGE,
        "POST",
        "/device/exec?wait=30",
        Some(config_body(&host, port)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pushed}");
    assert_eq!(pushed["status"], "finished", "{pushed}");
    assert_eq!(pushed["submitted_by"], "pusher", "{pushed}");

    let show = exec_body("cisco_ios", &host, port, json!("show version"));
    let (_, _, admins) = as_key(&h, ADMIN, "POST", "/device/exec?wait=30", Some(show)).await;
    assert_eq!(admins["submitted_by"], "root", "{admins}");

    // Its own job passes the role check (and is past cancelling: 409); another key's is 403.
    let own = pushed["id"].as_str().unwrap();
    let (status, _, body) = as_key(&h, CHANGE, "DELETE", &format!("/jobs/{own}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let other = admins["id"].as_str().unwrap();
    let (status, _, body) = as_key(&h, CHANGE, "DELETE", &format!("/jobs/{other}"), None).await;
    assert_needs(status, &body, "admin");
    // An unknown job is 404 for a change key too (it names no owner).
    let (status, _, body) = as_key(&h, CHANGE, "DELETE", "/jobs/no-such-job", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, _, body) = as_key(&h, CHANGE, "GET", "/plugins", None).await;
    assert_needs(status, &body, "admin");
    let (status, _, body) = as_key(&h, CHANGE, "POST", "/batches/x/resume", None).await;
    assert_needs(status, &body, "admin");
}

#[tokio::test]
async fn admin_role_reaches_config_plugins_resume_and_any_job() {
    let h = roles_harness().await;
    let (host, port) = h.device("cisco_ios");
    let (status, _, config) = as_key(&h, ADMIN, "GET", "/config", None).await;
    assert_eq!(status, StatusCode::OK, "{config}");
    let text = config.to_string();
    for secret in [READ, OPERATE, CHANGE, ADMIN, KEY] {
        assert!(!text.contains(secret), "a key leaked into /config: {text}");
    }
    assert!(
        text.contains("\"viewer\""),
        "names and roles stay visible: {text}"
    );
    let (status, _, _) = as_key(&h, ADMIN, "GET", "/plugins", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = as_key(&h, ADMIN, "POST", "/batches/no-such-batch/resume", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "past the role check: {body}");

    let (status, _, pushed) = as_key(
        &h,
        CHANGE,
        "POST",
        "/device/exec?wait=30",
        Some(config_body(&host, port)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pushed}");
    let id = pushed["id"].as_str().unwrap();
    let (status, _, body) = as_key(&h, ADMIN, "DELETE", &format!("/jobs/{id}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "past the role check: {body}");
}

#[tokio::test]
async fn bare_keys_are_admin_and_recorded_by_a_name_that_is_not_the_key() {
    let h = roles_harness().await;
    let (host, port) = h.device("cisco_ios");
    let bulk = json!({
        "connection_args": {"device_type": "cisco_ios", "username": "admin", "password": "admin"},
        "command": "show version",
        "devices": [{"host": host, "port": port}],
    });
    let (status, bulk) = call(&h.router(), "POST", "/device/bulk", Some(bulk)).await;
    assert_eq!(status, StatusCode::CREATED, "{bulk}");
    let batch_id = bulk["batch_id"].as_str().unwrap();
    let (status, batch) = call(&h.router(), "GET", &format!("/batches/{batch_id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{batch}");
    let name = batch["submitted_by"].as_str().unwrap().to_string();
    assert!(name.starts_with("key-") && name.len() == 12, "{name}");
    assert!(
        !KEY.contains(&name[4..]),
        "the name must not be part of the key"
    );
    let job_id = bulk["succeeded"][0]["id"].as_str().unwrap();
    let (_, job) = call(&h.router(), "GET", &format!("/jobs/{job_id}"), None).await;
    assert_eq!(job["submitted_by"], name.as_str(), "{job}");
    // The key itself is stored nowhere.
    let db = std::fs::read(h.db_path()).unwrap();
    assert!(
        !db.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
        "the API key reached the database"
    );
}

#[tokio::test]
async fn key_changes_apply_on_live_reload() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(&["cisco_ios"], dir.path()).await;
    let mut config = test_config(dir.path());
    config.server.api_keys = vec![named("viewer", READ, Role::Read)];
    let path = dir.path().join("netpulse.yaml");
    // JSON is YAML: the config serialises as a valid file.
    std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
    let metrics = netpulse::metrics::Metrics::new();
    let live =
        netpulse::config::watch::Live::new(path.clone(), config.clone(), metrics.reload_counter());
    let gw = netpulse::gateway::start(live.clone(), metrics, dir.path())
        .await
        .unwrap();
    let h = Harness { lab, gw, dir };
    let (status, _, body) = as_key(&h, READ, "GET", "/config", None).await;
    assert_needs(status, &body, "admin");

    config.server.api_keys = vec![named("viewer", READ, Role::Admin)];
    std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
    let reload = live.reload().await;
    assert_eq!(reload.errors, vec![], "{reload:?}");
    // The reload applier runs beside the request path; give it a bounded moment.
    let mut status = StatusCode::FORBIDDEN;
    for _ in 0..200 {
        status = as_key(&h, READ, "GET", "/config", None).await.0;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, StatusCode::OK, "the promoted key reaches /config");
}

#[tokio::test]
async fn per_key_rate_limit_answers_429_with_retry_after() {
    let h = harness_with(&["cisco_ios"], |c| {
        c.security.rate_limit.per_key = Some(0.2);
        c.server.api_keys = vec![KEY.into(), named("viewer", READ, Role::Read)];
    })
    .await;
    // A rate under one per second still allows a burst of one.
    let (status, _, _) = as_key(&h, KEY, "GET", "/jobs", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, body) = as_key(&h, KEY, "GET", "/jobs", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("security.rate_limit.per_key"),
        "{body}"
    );
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (1..=5).contains(&retry),
        "wait for one token at 0.2/s: {retry}"
    );
    // Another key has its own bucket.
    let (status, _, _) = as_key(&h, READ, "GET", "/jobs", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn per_device_rate_limit_counts_each_device() {
    let h = harness_with(&["cisco_ios", "cisco_ios"], |c| {
        c.security.rate_limit.per_device = Some(0.1);
    })
    .await;
    let devices: Vec<(String, u16)> = h
        .lab
        .devices()
        .iter()
        .map(|d| (d.addr.ip().to_string(), d.addr.port()))
        .collect();
    let first = exec_body(
        "cisco_ios",
        &devices[0].0,
        devices[0].1,
        json!("show version"),
    );
    let (status, job) = call(
        &h.router(),
        "POST",
        "/device/exec?wait=30",
        Some(first.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let (status, headers, body) = call_raw(
        &h.router(),
        "POST",
        "/device/exec",
        Some(first.to_string()),
        Some(KEY),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(headers.contains_key("retry-after"));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("per_device"),
        "{body}"
    );
    // The other device is not held back by the first one's bucket...
    let second = exec_body(
        "cisco_ios",
        &devices[1].0,
        devices[1].1,
        json!("show version"),
    );
    let (status, job) = call(&h.router(), "POST", "/device/exec", Some(second)).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    // ...but a bulk naming the first device is refused whole, and creates nothing.
    let (_, _, before) = call_raw(&h.router(), "GET", "/jobs", None, Some(KEY)).await;
    let bulk = json!({
        "connection_args": {"device_type": "cisco_ios", "username": "admin", "password": "admin"},
        "command": "show version",
        "devices": [{"host": devices[0].0, "port": devices[0].1}],
    });
    let (status, body) = call(&h.router(), "POST", "/device/bulk", Some(bulk)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (_, _, after) = call_raw(&h.router(), "GET", "/jobs", None, Some(KEY)).await;
    assert_eq!(
        before.as_array().unwrap().len(),
        after.as_array().unwrap().len()
    );
}
