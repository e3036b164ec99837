//! `show interfaces`: one record per interface block, opened by `<name> is <state>, ...`.

use crate::record::{self, Field, plain, re, required};
use serde_json::Value;

const FIELDS: &[Field] = &[
    required("interface"),
    plain("link_status"),
    plain("protocol_status"),
    plain("hardware_type"),
    plain("mac_address"),
    plain("bia"),
    plain("description"),
    plain("ip_address"),
    plain("mtu"),
    plain("bandwidth"),
    plain("last_link_flapped"),
    plain("link_status_change"),
];

/// Parses `show interfaces`. Each header line closes the previous interface's record.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let block_start = re!(r"^\S+\s+is\s+\S+(?:\s+\S+)?,");
    let rules = [
        re!(
            r"^(?P<interface>\S+)\s+is\s+(?P<link_status>.*),\s+line\s+protocol\s+is\s+(?P<protocol_status>.*)"
        ),
        re!(
            r"^\s+Hardware\s+is\s+(?P<hardware_type>[\w+-]+)(?:.*address\s+is\s+(?P<mac_address>[a-zA-Z0-9]+.[a-zA-Z0-9]+.[a-zA-Z0-9]+))?(?:.*bia\s+(?P<bia>[a-zA-Z0-9]+.[a-zA-Z0-9]+.[a-zA-Z0-9]+))?"
        ),
        re!(r#"^\s+Description:\s+"?(?P<description>[^"]*)"?$"#),
        re!(r"^\s+Internet\s+address\s+is\s+(?P<ip_address>\d+\.\d+\.\d+\.\d+/\d+)"),
        // `Up 3 days, 2 hours` / `Down 5 minutes`: time since the last flap.
        re!(r"^\s+(?:Up|Down)\s+(?P<last_link_flapped>.*)"),
        re!(r"^\s+(?P<link_status_change>\d+)\s+link\s+status\s+changes"),
        // `IP MTU 1500 bytes , BW 10000000 kbit` (routed) or `MTU 9214 bytes` (switched).
        re!(r"^.*MTU\s+(?P<mtu>\d+)(?:.*BW\s+(?P<bandwidth>\d+\s+\w+))?"),
    ];
    record::blocks(FIELDS, output.lines(), block_start, &rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "\
Ethernet3 is up, line protocol is up (connected)
  Hardware is Ethernet, address is 001c.7301.0a03 (bia 001c.7301.0a03)
  Description: uplink to spine1
  Internet address is 10.10.3.1/31
  Broadcast address is 255.255.255.255
  IP MTU 9000 bytes , BW 25000000 kbit
  Full-duplex, 25Gb/s, auto negotiation: off, uni-link: disabled
  Up 2 days, 4 hours, 10 minutes, 3 seconds
  3 link status changes since last clear
  Last clearing of \"show interface\" counters never
     1200 packets input, 99000 bytes
Ethernet4 is administratively down, line protocol is down (disabled)
  Hardware is Ethernet, address is 001c.7301.0a04 (bia 001c.7301.0a04)
  Ethernet MTU 9214 bytes , BW 10000000 kbit
  Down 1 day, 1 hour
Loopback0 is up, line protocol is up (connected)
  Hardware is Loopback
  Internet address is 192.0.2.1/32
  IP MTU 65535 bytes
";

    #[test]
    fn blocks_become_records() {
        let rows = parse(OUT);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["interface"], "Ethernet3");
        assert_eq!(rows[0]["protocol_status"], "up (connected)");
        assert_eq!(rows[0]["bia"], "001c.7301.0a03");
        assert_eq!(rows[0]["description"], "uplink to spine1");
        assert_eq!(rows[0]["mtu"], "9000");
        assert_eq!(rows[0]["bandwidth"], "25000000 kbit");
        assert_eq!(
            rows[0]["last_link_flapped"],
            "2 days, 4 hours, 10 minutes, 3 seconds"
        );
        assert_eq!(rows[0]["link_status_change"], "3");
        assert_eq!(rows[1]["link_status"], "administratively down");
        assert_eq!(rows[1]["ip_address"], "");
        assert_eq!(rows[2]["hardware_type"], "Loopback");
        assert_eq!(rows[2]["mac_address"], "");
        assert_eq!(rows[2]["bandwidth"], "");
    }
}
