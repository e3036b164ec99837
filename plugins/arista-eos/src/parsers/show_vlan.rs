//! `show vlan`: one record per VLAN with its member ports as a list.

use crate::record::{Field, Records, list, plain, re, required};
use serde_json::Value;

const FIELDS: &[Field] = &[
    required("vlan_id"),
    plain("vlan_name"),
    plain("status"),
    list("interfaces"),
];

/// Longest row ntc-templates reads ports from (tokens after the VLAN id); ports further
/// right are ignored there, so they are here too.
const MAX_TOKENS: usize = 62;

/// Parses `show vlan`. Ports wrap onto indented continuation lines, so a record closes
/// only when the next VLAN row (a line starting with a digit) begins.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let header = re!(r"^\w+\s+[NnAaMmEe]{4}.*$");
    let vlan =
        re!(r"^(?P<vlan_id>\d+)\s+(?P<vlan_name>\S+)\s+(?P<status>active|suspended)(?:\s+|$)");
    let port = re!(r"^[\w./]+");
    let mut records = Records::new(FIELDS);
    let mut in_table = false;
    for line in output.lines() {
        if !in_table {
            in_table = header.is_match(line);
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        // Index of the first token that can be a port on this line.
        let first_port = if line.starts_with(|c: char| c.is_ascii_digit()) {
            records.record();
            match vlan.captures(line) {
                Some(c) => {
                    records.assign(vlan, &c);
                    3
                }
                // A row whose name or status we cannot read: ntc-templates still takes
                // the ports from the fifth column on, and the record is dropped for
                // lacking its id.
                None => 4,
            }
        } else if line.starts_with(char::is_whitespace) {
            0
        } else {
            continue;
        };
        for token in tokens.iter().take(MAX_TOKENS).skip(first_port) {
            if let Some(m) = port.find(token) {
                records.set("interfaces", Some(m.as_str()));
            }
        }
    }
    records.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ports_wrap_onto_continuation_lines() {
        let out = "\
VLAN  Name                             Status    Ports
----- -------------------------------- --------- -------------------------------
1     default                          active    Et1, Et2, Et3, Et4, Et5, Et6
                                                 Et7, Po10
20    SERVERS                          active    Cpu, Et8
30    UNUSED                           suspended
";
        let rows = parse(out);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0]["interfaces"],
            json!(["Et1", "Et2", "Et3", "Et4", "Et5", "Et6", "Et7", "Po10"])
        );
        assert_eq!(rows[1]["interfaces"], json!(["Cpu", "Et8"]));
        assert_eq!(rows[2]["status"], "suspended");
        assert_eq!(rows[2]["interfaces"], json!([]));
    }
}
