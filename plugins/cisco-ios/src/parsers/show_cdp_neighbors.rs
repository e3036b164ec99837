//! `show cdp neighbors`: one record per neighbor; a long Device ID sits alone on its line
//! and the rest of the row follows on the next one.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines, under};

/// ntc-templates' `cisco_ios_show_cdp_neighbors` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Neighbor's device id.
    neighbor_name: String,
    /// Our port; IOS abbreviates it with a space (`Gig 1/0/1`).
    local_interface: String,
    /// Capability letters separated by spaces (`R S I`).
    capabilities: String,
    /// Neighbor's platform (`WS-C3850-`, `IP Phone`).
    platform: String,
    /// Neighbor's port (`Gig 0/1`, `Port 1`).
    neighbor_interface: String,
}

regexes! {
    HEADER = r"^Device.*ID";
    NAME_ONLY = r"^(\S+)$";
    CONTINUATION = r"^\s*(\S+(?:\s\S+)?)\s+\d+\s+((?:\w\s)*\w)\s+((?:[IiPp]{2}\s)?\S+)\s+(.+?)\s*$";
    FULL = r"^(\S+)\s+(\S+(?:\s\S+)?)\s+\d+\s+((?:\w\s)*\w)\s+((?:[IiPp]{2}\s)?\S+)\s+(.+?)\s*$";
}

/// Parses `show cdp neighbors` output into one record per neighbor.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    // A Device ID printed alone, waiting for its row.
    let mut pending_name = String::new();
    for line in under(lines(output), &HEADER) {
        if let Some(c) = NAME_ONLY.captures(line) {
            pending_name = cap(&c, 1);
        } else if let Some(c) = CONTINUATION.captures(line) {
            let name = std::mem::take(&mut pending_name);
            if !name.is_empty() {
                out.push(Record {
                    neighbor_name: name,
                    local_interface: cap(&c, 1),
                    capabilities: cap(&c, 2),
                    platform: cap(&c, 3),
                    neighbor_interface: cap(&c, 4),
                });
            }
        } else if let Some(c) = FULL.captures(line) {
            pending_name.clear();
            out.push(Record {
                neighbor_name: cap(&c, 1),
                local_interface: cap(&c, 2),
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
Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge
                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone,
                  D - Remote, C - CVTA, M - Two-port Mac Relay

Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID
access-sw-07.example.net
                 Gig 1/0/48        151             S I    WS-C2960X Gig 1/0/52
SEP0011AABBCC01  Gig 1/0/5         160              H P M IP Phone  Port 1
edge-rtr         Ten 1/1/1         130              R B   ISR4451-X Gig 0/0/0

Total cdp entries displayed : 3
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 3);
        assert_eq!(v[0]["neighbor_name"], "access-sw-07.example.net");
        assert_eq!(v[0]["capabilities"], "S I");
        assert_eq!(v[0]["neighbor_interface"], "Gig 1/0/52");
        assert_eq!(v[1]["platform"], "IP Phone");
        assert_eq!(v[1]["capabilities"], "H P M");
        assert_eq!(v[2]["local_interface"], "Ten 1/1/1");
    }
}
