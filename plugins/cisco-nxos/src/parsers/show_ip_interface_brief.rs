//! NX-OS `show ip interface brief` (also `… vrf all`): one record per interface row, tagged
//! with the VRF whose `IP Interface Status for VRF "X"` heading precedes it.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

/// ntc-templates' `cisco_nxos_show_ip_interface_brief` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// VRF of the table the row is in.
    vrf: String,
    /// Interface name.
    interface: String,
    /// IPv4 address (or `forward-enabled`).
    ip_address: String,
    /// `admin-up` / `admin-down`.
    status: String,
    /// `link-up` / `link-down`.
    link: String,
    /// `protocol-up` / `protocol-down`.
    proto: String,
}

regexes! {
    VRF = r#"^IP\s+Interface\s+Status\s+for\s+VRF\s+"(\S+)"\(\d+\)"#;
    // Unnumbered interfaces borrow another's address; ntc-templates leaves them out.
    UNNUMBERED = r"^\S+\s+unnumbered\s+\S+";
    ROW = r"^(\S+)\s+([a-zA-Z0-9./]+|forward-enabled)\s+(\S+-\S+)/(\S+-\S+)/(\S+-\S+)";
}

/// Parses `show ip interface brief` output into one record per interface.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut vrf = String::new();
    for line in lines(output) {
        if let Some(c) = VRF.captures(line) {
            vrf = cap(&c, 1);
        } else if UNNUMBERED.is_match(line) {
            continue;
        } else if let Some(c) = ROW.captures(line) {
            out.push(Record {
                vrf: vrf.clone(),
                interface: cap(&c, 1),
                ip_address: cap(&c, 2),
                proto: cap(&c, 3),
                link: cap(&c, 4),
                status: cap(&c, 5),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vrfs_and_unnumbered() {
        let out = "\
IP Interface Status for VRF \"default\"(1)
Interface            IP Address      Interface Status
Vlan10               10.10.0.2       protocol-up/link-up/admin-up       
Lo0                  192.0.2.10      protocol-up/link-up/admin-up       
Eth1/49              10.255.0.1      protocol-down/link-down/admin-down 

IP Interface Status for VRF \"tenant-a\"(3)
Interface            IP Address      Interface Status
tunnel5              unnumbered      protocol-up/link-up/admin-up
                     (loopback0)
Vlan200              172.16.200.1    protocol-up/link-up/admin-up
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 4);
        assert_eq!(v[0]["vrf"], "default");
        assert_eq!(v[2]["status"], "admin-down");
        assert_eq!(v[2]["proto"], "protocol-down");
        assert_eq!(v[3]["vrf"], "tenant-a");
        assert_eq!(v[3]["interface"], "Vlan200");
    }
}
