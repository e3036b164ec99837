//! The `show vlan` (and `show vlan brief`) table IOS prints and NX-OS copies: one record
//! per VLAN of the first table; port lists wrap onto indented continuation lines. Parsing
//! stops at the second table (`VLAN Type …`). Only the header line differs between the
//! two, so each crate passes its own.

use regex::Regex;
use serde::Serialize;

use crate::regexes;
use crate::scan::{cap, flush, lines, under};

/// ntc-templates' `cisco_ios_show_vlan` / `cisco_nxos_show_vlan` record.
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
    ROW = r"^(\d+)\s+(\S+)\s+(\S+)";
    PORT = r"^[\w./]+";
    NEXT_TABLE = r"^\S+\s+[TtYyPpEe]{4}";
}

/// Parses the rows under the first line `header` matches into one record per VLAN.
pub fn parse(output: &str, header: &Regex) -> Vec<Record> {
    let mut out = Vec::new();
    let mut r = Record::default();
    for line in under(lines(output), header) {
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            flush(&mut out, &mut r, |r| &r.vlan_id);
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
    flush(&mut out, &mut r, |r| &r.vlan_id);
    out
}

/// Adds the port names of a row's port columns (`Gi1/0/1,` → `Gi1/0/1`).
fn push_ports<'a>(r: &mut Record, columns: impl Iterator<Item = &'a str>) {
    for column in columns.take(MAX_PORT_COLUMNS) {
        if let Some(m) = PORT.find(column) {
            r.interfaces.push(m.as_str().to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_ports_and_second_table_ignored() {
        let out = "
VLAN Name                             Status    Ports
---- -------------------------------- --------- -------------------------------
1    default                          active    Gi1/0/1, Gi1/0/2, Gi1/0/3, Gi1/0/4
                                                Gi1/0/5, Te1/1/1
20   voice                            active    
30   guests                           suspended Po10
1002 fddi-default                     act/unsup 

VLAN Type  SAID       MTU   Parent RingNo BridgeNo Stp  BrdgMode Trans1 Trans2
---- ----- ---------- ----- ------ ------ -------- ---- -------- ------ ------
1    enet  100001     1500  -      -      -        -    -        0      0
";
        let header = crate::scan::compile(r"^VLAN\s+Name");
        let v = serde_json::to_value(parse(out, &header)).expect("serialises");
        assert_eq!(v.as_array().map(Vec::len), Some(4));
        assert_eq!(
            v[0]["interfaces"],
            serde_json::json!([
                "Gi1/0/1", "Gi1/0/2", "Gi1/0/3", "Gi1/0/4", "Gi1/0/5", "Te1/1/1"
            ])
        );
        assert_eq!(v[1]["interfaces"], serde_json::json!([]));
        assert_eq!(v[2]["status"], "suspended");
        assert_eq!(v[3]["vlan_name"], "fddi-default");
    }
}
