//! `show ip interface brief`: one record per table row.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

/// ntc-templates' `cisco_ios_show_ip_interface_brief` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Interface name.
    interface: String,
    /// Address, or `unassigned`.
    ip_address: String,
    /// `up`, `down`, `administratively down` or `deleted`.
    status: String,
    /// Line protocol: `up` or `down`.
    proto: String,
}

regexes! {
    // Columns: Interface, IP-Address, OK?, Method, Status, Protocol. The header's `OK?` is
    // not a word, so the header never matches.
    ROW = r"^(\S+)\s+(\S+)\s+\w+\s+\w+\s+(up|down|administratively down|deleted)\s+(up|down)";
}

/// Parses `show ip interface brief` output into one record per interface row.
pub fn parse(output: &str) -> Vec<Record> {
    lines(output)
        .filter_map(|line| ROW.captures(line))
        .map(|c| Record {
            interface: cap(&c, 1),
            ip_address: cap(&c, 2),
            status: cap(&c, 3),
            proto: cap(&c, 4),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_states() {
        let out = "\
Interface              IP-Address      OK? Method Status                Protocol
GigabitEthernet0/0     10.0.0.1        YES NVRAM  up                    up      
GigabitEthernet0/1     unassigned      YES unset  administratively down down    
Loopback0              192.0.2.255     YES manual up                    up      
Tunnel5                unassigned      YES unset  deleted               down    
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 4);
        assert_eq!(v[1]["status"], "administratively down");
        assert_eq!(v[1]["ip_address"], "unassigned");
        assert_eq!(v[3]["status"], "deleted");
        assert_eq!(v[2]["interface"], "Loopback0");
    }
}
