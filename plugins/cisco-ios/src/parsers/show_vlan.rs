//! `show vlan` (and `show vlan brief`): the table IOS and NX-OS share, read by
//! `netpulse_vendor_kit::vlan`; only the header that opens it is this platform's.

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::vlan::{self, Record};

regexes! {
    TABLE_HEADER = r"^\w+\s+[NnAaMmEe]{4}.*$";
}

/// Parses `show vlan` output into one record per VLAN.
pub fn parse(output: &str) -> Vec<Record> {
    vlan::parse(output, &TABLE_HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_name_column_header_opens_the_table() {
        let out = "VLAN Name   Status    Ports\n\
                   ---- ------ --------- -----\n\
                   1    default active   Gi1/0/1, Gi1/0/2\n";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(
            v[0]["interfaces"],
            serde_json::json!(["Gi1/0/1", "Gi1/0/2"])
        );
        assert_eq!(parse("1    default active   Gi1/0/1\n").len(), 0);
    }
}
