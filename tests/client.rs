//! The command-line client (`netpulse exec | bulk | jobs | batch`), run as the real binary
//! against the gateway on a real socket in front of the lab.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::process::Output;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// Serves the harness's router on a loopback port, as `serve` would.
async fn serve(h: &Harness) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = h.router();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    addr
}

/// Runs the binary with `args`, the gateway's address and key in the environment (as an
/// operator's shell would have them), and `password` as NETPULSE_PASSWORD.
async fn netpulse(addr: SocketAddr, args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_netpulse"));
    cmd.args(args)
        .env("NETPULSE_URL", format!("http://{addr}"))
        .env("NETPULSE_API_KEY", KEY)
        .env_remove("NETPULSE_PASSWORD")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    if let Some(p) = password {
        cmd.env("NETPULSE_PASSWORD", p);
    }
    tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("the client finishes within 120 s")
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn exec_prints_each_commands_output_and_parses_on_request() {
    let h = harness(&["cisco_ios"]).await;
    let addr = serve(&h).await;
    let (host, port) = h.device("cisco_ios");
    let port = port.to_string();
    let base = [
        "exec",
        "--host",
        &host,
        "--port",
        &port,
        "--device-type",
        "cisco_ios",
        "--username",
        "admin",
    ];

    let out = netpulse(
        addr,
        &[&base[..], &["show version"]].concat(),
        Some("admin"),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Cisco IOS Software"),
        "{}",
        text(&out.stdout)
    );

    let out = netpulse(
        addr,
        &[&base[..], &["--parse", "show ip interface brief"]].concat(),
        Some("admin"),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let header = stdout.lines().next().unwrap_or_default();
    assert!(
        header.contains("interface") && header.contains("status"),
        "{stdout}"
    );
    assert!(
        stdout.lines().nth(1).is_some_and(|l| l.starts_with("---")),
        "{stdout}"
    );

    let out = netpulse(
        addr,
        &[&base[..], &["--json", "show clock", "show version"]].concat(),
        Some("admin"),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let job: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(job["status"], "finished");
    assert_eq!(job["result"]["retval"].as_array().map(Vec::len), Some(2));

    // A wrong password: the job fails, the client says why and exits non-zero.
    let out = netpulse(
        addr,
        &[&base[..], &["show version"]].concat(),
        Some("wrong"),
    )
    .await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("failed"),
        "{}",
        text(&out.stderr)
    );

    // Without a key the gateway's 401 is reported, not a panic or a hang.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_netpulse"))
        .args(
            [
                &base[..],
                &["--url", &format!("http://{addr}"), "show version"],
            ]
            .concat(),
        )
        .env_remove("NETPULSE_API_KEY")
        .env_remove("NETPULSE_URL")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("401"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn bulk_reads_a_csv_runs_waves_and_reports_every_device() {
    let h = harness(&["cisco_ios", "cisco_ios", "arista_eos"]).await;
    let addr = serve(&h).await;
    let mut csv = String::from("host,port,device_type,username,site,tags\n");
    for d in h.lab.devices() {
        csv += &format!(
            "{},{},{},admin,lab,a;b\n",
            d.addr.ip(),
            d.addr.port(),
            d.vendor
        );
    }
    let file = h.dir.path().join("devices.csv");
    std::fs::write(&file, &csv).unwrap();
    let results = h.dir.path().join("results.json");
    let out = netpulse(
        addr,
        &[
            "bulk",
            file.to_str().unwrap(),
            "--command",
            "show version",
            "--strategy",
            "rolling",
            "--batch-size",
            "2",
            "--out",
            results.to_str().unwrap(),
        ],
        Some("admin"),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.matches("finished").count(), 3, "{stdout}");
    assert!(
        text(&out.stderr).contains("finished"),
        "{}",
        text(&out.stderr)
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(saved["batch"]["waves"].as_array().map(Vec::len), Some(2));
    let jobs = saved["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 3);
    assert!(jobs.iter().all(|j| j["status"] == "finished"));
    let batch_id = saved["batch"]["id"].as_str().unwrap().to_string();

    // `batch` shows the waves; `jobs` lists the devices' jobs.
    let out = netpulse(addr, &["batch", &batch_id], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2/2"), "{}", text(&out.stdout));
    let out = netpulse(addr, &["jobs", "--queue", "bulk", "--limit", "10"], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().count(),
        2 + 3,
        "{}",
        text(&out.stdout)
    );

    // A device that refuses the login: the summary names it and the exit status says so.
    let out = netpulse(
        addr,
        &["bulk", file.to_str().unwrap(), "--command", "show version"],
        Some("wrong"),
    )
    .await;
    assert!(!out.status.success());
    assert!(
        text(&out.stdout).contains("failed"),
        "{}",
        text(&out.stdout)
    );

    // Passwords are never read from the CSV.
    std::fs::write(
        &file,
        "host,device_type,username,password\nh,cisco_ios,u,p\n",
    )
    .unwrap();
    let out = netpulse(
        addr,
        &["bulk", file.to_str().unwrap(), "--command", "show version"],
        Some("admin"),
    )
    .await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("never come from the CSV"),
        "{}",
        text(&out.stderr)
    );
}
