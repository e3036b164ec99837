//! `ExecutionRequest` (NetPulse-compatible) and its validation into a [`JobSpec`]. Every rule
//! broken is a 422 naming the field; secrets are dropped from the copy that gets stored.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{ApiError, checks, inventory};
use crate::config::{Config, platform};
use crate::device::{Auth, Secret, Target};
use crate::jobs::model::CacheRequest;
use crate::jobs::webhook::Webhook;
use crate::jobs::{Driver, JobSpec, QueueStrategy, Work};

/// A string or a list of strings (NetPulse accepts both for `command` and `config`).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One command.
    One(String),
    /// Several, run in order.
    Many(Vec<String>),
}

/// `connection_args`: how to reach and log in to the device.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ConnectionArgs {
    /// Platform (Netmiko name or alias).
    pub device_type: Option<String>,
    /// Device name or address.
    pub host: Option<String>,
    /// Address to connect to when `host` is a name the gateway cannot resolve.
    pub ip: Option<String>,
    /// SSH port.
    pub port: Option<u16>,
    /// Login name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// PEM/OpenSSH private key text.
    pub private_key: Option<String>,
    /// Passphrase of the private key.
    pub passphrase: Option<String>,
    /// Enable secret.
    pub secret: Option<String>,
    /// Connect timeout, seconds.
    pub timeout: Option<f64>,
    /// Other Netmiko keyword arguments (`fast_cli`, `conn_timeout`, ...): accepted, unused.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `parsing`: which parser to apply to each output.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Parsing {
    /// `auto` (the vendor plugin, then textfsm) or a plugin name.
    pub name: String,
}

/// `cache`: per-request cache control (never applied to config pushes).
#[derive(Debug, Clone, Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheControl {
    /// Use the cache for this request.
    pub enabled: Option<bool>,
    /// Shorter TTL for what this request stores.
    pub ttl: Option<u64>,
    /// Skip the lookup and refresh the entry.
    pub refresh: Option<bool>,
}

/// The body of `POST /device/exec`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionRequest {
    /// An inventory device name: fills `connection_args` (host, port, platform, login and
    /// secrets from their env var or file); other fields given in `connection_args` win, but
    /// none that says where to connect (`inventory::ADDRESS_FIELDS`: 422).
    pub device: Option<String>,
    /// netmiko | cli | paramiko | exec.
    pub driver: Option<String>,
    /// How to reach the device.
    #[serde(default)]
    pub connection_args: ConnectionArgs,
    /// Show commands.
    pub command: Option<OneOrMany>,
    /// Config lines.
    pub config: Option<OneOrMany>,
    /// Parser choice.
    pub parsing: Option<Parsing>,
    /// fifo | pinned.
    pub queue_strategy: Option<String>,
    /// Seconds a job may wait in the queue.
    pub ttl: Option<u64>,
    /// Seconds a started job may run.
    pub execution_timeout: Option<f64>,
    /// Seconds the result is kept.
    pub result_ttl: Option<u64>,
    /// Enter enable mode (needs `connection_args.secret`).
    pub enable_mode: Option<bool>,
    /// Save the config after a push.
    pub save: Option<bool>,
    /// Cache control.
    pub cache: Option<CacheControl>,
    /// Where to announce the job's end (`{url, method, headers, timeout, max_retries,
    /// retry_intervals}`).
    #[schema(value_type = Option<super::openapi::schema::WebhookSpec>)]
    pub webhook: Option<Value>,
    /// After a gateway crash interrupted the job, run it again instead of failing it
    /// (honoured for show commands only: a config push is never repeated blindly).
    pub retry_on_restart: Option<bool>,
    /// NetPulse fields not supported yet: accepted at their defaults, 422 otherwise.
    pub driver_args: Option<Value>,
    /// See `driver_args`.
    pub audit_mode: Option<Value>,
    /// See `driver_args`.
    pub detach: Option<Value>,
    /// See `driver_args`.
    pub credential: Option<Value>,
    /// See `driver_args`.
    pub rendering: Option<Value>,
    /// See `driver_args`.
    pub file_transfer: Option<Value>,
    /// See `driver_args`.
    pub push_interval: Option<Value>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::Invalid(message.into())
}

