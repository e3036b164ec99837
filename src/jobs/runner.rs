//! Runs one job on its device and builds the NetPulse result: a retval per command, the
//! device's errors as `exit_status` 1 with its message in `stderr`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::model::{Driver, JobSpec, Work};
use super::{Deps, cached};
use crate::cache::Level;
use crate::ssh::pool::{self, Session};
use crate::ssh::{self, CliSession};

/// How a job ended, before it is written to the store.
#[derive(Debug)]
pub struct Outcome {
    /// `finished` or `failed`.
    pub status: &'static str,
    /// The `result` object.
    pub result: Value,
    /// (type, message) when failed.
    pub error: Option<(String, String)>,
}

/// One command's entry in `result.retval`.
pub(super) struct Retval {
    pub(super) command: String,
    pub(super) stdout: String,
    pub(super) stderr: String,
    pub(super) exit_status: i64,
    pub(super) duration: Duration,
    /// Parsed records when they came from the cache.
    pub(super) parsed: Option<Value>,
    /// Which cache level answered, `miss` when the device did.
    pub(super) cache: Level,
}

/// Runs `spec`, bounded by its execution timeout. Never returns `Err`: every failure becomes
/// a failed outcome naming its cause.
pub async fn run(deps: &Arc<Deps>, spec: &JobSpec) -> Outcome {
    let lookup = cached::lookup(deps, spec).await;
    run_with(deps, spec, lookup).await
}

/// [`run`] with the cache already asked (at submit, where a full hit never reaches a worker).
pub(super) async fn run_with(
    deps: &Arc<Deps>,
    spec: &JobSpec,
    mut lookup: cached::Lookup,
) -> Outcome {
    let limit = spec.execution_timeout;
    let mut facts = SessionFacts::default();
    let mut device_retvals = Vec::new();
    let mut failure = None;
    if !lookup.misses.is_empty() {
        // Only the commands the cache could not answer go to the device, in request order.
        let mut device_spec = spec.clone();
        if let Work::Commands(_) = spec.work {
            device_spec.work = Work::Commands(lookup.misses.clone());
        }
        let work = execute(deps, &device_spec, &mut device_retvals, &mut facts);
        failure = match tokio::time::timeout(limit, work).await {
            Ok(result) => result.err(),
            Err(_) => Some(ssh::Error::Timeout {
                target: spec.target.label(),
                what: "job".into(),
                secs: limit.as_secs_f64(),
            }),
        };
    }
    let retvals = lookup.merge(device_retvals);
    let outcome = build_outcome(deps, spec, retvals, failure, facts);
    cached::store(deps, spec, &lookup, &outcome).await;
    outcome
}

/// The outcome when the cache answered every command: no device, no worker needed.
pub(super) fn answered_by_cache(
    deps: &Arc<Deps>,
    spec: &JobSpec,
    lookup: &mut cached::Lookup,
) -> Option<Outcome> {
    if !lookup.uses_cache() || !lookup.misses.is_empty() {
        return None;
    }
    let retvals = lookup.merge(Vec::new());
    Some(build_outcome(
        deps,
        spec,
        retvals,
        None,
        SessionFacts::default(),
    ))
}

/// Session reuse facts for each retval's metadata.
#[derive(Debug, Default, Clone, Copy)]
struct SessionFacts {
    reused: bool,
    connect_ms: Option<f64>,
    wait: f64,
    /// The session's prompt was learned from the device, outside the profile's usual form.
    prompt_learned: bool,
}

async fn execute(
    deps: &Arc<Deps>,
    spec: &JobSpec,
    retvals: &mut Vec<Retval>,
    facts: &mut SessionFacts,
) -> Result<(), ssh::Error> {
    let per_command = spec.execution_timeout;
    let key = pool::Key {
        host: spec.target.host.clone(),
        port: spec.target.port,
        connect_addr: spec.target.connect_addr.clone(),
        username: spec.target.username.clone(),
        credential: pool::credential_digest(&spec.target, spec.secret.as_ref()),
        device_type: spec.device_type.clone(),
        driver: match spec.driver {
            Driver::Cli => "cli",
            Driver::Exec => "exec",
        },
        privileged: spec.secret.is_some(),
    };
    let connect = || open_session(deps, spec);
    let mut lease = deps.pool.acquire(&key, connect).await?;
    facts.reused = lease.reused;
    facts.connect_ms = (!lease.reused).then_some(lease.connect_time.as_secs_f64() * 1000.0);
    if !lease.reused {
        deps.metrics
            .connect_latency(lease.connect_time.as_secs_f64());
    }
    facts.wait = lease.wait_time.as_secs_f64();
    let outcome = run_on(lease.session(), spec, per_command, retvals).await;
    if let Session::Cli(cli) = lease.session() {
        facts.prompt_learned = cli.prompt_learned();
    }
    match &outcome {
        Ok(()) => lease.release(),
        Err(_) => lease.discard(),
    }
    outcome
}

