//! `show vlans` (ELS): one record per VLAN, member interfaces on the lines below it.

use crate::record::{Field, Records, list, plain, re};
use serde_json::Value;

const FIELDS: &[Field] = &[
    plain("routing_instance"),
    plain("vlan_name"),
    plain("tag"),
    list("interfaces"),
];

/// Parses `show vlans`. A line starting in column one opens a VLAN; indented lines below
/// it are its interfaces (`ge-0/0/1.0*`, the `*` marking an active one).
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let header = re!(r"^Routing\sinstance\s+VLAN\sname\s+Tag\s+Interfaces$");
    let vlan = re!(r"^(?P<routing_instance>\S+)\s+(?P<vlan_name>\S+)\s+(?P<tag>\d+)\s*$");
    let member = re!(r"^\s+(?P<interfaces>\S+)$");
    let mut records = Records::new(FIELDS);
    let mut in_table = false;
    for line in output.lines() {
        if !in_table {
            in_table = header.is_match(line.trim_end());
            continue;
        }
        if line.starts_with(|c: char| !c.is_whitespace()) {
            records.record();
        }
        records.assign_first_match(&[vlan, member], line);
    }
    records.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vlans_with_members() {
        let out = "\
Routing instance        VLAN name             Tag          Interfaces
default-switch          default               1
                                                           ge-0/0/0.0*
                                                           ge-0/0/1.0
default-switch          users                 20
                                                           ge-0/0/5.0*

{master:0}
";
        let rows = parse(out);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["interfaces"], json!(["ge-0/0/0.0*", "ge-0/0/1.0"]));
        assert_eq!(rows[1]["vlan_name"], "users");
        assert_eq!(rows[1]["tag"], "20");
    }
}