/// The work's lines, each checked: a `command` entry is one line; a `config` string (or
/// entry) may hold several, split on LF.
fn lines(field: &str, value: &OneOrMany, split_lines: bool) -> Result<Vec<String>, ApiError> {
    let entries: &[String] = match value {
        OneOrMany::One(one) => std::slice::from_ref(one),
        OneOrMany::Many(many) => many,
    };
    let many = matches!(value, OneOrMany::Many(_));
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let at = if many {
            format!("{field}[{i}]")
        } else {
            field.to_string()
        };
        if split_lines {
            checks::config_lines(&at, entry, &mut out)?;
        } else {
            checks::command(&at, entry)?;
            out.push(entry.clone());
        }
    }
    Ok(out)
}

/// True when a NetPulse field we do not implement carries its default value.
fn at_default(value: &Option<Value>) -> bool {
    match value {
        None | Some(Value::Null) | Some(Value::Bool(false)) => true,
        Some(Value::Object(map)) => map.is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

/// What a job's record keeps of its request: no secret, written straight to text (no
/// intermediate `Value`: this runs for every job, cache hits included). Fields in name
/// order, as stored records have them.
#[derive(Serialize)]
struct Redacted<'a> {
    cache: Option<&'a CacheControl>,
    connection_args: RedactedArgs<'a>,
    driver: Option<&'a str>,
    execution_timeout: f64,
    parsing: Option<&'a str>,
    queue_strategy: &'a str,
    result_ttl: Option<u64>,
    retry_on_restart: Option<bool>,
    save: Option<bool>,
    ttl: Option<u64>,
    webhook: Option<Value>,
}

/// The connection part of [`Redacted`]: where, as whom, never how.
#[derive(Serialize)]
struct RedactedArgs<'a> {
    device_type: &'a str,
    host: &'a str,
    ip: Option<&'a str>,
    port: u16,
    username: &'a str,
}

impl ExecutionRequest {
    /// Checks every rule and builds the job spec; `known_parsers` lists accepted parser names.
    /// Each step checks one part of the request and names the field at fault.
    pub fn into_spec(self, config: &Config, known_parsers: &[String]) -> Result<JobSpec, ApiError> {
        self.refuse_unsupported()?;
        let work = self.work()?;
        let resolved = match &self.device {
            Some(name) => inventory::resolve(config, name, &self.connection_args)?,
            None => self.connection_args.clone(),
        };
        let (device_type, target) = connection(&resolved)?;
        let driver = self.driver(device_type, &work)?;
        let queue = self.queue()?;
        let parsing = self.parser(known_parsers)?;
        let secret = self.enable_secret(&resolved)?;
        let bounds = self.bounds(config, &resolved)?;
        let webhook = match &self.webhook {
            None | Some(Value::Null) => None,
            Some(hook) => Some(Webhook::from_json(hook).map_err(|e| invalid(e.to_string()))?),
        };
        let redacted_request = self.redacted(
            device_type,
            &target,
            &bounds,
            parsing.as_deref(),
            queue,
            webhook.as_ref(),
        );
        let cache = match (&self.cache, &work) {
            (Some(c), Work::Commands(_)) => CacheRequest {
                enabled: c.enabled.unwrap_or(true),
                ttl: bounds.cache_ttl,
                refresh: c.refresh.unwrap_or(false),
            },
            _ => CacheRequest::default(),
        };
        Ok(JobSpec {
            cache,
            target,
            device_type: device_type.to_string(),
            driver,
            work,
            secret,
            parsing,
            queue,
            execution_timeout: bounds.execution_timeout,
            ttl: bounds.ttl,
            redacted_request,
            source: None,
            retry_on_restart: self.retry_on_restart.unwrap_or(false),
            result_ttl: bounds.result_ttl,
            webhook,
            submitted_by: None,
        })
    }

