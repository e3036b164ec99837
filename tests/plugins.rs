//! The plugin host with real wasmtime components: bundled vendor plugins end to end over
//! SSH, hostile plugins contained, hot swap under load.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

/// Where build.rs put the test components.
fn test_plugin(name: &str) -> PathBuf {
    Path::new(env!("NETPULSE_TEST_PLUGINS"))
        .join(format!("netpulse_test_{}.wasm", name.replace('-', "_")))
}

fn plugins_dir(h: &Harness) -> PathBuf {
    h.dir.path().join("plugins")
}

/// Copies a component into the watched directory the way an operator would: write a temp
/// file, then rename over the target.
fn drop_in(h: &Harness, component: &Path, as_name: &str) {
    let dir = plugins_dir(h);
    let tmp = dir.join(format!(".{as_name}.tmp"));
    std::fs::copy(component, &tmp).unwrap();
    std::fs::rename(&tmp, dir.join(as_name)).unwrap();
}

async fn plugins(h: &Harness) -> Value {
    let (status, body) = call(&h.router(), "GET", "/plugins", None).await;
    assert_eq!(status, StatusCode::OK);
    body
}

/// Waits until `GET /plugins` satisfies `ready`, polling for at most 20 s.
async fn wait_for(h: &Harness, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = plugins(h).await;
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

fn has_plugin(body: &Value, name: &str, version: &str) -> bool {
    body["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == name && p["version"] == version)
}

async fn parse(
    h: &Harness,
    name: &str,
    platform: &str,
    command: &str,
    context: &str,
) -> (StatusCode, Value) {
    call(
        &h.router(),
        "POST",
        "/template/parse",
        Some(json!({"platform": platform, "command": command, "context": context, "name": name})),
    )
    .await
}

#[tokio::test]
async fn bundled_plugins_are_listed() {
    let h = harness(&["cisco_ios"]).await;
    let body = plugins(&h).await;
    for name in [
        "cisco_ios",
        "cisco_nxos",
        "cisco_xr",
        "arista_eos",
        "juniper_junos",
        "huawei",
        "textfsm",
        "rolling",
        "canary",
        "by-site",
    ] {
        let p = body["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name);
        let p = p.unwrap_or_else(|| panic!("{name} missing from {body}"));
        assert_eq!(p["source"], "bundled");
        assert_eq!(p["sha256"].as_str().unwrap().len(), 64);
    }
    let ios = body["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cisco_ios")
        .unwrap();
    assert!(
        ios["platforms"]
            .as_array()
            .unwrap()
            .contains(&json!("cisco_xe"))
    );
    assert!(
        ios["parsers"]
            .as_array()
            .unwrap()
            .contains(&json!("show version"))
    );
}

#[tokio::test]
async fn template_parse_auto_uses_the_vendor_plugin() {
    let h = harness(&["cisco_ios"]).await;
    let output = "Interface              IP-Address      OK? Method Status                Protocol\n\
                  GigabitEthernet0/0     10.0.0.1        YES NVRAM  up                    up      \n\
                  GigabitEthernet0/1     unassigned      YES unset  administratively down down    \n";
    let (status, body) = parse(&h, "auto", "ios", "sh ip int br", output).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let records = body.as_array().unwrap();
    assert_eq!(records.len(), 2, "{body}");
    assert_eq!(records[0]["interface"], "GigabitEthernet0/0");
    assert_eq!(records[1]["status"], "administratively down");

    let (status, body) = parse(&h, "nonesuch", "cisco_ios", "show version", "x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("textfsm"),
        "{body}"
    );
    let (status, _) = parse(&h, "auto", "bogus_os", "show version", "x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn hostile_plugins_fail_only_their_own_call() {
    let h = harness_with(&["cisco_ios"], |c| {
        c.plugins.call_timeout_ms = 200;
        c.plugins.memory_limit_mb = 32;
    })
    .await;
    for name in ["spin", "hog", "panic", "bad-json", "wrong-world"] {
        drop_in(&h, &test_plugin(name), &format!("{name}.wasm"));
    }
    let body = wait_for(&h, "hostile plugins", |b| {
        has_plugin(b, "test-spin", "1.0.0")
            && has_plugin(b, "test-hog", "1.0.0")
            && has_plugin(b, "test-panic", "1.0.0")
            && has_plugin(b, "test-bad-json", "1.0.0")
            && b["refused"].as_array().is_some_and(|r| !r.is_empty())
    })
    .await;
    let refused = &body["refused"][0];
    assert!(
        refused["file"]
            .as_str()
            .unwrap()
            .ends_with("wrong-world.wasm"),
        "{body}"
    );
    assert!(
        refused["reason"]
            .as_str()
            .unwrap()
            .contains("exports none of the netpulse:plugin worlds"),
        "{body}"
    );

    let cases = [
        ("test-spin", "deadline"),
        ("test-hog", "memory limit"),
        ("test-panic", "trapped"),
        ("test-bad-json", "invalid JSON"),
    ];
    for (plugin, expected) in cases {
        let started = Instant::now();
        let (status, body) = parse(&h, plugin, "cisco_ios", "show test", "some output").await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{plugin}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(plugin) && message.contains(expected),
            "{plugin}: {message}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{plugin} took {:?}",
            started.elapsed()
        );
        // The gateway keeps serving: a good parser still answers, and so does the hostile
        // one's next call (a fresh instance), failing the same way.
        let (status, _) = parse(
            &h,
            "auto",
            "cisco_ios",
            "show version",
            "Cisco IOS Software, Version 15.2(4)M\n",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = parse(&h, plugin, "cisco_ios", "show test", "again").await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
    }
}

#[tokio::test]
async fn hot_swap_replaces_and_removal_restores() {
    let h = harness(&["cisco_ios"]).await;
    drop_in(&h, &test_plugin("echo-v1"), "echo.wasm");
    wait_for(&h, "echo v1", |b| has_plugin(b, "echo", "1.0.0")).await;
    let (_, body) = parse(&h, "echo", "cisco_ios", "show test", "abc").await;
    assert_eq!(body[0]["version"], "1");
    // In-place overwrite (not rename) must be picked up too.
    std::fs::write(
        plugins_dir(&h).join("echo.wasm"),
        std::fs::read(test_plugin("echo-v2")).unwrap(),
    )
    .unwrap();
    wait_for(&h, "echo v2", |b| has_plugin(b, "echo", "2.0.0")).await;
    let (_, body) = parse(&h, "echo", "cisco_ios", "show test", "abc").await;
    assert_eq!(body[0]["version"], "2");
    // A broken replacement is refused and v2 keeps serving.
    std::fs::write(plugins_dir(&h).join("echo.wasm"), b"\0asm not really").unwrap();
    wait_for(&h, "refusal", |b| {
        b["refused"].as_array().is_some_and(|r| !r.is_empty())
    })
    .await;
    let (status, body) = parse(&h, "echo", "cisco_ios", "show test", "abc").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["version"], "2");
    // Removing the file removes the plugin.
    std::fs::remove_file(plugins_dir(&h).join("echo.wasm")).unwrap();
    wait_for(&h, "removal", |b| !has_plugin(b, "echo", "2.0.0")).await;
}

#[tokio::test]
async fn replacing_plugins_under_load_fails_no_request() {
    let h = harness(&["cisco_ios"]).await;
    drop_in(&h, &test_plugin("echo-v1"), "echo.wasm");
    wait_for(&h, "echo v1", |b| has_plugin(b, "echo", "1.0.0")).await;
    let router = h.router();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for _ in 0..4 {
        let router = router.clone();
        let stop = stop.clone();
        load.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0u32, 0u32);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = json!({"platform": "cisco_ios", "command": "show test", "context": "x", "name": "echo"});
                let (status, _) = call(&router, "POST", "/template/parse", Some(body)).await;
                if status == StatusCode::OK { ok += 1 } else { failed += 1 }
            }
            (ok, failed)
        }));
    }
    for i in 0..20 {
        let (component, version) = if i % 2 == 0 {
            ("echo-v2", "2.0.0")
        } else {
            ("echo-v1", "1.0.0")
        };
        drop_in(&h, &test_plugin(component), "echo.wasm");
        wait_for(&h, version, |b| has_plugin(b, "echo", version)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut ok, mut failed) = (0, 0);
    for task in load {
        let (o, f) = task.await.unwrap();
        ok += o;
        failed += f;
    }
    assert!(ok > 0);
    assert_eq!(
        failed, 0,
        "{failed} requests failed during 20 swaps ({ok} succeeded)"
    );
}

