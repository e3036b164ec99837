//! `show lldp neighbors`: one record per neighbor row.
//!
//! The Device ID column is 20 characters wide; IOS cuts longer names to 20 characters and
//! prints the local interface right after them with no space, so the name is taken as the
//! longest prefix of at most 20 characters that does not end in a space and lets the rest
//! of the row parse.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines, under};

/// ntc-templates' `cisco_ios_show_lldp_neighbors` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// System name of the neighbor, possibly cut to 20 characters by the device.
    neighbor_name: String,
    /// Our port (`Gi1/0/1`).
    local_interface: String,
    /// Capability letters (`B,R`), empty when the neighbor advertises none.
    capabilities: String,
    /// The neighbor's port id; may contain spaces (`Port 6`).
    neighbor_interface: String,
}

/// Width of the Device ID column.
const NAME_WIDTH: usize = 20;

regexes! {
    HEADER = r"^Device.*ID";
    REST = r"^\s*(\S+)\s+\d+\s+(?:([BRCWPSTO,]+)\s+)?(\S+(?:\s+\S+)*)\s*$";
}

/// Parses `show lldp neighbors` output into one record per neighbor.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    for line in under(lines(output), &HEADER) {
        if let Some(r) = row(line) {
            out.push(r);
        }
    }
    out
}

/// One table row, or `None` for anything else (blank lines, `Total entries displayed`).
fn row(line: &str) -> Option<Record> {
    // Candidate name ends, longest first, at char boundaries within the column width.
    let mut ends: Vec<usize> = line
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .take(NAME_WIDTH + 1)
        .collect();
    ends.reverse();
    for end in ends {
        let name = &line[..end];
        if name.ends_with(' ') {
            continue;
        }
        if let Some(c) = REST.captures(&line[end..]) {
            return Some(Record {
                neighbor_name: name.to_string(),
                local_interface: cap(&c, 1),
                capabilities: cap(&c, 2),
                neighbor_interface: cap(&c, 3),
            })
            .filter(|r| !r.neighbor_name.is_empty());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_spaces_and_truncated_names() {
        let out = "\
Capability codes:
    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device
    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other

Device ID           Local Intf     Hold-time  Capability      Port ID
dist-sw-2           Gi1/0/49       120        B,R             Te1/1/1
a-very-long-hostnameGi1/0/50       120        R               ge-0/0/1
Lab Phone 7         Gi1/0/3        180        T               Port 1
ap-01               Gi1/0/4        100                        eth0

Total entries displayed: 4
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 4);
        assert_eq!(v[0]["capabilities"], "B,R");
        assert_eq!(v[1]["neighbor_name"], "a-very-long-hostname");
        assert_eq!(v[1]["local_interface"], "Gi1/0/50");
        assert_eq!(v[2]["neighbor_name"], "Lab Phone 7");
        assert_eq!(v[2]["neighbor_interface"], "Port 1");
        assert_eq!(v[3]["capabilities"], "");
    }
}