/// Connects and opens the session the spec's driver needs: a logged-in CLI (enable,
/// paging off, setup done) or a bare connection for exec channels. Shared by the pool's
/// connect step and `POST /device/test`.
pub async fn open_session(deps: &Deps, spec: &JobSpec) -> Result<Session, ssh::Error> {
    let conn = deps.connector.connect(&spec.target).await?;
    match spec.driver {
        Driver::Exec => Ok(Session::Exec(conn)),
        Driver::Cli => {
            let profile = deps
                .profiles
                .profile(&spec.device_type)
                .map_err(|message| ssh::Error::Profile {
                    platform: spec.device_type.clone(),
                    message,
                })?;
            let session = CliSession::open(
                conn,
                profile,
                spec.secret.as_ref(),
                deps.connector.connect_timeout,
            )
            .await?;
            Ok(Session::Cli(session))
        }
    }
}

/// Runs the job's work on one session. A device error is a failed retval, not an `Err`;
/// `Err` means the session itself failed and must be discarded.
async fn run_on(
    session: &mut Session,
    spec: &JobSpec,
    per_command: Duration,
    retvals: &mut Vec<Retval>,
) -> Result<(), ssh::Error> {
    match session {
        Session::Exec(conn) => {
            for command in spec.work.lines() {
                let out = ssh::exec::run(conn, command, per_command).await?;
                retvals.push(Retval {
                    command: command.clone(),
                    stdout: out.stdout,
                    stderr: out.stderr,
                    exit_status: out.exit_status.map_or(-1, i64::from),
                    duration: out.duration,
                    parsed: None,
                    cache: Level::Miss,
                });
            }
        }
        Session::Cli(cli) => {
            let outputs = match &spec.work {
                Work::Commands(commands) => {
                    let mut outputs = Vec::with_capacity(commands.len());
                    for command in commands {
                        outputs.push(cli.run(command, per_command).await?);
                    }
                    outputs
                }
                Work::Config { lines, save } => cli.push_config(lines, *save, per_command).await?,
            };
            for out in outputs {
                let (stderr, exit_status) = match out.error {
                    Some(error) => (error, 1),
                    None => (String::new(), 0),
                };
                retvals.push(Retval {
                    command: out.command,
                    stdout: out.output,
                    stderr,
                    exit_status,
                    duration: out.duration,
                    parsed: None,
                    cache: Level::Miss,
                });
            }
        }
    }
    Ok(())
}

fn build_outcome(
    deps: &Arc<Deps>,
    spec: &JobSpec,
    retvals: Vec<Retval>,
    failure: Option<ssh::Error>,
    facts: SessionFacts,
) -> Outcome {
    let mut first_failed: Option<String> = None;
    let entries: Vec<Value> = retvals
        .into_iter()
        .map(|r| {
            if r.exit_status != 0 && first_failed.is_none() {
                first_failed = Some(r.command.clone());
            }
            let (parsed, parse_error) = match (&spec.parsing, r.exit_status, r.parsed) {
                (Some(_), 0, Some(parsed)) => (parsed, None),
                (Some(parser), 0, None) => {
                    match deps
                        .parsers
                        .parse(parser, &spec.device_type, &r.command, &r.stdout)
                    {
                        Ok(parsed) => (parsed, None),
                        Err(e) => (Value::Null, Some(e)),
                    }
                }
                _ => (Value::Null, None),
            };
            json!({
                "command": r.command,
                "stdout": r.stdout,
                "stderr": r.stderr,
                "exit_status": r.exit_status,
                "parsed": parsed,
                "metadata": {
                    "host": spec.target.host,
                    "duration_seconds": r.duration.as_secs_f64(),
                    "session_reused": facts.reused && r.cache == Level::Miss,
                    "connect_ms": if r.cache == Level::Miss { facts.connect_ms } else { None },
                    "pool_wait_seconds": facts.wait,
                    "cache": r.cache.as_str(),
                    "parse_error": parse_error,
                    "prompt_learned": facts.prompt_learned && r.cache == Level::Miss,
                },
            })
        })
        .collect();
    let error = match (failure, first_failed) {
        (Some(e), _) => Some((e.kind().to_string(), e.to_string())),
        (None, Some(command)) => Some((
            "command_failed".to_string(),
            format!("command {command:?} failed on the device"),
        )),
        (None, None) => None,
    };
    let status = if error.is_some() {
        "failed"
    } else {
        "finished"
    };
    let result = json!({
        "type": if error.is_some() { 2 } else { 1 },
        "retval": entries,
        "error": error.as_ref().map(|(kind, message)| json!({"type": kind, "message": message})),
    });
    Outcome {
        status,
        result,
        error,
    }
}
