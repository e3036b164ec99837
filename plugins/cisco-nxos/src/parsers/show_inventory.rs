//! NX-OS `show inventory`: one record per `NAME:`/`PID:` pair. Transceivers print their
//! name and description unquoted and may have an empty PID.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

/// ntc-templates' `cisco_nxos_show_inventory` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Entity name (`Chassis`, `Slot 1`, `Ethernet1/1`).
    name: String,
    /// Entity description.
    descr: String,
    /// Product id.
    pid: String,
    /// Version id.
    vid: String,
    /// Serial number (`N/A` for fans).
    sn: String,
}

regexes! {
    NAME_QUOTED = r#"^NAME:\s+"(.*)",\s+DESCR:\s+"(.*)""#;
    NAME_BARE = r"^NAME:\s+(.*),\s+DESCR:\s+(.*)";
    PID_VID_SN = r"^PID:\s+([^,]\S+).*,.*VID:\s+([\d+\w-]*).*SN:\s+([\d+\w+/]+)";
    PID_VID_NOSN = r"^PID:\s+([^,]\S+).*,.*VID:\s+([\d+\w-]*).*SN:";
    NOPID_VID_SN = r"^PID:\s+,.*VID:\s+([\d+\w-]*).*SN:\s+([\d+\w+/]+)";
    NOPID_VID_NOSN = r"^PID:\s+,.*VID:\s+([\d+\w-]*).*SN:";
    PID_VID = r"^PID:\s+([^,]\S+).*,.*VID:\s+([\d+\w-]*).*";
    NOPID_VID = r"^PID:\s+,.*VID:\s+([\d+\w-]*).*";
    SN = r"^.*SN:\s+([\d+\w+/]+)";
    SN_EMPTY = r"^.*SN:";
}

/// Parses `show inventory` output into one record per entity.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut r = Record::default();
    let mut touched = false;
    for line in lines(output) {
        let record = if let Some(c) = NAME_QUOTED
            .captures(line)
            .or_else(|| NAME_BARE.captures(line))
        {
            (r.name, r.descr) = (cap(&c, 1), cap(&c, 2));
            false
        } else if let Some(c) = PID_VID_SN.captures(line) {
            (r.pid, r.vid, r.sn) = (cap(&c, 1), cap(&c, 2), cap(&c, 3));
            true
        } else if let Some(c) = PID_VID_NOSN.captures(line) {
            (r.pid, r.vid) = (cap(&c, 1), cap(&c, 2));
            true
        } else if let Some(c) = NOPID_VID_SN.captures(line) {
            (r.vid, r.sn) = (cap(&c, 1), cap(&c, 2));
            true
        } else if let Some(c) = NOPID_VID_NOSN.captures(line) {
            r.vid = cap(&c, 1);
            true
        } else if let Some(c) = PID_VID.captures(line) {
            (r.pid, r.vid) = (cap(&c, 1), cap(&c, 2));
            false
        } else if let Some(c) = NOPID_VID.captures(line) {
            r.vid = cap(&c, 1);
            false
        } else if let Some(c) = SN.captures(line) {
            r.sn = cap(&c, 1);
            true
        } else if SN_EMPTY.is_match(line) {
            true
        } else {
            continue;
        };
        touched = true;
        if record {
            out.push(std::mem::take(&mut r));
            touched = false;
        }
    }
    if touched {
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_bare_and_pidless() {
        let out = "\
NAME: \"Chassis\",  DESCR: \"Nexus9000 C93180YC-FX Chassis\"
PID: N9K-C93180YC-FX     ,  VID: V02 ,  SN: FDO2401ABCD

NAME: \"Fan 1\",  DESCR: \"Nexus9000 C93180YC-FX Chassis Fan Module\"
PID: NXA-FAN-30CFM-B     ,  VID: V01 ,  SN: N/A

NAME: Ethernet1/49,  DESCR: CISCO-FINISAR
PID:                     ,  VID: QSFP-40G-SR4,  SN: FNS1234ABCD
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 3);
        assert_eq!(v[0]["pid"], "N9K-C93180YC-FX");
        assert_eq!(v[0]["vid"], "V02");
        assert_eq!(v[1]["sn"], "N/A");
        assert_eq!(v[2]["name"], "Ethernet1/49");
        assert_eq!(v[2]["pid"], "");
        assert_eq!(v[2]["vid"], "QSFP-40G-SR4");
    }
}
