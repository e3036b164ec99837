//! Runs one job on its device and builds the NetPulse result: a retval per command, the
//! device's errors as `exit_status` 1 with its message in `stderr`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::model::{Driver, JobSpec, Work};
use super::{Deps, JobStatus, cached};
use crate::cache::Level;
use crate::ssh::backoff::DeviceId;
use crate::ssh::pool::{self, Session};
use crate::ssh::{self, CliSession, OutputBudget};

/// How long past `execution_timeout` the job's outer bound waits: long enough that a
/// command's own deadline (the same instant) fires first and says what it waited for.
const JOB_DEADLINE_GRACE: Duration = Duration::from_millis(250);

/// How a job ended, before it is written to the store.
#[derive(Debug)]
pub struct Outcome {
    /// `finished` or `failed`.
    pub status: JobStatus,
    /// The `result` object.
    pub result: Value,
    /// (type, message) when failed.
    pub error: Option<(String, String)>,
}

impl Outcome {
    /// A job that failed before any command ran (`expired`, `panic`): no retvals, the
    /// error's type and message in the result as in the row.
    pub fn failed(kind: &str, message: String) -> Self {
        Self {
            status: JobStatus::Failed,
            result: json!({"type": 2, "retval": [], "error": {"type": kind, "message": message}}),
            error: Some((kind.to_string(), message)),
        }
    }
}

/// One command's entry in `result.retval`.
pub(super) struct Retval {
    pub(super) command: String,
    pub(super) stdout: String,
    pub(super) stderr: String,
    pub(super) exit_status: i64,
    pub(super) duration: Duration,
    /// Parsed records: from the cache, or from [`parse_outputs`].
    pub(super) parsed: Option<Value>,
    /// Why the parser gave no records, when it was asked.
    pub(super) parse_error: Option<String>,
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
        // Each command's own read ends at the job's deadline and names what it waited for
        // (the learned prompt, the device's last line); this outer bound only catches a step
        // that has no deadline of its own.
        failure = match tokio::time::timeout(limit + JOB_DEADLINE_GRACE, work).await {
            Ok(result) => result.err(),
            Err(_) => Some(ssh::Error::Timeout {
                target: spec.target.label(),
                what: "job".into(),
                secs: limit.as_secs_f64(),
            }),
        };
        // Past the output budget nothing the device sent is kept: a job is all or nothing
        // there, not a record of whichever commands fitted.
        if matches!(failure, Some(ssh::Error::OutputLimit { .. })) {
            device_retvals.clear();
        }
    }
    let retvals = parse_outputs(deps, spec, lookup.merge(device_retvals)).await;
    let outcome = build_outcome(spec, retvals, failure, facts);
    cached::store(deps, spec, &lookup, &outcome).await;
    outcome
}

