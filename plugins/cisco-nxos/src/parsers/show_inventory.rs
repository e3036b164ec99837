//! NX-OS `show inventory`: one record per `NAME:`/`PID:` pair. Transceivers print their
//! name and description unquoted and may have an empty PID.

use netpulse_vendor_kit::inventory::{self, Field::*, Record, Rule, rule};
use netpulse_vendor_kit::regexes;

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

/// The line layouts in the order ntc-templates tries them; a `PID` line with its serial
/// (or the serial alone) ends the entity.
static RULES: &[Rule] = &[
    rule(&NAME_QUOTED, &[Name, Descr], false),
    rule(&NAME_BARE, &[Name, Descr], false),
    rule(&PID_VID_SN, &[Pid, Vid, Sn], true),
    rule(&PID_VID_NOSN, &[Pid, Vid], true),
    rule(&NOPID_VID_SN, &[Vid, Sn], true),
    rule(&NOPID_VID_NOSN, &[Vid], true),
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
