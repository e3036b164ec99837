//! XR `show lldp neighbors`: one record per neighbor row; a Device ID too long for its
//! column is printed alone, with the row indented on the next line.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines, under};

/// ntc-templates' `cisco_xr_show_lldp_neighbors` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Neighbor's system name.
    neighbor_name: String,
    /// Our port (`Gi0/0/0/1`).
    local_interface: String,
    /// Neighbor's port id.
    neighbor_interface: String,
}

regexes! {
    HEADER = r"^Device.*ID";
    FULL = r"^(\S+)\s+(\S+)\s+\d+\s+(?:.+?)\s+(\S+)$";
    NAME_ONLY = r"^(\S+)";
    // As in ntc-templates, the port is the first column after the hold time here.
    CONTINUATION = r"^\s+(\S+)\s+\d+\s+(?:.*?)\s+(\S+)";
}

/// Parses `show lldp neighbors` output into one record per neighbor.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut pending_name = String::new();
    for line in under(lines(output), &HEADER) {
        if let Some(c) = FULL.captures(line) {
            pending_name.clear();
            out.push(Record {
                neighbor_name: cap(&c, 1),
                local_interface: cap(&c, 2),
                neighbor_interface: cap(&c, 3),
            });
        } else if let Some(c) = NAME_ONLY.captures(line) {
            pending_name = cap(&c, 1);
        } else if let Some(c) = CONTINUATION.captures(line) {
            let name = std::mem::take(&mut pending_name);
            if !name.is_empty() {
                out.push(Record {
                    neighbor_name: name,
                    local_interface: cap(&c, 1),
                    neighbor_interface: cap(&c, 2),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let out = "\
Thu Apr  4 08:00:01.123 UTC
Capability codes:
        (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device
        (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other

Device ID       Local Intf               Hold-time  Capability     Port ID
pe2.lab         Gi0/0/0/0                120        R               Gi0/0/0/0
core-switch-17  Te0/0/0/4                120        B,R             xe-0/0/3

Total entries displayed: 2
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        assert_eq!(v[0]["neighbor_name"], "pe2.lab");
        assert_eq!(v[0]["neighbor_interface"], "Gi0/0/0/0");
        assert_eq!(v[1]["local_interface"], "Te0/0/0/4");
        assert_eq!(v[1]["neighbor_interface"], "xe-0/0/3");
    }
}
