//! `netpulse bulk`: devices from a CSV file, one bulk request, a live progress bar per wave,
//! a summary table at the end.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::{Map, Value, json};
use tokio::sync::Semaphore;

use super::exec::ended;
use super::http::{Api, Remote};
use super::{password, table};

/// Most devices one bulk may name (the gateway's own limit): refused before sending.
const MAX_DEVICES: usize = 10_000;
/// Largest CSV read: far beyond 10,000 device rows, small enough that a wrong file name
/// (a disk image, a log) is refused instead of read into memory.
const MAX_CSV_BYTES: u64 = 16 * 1024 * 1024;
/// Pause between reads of the batch while it runs (the progress bars' refresh).
const POLL_EVERY: Duration = Duration::from_millis(500);
/// Job reads in flight at once when fetching results for the summary and `--out`.
const FETCH_CONCURRENCY: usize = 16;

/// `netpulse bulk`: one command set on every device of a CSV file, in waves.
#[derive(Debug, clap::Args)]
pub struct BulkArgs {
    #[command(flatten)]
    remote: Remote,
    /// CSV with a header row: host, port, device_type, username, and optional site, tags
    /// (tags separated by `;`). Passwords are never read from it: NETPULSE_PASSWORD, or a
    /// prompt when a terminal is attached.
    file: PathBuf,
    /// Command run on every device; repeat for several.
    #[arg(long, required = true)]
    command: Vec<String>,
    /// Strategy plugin planning the waves (`rolling`, `canary`, `by-site`); none = one wave.
    #[arg(long)]
    strategy: Option<String>,
    /// Devices per wave (the strategy's `batch_size`).
    #[arg(long, requires = "strategy")]
    batch_size: Option<u32>,
    /// Failure ratio past which the strategy aborts (`max_failure_ratio`).
    #[arg(long, requires = "strategy")]
    max_failure_ratio: Option<f64>,
    /// Write the batch and every device's job as JSON to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seconds to wait for the whole batch.
    #[arg(long, default_value_t = 3600)]
    timeout: u64,
}

