//! `POST /device/bulk`: NetPulse's bulk body — an `ExecutionRequest` shared by every device,
//! `devices: [{host, port?, device_type?, username?, password?, command?, config?, ...}]` with
//! per-device overrides, and an optional `strategy: {name, params}` — validated whole into a
//! [`BulkSubmission`]. One invalid device rejects the bulk (422 naming every device at fault),
//! so a batch never silently runs on part of the inventory; for the same reason one device
//! outside `security.allowed_targets` refuses the whole bulk (403 naming each such device).
//!
//! What a bulk may describe is bounded by what was sent: every device's request is the shared
//! one merged with its entry, so devices × shared size is counted as it is built, and past
//! [`MAX_BULK_BYTES`] or [`MAX_BULK_COMMANDS`] the bulk is refused before it is held whole.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::ApiError;
use super::request::ExecutionRequest;
use crate::config::Config;
use crate::jobs::batch::{BulkDevice, BulkSubmission, MAX_DEVICES, StrategyChoice};
use crate::jobs::targets::AllowedTargets;
use crate::jobs::webhook::Webhook;

/// Most bytes of per-device requests one bulk may describe (each device's request is the
/// shared one merged with its entry, held at submit and sealed into its job row): 128 MiB,
/// about 13 KiB for each of `MAX_DEVICES` devices — room for a real config pushed to a
/// whole fleet — while a 1 MiB body still cannot cost gigabytes.
pub const MAX_BULK_BYTES: usize = 128 * 1024 * 1024;

/// Most commands (or config lines) over all devices of one bulk: 500,000, fifty for each of
/// `MAX_DEVICES` devices (a config change of fifty lines to 10,000 switches); every one is a
/// device round trip and a retval to store.
pub const MAX_BULK_COMMANDS: usize = 500_000;

/// Distinct targets resolved at once for the allow-list check of one bulk.
const RESOLVE_CONCURRENCY: usize = 32;

/// Device-entry keys that are not connection arguments.
const DEVICE_KEYS: &[&str] = &["command", "config", "name", "device", "site", "tags"];

/// Most per-device problems listed in one 422.
const MAX_LISTED: usize = 20;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::Invalid(message.into())
}

