//! One parser per command, each turning the CLI text into ntc-templates-shaped records.

mod display_device;
mod display_interface;
mod display_interface_brief;
mod display_lldp_neighbor;
mod display_version;
mod display_vlan;

use crate::ParseError;
use crate::record::re;
use serde_json::Value;

/// Full command names with a parser, as `info().commands` reports them.
pub(crate) const COMMANDS: &[&str] = &[
    "display version",
    "display interface",
    "display interface brief",
    "display vlan",
    "display vlan brief",
    "display device",
    "display lldp neighbor",
];

/// How many leading non-blank lines may hold a device error message.
const ERROR_LINES: usize = 3;

/// Runs the parser for an already normalised `command`.
pub(crate) fn parse(command: &str, output: &str) -> Result<Vec<Value>, ParseError> {
    let parser: fn(&str) -> Vec<Value> = match command {
        "display version" => display_version::parse,
        "display interface" => display_interface::parse,
        "display interface brief" => display_interface_brief::parse,
        "display vlan" => display_vlan::parse,
        "display vlan brief" => display_vlan::parse_brief,
        "display device" => display_device::parse,
        "display lldp neighbor" => display_lldp_neighbor::parse,
        other => {
            return Err(ParseError::Unsupported(format!(
                "no huawei parser for command {other:?}; known: {}",
                COMMANDS.join(", ")
            )));
        }
    };
    reject_device_error(command, output)?;
    Ok(parser(output))
}

/// VRP answers a rejected command with `Error: ...` (after a caret line) instead of
/// output; parsing that as an empty table would hide the failure.
fn reject_device_error(command: &str, output: &str) -> Result<(), ParseError> {
    let error = re!(r"^\s*Error:\s*[A-Z]");
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
            crate::parse("not_a_platform", "display version", ""),
            Err(ParseError::Unsupported(_))
        ));
    }

    #[test]
    fn device_error_is_malformed_with_line() {
        let out = "         ^\nError: Unrecognized command found at '^' position.\n";
        match parse("display version", out) {
            Err(ParseError::Malformed(m)) => assert!(m.contains("line 2"), "{m}"),
            other => panic!("expected malformed, got {other:?}"),
        }
    }

    #[test]
    fn abbreviated_command_finds_its_parser() {
        assert!(crate::parse("huawei", "dis ver", "").is_ok());
    }
}
