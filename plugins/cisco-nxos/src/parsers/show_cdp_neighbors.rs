//! NX-OS `show cdp neighbors`: one record per neighbor. A long Device ID (often with the
//! serial in parentheses) is printed alone and applies to the indented rows that follow.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines, under};

/// ntc-templates' `cisco_nxos_show_cdp_neighbors` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Neighbor's device id.
    neighbor_name: String,
    /// Our port.
    local_interface: String,
    /// Seconds before the entry expires.
    holdtime: String,
    /// Capability letters separated by spaces (`R S I s`).
    capabilities: String,
    /// Neighbor's platform.
    platform: String,
    /// Neighbor's port.
    neighbor_interface: String,
}

regexes! {
    HEADER = r"^Device.*ID";
    FULL = r"^(\S+)\s+(\S+)\s+(\d+)\s+([\S\s]+?)\s+(\S+)\s+(\S+)\s*$";
    NAME_ONLY = r"^(\S+)\s*$";
    CONTINUATION = r"^\s+(\S+)\s+(\d+)\s+([\S\s]+?)\s+(\S+)\s+(\S+)\s*$";
}

/// Parses `show cdp neighbors` output into one record per neighbor.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    // The last Device ID seen; it stays for every following indented row.
    let mut name = String::new();
    for line in under(lines(output), &HEADER) {
        if let Some(c) = FULL.captures(line) {
            name = cap(&c, 1);
            out.push(Record {
                neighbor_name: name.clone(),
                local_interface: cap(&c, 2),
                holdtime: cap(&c, 3),
                capabilities: cap(&c, 4),
                platform: cap(&c, 5),
                neighbor_interface: cap(&c, 6),
            });
        } else if let Some(c) = NAME_ONLY.captures(line) {
            name = cap(&c, 1);
        } else if let Some(c) = CONTINUATION.captures(line)
            && !name.is_empty()
        {
            out.push(Record {
                neighbor_name: name.clone(),
                local_interface: cap(&c, 1),
                holdtime: cap(&c, 2),
                capabilities: cap(&c, 3),
                platform: cap(&c, 4),
                neighbor_interface: cap(&c, 5),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_and_single_line_rows() {
        let out = "\
Capability Codes: R - Router, T - Trans-Bridge, B - Source-Route-Bridge
                  S - Switch, H - Host, I - IGMP, r - Repeater,
                  V - VoIP-Phone, D - Remotely-Managed-Device,
                  s - Supports-STP-Dispute

Device-ID          Local Intrfce  Hldtme Capability  Platform      Port ID
core-a(FDO12345678)
                    Eth1/53        170    R S I s   N9K-C9336C-FX2 Eth1/1
                    Eth1/54        170    R S I s   N9K-C9336C-FX2 Eth1/2
oob-sw             mgmt0          143    S I       WS-C2960X-48T Gig1/0/7

Total entries displayed: 3
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 3);
        assert_eq!(v[1]["neighbor_name"], "core-a(FDO12345678)");
        assert_eq!(v[1]["local_interface"], "Eth1/54");
        assert_eq!(v[1]["capabilities"], "R S I s");
        assert_eq!(v[2]["holdtime"], "143");
        assert_eq!(v[2]["platform"], "WS-C2960X-48T");
    }
}
