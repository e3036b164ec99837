//! `show lldp neighbors`: one record per row of the neighbour table.

use crate::record::{self, Field, re, required};
use serde_json::Value;

const FIELDS: &[Field] = &[
    required("local_interface"),
    required("parent_interface"),
    required("chassis_id"),
    required("neighbor_interface"),
    required("neighbor_name"),
];

/// Parses `show lldp neighbors`. Every column is required, so a row missing one (a blank
/// system name) is dropped, as ntc-templates drops it.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let header = re!(
        r"^Local\s+Interface\s+Parent\s+Interface\s+Chassis\s+Id\s+Port\s+info\s+System\s+Name"
    );
    let row = re!(
        r"^(?P<local_interface>\S+)\s*(?P<parent_interface>\S+)\s+(?P<chassis_id>\S+)\s+(?P<neighbor_interface>\S+)\s+(?P<neighbor_name>\S+)"
    );
    // The header would pass for a row.
    record::rows(FIELDS, output.lines().filter(|l| !header.is_match(l)), row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let out = "\
Local Interface    Parent Interface    Chassis Id          Port info          System Name
xe-0/0/46          ae1                 40:a6:77:12:34:00   xe-0/0/47          core-sw2
ge-0/0/3           -                   00:1b:17:aa:bb:cc   ethernet1/1        fw-edge

{master:0}
";
        let rows = parse(out);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["parent_interface"], "ae1");
        assert_eq!(rows[1]["neighbor_interface"], "ethernet1/1");
        assert_eq!(rows[1]["neighbor_name"], "fw-edge");
    }
}
