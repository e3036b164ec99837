//! NetPulse's bundled vendor plugin for Juniper Junos.
//!
//! The same code serves two hosts: built for `wasm32-wasip2` it is a component of the
//! `vendor` world in `wit/netpulse.wit` (module `component`, compiled only for wasm); built natively it is a plain library, so the gateway can benchmark and test
//! the parsers without a Wasm runtime.
//!
//! - [`info`] — who the plugin is and what it parses.
//! - [`profile`] (`profile.rs`) — how the gateway drives a Junos CLI session.
//! - [`normalize_command`] (`normalize.rs`) — one spelling per command for caches and lookup.
//! - [`parse`] (`parsers/`) — CLI text to ntc-templates-compatible JSON records, one
//!   module per command.
//! - `record` (from `netpulse-vendor-kit`) — record-building rules shared by the parsers.

mod normalize;
mod parsers;
mod profile;
use netpulse_vendor_kit::{record, types};

// The generated export glue is FFI and needs `unsafe`; no hand-written code does.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component;

pub use normalize::normalize_command;
pub use profile::profile;
pub use types::{Info, ParseError, PluginKind, Profile, PromptAnswer};

/// Canonical (Netmiko) platform name this plugin serves.
pub const PLATFORM: &str = "juniper_junos";

/// Other names of the platform that requests may use (NAPALM's `junos`, and `juniper`); see design §4.
pub const ALIASES: &[&str] = &["junos", "juniper"];

/// Whether `platform` names Junos, under its canonical name or an alias.
pub fn serves(platform: &str) -> bool {
    let p = platform.trim();
    p.eq_ignore_ascii_case(PLATFORM) || ALIASES.iter().any(|a| p.eq_ignore_ascii_case(a))
}

/// Describes the plugin: the gateway routes requests by `platforms` and `commands`.
pub fn info() -> Info {
    Info {
        name: PLATFORM.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        kind: PluginKind::Vendor,
        platforms: vec![PLATFORM.to_string()],
        commands: parsers::COMMANDS.iter().map(|c| c.to_string()).collect(),
    }
}

/// Parses `output` of `command` into a JSON array of records with ntc-templates' field
/// names. The command may be abbreviated (`sh ver`): it is normalised first.
pub fn parse(platform: &str, command: &str, output: &str) -> Result<serde_json::Value, ParseError> {
    if !serves(platform) {
        return Err(ParseError::Unsupported(format!(
            "platform {platform:?} is not served by the {PLATFORM} plugin"
        )));
    }
    let command = normalize_command(platform, command);
    parsers::parse(&command, output).map(serde_json::Value::Array)
}
