//! Typed calls into plugins.
//! Host errors (trap, deadline, memory) and the guest's own declared errors stay distinct,
//! as Spin keeps them.

use serde_json::Value;

use super::bindings::vendor::netpulse::plugin::types as vt;
use super::bindings::{parser, strategy};
use super::instance::{Bindings, Kind, Plugin};
use super::registry::Host;
use super::{CallFailure, Error};
use crate::config::platform;
use crate::device::ProfileSpec;

/// The name of the bundled TextFSM engine, tried by `auto` after the vendor plugin.
pub const TEXTFSM: &str = "textfsm";

fn call_error(plugin: &Plugin, failure: CallFailure) -> Error {
    tracing::warn!(plugin = %plugin.info.name, %failure, "plugin call failed");
    Error::Call {
        plugin: plugin.info.name.clone(),
        failure,
    }
}

/// Parses with the TextFSM plugin, whose template index may spell the platform as another
/// library does (ntc-templates says `huawei_vrp`, Netmiko and NetPulse `huawei`): the
/// canonical name first, then each of its aliases until one has a template.
fn parse_textfsm(
    plugin: &Plugin,
    canonical: &str,
    command: &str,
    output: &str,
) -> Result<Value, Error> {
    let no_template = |r: &Result<Value, Error>| {
        matches!(
            r,
            Err(Error::Declined {
                unsupported: true,
                ..
            })
        )
    };
    let first = parse_with(plugin, canonical, command, output);
    if !no_template(&first) {
        return first;
    }
    for alias in platform::aliases_of(canonical) {
        let again = parse_with(plugin, alias, command, output);
        if !no_template(&again) {
            return again;
        }
    }
    first
}

/// Parses with one plugin; the JSON must be an array of records.
pub fn parse_with(
    plugin: &Plugin,
    platform: &str,
    command: &str,
    output: &str,
) -> Result<Value, Error> {
    let answer = if plugin.grants_files() {
        // Its calls read files, so they run where a blocked read cannot hold the caller
        // past the deadline (see `Plugin::call_owned`); that needs owned inputs.
        let (platform, command, output) = (
            platform.to_string(),
            command.to_string(),
            output.to_string(),
        );
        plugin.call_owned(move |store, bindings| {
            parse_call(store, bindings, &platform, &command, &output)
        })
    } else {
        plugin.call(|store, bindings| parse_call(store, bindings, platform, command, output))
    }
    .map_err(|f| call_error(plugin, f))?;
    match answer {
        Ok(text) => {
            let value: Value = serde_json::from_str(&text).map_err(|e| {
                call_error(
                    plugin,
                    CallFailure::Malformed(format!("parse returned invalid JSON: {e}")),
                )
            })?;
            if !value.is_array() {
                return Err(call_error(
                    plugin,
                    CallFailure::Malformed("parse must return a JSON array of records".into()),
                ));
            }
            Ok(value)
        }
        Err((unsupported, message)) => Err(Error::Declined {
            plugin: plugin.info.name.clone(),
            message,
            unsupported,
        }),
    }
}

/// One `parse` export call; the inner error is the guest's (unsupported?, message).
type ParseAnswer = Result<String, (bool, String)>;

fn parse_call(
    store: &mut wasmtime::Store<super::engine::HostState>,
    bindings: &Bindings,
    platform: &str,
    command: &str,
    output: &str,
) -> wasmtime::Result<ParseAnswer> {
    match bindings {
        Bindings::Vendor(b) => b
            .call_parse(store, platform, command, output)
            .map(|r| r.map_err(declined_vendor)),
        Bindings::Parser(b) => b
            .call_parse(store, platform, command, output)
            .map(|r| r.map_err(declined_parser)),
        Bindings::Strategy(_) => Ok(Err((false, "is a strategy, not a parser".to_string()))),
    }
}

fn declined_vendor(e: vt::ParseError) -> (bool, String) {
    match e {
        vt::ParseError::Unsupported(m) => (true, m),
        vt::ParseError::Malformed(m) => (false, format!("malformed output: {m}")),
        vt::ParseError::Template(m) => (false, format!("template error: {m}")),
    }
}

fn declined_parser(e: parser::netpulse::plugin::types::ParseError) -> (bool, String) {
    use parser::netpulse::plugin::types::ParseError as P;
    match e {
        P::Unsupported(m) => (true, m),
        P::Malformed(m) => (false, format!("malformed output: {m}")),
        P::Template(m) => (false, format!("template error: {m}")),
    }
}

/// Asks a vendor plugin for a platform's session profile.
pub fn profile_with(plugin: &Plugin, platform: &str) -> Result<ProfileSpec, Error> {
    let p = plugin
        .call(|store, bindings| match bindings {
            Bindings::Vendor(b) => b.call_profile(store, platform).map(Some),
            _ => Ok(None),
        })
        .map_err(|f| call_error(plugin, f))?
        .ok_or_else(|| Error::Declined {
            plugin: plugin.info.name.clone(),
            message: "is not a vendor plugin".into(),
            unsupported: true,
        })?;
    Ok(ProfileSpec {
        prompt_pattern: p.prompt_pattern,
        privileged_pattern: p.privileged_pattern,
        config_pattern: p.config_pattern,
        pager_pattern: p.pager_pattern,
        pager_continue: p.pager_continue,
        enable_command: p.enable_command,
        enable_password_pattern: p.enable_password_pattern,
        paging_off_commands: p.paging_off_commands,
        setup_commands: p.setup_commands,
        config_enter: p.config_enter,
        config_exit: p.config_exit,
        commit_command: p.commit_command,
        save_command: p.save_command,
        prompt_answers: p
            .prompt_answers
            .into_iter()
            .map(|a| (a.pattern, a.answer))
            .collect(),
        error_patterns: p.error_patterns,
        noise_patterns: p.noise_patterns,
    })
}

