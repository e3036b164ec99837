//! `display interface`: one record per interface block, opened by
//! `<name> current state : <state>`.

use crate::record::{Field, Records, list, plain, re, required};
use serde_json::Value;

const FIELDS: &[Field] = &[
    required("interface"),
    plain("link_status"),
    plain("protocol_status"),
    plain("interface_description"),
    plain("link_type"),
    plain("port_type"),
    plain("vlan_id"),
    plain("tpid"),
    plain("mtu"),
    plain("hold_timer"),
    plain("ip_address"),
    plain("ip_status"),
    plain("mac_address"),
    plain("last_physical_up_time"),
    plain("last_physical_down_time"),
    plain("last_line_protocol_uptime"),
    plain("current_system_time"),
    plain("port_mode"),
    plain("current_work_mode"),
    plain("speed"),
    plain("loopback"),
    plain("duplex"),
    plain("negotiation"),
    list("aggregated_interfaces"),
];

/// Parses `display interface`. An Eth-Trunk's member table (`PortName Status Weight`)
/// runs until a blank line; its port names are the trunk's `aggregated_interfaces`.
/// Values keep the spacing VRP prints (`Description:` text is taken from right after
/// the colon), as ntc-templates reports them.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let block_start = re!(r"^\s*\S*\s+current\s+state\s+:.*$");
    let rules = [
        re!(r"^\s*(?P<interface>\S*)\s+current\s+state\s+:\s+(?P<link_status>.*)\s*$"),
        re!(
            r"^\s*Line\s+protocol\s+current\s+state\s+:\s+(?P<protocol_status>\S*|\S*\s+\(\w+\))\s*$"
        ),
        re!(
            r"^\s*Last\s+line\s+protocol\s+up\s+time\s*:\s*(?:-|(?P<last_line_protocol_uptime>\S.+\S))\s*$"
        ),
        re!(r"^\s*Description:(?P<interface_description>.*)\s*$"),
        re!(r"^\s*(?P<port_type>\S*)\s+Port,\s*Link-type\s*:\s*(?P<link_type>\S+),\s*$"),
        re!(
            r"^\s*(?P<port_type>\S*)\s+Port,\s*The\s+(?:MTU|Maximum\s+Transmit\s+Unit)\s+is\s+(?P<mtu>\d+)(?:,\s*Hold\s+timer\s+is\s+(?P<hold_timer>\d+)\(sec\))?\s*$"
        ),
        re!(
            r"^\s*(?P<port_type>\S*)\s+Port,(?:\s*PVID\s*:\s*(?P<vlan_id>\d+),)?\s*TPID\s*:\s*(?P<tpid>\S+),\s*The\s+Maximum\s+(?:Frame\s+Length|Transmit\s+Unit)\s+is\s+(?P<mtu>\d+)\s*$"
        ),
        re!(
            r"^\s*TPID\s*:\s*(?P<tpid>\S+),\s*The\s+Maximum\s+Frame\s+Length\s+is\s+(?P<mtu>\d+)\s*$"
        ),
        re!(
            r"^\s*PVID\s*:\s+(?P<vlan_id>\d+),(?:\s*[^,]+,)*\s+The\s+Maximum\s+Frame\s+Length\s+is\s+(?P<mtu>\d+)"
        ),
        re!(r"^\s*Internet\s+Address\s+is\s+allocated\s+by\s+DHCP,\s+(?P<ip_address>\S*)\s*$"),
        re!(r"^\s*Internet\s+Address\s+is\s+negotiated,\s+(?P<ip_address>\S*)\s*$"),
        re!(r"^\s*Internet\s+Address\s+is\s+(?P<ip_address>\S*)\s*$"),
        re!(r"^\s*.*,\s+Hardware\s+address\s+is\s+(?P<mac_address>\S{4}-\S{4}-\S{4})\s*$"),
        re!(r"^\s*Internet\s+protocol\s+processing\s+:\s+(?P<ip_status>disabled|enabled)\s*$"),
        re!(r"^\s*Last\s+physical\s+up\s+time\s*:\s+(?:-|(?P<last_physical_up_time>\S.+\S))\s*"),
        re!(
            r"^\s*Last\s+physical\s+down\s+time\s+:\s+(?:-|(?P<last_physical_down_time>\S.+\S))\s*"
        ),
        re!(r"^\s*Current\s+system\s+time:\s+(?P<current_system_time>\S.+\S)\s*"),
        re!(r"^\s*Port\s+Mode:\s+(?P<port_mode>[\S\s]*)\s*$"),
        re!(r"^\s*Current\s+Work\s+Mode:\s+(?P<current_work_mode>\S.+\S|\S+)\s*$"),
        re!(r"^\s*Speed\s+:\s+(?P<speed>\d*),\s*Loopback:\s+(?P<loopback>\S*)\s*$"),
        re!(
            r"^\s*Duplex:\s+(?P<duplex>HALF|FULL),\s*Negotiation:\s+(?P<negotiation>DISABLE|ENABLE)\s*$"
        ),
    ];
    let trunk_header = re!(r"^\s*PortName");
    let member = re!(r"^\s*(?P<aggregated_interfaces>\S+)\s+\S+\s+\d+\s*$");
    let mut records = Records::new(FIELDS);
    let mut in_trunk = false;
    for line in output.lines() {
        if in_trunk {
            if line.trim().is_empty() {
                in_trunk = false;
            } else if records.assign_match(member, line) {
            }
            continue;
        }
        if block_start.is_match(line) {
            records.record();
        }
        if !records.assign_first_match(&rules, line) && trunk_header.is_match(line) {
            in_trunk = true;
        }
    }
    records.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OUT: &str = "\
GigabitEthernet0/0/1 current state : UP
Line protocol current state : UP
Last line protocol up time : 2024-03-01 10:00:00 UTC+08:00
Description:to-server-12
Switch Port, PVID :   10, TPID : 8100(Hex), The Maximum Frame Length is 9216
IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is 00e0-fc12-3401
Last physical up time   : 2024-03-01 09:59:58 UTC+08:00
Last physical down time : 2024-03-01 09:59:50 UTC+08:00
Current system time: 2024-03-05 12:00:00+08:00
Port Mode: COMMON COPPER
Speed : 1000,  Loopback: NONE
Duplex: FULL,  Negotiation: ENABLE
Mdi   : AUTO,  Flow-control: DISABLE
Last 300 seconds input rate 1000 bits/sec, 1 packets/sec
Input:  100 packets, 6400 bytes
  Unicast:                  100,  Multicast:                   0

