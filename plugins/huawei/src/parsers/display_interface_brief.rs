//! `display interface brief`: one record per interface row (trunk members included).

use crate::record::{self, Field, plain, re};
use serde_json::Value;

const FIELDS: &[Field] = &[
    plain("interface"),
    plain("phy"),
    plain("protocol"),
    plain("inuti"),
    plain("oututi"),
    plain("inerrors"),
    plain("outerrors"),
];

/// Parses `display interface brief`. The legend above the table (`*down: administratively
/// down`, ...) never has the seven columns, so only real rows match.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let row = re!(
        r"^\s*(?P<interface>\S+)\s+(?P<phy>down|[*^]down|up|up\(\w+\))\s+(?P<protocol>down|[*^]down|up|up\(\w+\))\s+(?P<inuti>\d*\.?\d*%|--)\s+(?P<oututi>\d*\.?\d*%|--)\s+(?P<inerrors>\d+)\s+(?P<outerrors>\d+)"
    );
    record::rows(FIELDS, output.lines(), row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_members() {
        let out = "\
PHY: Physical
*down: administratively down
(l): loopback
(s): spoofing
InUti/OutUti: input utility/output utility
Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors
Eth-Trunk1                  up    up        0.01%  0.02%          0          0
  XGigabitEthernet0/0/1     up    up        0.01%  0.02%          0          0
GigabitEthernet0/0/5        *down down         0%     0%          0          0
LoopBack0                   up    up(s)        0%     0%          0          0
NULL0                       up    up(s)        0%     0%          0          0
Vlanif10                    up    up           --     --          0          0
";
        let rows = parse(out);
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[1]["interface"], "XGigabitEthernet0/0/1");
        assert_eq!(rows[2]["phy"], "*down");
        assert_eq!(rows[3]["protocol"], "up(s)");
        assert_eq!(rows[5]["inuti"], "--");
    }
}
