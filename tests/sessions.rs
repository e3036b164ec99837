//! Sessions against awkward devices: the lab's quirks (custom and plain prompts, banners full
//! of prompt characters, logins that wait for a return, `{master:0}`, a paging MOTD, refused
//! setup commands, forced password changes, hostname changes) on every bundled platform,
//! through the HTTP API and the real SSH client.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use common::*;
use netpulse::gateway;
use netpulse::lab::{Lab, LabOptions, Quirks};
use serde_json::{Value, json};

/// Every bundled vendor platform, with a command whose output names the platform.
const PLATFORMS: &[(&str, &str, &str)] = &[
    ("cisco_ios", "show version", "Cisco IOS Software"),
    ("cisco_nxos", "show version", "Cisco Nexus Operating System"),
    ("cisco_xr", "show version", "Cisco IOS XR Software"),
    ("arista_eos", "show version", "Arista"),
    ("juniper_junos", "show version", "Junos:"),
    (
        "huawei",
        "display version",
        "Huawei Versatile Routing Platform",
    ),
];

/// A command per platform whose output is longer than one screen (24 lines).
fn long_command(platform: &str) -> &'static str {
    match platform {
        "cisco_nxos" => "show interface",
        // The lab's XR has no long show command; its flood pages like any output.
        "cisco_xr" => "lab flood 4",
        "huawei" => "display interface",
        _ => "show interfaces",
    }
}

fn platforms() -> Vec<&'static str> {
    PLATFORMS.iter().map(|p| p.0).collect()
}

/// A lab of one device per platform, every device with `quirks`, and a gateway in front.
async fn awkward(quirks: Quirks) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let lab = Lab::start(LabOptions {
        devices: PLATFORMS.len(),
        base_port: 0,
        vendors: platforms().iter().map(|v| v.to_string()).collect(),
        state_dir: dir.path().join("lab"),
        quirks,
        ..LabOptions::default()
    })
    .await
    .unwrap();
    let config = test_config(dir.path());
    let gw = gateway::build(config, dir.path()).await.unwrap();
    Harness { lab, gw, dir }
}

async fn run(h: &Harness, platform: &str, command: Value) -> Value {
    let (host, port) = h.device(platform);
    exec_wait(h, exec_body(platform, &host, port, command)).await
}

/// Checks a finished job: output of `command` contains `expect`, no prompt leaked into it.
fn finished(job: &Value, expect: &str, prompt_learned: bool) {
    assert_eq!(job["status"], "finished", "{job}");
    let retval = &job["result"]["retval"][0];
    let stdout = retval["stdout"].as_str().unwrap();
    assert!(stdout.contains(expect), "{job}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        !last.trim_end().ends_with('#') && !last.trim_end().ends_with('>'),
        "a prompt in the output: {job}"
    );
    assert_eq!(
        retval["metadata"]["prompt_learned"], prompt_learned,
        "{job}"
    );
}

#[tokio::test]
async fn faithful_prompts_are_the_usual_form() {
    let h = awkward(Quirks::default()).await;
    for (platform, command, expect) in PLATFORMS {
        let job = run(&h, platform, json!(command)).await;
        finished(&job, expect, false);
    }
}

#[tokio::test]
async fn plain_prompts_on_every_platform() {
    let h = awkward(Quirks {
        plain_prompt: true,
        ..Quirks::default()
    })
    .await;
    for (platform, command, expect) in PLATFORMS {
        let job = run(&h, platform, json!([command, command])).await;
        // `host#` is outside the XR (`RP/0/…:host#`) and VRP (`<host>`) forms only.
        let unusual = matches!(*platform, "cisco_xr" | "huawei");
        finished(&job, expect, unusual);
        assert_eq!(
            job["result"]["retval"][0]["stdout"], job["result"]["retval"][1]["stdout"],
            "{job}"
        );
    }
}

#[tokio::test]
async fn custom_prompts_on_every_platform() {
    let h = awkward(Quirks {
        prompt: Some("{host} lab{mode}{sigil} ".into()),
        ..Quirks::default()
    })
    .await;
    for (platform, command, expect) in PLATFORMS {
        let job = run(&h, platform, json!(command)).await;
        finished(&job, expect, true);
    }
}

