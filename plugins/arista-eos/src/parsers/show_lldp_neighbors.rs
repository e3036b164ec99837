//! `show lldp neighbors`: one record per row of the neighbour table.

use crate::record::{self, Field, plain, re};
use netpulse_vendor_kit::scan::under;
use serde_json::Value;

const FIELDS: &[Field] = &[
    plain("neighbor_name"),
    plain("local_interface"),
    plain("neighbor_interface"),
];

/// Parses `show lldp neighbors`. The counters above the table (`Last table change
/// time : ...`) would look like rows, so rows are read only after the `Port ... TTL` header.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let header = re!(r"^Port.*TTL");
    let row =
        re!(r"^(?P<local_interface>\S+)\s+(?P<neighbor_name>\S+)\s+(?P<neighbor_interface>\S+)\s+");
    // The dashes under the header would pass for a row.
    let table = under(output.lines(), header).filter(|l| !l.starts_with("--------"));
    record::rows(FIELDS, table, row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_only() {
        let out = "Last table change time   : 1 day, 2:03:04 ago\nNumber of table inserts  : 4\n\n\
Port          Neighbor Device ID       Neighbor Port ID    TTL\n\
------------- ------------------------ ------------------- ---\n\
Et1           spine1.example.net       Ethernet1           120\n\
Ma1           oob-sw1                  Gi0/12              120\n";
        let rows = parse(out);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["neighbor_name"], "spine1.example.net");
        assert_eq!(rows[1]["neighbor_interface"], "Gi0/12");
    }
}