    /// NetPulse fields this gateway does not implement are refused unless at their default.
    fn refuse_unsupported(&self) -> Result<(), ApiError> {
        for (field, value) in [
            ("driver_args", &self.driver_args),
            ("audit_mode", &self.audit_mode),
            ("detach", &self.detach),
            ("credential", &self.credential),
            ("rendering", &self.rendering),
            ("file_transfer", &self.file_transfer),
            ("push_interval", &self.push_interval),
        ] {
            if !at_default(value) {
                return Err(invalid(format!(
                    "{field}: not supported by this gateway yet"
                )));
            }
        }
        Ok(())
    }

    /// `command` (show commands) or `config` (lines to push): exactly one, every line set.
    fn work(&self) -> Result<Work, ApiError> {
        let work = match (&self.command, &self.config) {
            (Some(_), Some(_)) => {
                return Err(invalid("command and config: give one of them, not both"));
            }
            (None, None) => return Err(invalid("command or config: one of them is required")),
            (Some(command), None) => Work::Commands(lines("command", command, false)?),
            (None, Some(config)) => Work::Config {
                lines: lines("config", config, true)?,
                save: self.save.unwrap_or(false),
            },
        };
        let work_lines = work.lines();
        if work_lines.is_empty() || work_lines.iter().any(|l| l.trim().is_empty()) {
            return Err(invalid(format!(
                "{}: every command must be a non-empty string",
                work.kind()
            )));
        }
        Ok(work)
    }

    /// `driver`: the CLI for network devices, exec for Linux hosts, unless named.
    fn driver(&self, device_type: &str, work: &Work) -> Result<Driver, ApiError> {
        let driver = match self.driver.as_deref() {
            None if device_type == "linux" => Driver::Exec,
            None => Driver::Cli,
            Some("netmiko" | "cli") => Driver::Cli,
            Some("paramiko" | "exec") => Driver::Exec,
            Some(other) => {
                return Err(invalid(format!(
                    "driver: unknown driver {other:?}; known: netmiko, cli, paramiko, exec"
                )));
            }
        };
        if driver == Driver::Exec && matches!(work, Work::Config { .. }) {
            return Err(invalid(
                "config: the exec driver runs commands only; use driver netmiko",
            ));
        }
        Ok(driver)
    }

    /// `queue_strategy`: `fifo` (default) or `pinned`.
    fn queue(&self) -> Result<QueueStrategy, ApiError> {
        match self.queue_strategy.as_deref() {
            None => Ok(QueueStrategy::Fifo),
            Some(word) => QueueStrategy::requested(word).ok_or_else(|| {
                let known: Vec<&str> = QueueStrategy::REQUESTABLE
                    .iter()
                    .map(|q| q.as_str())
                    .collect();
                invalid(format!(
                    "queue_strategy: unknown strategy {word:?}; known: {}",
                    known.join(", ")
                ))
            }),
        }
    }

    /// `parsing.name`, one of the parsers loaded now.
    fn parser(&self, known_parsers: &[String]) -> Result<Option<String>, ApiError> {
        match &self.parsing {
            None => Ok(None),
            Some(p) if known_parsers.iter().any(|k| k == &p.name) => Ok(Some(p.name.clone())),
            Some(p) => Err(invalid(format!(
                "parsing.name: unknown parser {:?}; known: {}",
                p.name,
                known_parsers.join(", ")
            ))),
        }
    }

    /// The enable secret, unless `enable_mode: false`; `enable_mode: true` needs one.
    fn enable_secret(&self, args: &ConnectionArgs) -> Result<Option<Secret>, ApiError> {
        match (&args.secret, self.enable_mode) {
            (_, Some(false)) => Ok(None),
            (Some(secret), _) if !secret.is_empty() => Ok(Some(Secret::new(secret.clone()))),
            (_, Some(true)) => Err(invalid("enable_mode: needs connection_args.secret")),
            _ => Ok(None),
        }
    }