#[tokio::test]
async fn awkward_logins_on_every_platform() {
    // Press RETURN, then silence until a return, a banner of prompt characters whose last
    // line is a prompt-alike alone, a MOTD that pages, and `{master:0}` on Junos.
    let h = awkward(Quirks {
        press_return: true,
        needs_return: true,
        banner_prompt_chars: true,
        motd_pager: true,
        junos_master: true,
        ..Quirks::default()
    })
    .await;
    for (platform, command, expect) in PLATFORMS {
        let job = run(&h, platform, json!(command)).await;
        finished(&job, expect, false);
        let stdout = job["result"]["retval"][0]["stdout"].as_str().unwrap();
        assert!(
            !stdout.contains("MOTD") && !stdout.contains("{master:0}"),
            "{job}"
        );
    }
}

#[tokio::test]
async fn refused_setup_answers_the_pager_instead() {
    // A second lab of the same devices (same models, same text) with plain prompts that
    // refuse every paging-off and terminal command, so paging stays on there.
    let h = awkward(Quirks::default()).await;
    let refusing = Lab::start(LabOptions {
        devices: PLATFORMS.len(),
        base_port: 0,
        vendors: platforms().iter().map(|v| v.to_string()).collect(),
        state_dir: h.dir.path().join("lab-refusing"),
        quirks: Quirks {
            refuse_setup: true,
            plain_prompt: true,
            ..Quirks::default()
        },
        ..LabOptions::default()
    })
    .await
    .unwrap();
    for (i, platform) in platforms().into_iter().enumerate() {
        let command = long_command(platform);
        let mut outputs = Vec::new();
        for lab in [&h.lab, &refusing] {
            let addr = lab.devices()[i].addr;
            let body = exec_body(
                platform,
                &addr.ip().to_string(),
                addr.port(),
                json!(command),
            );
            let job = exec_wait(&h, body).await;
            assert_eq!(job["status"], "finished", "{job}");
            outputs.push(
                job["result"]["retval"][0]["stdout"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        assert!(
            outputs[0].lines().count() > 30,
            "{platform}: {}",
            outputs[0]
        );
        assert_eq!(outputs[0], outputs[1], "{platform}");
    }
    refusing.shutdown().await;
}

#[tokio::test]
async fn a_forced_password_change_fails_the_job_with_that_reason() {
    let h = awkward(Quirks {
        password_change: true,
        ..Quirks::default()
    })
    .await;
    for (platform, command, _) in PLATFORMS {
        let job = run(&h, platform, json!(command)).await;
        assert_eq!(job["status"], "failed", "{job}");
        let message = job["result"]["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("password change") && !message.contains("timed out"),
            "{platform}: {message}"
        );
    }
}

#[tokio::test]
async fn authorization_failed_is_named() {
    let h = awkward(Quirks {
        authorization_failed: true,
        ..Quirks::default()
    })
    .await;
    let job = run(&h, "cisco_ios", json!("show version")).await;
    assert_eq!(job["status"], "failed", "{job}");
    let message = job["result"]["error"]["message"].as_str().unwrap();
    assert!(message.contains("% Authorization failed."), "{message}");
}

/// A config line that renames the device, per platform (the profile commits where needed).
fn rename(platform: &str, name: &str) -> String {
    match platform {
        "juniper_junos" => format!("set system host-name {name}"),
        "huawei" => format!("sysname {name}"),
        _ => format!("hostname {name}"),
    }
}

#[tokio::test]
async fn a_hostname_change_is_relearned_and_the_session_stays_pooled() {
    for quirks in [
        Quirks::default(),
        Quirks {
            plain_prompt: true,
            ..Quirks::default()
        },
        Quirks {
            prompt: Some("{host} lab{mode}{sigil} ".into()),
            ..Quirks::default()
        },
    ] {
        let h = awkward(quirks.clone()).await;
        for (platform, command, expect) in PLATFORMS {
            let (host, port) = h.device(platform);
            let mut push = exec_body(platform, &host, port, json!(null));
            push.as_object_mut().unwrap().remove("command");
            push["config"] = json!([rename(platform, "renamed-1")]);
            // IOS and EOS log in at `>`: configuring needs enable (ignored elsewhere).
            push["connection_args"]["secret"] = json!("enable");
            let job = exec_wait(&h, push).await;
            assert_eq!(job["status"], "finished", "{quirks:?} {job}");
            let mut again = exec_body(platform, &host, port, json!(command));
            again["connection_args"]["secret"] = json!("enable");
            let job = exec_wait(&h, again).await;
            assert_eq!(job["status"], "finished", "{quirks:?} {job}");
            let retval = &job["result"]["retval"][0];
            assert!(retval["stdout"].as_str().unwrap().contains(expect), "{job}");
            assert_eq!(retval["metadata"]["session_reused"], true, "{job}");
        }
    }
}
