//! One parser per command, each turning the CLI text into ntc-templates-shaped records.

mod show_chassis_hardware;
mod show_interfaces;
mod show_lldp_neighbors;
mod show_version;
mod show_vlans;

use crate::ParseError;
use crate::record::re;
use serde_json::Value;

/// Full command names with a parser, as `info().commands` reports them.
pub(crate) const COMMANDS: &[&str] = &[
    "show version",
    "show interfaces",
    "show chassis hardware",
    "show lldp neighbors",
    "show vlans",
];

/// Runs the parser for an already normalised `command`.
pub(crate) fn parse(command: &str, output: &str) -> Result<Vec<Value>, ParseError> {
    let parser: fn(&str) -> Vec<Value> = match command {
        "show version" => show_version::parse,
        "show interfaces" => show_interfaces::parse,
        "show chassis hardware" => show_chassis_hardware::parse,
        "show lldp neighbors" => show_lldp_neighbors::parse,
        "show vlans" => show_vlans::parse,
        other => {
            return Err(ParseError::Unsupported(format!(
                "no juniper_junos parser for command {other:?}; known: {}",
                COMMANDS.join(", ")
            )));
        }
    };
    reject_device_error(command, output)?;
    Ok(parser(output))
}

/// Junos answers a rejected command with `syntax error` / `unknown command` / `error:`
/// instead of output; parsing that as an empty table would hide the failure.
fn reject_device_error(command: &str, output: &str) -> Result<(), ParseError> {
    let error = re!(
        r"^\s*(?:syntax error|unknown command|error:|.* is ambiguous\.?$|No valid completions)"
    );
    for (n, line) in output.lines().enumerate() {
        if error.is_match(line) {
            return Err(ParseError::Malformed(format!(
                "{command}: line {}: device error instead of output: {:?}",
                n + 1,
                line.trim()
            )));
        }
    }
    Ok(())
}