/// Validates a bulk body; `known_parsers` and `strategies` list the names a request may use.
pub fn parse(
    body: Value,
    config: &Config,
    known_parsers: &[String],
    strategies: &[String],
) -> Result<BulkSubmission, ApiError> {
    let Value::Object(mut shared) = body else {
        return Err(invalid("the body must be a JSON object"));
    };
    let devices = match shared.remove("devices") {
        Some(Value::Array(devices)) => devices,
        Some(_) => return Err(invalid("devices: must be a list of devices")),
        None => return Err(invalid("devices: required")),
    };
    if devices.is_empty() {
        return Err(invalid(
            "devices: the list is empty; give at least one device",
        ));
    }
    if devices.len() > MAX_DEVICES {
        return Err(invalid(format!(
            "devices: {} devices, at most {MAX_DEVICES} per bulk; split the request",
            devices.len()
        )));
    }
    let strategy = match shared.remove("strategy") {
        None | Some(Value::Null) => None,
        Some(Value::Object(s)) => Some(strategy_choice(&s, strategies)?),
        Some(_) => return Err(invalid("strategy: must be an object {name, params}")),
    };
    let shared_args = match shared.get("connection_args") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(args)) => args.clone(),
        Some(_) => return Err(invalid("connection_args: must be an object")),
    };
    if shared_args.get("host").is_some_and(|h| !h.is_null()) {
        return Err(invalid(
            "connection_args.host: a bulk's shared connection_args carry no host; give each device its host in devices[]",
        ));
    }
    let webhook = match shared.get("webhook") {
        None | Some(Value::Null) => None,
        Some(hook) => Some((
            Webhook::from_json(hook).map_err(|e| invalid(e.to_string()))?,
            hook.to_string(),
        )),
    };
    let result_ttl = shared
        .get("result_ttl")
        .and_then(Value::as_u64)
        .map(Duration::from_secs);
    // The shared request's size counts once per device: that is what every device's merged
    // request (and sealed row) holds.
    let shared_bytes = json_len(&shared);
    let shared = Arc::new(shared);
    let (mut bytes, mut commands) = (0usize, 0usize);
    let mut accepted = Vec::with_capacity(devices.len());
    let mut problems = Vec::new();
    for (i, device) in devices.into_iter().enumerate() {
        bytes = bytes
            .saturating_add(shared_bytes)
            .saturating_add(json_len(&device));
        if bytes > MAX_BULK_BYTES {
            return Err(invalid(format!(
                "devices: by device {i} the bulk describes more than {MAX_BULK_BYTES} bytes of per-device requests (the shared request, {shared_bytes} bytes, counts once per device; limit MAX_BULK_BYTES); split the bulk or shorten the shared request"
            )));
        }
        match one_device(i, device, &shared, &shared_args, config, known_parsers) {
            Ok(device) => {
                commands = commands.saturating_add(device.spec.work.lines().len());
                if commands > MAX_BULK_COMMANDS {
                    return Err(invalid(format!(
                        "devices: by device {i} the bulk holds more than {MAX_BULK_COMMANDS} commands over all devices (limit MAX_BULK_COMMANDS); split the bulk"
                    )));
                }
                accepted.push(device);
            }
            Err(problem) => {
                problems.push(problem);
                if problems.len() >= MAX_LISTED {
                    problems.push("(more not listed)".into());
                    break;
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems.join("; ")));
    }
    let mut redacted = accepted
        .first()
        .and_then(|d: &BulkDevice| serde_json::from_str(d.spec.redacted_request.get()).ok())
        .unwrap_or(Value::Null);
    if let Some(args) = redacted
        .get_mut("connection_args")
        .and_then(Value::as_object_mut)
    {
        // Per-device values are on each job; the batch keeps what they share.
        args.remove("host");
        args.remove("ip");
        args.remove("port");
    }
    Ok(BulkSubmission {
        devices: accepted,
        strategy,
        webhook,
        result_ttl,
        redacted,
    })
}

fn strategy_choice(
    s: &Map<String, Value>,
    strategies: &[String],
) -> Result<StrategyChoice, ApiError> {
    for key in s.keys() {
        if key != "name" && key != "params" {
            return Err(invalid(format!(
                "strategy.{key}: unknown field; known: name, params"
            )));
        }
    }
    let name = s
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("strategy.name: required"))?;
    if !strategies.iter().any(|k| k == name) {
        return Err(invalid(format!(
            "strategy.name: unknown strategy {name:?}; known: {}",
            strategies.join(", ")
        )));
    }
    let params = match s.get("params") {
        None | Some(Value::Null) => "{}".to_string(),
        Some(p @ Value::Object(_)) => p.to_string(),
        Some(_) => return Err(invalid("strategy.params: must be an object")),
    };
    Ok(StrategyChoice {
        name: name.to_string(),
        params,
    })
}

