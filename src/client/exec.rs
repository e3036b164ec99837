//! `netpulse exec`: one device, wait for the job, print what the device said.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Map, Value, json};

use super::http::{Api, Remote};
use super::{password, table};

/// Longest `?wait` the gateway honours; a longer `--timeout` polls the job after it.
const MAX_WAIT_SECS: u64 = 300;

/// Pause between polls of a job still running after the wait.
const POLL_EVERY: Duration = Duration::from_millis(500);

/// `netpulse exec`: run show commands (or push config lines) on one device.
#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    #[command(flatten)]
    remote: Remote,
    /// An inventory device of the gateway (its config holds address and credentials).
    #[arg(long, conflicts_with_all = ["host", "port", "device_type", "username", "password", "secret"])]
    device: Option<String>,
    /// Device address, when it is not an inventory device.
    #[arg(long, required_unless_present = "device")]
    host: Option<String>,
    /// SSH port (the gateway's default: 22).
    #[arg(long)]
    port: Option<u16>,
    /// Platform, Netmiko's names (`cisco_ios`, `juniper_junos`, `linux`, ...).
    #[arg(long, required_unless_present = "device")]
    device_type: Option<String>,
    /// Login user.
    #[arg(long, required_unless_present = "device")]
    username: Option<String>,
    /// Login password; also NETPULSE_PASSWORD, or asked for when a terminal is attached.
    #[arg(long, env = "NETPULSE_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Enable secret (also NETPULSE_SECRET); without one the session never sends `enable`.
    #[arg(long, env = "NETPULSE_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Push the arguments as config lines instead of running them as commands.
    #[arg(long)]
    config: bool,
    /// Print parsed records as a table (parsing `auto`).
    #[arg(long, conflicts_with = "json")]
    parse: bool,
    /// Print the job as JSON.
    #[arg(long)]
    json: bool,
    /// Seconds to wait for the job to end.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Commands (or config lines with --config), in order.
    #[arg(required = true)]
    commands: Vec<String>,
}

/// Runs `netpulse exec`; the exit status is 0 only when the job finished.
pub async fn run(args: ExecArgs) -> anyhow::Result<ExitCode> {
    let api = Api::new(&args.remote)?;
    let body = request(&args)?;
    let wait = args.timeout.min(MAX_WAIT_SECS);
    let job = api
        .post(
            &format!("/device/exec?wait={wait}"),
            &body,
            Duration::from_secs(wait),
        )
        .await?
        .ok("submit the job")?;
    let job = wait_for_end(&api, job, Duration::from_secs(args.timeout)).await?;
    print_job(&job, args.json, args.parse);
    Ok(exit_status(&job))
}

fn request(args: &ExecArgs) -> anyhow::Result<Value> {
    let mut body = Map::new();
    if let Some(device) = &args.device {
        body.insert("device".into(), json!(device));
    } else {
        let mut conn = Map::new();
        conn.insert("host".into(), json!(args.host));
        conn.insert("device_type".into(), json!(args.device_type));
        conn.insert("username".into(), json!(args.username));
        if let Some(port) = args.port {
            conn.insert("port".into(), json!(port));
        }
        let password = match &args.password {
            Some(p) => Some(p.clone()),
            None => password::ask("password")?,
        };
        if let Some(password) = password {
            conn.insert("password".into(), json!(password));
        }
        if let Some(secret) = &args.secret {
            conn.insert("secret".into(), json!(secret));
        }
        body.insert("connection_args".into(), Value::Object(conn));
    }
    let key = if args.config { "config" } else { "command" };
    body.insert(key.into(), json!(args.commands));
    if args.parse {
        body.insert("parsing".into(), json!({"name": "auto"}));
    }
    Ok(Value::Object(body))
}

/// Whether a job status is final.
pub fn ended(job: &Value) -> bool {
    matches!(
        job["status"].as_str(),
        Some("finished" | "failed" | "canceled")
    )
}

/// Polls `GET /jobs/{id}` until the job ends or `limit` (from now) passes.
pub async fn wait_for_end(api: &Api, mut job: Value, limit: Duration) -> anyhow::Result<Value> {
    let deadline = Instant::now() + limit;
    let id = job["id"]
        .as_str()
        .context("the gateway's answer has no job id")?
        .to_string();
    while !ended(&job) {
        if Instant::now() >= deadline {
            anyhow::bail!(
                "job {id} is still {} after {}s (see GET /jobs/{id})",
                job["status"].as_str().unwrap_or("running"),
                limit.as_secs()
            );
        }
        tokio::time::sleep(POLL_EVERY).await;
        job = api.get(&format!("/jobs/{id}")).await?.ok("read the job")?;
    }
    Ok(job)
}

fn print_job(job: &Value, as_json: bool, parse: bool) {
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(job).unwrap_or_else(|_| job.to_string())
        );
        return;
    }
    let retvals = job["result"]["retval"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let several = retvals.len() > 1;
    for r in &retvals {
        if several {
            println!("== {}", r["command"].as_str().unwrap_or_default());
        }
        match (&r["parsed"], parse) {
            (parsed, true) if !parsed.is_null() => print!("{}", table::records(parsed)),
            _ => println!("{}", r["stdout"].as_str().unwrap_or_default()),
        }
        if let Some(stderr) = r["stderr"].as_str().filter(|s| !s.is_empty()) {
            eprintln!("{stderr}");
        }
    }
    if let Some(message) = job["result"]["error"]["message"].as_str() {
        eprintln!(
            "job {} {}: {message}",
            job["id"].as_str().unwrap_or_default(),
            job["status"].as_str().unwrap_or_default()
        );
    }
}

fn exit_status(job: &Value) -> ExitCode {
    if job["status"] == "finished" {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