/// Runs `netpulse bulk`; the exit status is 0 only when every device's job finished.
pub async fn run(args: BulkArgs) -> anyhow::Result<ExitCode> {
    let devices = read_csv(&args.file)?;
    let api = Api::new(&args.remote)?;
    let password = match std::env::var("NETPULSE_PASSWORD") {
        Ok(p) => Some(p),
        Err(_) => password::ask("password for every device")?,
    };
    let mut shared = Map::new();
    if let Some(password) = password {
        shared.insert("password".into(), json!(password));
    }
    let mut body = json!({
        "connection_args": shared,
        "command": args.command,
        "devices": devices,
    });
    if let Some(name) = &args.strategy {
        let mut params = Map::new();
        if let Some(n) = args.batch_size {
            params.insert("batch_size".into(), json!(n));
        }
        if let Some(r) = args.max_failure_ratio {
            params.insert("max_failure_ratio".into(), json!(r));
        }
        body["strategy"] = json!({"name": name, "params": params});
    }
    let accepted = api
        .post("/device/bulk", &body, Duration::ZERO)
        .await?
        .ok("submit the bulk")?;
    let id = accepted["batch_id"]
        .as_str()
        .context("the gateway's answer has no batch_id")?
        .to_string();
    if accepted["status"] == "failed" {
        bail!(
            "batch {id} failed before any device was contacted: {}",
            accepted["reason"].as_str().unwrap_or("no reason given")
        );
    }
    eprintln!("batch {id}: {} devices", devices.len());
    let batch = follow(&api, &id, Duration::from_secs(args.timeout)).await?;
    let jobs = fetch_jobs(&api, &batch, args.out.is_some()).await?;
    print!("{}", summary(&batch, &jobs));
    eprintln!(
        "batch {id} {}{}",
        batch["status"].as_str().unwrap_or_default(),
        batch["reason"]
            .as_str()
            .map(|r| format!(": {r}"))
            .unwrap_or_default()
    );
    if let Some(out) = &args.out {
        let all: Vec<&Value> = jobs.values().collect();
        let text = serde_json::to_string_pretty(&json!({"batch": batch, "jobs": all}))?;
        std::fs::write(out, text).with_context(|| format!("write {}", out.display()))?;
    }
    let all_finished =
        batch["status"] == "finished" && devices_of(&batch).all(|d| d["status"] == "finished");
    Ok(if all_finished {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Reads the device CSV into bulk device entries.
fn read_csv(path: &PathBuf) -> anyhow::Result<Vec<Value>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("read {}", path.display()))?
        .len();
    if size > MAX_CSV_BYTES {
        bail!(
            "{} is {size} bytes, more than a device list of {MAX_DEVICES} rows needs ({MAX_CSV_BYTES} at most)",
            path.display()
        );
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("read {}", path.display()))?;
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("read the header row of {}", path.display()))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    const KNOWN: [&str; 6] = ["host", "port", "device_type", "username", "site", "tags"];
    for h in &headers {
        if h == "password" || h == "secret" {
            bail!(
                "{}: a `{h}` column is not read: credentials never come from the CSV (set NETPULSE_PASSWORD, or run on a terminal to be asked)",
                path.display()
            );
        }
        if !KNOWN.contains(&h.as_str()) {
            bail!(
                "{}: unknown column {h:?} (known: {})",
                path.display(),
                KNOWN.join(", ")
            );
        }
    }
    for required in ["host", "device_type", "username"] {
        if !headers.iter().any(|h| h == required) {
            bail!("{}: no `{required}` column", path.display());
        }
    }
    let mut devices = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.with_context(|| format!("{} line {line}", path.display()))?;
        if devices.len() == MAX_DEVICES {
            bail!(
                "{}: more than {MAX_DEVICES} devices (one bulk's limit)",
                path.display()
            );
        }
        let mut device = Map::new();
        for (h, value) in headers.iter().zip(record.iter()) {
            if value.is_empty() {
                continue;
            }
            let v = match h.as_str() {
                "port" => json!(value.parse::<u16>().with_context(|| format!(
                    "{} line {line}: port {value:?} is not a number from 1 to 65535",
                    path.display()
                ))?),
                "tags" => json!(
                    value
                        .split(';')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .collect::<Vec<_>>()
                ),
                _ => json!(value),
            };
            device.insert(h.clone(), v);
        }
        if !device.contains_key("host") {
            bail!("{} line {line}: no host", path.display());
        }
        devices.push(Value::Object(device));
    }
    if devices.is_empty() {
        bail!("{}: no devices", path.display());
    }
    Ok(devices)
}

fn devices_of(batch: &Value) -> impl Iterator<Item = &Value> {
    batch["waves"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|w| w["devices"].as_array().into_iter().flatten())
}