Eth-Trunk1 current state : UP
Line protocol current state : UP
Description:uplink
Switch Port, PVID :    1, TPID : 8100(Hex), The Maximum Frame Length is 9216
Current BW : 20Gbps, Current system time: 2024-03-05 12:00:00+08:00
-----------------------------------------------------
PortName                      Status      Weight
-----------------------------------------------------
XGigabitEthernet0/0/1         UP          1
XGigabitEthernet0/0/2         UP          1
-----------------------------------------------------
The Number of Ports in Trunk : 2
The Number of UP Ports in Trunk : 2

Vlanif10 current state : DOWN
Line protocol current state : DOWN
Route Port,The Maximum Transmit Unit is 1500
Internet Address is 10.10.10.1/24
";

    #[test]
    fn blocks_and_trunk_members() {
        let rows = parse(OUT);
        assert_eq!(rows.len(), 3);
        let ge = &rows[0];
        assert_eq!(ge["interface"], "GigabitEthernet0/0/1");
        assert_eq!(ge["interface_description"], "to-server-12");
        assert_eq!(ge["vlan_id"], "10");
        assert_eq!(ge["tpid"], "8100(Hex)");
        assert_eq!(ge["mtu"], "9216");
        assert_eq!(ge["mac_address"], "00e0-fc12-3401");
        assert_eq!(ge["speed"], "1000");
        assert_eq!(ge["duplex"], "FULL");
        assert_eq!(ge["port_mode"], "COMMON COPPER");
        assert_eq!(
            ge["last_line_protocol_uptime"],
            "2024-03-01 10:00:00 UTC+08:00"
        );
        let trunk = &rows[1];
        assert_eq!(
            trunk["aggregated_interfaces"],
            json!(["XGigabitEthernet0/0/1", "XGigabitEthernet0/0/2"])
        );
        assert_eq!(rows[2]["ip_address"], "10.10.10.1/24");
        assert_eq!(rows[2]["port_type"], "Route");
    }
}