/// Merges one device entry over the shared request and validates it as an exec would be.
fn one_device(
    i: usize,
    device: Value,
    shared: &Arc<Map<String, Value>>,
    shared_args: &Map<String, Value>,
    config: &Config,
    known_parsers: &[String],
) -> Result<BulkDevice, String> {
    let Value::Object(entry) = device else {
        return Err(format!("devices[{i}]: must be an object"));
    };
    let label = entry
        .get("host")
        .or_else(|| entry.get("name"))
        .or_else(|| entry.get("device"))
        .and_then(Value::as_str)
        .map_or_else(
            || format!("devices[{i}]"),
            |h| format!("devices[{i}] ({h})"),
        );
    let mut merged = Map::clone(shared);
    let mut args = shared_args.clone();
    let mut site = None;
    let mut tags = Vec::new();
    for (key, value) in entry {
        match key.as_str() {
            "command" => {
                merged.remove("config");
                merged.insert(key, value);
            }
            "config" => {
                merged.remove("command");
                merged.insert(key, value);
            }
            "name" | "device" => {
                merged.insert("device".into(), value);
            }
            "site" => site = value.as_str().map(String::from),
            "tags" => {
                tags = match value {
                    Value::Array(list) => list
                        .into_iter()
                        .map(|t| t.as_str().map(String::from))
                        .collect::<Option<_>>()
                        .ok_or_else(|| format!("{label}: tags must be strings"))?,
                    _ => return Err(format!("{label}: tags must be a list of strings")),
                }
            }
            _ => {
                debug_assert!(!DEVICE_KEYS.contains(&key.as_str()));
                args.insert(key, value);
            }
        }
    }
    merged.insert("connection_args".into(), Value::Object(args));
    let inventory_name = merged
        .get("device")
        .and_then(Value::as_str)
        .map(String::from);
    let merged = Value::Object(merged);
    // One copy as text (sealed into the row), one parsed; the merged value is consumed.
    let source = merged.to_string();
    let request: ExecutionRequest =
        serde_json::from_value(merged).map_err(|e| format!("{label}: {e}"))?;
    let mut spec = request
        .into_spec(config, known_parsers)
        .map_err(|e| format!("{label}: {e}"))?;
    if let Some(entry) = inventory_name
        .as_deref()
        .and_then(|name| config.inventory.iter().find(|d| d.name == name))
    {
        site = site.or_else(|| entry.site.clone());
        if tags.is_empty() {
            tags = entry.tags.clone();
        }
    }
    spec.source = Some(source);
    Ok(BulkDevice { spec, site, tags })
}

/// Checks every device of a bulk against `security.allowed_targets` (each distinct target
/// resolved once, a few at a time); any refused device refuses the bulk, naming each.
pub async fn check_targets(
    targets: &AllowedTargets,
    submission: &BulkSubmission,
) -> Result<(), ApiError> {
    if !targets.is_active() {
        return Ok(());
    }
    let key = |d: &BulkDevice| (d.spec.target.dial_host().to_string(), d.spec.target.port);
    let mut distinct: HashMap<(String, u16), usize> = HashMap::new();
    for (i, device) in submission.devices.iter().enumerate() {
        distinct.entry(key(device)).or_insert(i);
    }
    let mut refused: HashMap<(String, u16), String> = HashMap::new();
    let mut running = tokio::task::JoinSet::new();
    let mut next = distinct.into_values();
    loop {
        while running.len() < RESOLVE_CONCURRENCY {
            let Some(i) = next.next() else { break };
            let (targets, target) = (targets.clone(), submission.devices[i].spec.target.clone());
            running.spawn(async move { (i, targets.check(&target).await) });
        }
        match running.join_next().await {
            None => break,
            Some(Ok((_, Ok(_)))) => {}
            Some(Ok((i, Err(why)))) => {
                refused.insert(key(&submission.devices[i]), why.0);
            }
            Some(Err(e)) => return Err(ApiError::Internal(format!("target check task: {e}"))),
        }
    }
    if refused.is_empty() {
        return Ok(());
    }
    let mut message = Vec::new();
    for (i, device) in submission.devices.iter().enumerate() {
        let Some(why) = refused.get(&key(device)) else {
            continue;
        };
        if message.len() == MAX_LISTED {
            message.push("(more not listed)".to_string());
            break;
        }
        message.push(format!("devices[{i}] ({}): {why}", device.spec.target.host));
    }
    Err(ApiError::TargetRefused(message.join("; ")))
}

/// Bytes of `value` as JSON text, counted without building the text.
fn json_len<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 = self.0.saturating_add(buf.len());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail, and a `Value` always serializes.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}