#[tokio::test]
async fn all_six_platforms_run_end_to_end_with_parsing_auto() {
    let vendors = [
        "cisco_ios",
        "cisco_nxos",
        "cisco_xr",
        "arista_eos",
        "juniper_junos",
        "huawei",
    ];
    let h = harness(&vendors).await;
    for vendor in vendors {
        let (host, port) = h.device(vendor);
        let command = if vendor == "huawei" {
            "display version"
        } else {
            "show version"
        };
        let mut body = exec_body(vendor, &host, port, json!([command, "bogus-command-xyz"]));
        body["parsing"] = json!({"name": "auto"});
        let (status, job) = call(&h.router(), "POST", "/device/exec?wait=30", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED);
        let retval = job["result"]["retval"]
            .as_array()
            .unwrap_or_else(|| panic!("{vendor}: {job}"));
        assert_eq!(retval[0]["exit_status"], 0, "{vendor}: {job}");
        let parsed = retval[0]["parsed"]
            .as_array()
            .unwrap_or_else(|| panic!("{vendor} not parsed: {job}"));
        assert!(!parsed.is_empty(), "{vendor}: {job}");
        assert_eq!(
            retval[1]["exit_status"], 1,
            "{vendor}: the device's error is detected: {job}"
        );
        assert!(
            !retval[1]["stderr"].as_str().unwrap().is_empty(),
            "{vendor}: {job}"
        );
    }
}