/// Reads the batch until it stops running, drawing one bar per wave.
async fn follow(api: &Api, id: &str, limit: Duration) -> anyhow::Result<Value> {
    let deadline = Instant::now() + limit;
    let bars = MultiProgress::new();
    let style = ProgressStyle::with_template("wave {prefix:>3} [{bar:30}] {pos}/{len} {msg}")
        .context("progress bar template")?
        .progress_chars("=> ");
    let mut wave_bars: Vec<ProgressBar> = Vec::new();
    loop {
        let batch = api
            .get(&format!("/batches/{id}"))
            .await?
            .ok("read the batch")?;
        let waves = batch["waves"].as_array().cloned().unwrap_or_default();
        for (i, wave) in waves.iter().enumerate() {
            let devices = wave["devices"].as_array().cloned().unwrap_or_default();
            if wave_bars.len() <= i {
                let bar = bars.add(ProgressBar::new(devices.len() as u64));
                bar.set_style(style.clone());
                bar.set_prefix((i + 1).to_string());
                wave_bars.push(bar);
            }
            let done = devices.iter().filter(|d| device_ended(d)).count();
            let failed = devices
                .iter()
                .filter(|d| device_ended(d) && d["status"] != "finished")
                .count();
            let bar = &wave_bars[i];
            bar.set_position(done as u64);
            let status = wave["status"].as_str().unwrap_or_default();
            bar.set_message(if failed > 0 {
                format!("{status}, {failed} failed")
            } else {
                status.to_string()
            });
        }
        if batch["status"] != "running" {
            for bar in &wave_bars {
                bar.abandon();
            }
            return Ok(batch);
        }
        if Instant::now() >= deadline {
            bail!(
                "batch {id} still running after {}s (see GET /batches/{id})",
                limit.as_secs()
            );
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

fn device_ended(device: &Value) -> bool {
    matches!(
        device["status"].as_str(),
        Some("finished" | "failed" | "canceled")
    )
}

/// Fetches the jobs the summary needs (the failed ones, for their errors), or all of them
/// for `--out`, a few at a time.
async fn fetch_jobs(
    api: &Api,
    batch: &Value,
    all: bool,
) -> anyhow::Result<BTreeMap<String, Value>> {
    let ids: Vec<String> = devices_of(batch)
        .filter(|d| all || (device_ended(d) && d["status"] != "finished"))
        .filter_map(|d| d["job_id"].as_str().map(str::to_string))
        .collect();
    let limit = Arc::new(Semaphore::new(FETCH_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        let api = api.clone();
        let limit = limit.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            let job = api.get(&format!("/jobs/{id}")).await?.ok("read a job")?;
            anyhow::Ok((id, job))
        });
    }
    let mut jobs = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (id, job) = done.context("a job read stopped")??;
        jobs.insert(id, job);
    }
    Ok(jobs)
}

/// One row per device: wave, host, status, job id and, for a failure, the job's error.
fn summary(batch: &Value, jobs: &BTreeMap<String, Value>) -> String {
    let headers: Vec<String> = ["wave", "host", "status", "job", "error"]
        .map(String::from)
        .to_vec();
    let mut rows = Vec::new();
    for (w, wave) in batch["waves"].as_array().into_iter().flatten().enumerate() {
        for d in wave["devices"].as_array().into_iter().flatten() {
            let job_id = d["job_id"].as_str().unwrap_or_default();
            let error = jobs
                .get(job_id)
                .filter(|j| ended(j) && j["status"] != "finished")
                .and_then(|j| j["result"]["error"]["message"].as_str())
                .unwrap_or_default();
            rows.push(vec![
                (w + 1).to_string(),
                table::cell(&d["host"]),
                table::cell(&d["status"]),
                job_id.to_string(),
                error.to_string(),
            ]);
        }
    }
    table::render(&headers, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> anyhow::Result<Vec<Value>> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("devices.csv");
        std::fs::write(&path, text).expect("write");
        read_csv(&path)
    }

    #[test]
    fn rows_become_device_entries() {
        let devices = csv("host,port,device_type,username,site,tags\n\
             10.0.0.1,2201,cisco_ios,admin,lon,core;edge\n\
             10.0.0.2,,arista_eos,ops,,\n")
        .expect("valid");
        assert_eq!(
            devices,
            vec![
                json!({"host": "10.0.0.1", "port": 2201, "device_type": "cisco_ios",
                       "username": "admin", "site": "lon", "tags": ["core", "edge"]}),
                json!({"host": "10.0.0.2", "device_type": "arista_eos", "username": "ops"}),
            ]
        );
    }

    #[test]
    fn credentials_and_bad_rows_are_refused() {
        let e = csv("host,device_type,username,password\nh,cisco_ios,u,p\n").expect_err("pw");
        assert!(e.to_string().contains("never come from the CSV"), "{e}");
        let e = csv("host,device_type,username,colour\nh,cisco_ios,u,red\n").expect_err("col");
        assert!(e.to_string().contains("unknown column \"colour\""), "{e}");
        let e = csv("host,port,device_type,username\nh,99999,cisco_ios,u\n").expect_err("port");
        assert!(e.to_string().contains("line 2: port \"99999\""), "{e}");
        let e = csv("host,device_type\nh,cisco_ios\n").expect_err("user");
        assert!(e.to_string().contains("no `username` column"), "{e}");
        let e = csv("host,device_type,username\n").expect_err("empty");
        assert!(e.to_string().contains("no devices"), "{e}");
    }
}
