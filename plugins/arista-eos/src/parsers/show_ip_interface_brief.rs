//! `show ip interface brief`: one record per table row.

use crate::record::{self, Field, plain, re};
use serde_json::Value;

const FIELDS: &[Field] = &[
    plain("interface"),
    plain("ip_address"),
    plain("status"),
    plain("protocol"),
    plain("mtu"),
];

/// Parses `show ip interface brief`. A row ends in a numeric MTU, which is what tells it
/// from the one- or two-line header (newer releases add an `Owner` column after MTU).
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let row = re!(
        r"^(?P<interface>\S+)\s+(?P<ip_address>\S+)\s+(?P<status>\S+)\s+(?P<protocol>\S+)\s+(?P<mtu>\d+)"
    );
    record::rows(FIELDS, output.lines(), row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_after_two_line_header() {
        let out = "                                                                   Address\n\
Interface       IP Address         Status     Protocol           MTU    Owner\n\
--------------- ------------------ ---------- ------------------ ------ -------\n\
Ethernet1       10.0.12.1/31       up         up                 9214\n\
Management1     192.168.0.10/24    up         up                 1500\n\
Vlan100         unassigned         up         lowerlayerdown     1500\n";
        let rows = parse(out);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["interface"], "Ethernet1");
        assert_eq!(rows[0]["mtu"], "9214");
        assert_eq!(rows[2]["protocol"], "lowerlayerdown");
        assert_eq!(rows[2]["ip_address"], "unassigned");
    }
}
