//! `show inventory`: one record per `NAME:`/`PID:` pair.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

/// ntc-templates' `cisco_ios_show_inventory` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Entity name (`Chassis`, `Slot 0`).
    name: String,
    /// Entity description.
    descr: String,
    /// Product id; empty for entities without one.
    pid: String,
    /// Version id.
    vid: String,
    /// Serial number.
    sn: String,
}

regexes! {
    NAME = r#"^NAME:\s+"(.*)",\s+DESCR:\s+"(.*)""#;
    // The PID column may be blank (`PID:      , VID: …`); VID runs to the last comma before SN.
    PID_VID_SN = r"^PID:\s+([\S+]+|.*).*,.*VID:\s+(.*),.*SN:\s+([\w+]+)";
    NOPID_VID_NOSN = r"^PID:\s+,.*VID:\s+(.*),.*SN:";
    PID_VID_NOSN = r"^PID:\s+([\S+]+|.*).*,.*VID:\s+(.*),.*SN:";
    PID_VID = r"^PID:\s+([\S+]+|.*).*,.*VID:\s+(.*).*";
    NOPID_VID = r"^PID:\s+,.*VID:\s+(.*).*";
    SN = r"^.*SN:\s+([\w+]+)";
    SN_EMPTY = r"^.*SN:";
}

/// Parses `show inventory` output into one record per entity.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut r = Record::default();
    let mut touched = false;
    for line in lines(output) {
        let record = if let Some(c) = NAME.captures(line) {
            r.name = cap(&c, 1);
            r.descr = cap(&c, 2);
            touched = true;
            false
        } else if let Some(c) = PID_VID_SN.captures(line) {
            r.pid = cap(&c, 1);
            r.vid = cap(&c, 2);
            r.sn = cap(&c, 3);
            true
        } else if let Some(c) = NOPID_VID_NOSN.captures(line) {
            r.vid = cap(&c, 1);
            true
        } else if let Some(c) = PID_VID_NOSN.captures(line) {
            r.pid = cap(&c, 1);
            r.vid = cap(&c, 2);
            true
        } else if let Some(c) = PID_VID.captures(line) {
            r.pid = cap(&c, 1);
            r.vid = cap(&c, 2);
            touched = true;
            false
        } else if let Some(c) = NOPID_VID.captures(line) {
            r.vid = cap(&c, 1);
            touched = true;
            false
        } else if let Some(c) = SN.captures(line) {
            r.sn = cap(&c, 1);
            true
        } else {
            SN_EMPTY.is_match(line)
        };
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
    fn entities_with_and_without_pid() {
        let out = "\
NAME: \"Chassis\", DESCR: \"Cisco ISR4331 Chassis\"
PID: ISR4331/K9        , VID: V04  , SN: FDO21520AAA

NAME: \"Power Supply Module 0\", DESCR: \"250W AC Power Supply for Cisco ISR 4330\"
PID: PWR-4330-AC       , VID: V02  , SN: PST2150N1AB

NAME: \"module subslot 0/0\", DESCR: \"Front Panel 3 ports Gigabitethernet Module\"
PID: ISR4331-3x1GE     , VID: V01  , SN:            

NAME: \"Fan Tray\", DESCR: \"Fan tray\"
PID:                   , VID:      , SN: 
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 4);
        assert_eq!(v[0]["pid"], "ISR4331/K9");
        assert_eq!(v[0]["vid"], "V04  ");
        assert_eq!(v[0]["sn"], "FDO21520AAA");
        assert_eq!(v[2]["pid"], "ISR4331-3x1GE");
        assert_eq!(v[2]["sn"], "");
        assert_eq!(v[3]["name"], "Fan Tray");
        assert_eq!(v[3]["pid"], "");
    }
}
