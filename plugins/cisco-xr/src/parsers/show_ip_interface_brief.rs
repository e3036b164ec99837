//! XR `show ip interface brief` (alias of `show ipv4 interface brief`): one record per row.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

/// ntc-templates' `cisco_xr_show_ip_interface_brief` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Interface name.
    interface: String,
    /// Address, or `unassigned`.
    ip_address: String,
    /// `Up`, `Down` or `Shutdown`.
    status: String,
    /// `Up` or `Down`.
    proto: String,
    /// VRF name (`default`).
    vrf: String,
}

regexes! {
    // XR capitalises states, so neither the header nor the timestamp line match.
    ROW = r"^(.+?)\s+(\S+)\s+(Up|Down|Shutdown)\s+(Up|Down)\s+(\S+)";
}

/// Parses `show ip interface brief` output into one record per interface.
pub fn parse(output: &str) -> Vec<Record> {
    lines(output)
        .filter_map(|line| ROW.captures(line))
        .map(|c| Record {
            interface: cap(&c, 1),
            ip_address: cap(&c, 2),
            status: cap(&c, 3),
            proto: cap(&c, 4),
            vrf: cap(&c, 5),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_vrfs() {
        let out = "\
Wed Mar 14 12:31:28.607 UTC

Interface                      IP-Address      Status          Protocol Vrf-Name
Loopback0                      192.0.2.1       Up              Up       default 
MgmtEth0/RP0/CPU0/0            10.0.0.5        Up              Up       mgmt    
GigabitEthernet0/0/0/0         unassigned      Shutdown        Down     default 
TenGigE0/0/0/1.100             198.51.100.1    Down            Down     cust-a  
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 4);
        assert_eq!(v[1]["interface"], "MgmtEth0/RP0/CPU0/0");
        assert_eq!(v[1]["vrf"], "mgmt");
        assert_eq!(v[2]["status"], "Shutdown");
        assert_eq!(v[3]["ip_address"], "198.51.100.1");
    }
}
