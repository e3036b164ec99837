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

/// How many leading non-blank lines may hold a device error message.
const ERROR_LINES: usize = 3;

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
    // The message comes first (after at most a caret line); a later line that looks
    // like one is part of real output (`Error: 0` in VRP counters).
    let head = output
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .take(ERROR_LINES);
    for (n, line) in head {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_command_is_unsupported() {
        assert!(matches!(
            parse("frobnicate", ""),
            Err(ParseError::Unsupported(_))
        ));
        assert!(matches!(
            crate::parse("not_a_platform", "show version", ""),
            Err(ParseError::Unsupported(_))
        ));
    }

    #[test]
    fn device_error_is_malformed_with_line() {
        let out = "         ^\nunknown command.\n";
        match parse("show version", out) {
            Err(ParseError::Malformed(m)) => assert!(m.contains("line 2"), "{m}"),
            other => panic!("expected malformed, got {other:?}"),
        }
    }

    #[test]
    fn abbreviated_command_finds_its_parser() {
        assert!(crate::parse("juniper_junos", "sho ver", "").is_ok());
    }
}
