//! `show vlans`: the 802.1Q sub-interface view of IOS routers — one record per
//! `VLAN ID: N` / `Virtual LAN ID: N` block, listing its trunk interfaces and addresses.
//!
//! Two layouts exist: older trains print `vLAN Trunk Interface(s):` followed by the names,
//! newer ones a `VLAN trunk interfaces for VLAN ID N:` list with per-interface counters.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, flush, lines};

/// ntc-templates' `cisco_ios_show_vlans` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// VLAN number.
    vlan_id: String,
    /// Sub-interfaces (or native-VLAN interfaces) carrying the VLAN.
    interfaces: Vec<String>,
    /// IPv4 addresses on those interfaces.
    ip_addresses: Vec<String>,
    /// IPv6 addresses on those interfaces.
    ipv6_addresses: Vec<String>,
    /// Inner VLANs of QinQ sub-interfaces (`Po1.5013017 (501/3017)`).
    inner_vlans: Vec<String>,
}

/// Where we are in a VLAN block.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first VLAN heading.
    Start,
    /// Inside a block, outside an interface list.
    Data,
    /// Inside the list of trunk interfaces.
    Interfaces,
}

regexes! {
    VLAN_HEAD = r"^(?:Virtual\s+LAN\s+ID:|VLAN\s+ID:)\s+(\d+)";
    TRUNK_INLINE = r"^\s+[vV]LAN\s+Trunk\s+Interfaces?:\s+([\w./-]+)";
    TRUNK_LIST = r"^VLAN\s+trunk\s+interfaces";
    // Data-state lines that carry nothing (native-VLAN lists, protocol counters).
    DATA_IGNORED = r"^(?:\s+This\s+is\s+configured\s+as\s+native\s+Vlan\s+for\s+the\s+following\s+interface\(s\)\s+:\s*$|\S+(?:\s+Native-vlan\s+Tx-type:\s+\S+)?\s*$|\s+Protocols\s+Configured|\s+(?:IP|CLNS|MPLS)\s+\d+\s+\d+|\s+MPLS:\s+\S+)";
    DATA_IFACE_COUNT = r"^([\w./-]+)\s+\(\d+\)\s*$";
    DATA_IP = r"^\s+IP:\s+(\S+)\s*$|^\s+IP\s+(\S+)\s+";
    DATA_IPV6 = r"^\s+IPv6:\s+(\S+)\s*$|^\s+IPv6\s+(\S+)\s+\d+\s+\d+";
    IF_NAME = r"^\s*([\w./-]+)\s*$";
    IF_INNER = r"^\s*\S+\s+\(\d+/(\d+)\)\s*$";
    IF_IP = r"^\s+IP:\s+(\S+)";
    IF_IPV6 = r"^\s+IPv6:\s+(\S+)";
    IF_BACK_TO_DATA = r"^\s+(?:Protocols\s+Configured:|This\s+is\s+configured\s+as\s+native\s+Vlan)";
}

/// Parses `show vlans` output into one record per VLAN block.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut r = Record::default();
    let mut state = State::Start;
    for line in lines(output) {
        if let Some(c) = VLAN_HEAD.captures(line) {
            flush(&mut out, &mut r, |r| &r.vlan_id);
            r.vlan_id = cap(&c, 1);
            state = State::Data;
            continue;
        }
        state = match state {
            State::Start => State::Start,
            State::Data => data_line(&mut r, line),
            State::Interfaces => interface_line(&mut r, line),
        };
    }
    flush(&mut out, &mut r, |r| &r.vlan_id);
    out
}

/// A line inside a VLAN block; returns the next state.
fn data_line(r: &mut Record, line: &str) -> State {
    if let Some(c) = TRUNK_INLINE.captures(line) {
        r.interfaces.push(cap(&c, 1));
        return State::Interfaces;
    }
    if TRUNK_LIST.is_match(line) {
        return State::Interfaces;
    }
    if DATA_IGNORED.is_match(line) {
        return State::Data;
    }
    if let Some(c) = DATA_IFACE_COUNT.captures(line) {
        r.interfaces.push(cap(&c, 1));
    } else if let Some(c) = DATA_IP.captures(line) {
        r.ip_addresses.push(first_group(&c));
    } else if let Some(c) = DATA_IPV6.captures(line) {
        r.ipv6_addresses.push(first_group(&c));
    }
    State::Data
}

/// A line of the trunk-interface list; returns the next state.
fn interface_line(r: &mut Record, line: &str) -> State {
    if let Some(c) = IF_NAME.captures(line) {
        r.interfaces.push(cap(&c, 1));
    } else if let Some(c) = IF_INNER.captures(line) {
        r.inner_vlans.push(cap(&c, 1));
    } else if let Some(c) = IF_IP.captures(line) {
        r.ip_addresses.push(cap(&c, 1));
    } else if let Some(c) = IF_IPV6.captures(line) {
        r.ipv6_addresses.push(cap(&c, 1));
    } else if IF_BACK_TO_DATA.is_match(line) {
        return State::Data;
    }
    State::Interfaces
}

/// The text of whichever alternative's group matched.
fn first_group(c: &regex::Captures<'_>) -> String {
    c.iter()
        .skip(1)
        .flatten()
        .next()
        .map_or_else(String::new, |m| m.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts() {
        let out = "\
Virtual LAN ID:  1 (IEEE 802.1Q Encapsulation)

   vLAN Trunk Interface:   FastEthernet0/0

 This is configured as native Vlan for the following interface(s) :
FastEthernet0/0    Native-vlan Tx-type: Untagged

   Protocols Configured:   Address:              Received:        Transmitted:
           IP              198.51.100.1                 10                  20

VLAN ID: 40 (IEEE 802.1Q Encapsulation)

   Protocols Configured:          Received:        Transmitted:
                     IP                  5                   7

VLAN trunk interfaces for VLAN ID 40:
GigabitEthernet0/0/1.40

GigabitEthernet0/0/1.40 (40)

                     IP: 203.0.113.9

      Total 5 packets, 500 bytes input
      Total 7 packets, 700 bytes output
Port-channel1.4001

Port-channel1.4001 (40/1001)

";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        assert_eq!(v[0]["vlan_id"], "1");
        assert_eq!(v[0]["interfaces"], serde_json::json!(["FastEthernet0/0"]));
        assert_eq!(v[0]["ip_addresses"], serde_json::json!(["198.51.100.1"]));
        assert_eq!(
            v[1]["interfaces"],
            serde_json::json!(["GigabitEthernet0/0/1.40", "Port-channel1.4001"])
        );
        assert_eq!(v[1]["ip_addresses"], serde_json::json!(["203.0.113.9"]));
        assert_eq!(v[1]["inner_vlans"], serde_json::json!(["1001"]));
    }
}