/// The outcome when the cache answered every command: no device, no worker needed.
pub(super) fn answered_by_cache(spec: &JobSpec, lookup: &mut cached::Lookup) -> Option<Outcome> {
    if !lookup.uses_cache() || !lookup.misses.is_empty() {
        return None;
    }
    // Parsing is a plugin call, kept off this (async) thread: a hit still to be parsed is
    // answered by a worker, which parses it off the runtime.
    if spec.parsing.is_some() && lookup.hits_to_parse() {
        return None;
    }
    let retvals = lookup.merge(Vec::new());
    Some(build_outcome(spec, retvals, None, SessionFacts::default()))
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
    let deadline = Instant::now() + spec.execution_timeout;
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
    let connect = || open_session(deps, spec, deadline);
    let mut lease = deps.pool.acquire(&key, connect).await?;
    facts.reused = lease.reused;
    facts.connect_ms = (!lease.reused).then_some(lease.connect_time.as_secs_f64() * 1000.0);
    if !lease.reused {
        deps.metrics
            .connect_latency(lease.connect_time.as_secs_f64());
    }
    facts.wait = lease.wait_time.as_secs_f64();
    let budget = OutputBudget::per_job(deps.max_output_bytes);
    let outcome = run_on(lease.session(), spec, deadline, budget, retvals).await;
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
/// connect step and `POST /device/test`, so both meet the device's login backoff and the
/// gateway's login limit, whose wait ends at `deadline` (the job's).
pub async fn open_session(
    deps: &Deps,
    spec: &JobSpec,
    deadline: Instant,
) -> Result<Session, ssh::Error> {
    // The allow-list again, at the last moment: DNS may have changed since submit, and the
    // connection goes to the address just checked.
    let checked =
        deps.targets
            .check(&spec.target)
            .await
            .map_err(|refused| ssh::Error::Connect {
                target: spec.target.label(),
                message: refused.0,
            })?;
    let target = match checked {
        None => std::borrow::Cow::Borrowed(&spec.target),
        Some(addr) => {
            let mut target = spec.target.clone();
            target.connect_addr = Some(addr.ip().to_string());
            std::borrow::Cow::Owned(target)
        }
    };
    // Asked before the login, so a platform without a profile costs the device nothing.
    let profile = match spec.driver {
        Driver::Exec => None,
        Driver::Cli => Some(
            deps.profiles
                .profile(&spec.device_type)
                .map_err(|message| ssh::Error::Profile {
                    platform: spec.device_type.clone(),
                    message,
                })?,
        ),
    };
    // The CLI's wait for its prompt (and enable, paging off) is part of the login: the
    // device and its AAA server are busy with it until then.
    let login = deps.connector.login(&target, deadline, |conn| async move {
        match profile {
            None => Ok(Session::Exec(conn)),
            Some(profile) => {
                let timeout = deps.connector.connect_timeout;
                CliSession::open(conn, profile, spec.secret.as_ref(), timeout)
                    .await
                    .map(Session::Cli)
            }
        }
    });
    // Backoff is keyed by the device as the request named it, whatever address it resolved to.
    let device = DeviceId::of(&spec.target);
    deps.pool
        .backoff()
        .guard(&device, &spec.target.username, login)
        .await
}

/// Time left until the job's deadline: what each command may still take.
fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// Runs the job's work on one session. A device error is a failed retval, not an `Err`;
/// `Err` means the session itself failed and must be discarded.
async fn run_on(
    session: &mut Session,
    spec: &JobSpec,
    deadline: Instant,
    mut budget: OutputBudget,
    retvals: &mut Vec<Retval>,
) -> Result<(), ssh::Error> {
    match session {
        Session::Exec(conn) => {
            for command in spec.work.lines() {
                let out = ssh::exec::run_budgeted(conn, command, remaining(deadline), &mut budget)
                    .await?;
                retvals.push(Retval {
                    command: command.clone(),
                    stdout: out.stdout,
                    stderr: out.stderr,
                    exit_status: out.exit_status.map_or(-1, i64::from),
                    duration: out.duration,
                    parsed: None,
                    parse_error: None,
                    cache: Level::Miss,
                });
            }
        }
        Session::Cli(cli) => {
            cli.set_budget(budget);
            let outputs = match &spec.work {
                Work::Commands(commands) => {
                    let mut outputs = Vec::with_capacity(commands.len());
                    for command in commands {
                        outputs.push(cli.run(command, remaining(deadline)).await?);
                    }
                    outputs
                }
                Work::Config { lines, save } => {
                    cli.push_config(lines, *save, remaining(deadline)).await?
                }
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
                    parse_error: None,
                    cache: Level::Miss,
                });
            }
        }
    }
    Ok(())
}

/// Whether `r` still needs the parser.
fn needs_parse(r: &Retval) -> bool {
    r.exit_status == 0 && r.parsed.is_none() && r.parse_error.is_none()
}

/// Parses each successful output the cache did not bring parsed, on a blocking thread:
/// plugin calls are CPU work up to the call deadline, and the TextFSM engine reads template
/// files, which must not happen on (or stall) the async runtime's threads. One hop per job.
async fn parse_outputs(deps: &Arc<Deps>, spec: &JobSpec, mut retvals: Vec<Retval>) -> Vec<Retval> {
    let Some(parser) = spec.parsing.clone() else {
        return retvals;
    };
    if !retvals.iter().any(needs_parse) {
        return retvals;
    }
    let parsers = deps.parsers.clone();
    let platform = spec.device_type.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        for r in retvals.iter_mut().filter(|r| needs_parse(r)) {
            let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                parsers.parse(&parser, &platform, &r.command, &r.stdout)
            }))
            .unwrap_or_else(|_| Err(format!("parser {parser} panicked")));
            match answer {
                Ok(value) => r.parsed = Some(value),
                Err(e) => r.parse_error = Some(e),
            }
        }
        retvals
    })
    .await;
    // Every parse is caught above, so only a runtime shutting down gets here; the job is
    // being abandoned with it.
    parsed.unwrap_or_else(|e| {
        tracing::error!(error = %e, "parse task did not finish");
        Vec::new()
    })
}

fn build_outcome(
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
            // Parsed beforehand by `parse_outputs` (or brought by the cache).
            let (parsed, parse_error) = match (&spec.parsing, r.exit_status, r.parsed) {
                (Some(_), 0, Some(parsed)) => (parsed, None),
                (Some(_), 0, None) => (Value::Null, r.parse_error),
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
        JobStatus::Failed
    } else {
        JobStatus::Finished
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