#[tokio::test]
async fn commit_platforms_push_config_through_their_profiles() {
    let h = harness(&["juniper_junos", "cisco_xr", "huawei"]).await;
    let cases = [
        (
            "juniper_junos",
            vec!["set interfaces ge-0/0/1 description pushed-by-netpulse"],
            "show configuration",
        ),
        (
            "cisco_xr",
            vec![
                "interface GigabitEthernet0/0/0/1",
                "description pushed-by-netpulse",
            ],
            "show running-config",
        ),
        (
            "huawei",
            vec![
                "interface GigabitEthernet0/0/1",
                "description pushed-by-netpulse",
            ],
            "display current-configuration",
        ),
    ];
    for (vendor, config, show) in cases {
        let (host, port) = h.device(vendor);
        let mut body = exec_body(vendor, &host, port, json!("x"));
        body.as_object_mut().unwrap().remove("command");
        body["config"] = json!(config);
        let (_, job) = call(&h.router(), "POST", "/device/exec?wait=30", Some(body)).await;
        assert_eq!(job["status"], "finished", "{vendor}: {job}");
        let (_, job) = call(
            &h.router(),
            "POST",
            "/device/exec?wait=30",
            Some(exec_body(vendor, &host, port, json!(show))),
        )
        .await;
        let stdout = job["result"]["retval"][0]["stdout"]
            .as_str()
            .unwrap_or_default();
        assert!(stdout.contains("pushed-by-netpulse"), "{vendor}: {job}");
    }
}

/// Template libraries spell platforms as other libraries do: ntc-templates' index says
/// `huawei_vrp` for what NetPulse (after Netmiko) calls `huawei`. Every spelling finds the
/// template; a command the index lacks is still a clear 422.
#[tokio::test]
async fn textfsm_finds_templates_indexed_under_another_spelling_of_the_platform() {
    let lib = tempfile::tempdir().unwrap();
    std::fs::write(
        lib.path().join("index"),
        "Template, Hostname, Platform, Command\n\n\
         vrp_display_clock.textfsm, .*, huawei_vrp, dis[[play]] cl[[ock]]\n",
    )
    .unwrap();
    std::fs::write(
        lib.path().join("vrp_display_clock.textfsm"),
        "Value TIME (\\S+)\n\nStart\n  ^${TIME}\\s+UTC -> Record\n",
    )
    .unwrap();
    let dir = lib.path().display().to_string();
    let h = harness_with(&["huawei"], move |c| c.parsing.template_dirs = vec![dir]).await;
    for platform in ["huawei", "huawei_vrp", "vrp"] {
        let (status, body) =
            parse(&h, "textfsm", platform, "display clock", "12:00:01 UTC\n").await;
        assert_eq!(status, StatusCode::OK, "{platform}: {body}");
        assert_eq!(body, json!([{"time": "12:00:01"}]), "{platform}");
    }
    let (status, body) = parse(&h, "auto", "huawei", "display clock", "12:00:01 UTC\n").await;
    assert_eq!(status, StatusCode::OK, "auto: {body}");
    assert_eq!(body, json!([{"time": "12:00:01"}]), "auto");
    let (status, body) = parse(&h, "textfsm", "huawei", "display nothing", "x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no template for huawei"),
        "{body}"
    );
}
