//! `show interfaces`: one record per physical interface and one per logical unit.

use crate::record::{self, Field, plain, re, required};
use serde_json::Value;

const FIELDS: &[Field] = &[
    required("interface"),
    plain("link_status"),
    plain("admin_state"),
    plain("hardware_type"),
    plain("description"),
    plain("destination"),
    plain("local"),
    plain("mtu"),
];

/// Parses `show interfaces`. A `Physical interface:` or `Logical interface` line closes
/// the previous record; a logical unit takes its MTU from `Protocol inet` and its
/// addresses from the `Destination: ..., Local: ...,` line.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let block_start = re!(r"^\s*\S+\s+[Ii]nterface");
    let rules = [
        re!(
            r"^Physical\s+interface:\s+(?P<interface>\S+),\s+(?P<admin_state>\S+),\s+Physical\s+link\s+is\s+(?P<link_status>\w+)"
        ),
        re!(r"^\s+Interface index:"),
        re!(r"^\s+Description:\s+(?P<description>.*)$"),
        // `  Link-level type: Ethernet, MTU: 1514, ...` or `  Type: GRE, Link-level type: GRE, MTU: Unlimited, ...`
        re!(
            r"^.*\s+Link-level\s+type:\s+(?P<hardware_type>\S+),\s+MTU:\s+(?P<mtu>\d+|Unlimited)(?:,.+)?$"
        ),
        // Physical-interface detail lines whose words could be mistaken for the ones below.
        re!(
            r"^\s+(?:Pad to minimum frame size:|Link-mode|MAC-REWRITE|Flow control|Device [Ff]lags|Interface flags|Link flags|Physical info|CoS queues|Schedulers|Current address|Last flapped|Input rate|Output rate|Active alarms|Active defects|PCS statistics|Bit errors|Errored blocks|Interface transmit statistics)"
        ),
        re!(r"^\s+Logical\s+interface\s+(?P<interface>\S+)"),
        // `Flags: Up SNMP-Traps 0x4000 ... Encapsulation: ENET2`: the logical unit's state.
        re!(r"^\s+Flags:\s+(?P<link_status>\w+)\s+\S+\s+\w+\s+(?:\S+\s+)*Encapsulation:"),
        re!(r"^\s+Protocol\s+inet.*,\s+MTU:\s+(?P<mtu>\d+|Unlimited)"),
        re!(
            r"^\s+(?:Flags|Input packets|Output packets|Security|Protocol|Address|Bandwidth|Routing|Max)"
        ),
        re!(r"^\s+Destination:\s+(?P<destination>\S+),\s+Local:\s+(?P<local>\S+),.*"),
    ];
    record::blocks(FIELDS, output.lines(), block_start, &rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "\
Physical interface: xe-0/0/1, Enabled, Physical link is Up
  Interface index: 650, SNMP ifIndex: 517
  Description: to-core-1 xe-1/0/0
  Link-level type: Ethernet, MTU: 9192, MRU: 9200, LAN-PHY mode, Speed: 10Gbps, BPDU Error: None,
  Device flags   : Present Running
  Current address: 2c:6b:f5:00:00:01, Hardware address: 2c:6b:f5:00:00:01
  Last flapped   : 2023-01-10 08:00:00 UTC (10w1d 02:00 ago)

  Logical interface xe-0/0/1.0 (Index 560) (SNMP ifIndex 540)
    Flags: Up SNMP-Traps 0x4004000 Encapsulation: ENET2
    Input packets : 100
    Output packets: 200
    Protocol inet, MTU: 9178
    Max nh cache: 75000, New hold nh limit: 75000, Curr nh cnt: 1
      Flags: Sendbcast-pkt-to-re
      Addresses, Flags: Is-Preferred Is-Primary
        Destination: 192.0.2.0/31, Local: 192.0.2.1
    Protocol inet6, MTU: 9178
      Addresses, Flags: Is-Preferred
        Destination: fe80::/64, Local: fe80::2e6b:f5ff:fe00:1

Physical interface: xe-0/0/2, Administratively down, Physical link is Down
  Interface index: 651, SNMP ifIndex: 518
  Link-level type: Ethernet, MTU: 1514, MRU: 1522, LAN-PHY mode, Speed: 10Gbps
";

    #[test]
    fn physical_and_logical() {
        let rows = parse(OUT);
        // `Administratively down,` is two words where ntc-templates expects one, so that
        // interface gets no name and is dropped, exactly as ntc-templates drops it.
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["interface"], "xe-0/0/1");
        assert_eq!(rows[0]["description"], "to-core-1 xe-1/0/0");
        assert_eq!(rows[0]["hardware_type"], "Ethernet");
        assert_eq!(rows[0]["mtu"], "9192");
        assert_eq!(rows[1]["interface"], "xe-0/0/1.0");
        assert_eq!(rows[1]["link_status"], "Up");
        assert_eq!(rows[1]["mtu"], "9178");
        // Only a Destination line followed by more fields counts (as in ntc-templates).
        assert_eq!(rows[1]["destination"], "");
    }
}
