//! NX-OS `show lldp neighbors`: one record per neighbor. A long Device ID is printed alone
//! and its row continues, indented, on the next line.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines, under};

/// ntc-templates' `cisco_nxos_show_lldp_neighbors` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Neighbor's system name.
    neighbor_name: String,
    /// Our port.
    local_interface: String,
    /// Neighbor's port id.
    neighbor_interface: String,
    /// Capability letters (`BR`), empty when none are advertised.
    capabilities: String,
}

regexes! {
    HEADER = r"^Device.*ID";
    NAME_ONLY = r"^(\S+)$";
    FULL = r"^(\S+)\s+(\S+)\s+\d+(\s.*)$";
    CONTINUATION = r"^\s+(\S+)\s+\d+(\s.*)$";
}

/// Parses `show lldp neighbors` output into one record per neighbor.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut pending_name = String::new();
    for line in under(lines(output), &HEADER) {
        if let Some(c) = NAME_ONLY.captures(line) {
            pending_name = cap(&c, 1);
        } else if let Some((c, (caps, port))) = FULL
            .captures(line)
            .and_then(|c| columns(c.get(3)?.as_str()).map(|t| (c, t)))
        {
            pending_name.clear();
            out.push(Record {
                neighbor_name: cap(&c, 1),
                local_interface: cap(&c, 2),
                neighbor_interface: port,
                capabilities: caps,
            });
        } else if let Some((c, (caps, port))) = CONTINUATION
            .captures(line)
            .and_then(|c| columns(c.get(2)?.as_str()).map(|t| (c, t)))
        {
            out.push(Record {
                neighbor_name: std::mem::take(&mut pending_name),
                local_interface: cap(&c, 1),
                neighbor_interface: port,
                capabilities: caps,
            });
        }
    }
    out
}

/// Splits what follows the hold time into (capabilities, port id).
///
/// The capability column is made of words, the port id is the last column; as in
/// ntc-templates, the port is the right-most column that is at least two spaces from the
/// words before it (three from the hold time when there are no capabilities), and the
/// capability is the last of those words.
fn columns(tail: &str) -> Option<(String, String)> {
    // (width of the gap before the token, token)
    let mut tokens: Vec<(usize, &str)> = Vec::new();
    let mut rest = tail;
    loop {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            break;
        }
        let gap = rest.len() - trimmed.len();
        let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        tokens.push((gap, &trimmed[..end]));
        rest = &trimmed[end..];
    }
    let is_word = |t: &str| t.chars().all(|c| c.is_alphanumeric() || c == '_');
    (1..=tokens.len()).rev().find_map(|k| {
        let (gap, port) = tokens[k - 1];
        let words_ok = tokens[..k - 1].iter().all(|(_, t)| is_word(t));
        let gap_ok = if k == 1 { gap >= 3 } else { gap >= 2 };
        (words_ok && gap_ok).then(|| {
            let caps = if k > 1 { tokens[k - 2].1 } else { "" };
            (caps.to_string(), port.to_string())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_and_single_line_rows() {
        let out = "\
Capability codes:
  (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device
  (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other
Device ID            Local Intf      Hold-time  Capability  Port ID  
spine-01.dc1.example.net
                     Eth1/49         120        BR          Ethernet1/1   
leaf-02              Eth1/50         120        BR          Ethernet1/50  
server-17            Eth1/10         121                    0050.56aa.bb01
Total entries displayed: 3
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 3);
        assert_eq!(v[0]["neighbor_name"], "spine-01.dc1.example.net");
        assert_eq!(v[0]["local_interface"], "Eth1/49");
        assert_eq!(v[0]["capabilities"], "BR");
        assert_eq!(v[1]["neighbor_interface"], "Ethernet1/50");
        assert_eq!(v[2]["capabilities"], "");
        assert_eq!(v[2]["neighbor_interface"], "0050.56aa.bb01");
    }
}