    /// Every duration in the request, each within its bound before any arithmetic.
    fn bounds(&self, config: &Config, args: &ConnectionArgs) -> Result<Bounds, ApiError> {
        let execution_timeout = match self.execution_timeout {
            None => Duration::from_secs(config.worker.timeout),
            Some(t) => {
                checks::positive_secs("execution_timeout", t, checks::MAX_EXECUTION_TIMEOUT_SECS)?
            }
        };
        if let Some(t) = args.timeout {
            checks::positive_secs(
                "connection_args.timeout",
                t,
                checks::MAX_CONNECT_TIMEOUT_SECS,
            )?;
        }
        Ok(Bounds {
            execution_timeout,
            ttl: checks::whole_secs("ttl", self.ttl, checks::MAX_TTL_SECS)?,
            result_ttl: checks::whole_secs(
                "result_ttl",
                self.result_ttl,
                checks::MAX_RESULT_TTL_SECS,
            )?,
            cache_ttl: checks::whole_secs(
                "cache.ttl",
                self.cache.as_ref().and_then(|c| c.ttl),
                checks::MAX_CACHE_TTL_SECS,
            )?,
        })
    }

    /// What the job's record keeps of the request: everything but the secrets.
    fn redacted(
        &self,
        device_type: &str,
        target: &Target,
        bounds: &Bounds,
        parsing: Option<&str>,
        queue: QueueStrategy,
        webhook: Option<&Webhook>,
    ) -> Box<RawValue> {
        serde_json::value::to_raw_value(&Redacted {
            cache: self.cache.as_ref(),
            connection_args: RedactedArgs {
                device_type,
                host: &target.host,
                ip: target.connect_addr.as_deref(),
                port: target.port,
                username: &target.username,
            },
            driver: self.driver.as_deref(),
            execution_timeout: bounds.execution_timeout.as_secs_f64(),
            parsing,
            queue_strategy: queue.as_str(),
            result_ttl: self.result_ttl,
            retry_on_restart: self.retry_on_restart,
            save: self.save,
            ttl: self.ttl,
            webhook: webhook.map(Webhook::redacted),
        })
        // Strings, numbers, options and a `Value`: always serializable; `null` otherwise.
        .unwrap_or_default()
    }
}

/// The request's durations, checked.
struct Bounds {
    execution_timeout: Duration,
    ttl: Option<Duration>,
    result_ttl: Option<Duration>,
    cache_ttl: Option<Duration>,
}

/// The device and how to log in: platform, host (and connect address), user, credentials.
fn connection(args: &ConnectionArgs) -> Result<(&'static str, Target), ApiError> {
    let device_type = args
        .device_type
        .as_deref()
        .ok_or_else(|| invalid("connection_args.device_type: required"))?;
    let device_type = platform::canonical(device_type).ok_or_else(|| {
        invalid(format!(
            "connection_args.device_type: unknown platform {device_type:?}; known: {}",
            platform::known_names().join(", ")
        ))
    })?;
    let host = args
        .host
        .as_deref()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("connection_args.host: required"))?;
    checks::host("connection_args.host", host)?;
    let connect_addr = args.ip.clone().filter(|ip| !ip.is_empty());
    if let Some(ip) = &connect_addr {
        checks::host("connection_args.ip", ip)?;
    }
    let username = args
        .username
        .clone()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| invalid("connection_args.username: required"))?;
    let auth = match (&args.password, &args.private_key) {
        (_, Some(key)) if !key.trim().is_empty() => Auth::Key {
            pem: Secret::new(key.clone()),
            passphrase: args.passphrase.clone().map(Secret::new),
        },
        (Some(password), _) => Auth::Password(Secret::new(password.clone())),
        _ => {
            return Err(invalid(
                "connection_args.password or connection_args.private_key: one is required",
            ));
        }
    };
    let target = Target {
        host: host.to_string(),
        port: args.port.unwrap_or(22),
        connect_addr,
        username,
        auth,
    };
    Ok((device_type, target))
}