/// Normalises a command through a vendor plugin (`sh ver` → `show version`).
pub fn normalize_with(plugin: &Plugin, platform: &str, command: &str) -> Result<String, Error> {
    plugin.remember_normalized(&format!("{platform}\0{command}"), || {
        plugin
            .call(|store, bindings| match bindings {
                Bindings::Vendor(b) => b.call_normalize_command(store, platform, command),
                _ => Ok(command.to_string()),
            })
            .map_err(|f| call_error(plugin, f))
    })
}

/// A device as a strategy sees it.
pub type DeviceRef = strategy::netpulse::plugin::types::DeviceRef;
/// A planned wave.
pub type Wave = strategy::netpulse::plugin::types::Wave;
/// A finished wave's outcome.
pub type WaveSummary = strategy::netpulse::plugin::types::WaveSummary;
/// What to do after a wave.
pub type Decision = strategy::netpulse::plugin::types::Decision;

/// Asks a strategy plugin for the waves of a bulk job.
pub fn plan_with(plugin: &Plugin, devices: &[DeviceRef], params: &str) -> Result<Vec<Wave>, Error> {
    let answer = plugin
        .call(|store, bindings| match bindings {
            Bindings::Strategy(b) => b.call_plan(store, devices, params),
            _ => Ok(Err("is not a strategy plugin".to_string())),
        })
        .map_err(|f| call_error(plugin, f))?;
    answer.map_err(|message| Error::Declined {
        plugin: plugin.info.name.clone(),
        message,
        unsupported: false,
    })
}

/// Asks a strategy plugin what to do after a wave.
pub fn after_wave_with(
    plugin: &Plugin,
    summary: &WaveSummary,
    params: &str,
) -> Result<Decision, Error> {
    plugin
        .call(|store, bindings| match bindings {
            Bindings::Strategy(b) => b.call_after_wave(store, summary, params),
            _ => Ok(Decision::Abort),
        })
        .map_err(|f| call_error(plugin, f))
}

impl Host {
    /// Parses with `parser`: `auto` = the platform's vendor plugin (command normalised
    /// first), then the TextFSM engine when the vendor has no parser for the command.
    pub fn parse(
        &self,
        parser: &str,
        platform: &str,
        command: &str,
        output: &str,
    ) -> Result<Value, Error> {
        let snapshot = self.snapshot();
        let canonical = platform::canonical(platform).unwrap_or(platform);
        if parser == "auto" {
            let vendor = snapshot.vendor_for(canonical);
            let normalized = match vendor {
                Some(v) => normalize_with(v, canonical, command)?,
                None => command.split_whitespace().collect::<Vec<_>>().join(" "),
            };
            let first = match vendor {
                Some(v) => match parse_with(v, canonical, &normalized, output) {
                    Err(Error::Declined {
                        unsupported: true, ..
                    }) => None,
                    other => Some(other),
                },
                None => None,
            };
            if let Some(result) = first {
                return result;
            }
            return match snapshot.by_name(TEXTFSM) {
                Some(textfsm) => parse_textfsm(textfsm, canonical, &normalized, output),
                None => Err(Error::NotFound {
                    what: format!("no parser for {canonical} / {normalized:?}"),
                    known: self.parser_names().join(", "),
                }),
            };
        }
        let plugin = snapshot
            .by_name(parser)
            .filter(|p| p.kind() != Kind::Strategy)
            .ok_or_else(|| Error::NotFound {
                what: format!("unknown parser {parser:?}"),
                known: self.parser_names().join(", "),
            })?;
        let normalized = match snapshot.vendor_for(canonical) {
            Some(v) => normalize_with(v, canonical, command)?,
            None => command.to_string(),
        };
        if plugin.info.name == TEXTFSM {
            return parse_textfsm(plugin, canonical, &normalized, output);
        }
        parse_with(plugin, canonical, &normalized, output)
    }

    /// `auto` plus every parser and vendor plugin's name.
    pub fn parser_names(&self) -> Vec<String> {
        let mut names = vec!["auto".to_string()];
        names.extend(
            self.snapshot()
                .all()
                .filter(|p| p.kind() != Kind::Strategy)
                .map(|p| p.info.name.clone()),
        );
        names
    }

    /// Strategy plugin names, for 422 messages.
    pub fn strategy_names(&self) -> Vec<String> {
        self.snapshot()
            .all()
            .filter(|p| p.kind() == Kind::Strategy)
            .map(|p| p.info.name.clone())
            .collect()
    }

    /// Normalises a command for `platform` (whitespace only when no vendor plugin serves it).
    pub fn normalize(&self, platform: &str, command: &str) -> String {
        let canonical = platform::canonical(platform).unwrap_or(platform);
        match self.snapshot().vendor_for(canonical) {
            Some(v) => normalize_with(v, canonical, command)
                .unwrap_or_else(|_| command.split_whitespace().collect::<Vec<_>>().join(" ")),
            None => command.split_whitespace().collect::<Vec<_>>().join(" "),
        }
    }
}
