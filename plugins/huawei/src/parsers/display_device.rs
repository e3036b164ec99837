//! `display device` (and `display device card`): one record per board, PSU or fan.

use crate::record::{Field, Records, filldown, plain, re, required};
use serde_json::Value;

const FIELDS: &[Field] = &[
    filldown("slot"),
    plain("card"),
    required("pid"),
    plain("online_status"),
    plain("power_status"),
    plain("register_status"),
    plain("alarm_status"),
    plain("ha_status"),
];

/// Which table the output is: `<model>'s Device status:` or the `Slot/Card` list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    /// Before either header.
    None,
    /// `Slot Card Type Online Power Register Alarm Primary`; sub-cards on indented rows
    /// inherit the slot above.
    DeviceStatus,
    /// `Slot/Card Card-Type Online Power Register Alarm`.
    Card,
}

/// Parses `display device`. The type column may hold two words (`CMU(MPU 9)`).
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let card_row = re!(
        r"^(?P<slot>\w+)/(?P<card>\S+)\s+(?P<pid>\S+(?:\s+\S+)?)\s+(?P<online_status>\w+)\s+(?P<power_status>\S+)\s+(?P<register_status>\w+)\s+(?P<alarm_status>\S+)\s*$"
    );
    let sub_row = re!(
        r"^\s+(?P<card>\S+)\s+(?P<pid>\S+(?:\s+\S+)?)\s+(?P<online_status>\w+)\s+(?P<power_status>\S+)\s+(?P<register_status>\w+)\s+(?P<alarm_status>\S+)\s+(?P<ha_status>\w+)\s*$"
    );
    let slot_row = re!(
        r"^(?P<slot>\w+)\s+(?P<card>\S+)\s+\*?(?P<pid>\S+(?:\s+\S+)?)\s+(?P<online_status>\w+)\s+(?P<power_status>\S+)\s+(?P<register_status>\w+)\s+(?P<alarm_status>\S+)\s+(?P<ha_status>\w+)\s*$"
    );
    let mut records = Records::new(FIELDS);
    let mut table = Table::None;
    for line in output.lines() {
        if re!(r"^-+$").is_match(line) {
            continue;
        }
        match table {
            Table::None => {
                if re!(r"^(?:\S+\s+)?Device\s+status\S+$").is_match(line) {
                    table = Table::DeviceStatus;
                } else if re!(r"^Slot/Card.+$").is_match(line) {
                    table = Table::Card;
                }
            }
            Table::Card => {
                if records.assign_match(card_row, line) {
                    records.record();
                }
            }
            Table::DeviceStatus => {
                if re!(r"^Slot.+$").is_match(line) {
                    continue;
                }
                for re in [sub_row, slot_row] {
                    if records.assign_match(re, line) {
                        records.record();
                        break;
                    }
                }
            }
        }
    }
    records.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_status_table() {
        let out = "\
S6730-H24X6C's Device status:
-------------------------------------------------------------------------------
Slot  Sub  Type                   Online    Power    Register     Alarm     Primary
-------------------------------------------------------------------------------
0     -    S6730-H24X6C           Present   PowerOn  Registered   Normal    Master
      1    ES5D21Q04Q01           Present   PowerOn  Registered   Normal    NA
      PWR1 PAC600S12-CB           Present   PowerOn  Registered   Normal    NA
";
        let rows = parse(out);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["slot"], "0");
        assert_eq!(rows[0]["ha_status"], "Master");
        assert_eq!(rows[1]["slot"], "0");
        assert_eq!(rows[1]["card"], "1");
        assert_eq!(rows[2]["pid"], "PAC600S12-CB");
    }

    #[test]
    fn card_table() {
        let out = "\
---------------------------------------------------------------------
Slot/Card  Card-Type      Online      Power     Register       Alarm
---------------------------------------------------------------------
2/1        CE-MPUB        Present     On        Registered     Normal
";
        let rows = parse(out);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["slot"], "2");
        assert_eq!(rows[0]["card"], "1");
        assert_eq!(rows[0]["ha_status"], "");
    }
}
