//! `netpulse jobs` and `netpulse batch`: read job records and batches.

use std::process::ExitCode;

use super::http::{Api, Remote};
use super::table;

/// Most jobs one listing asks for (the gateway pages with `limit`/`offset`).
const MAX_LIMIT: u32 = 1000;

/// `netpulse jobs`: recent jobs as a table, or one job.
#[derive(Debug, clap::Args)]
pub struct JobsArgs {
    #[command(flatten)]
    remote: Remote,
    /// One job's id: print that job (its outputs, or JSON with --json).
    id: Option<String>,
    /// Only jobs in this status (queued, started, finished, failed, canceled).
    #[arg(long)]
    status: Option<String>,
    /// Only jobs on this host.
    #[arg(long)]
    host: Option<String>,
    /// Only jobs of this queue.
    #[arg(long)]
    queue: Option<String>,
    /// How many, newest first.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// `netpulse batch`: a batch's waves and devices; `--follow` draws progress until it ends.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    #[command(flatten)]
    remote: Remote,
    /// The batch id (`batch_id` of a bulk answer).
    id: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `netpulse jobs`.
pub async fn run_jobs(args: JobsArgs) -> anyhow::Result<ExitCode> {
    let api = Api::new(&args.remote)?;
    if let Some(id) = &args.id {
        let job = api
            .get(&format!("/jobs/{}", encode(id)))
            .await?
            .ok("read the job")?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&job)?);
        } else {
            let rows: Vec<Vec<String>> = job["result"]["retval"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    vec![
                        table::cell(&r["command"]),
                        table::cell(&r["exit_status"]),
                        table::cell(&r["stdout"]),
                    ]
                })
                .collect();
            println!(
                "job {} {} on {}",
                table::cell(&job["id"]),
                table::cell(&job["status"]),
                table::cell(&job["device_name"])
            );
            print!(
                "{}",
                table::render(&["command", "exit", "stdout"].map(String::from), &rows)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut query = vec![format!("limit={}", args.limit.clamp(1, MAX_LIMIT))];
    for (key, value) in [
        ("status", &args.status),
        ("host", &args.host),
        ("queue", &args.queue),
    ] {
        if let Some(v) = value {
            query.push(format!("{key}={}", encode(v)));
        }
    }
    let jobs = api
        .get(&format!("/jobs?{}", query.join("&")))
        .await?
        .ok("list jobs")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&jobs)?);
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = jobs
        .as_array()
        .into_iter()
        .flatten()
        .map(|j| {
            vec![
                table::cell(&j["id"]),
                table::cell(&j["status"]),
                table::cell(&j["queue"]),
                table::cell(&j["device_name"]),
                table::cell(&j["created_at"]),
                j["duration"]
                    .as_f64()
                    .map(|d| format!("{d:.3}s"))
                    .unwrap_or_default(),
                table::cell(&j["command"]),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(
            &[
                "id", "status", "queue", "device", "created", "duration", "command"
            ]
            .map(String::from),
            &rows
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `netpulse batch`.
pub async fn run_batch(args: BatchArgs) -> anyhow::Result<ExitCode> {
    let api = Api::new(&args.remote)?;
    let batch = api
        .get(&format!("/batches/{}", encode(&args.id)))
        .await?
        .ok("read the batch")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&batch)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "batch {} {} (strategy {}){}",
        table::cell(&batch["id"]),
        table::cell(&batch["status"]),
        table::cell(&batch["strategy"]),
        batch["reason"]
            .as_str()
            .map(|r| format!(": {r}"))
            .unwrap_or_default()
    );
    let rows: Vec<Vec<String>> = batch["waves"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            let devices = w["devices"].as_array().map_or(0, Vec::len);
            let ended = w["devices"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["status"] == "finished")
                .count();
            vec![
                table::cell(&w["wave"]),
                table::cell(&w["status"]),
                format!("{ended}/{devices}"),
                table::cell(&w["decision"]),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(
            &["wave", "status", "finished", "decision"].map(String::from),
            &rows
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// Percent-encodes a query or path value (everything but unreserved characters).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(super::encode("a b&c/é"), "a%20b%26c%2F%C3%A9");
        assert_eq!(super::encode("10.0.0.1"), "10.0.0.1");
    }
}
