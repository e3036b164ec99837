//! `show inventory`: one record per `NAME:`/`PID:` pair.

use netpulse_vendor_kit::inventory::{self, Field::*, Record, Rule, rule};
use netpulse_vendor_kit::regexes;

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

/// The line layouts in the order ntc-templates tries them; a `PID` line with its serial
/// (or the serial alone) ends the entity.
static RULES: &[Rule] = &[
    rule(&NAME, &[Name, Descr], false),
    rule(&PID_VID_SN, &[Pid, Vid, Sn], true),
    rule(&NOPID_VID_NOSN, &[Vid], true),
    rule(&PID_VID_NOSN, &[Pid, Vid], true),
    rule(&PID_VID, &[Pid, Vid], false),
    rule(&NOPID_VID, &[Vid], false),
    rule(&SN, &[Sn], true),
    rule(&SN_EMPTY, &[], true),
];

/// Parses `show inventory` output into one record per entity.
pub fn parse(output: &str) -> Vec<Record> {
    inventory::parse(output, RULES)
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
