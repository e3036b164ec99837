//! NX-OS `show vlan` (and `show vlan brief`): one record per VLAN of the first table; port lists
//! wrap onto indented continuation lines. Parsing stops at the second table (`VLAN Type …`).

use serde::Serialize;

use super::{cap, lines};
use crate::ParseError;

/// ntc-templates' `cisco_nxos_show_vlan` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// VLAN number.
    vlan_id: String,
    /// VLAN name.
    vlan_name: String,
    /// `active`, `act/unsup`, `suspended`, …
    status: String,
    /// Access ports in the VLAN, across wrapped lines.
    interfaces: Vec<String>,
}

/// ntc-templates reads at most this many port columns per line.
const MAX_PORT_COLUMNS: usize = 61;

regexes! {
    TABLE_HEADER = r"^VLAN\s+Name\s+Status\s+Ports";
    ROW = r"^(\d+)\s+(\S+)\s+(\S+)";
    PORT = r"^[\w./]+";
    NEXT_TABLE = r"^\S+\s+[TtYyPpEe]{4}";
}

/// Parses `show vlan` output into one record per VLAN.
pub fn parse(output: &str) -> Result<Vec<Record>, ParseError> {
    let mut out = Vec::new();
    let mut r = Record::default();
    let mut in_table = false;
    for line in lines(output) {
        if !in_table {
            in_table = TABLE_HEADER.is_match(line);
            continue;
        }
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            flush(&mut out, &mut r);
            if let Some(c) = ROW.captures(line) {
                r.vlan_id = cap(&c, 1);
                r.vlan_name = cap(&c, 2);
                r.status = cap(&c, 3);
                // Ports start in the fourth column.
                push_ports(&mut r, line.split_whitespace().skip(3));
            }
        } else if line.starts_with(char::is_whitespace) {
            push_ports(&mut r, line.split_whitespace());
        } else if NEXT_TABLE.is_match(line) {
            break;
        }
    }
    flush(&mut out, &mut r);
    Ok(out)
}

/// Adds the port names of a row's port columns (`Eth1/1,` → `Eth1/1`).
fn push_ports<'a>(r: &mut Record, columns: impl Iterator<Item = &'a str>) {
    for column in columns.take(MAX_PORT_COLUMNS) {
        if let Some(m) = PORT.find(column) {
            r.interfaces.push(m.as_str().to_string());
        }
    }
}

/// Ends the current VLAN; nothing is recorded before the first VLAN row.
fn flush(out: &mut Vec<Record>, r: &mut Record) {
    let done = std::mem::take(r);
    if !done.vlan_id.is_empty() {
        out.push(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_ports_and_second_table_ignored() {
        compile_all();
        let out = "
VLAN Name                             Status    Ports
---- -------------------------------- --------- -------------------------------
1    default                          active    Eth1/1, Eth1/2, Eth1/3, Eth1/4
                                                Eth1/5, Eth2/1
20   voice                            active    
30   guests                           suspended Po10
1002 fddi-default                     act/unsup 

VLAN Type  SAID       MTU   Parent RingNo BridgeNo Stp  BrdgMode Trans1 Trans2
---- ----- ---------- ----- ------ ------ -------- ---- -------- ------ ------
1    enet  100001     1500  -      -      -        -    -        0      0
";
        let v = serde_json::to_value(parse(out).unwrap()).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 4);
        assert_eq!(
            v[0]["interfaces"],
            serde_json::json!(["Eth1/1", "Eth1/2", "Eth1/3", "Eth1/4", "Eth1/5", "Eth2/1"])
        );
        assert_eq!(v[1]["interfaces"], serde_json::json!([]));
        assert_eq!(v[2]["status"], "suspended");
        assert_eq!(v[3]["vlan_name"], "fddi-default");
    }
}
