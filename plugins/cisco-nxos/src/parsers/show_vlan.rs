//! NX-OS `show vlan` (and `show vlan brief`): the table IOS and NX-OS share, read by
//! `netpulse_vendor_kit::vlan`; only the header that opens it is this platform's.

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::vlan::{self, Record};

regexes! {
    TABLE_HEADER = r"^VLAN\s+Name\s+Status\s+Ports";
}

/// Parses `show vlan` output into one record per VLAN.
pub fn parse(output: &str) -> Vec<Record> {
    vlan::parse(output, &TABLE_HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_vlan_name_status_ports_header_opens_the_table() {
        let out = "VLAN Name     Status    Ports\n\
                   ---- -------- --------- -----\n\
                   1    default  active    Eth1/1, Eth1/2\n";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v[0]["interfaces"], serde_json::json!(["Eth1/1", "Eth1/2"]));
        assert_eq!(parse(&out.replace("Ports", "Members")).len(), 0);
    }
}
