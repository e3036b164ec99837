//! One parser per command, each turning the CLI text into ntc-templates-shaped records.

mod show_interfaces;
mod show_inventory;
mod show_ip_interface_brief;
mod show_lldp_neighbors;
mod show_version;
mod show_vlan;

use crate::ParseError;
use crate::record::re;
use serde_json::Value;

/// Full command names with a parser, as `info().commands` reports them.
pub(crate) const COMMANDS: &[&str] = &[
    "show version",
    "show interfaces",
    "show ip interface brief",
    "show vlan",
    "show inventory",
    "show lldp neighbors",
];

/// Runs the parser for an already normalised `command`.
pub(crate) fn parse(command: &str, output: &str) -> Result<Vec<Value>, ParseError> {
    let parser: fn(&str) -> Vec<Value> = match command {
        "show version" => show_version::parse,
        "show interfaces" => show_interfaces::parse,
        "show ip interface brief" => show_ip_interface_brief::parse,
        "show vlan" => show_vlan::parse,
        "show inventory" => show_inventory::parse,
        "show lldp neighbors" => show_lldp_neighbors::parse,
        other => {
            return Err(ParseError::Unsupported(format!(
                "no arista_eos parser for command {other:?}; known: {}",
                COMMANDS.join(", ")
            )));
        }
    };
    reject_device_error(command, output)?;
    Ok(parser(output))
}

/// EOS reports a rejected command with a `% ...` line instead of output; parsing that as
/// an empty table would hide the failure, so it is an error naming the line.
fn reject_device_error(command: &str, output: &str) -> Result<(), ParseError> {
    let error = re!(
        r"^\s*% ?(Invalid input|Incomplete command|Ambiguous command|Unavailable command|Error|Authorization denied)"
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
