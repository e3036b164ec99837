//! Cisco NX-OS vendor plugin for NetPulse.
//!
//! Built twice from the same source: as a `wasm32-wasip2` component exporting the WIT world
//! `vendor` (see `wit/netpulse.wit`), and natively as an rlib so the host can benchmark and test
//! the very same parsers without a Wasm runtime.
//!
//! - [`types`] — plain Rust mirrors of the WIT records (info, session profile, parse error).
//! - [`profile`] — how to drive an NX-OS CLI session: prompts, pager, enable, config, save, errors.
//! - [`normalize`] — folds a typed command (`sh int br`) into its one canonical spelling.
//! - [`parsers`] — one module per supported command, each producing ntc-templates' records.
//! - `component` (wasm32 only) — the WIT bindings, converting the native types at the boundary.

// Tests may unwrap: a panic there is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod normalize;
pub mod parsers;
pub mod profile;
pub use netpulse_vendor_kit::types;

// Generated export glue needs `unsafe`; it is confined to this module.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component;

pub use types::{Info, ParseError, PluginKind, Profile, PromptAnswer};

/// The plugin's name: a dropped-in plugin with this name replaces the bundled one.
pub const NAME: &str = "cisco_nxos";

/// Platforms served: Nexus switches running NX-OS.
pub const PLATFORMS: &[&str] = &["cisco_nxos"];

/// Describes the plugin, so the gateway can route `cisco_nxos` requests to it.
pub fn info() -> Info {
    Info {
        name: NAME.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        kind: PluginKind::Vendor,
        platforms: PLATFORMS.iter().map(|p| p.to_string()).collect(),
        commands: parsers::COMMANDS.iter().map(|c| c.to_string()).collect(),
    }
}

/// The session profile for `platform` (only `cisco_nxos` is served).
pub fn profile(platform: &str) -> Profile {
    profile::for_platform(platform)
}

/// The canonical spelling of `command`, used for cache keys and parser lookup.
pub fn normalize_command(platform: &str, command: &str) -> String {
    normalize::normalize(platform, command)
}

/// Parses `output` of `command` into ntc-templates-compatible records (a JSON array).
///
/// The command is normalised first, so `sh ver` finds the `show version` parser.
pub fn parse(platform: &str, command: &str, output: &str) -> Result<serde_json::Value, ParseError> {
    if !PLATFORMS.contains(&platform) {
        return Err(ParseError::Unsupported(format!(
            "platform {platform:?} is not served by {NAME} (serves {PLATFORMS:?})"
        )));
    }
    let command = normalize_command(platform, command);
    parsers::parse(&command, output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_normalises_and_rejects_the_unknown() {
        assert_eq!(
            parse("cisco_nxos", "sh  ver", "").unwrap(),
            serde_json::json!([])
        );
        assert!(matches!(
            parse("cisco_nxos", "show clock", ""),
            Err(ParseError::Unsupported(_))
        ));
        assert!(matches!(
            parse("juniper_junos", "show version", ""),
            Err(ParseError::Unsupported(_))
        ));
        let i = info();
        assert_eq!(i.name, "cisco_nxos");
        assert_eq!(i.kind, PluginKind::Vendor);
        for command in &i.commands {
            assert_eq!(
                &normalize_command("cisco_nxos", command),
                command,
                "commands are normalised"
            );
        }
    }
}
