//! NX-OS `show interface brief`: one record per row of each table (management, Ethernet,
//! port-channel, loopback, VLAN, NVE, tunnel). Each table has its own columns, announced by
//! its header; a blank line ends it.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

/// ntc-templates' `cisco_nxos_show_interface_brief` record: the union of all tables'
/// columns, empty where a table has no such column.
#[derive(Debug, Default, Serialize)]
#[allow(missing_docs)] // field names are ntc-templates' keys and say what they hold
pub struct Record {
    interface: String,
    vrf: String,
    status: String,
    ip_address: String,
    peer_ip_address: String,
    speed: String,
    mtu: String,
    vlan_id: String,
    #[serde(rename = "type")]
    kind: String,
    mode: String,
    reason: String,
    portch: String,
    description: String,
    protocol: String,
    vcid: String,
}

/// Which table the rows belong to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    /// Between tables, looking for a header.
    None,
    Management,
    Ethernet,
    Loopback,
    Vlan,
    PortChannel,
    Nve,
    Tunnel,
    Pseudowire,
}

regexes! {
    H_MANAGEMENT = r"^Port\s+VRF\s+Status\s+IP\s+Address\s+Speed\s+MTU";
    H_ETHERNET = r"^Ethernet\s+VLAN\s+Type\sMode\s+Status\s+Reason\s+Speed\s+Port\s*$|^Interface\s+Ch\s+";
    H_LOOPBACK = r"^Interface\s+Status\s+Description\s*$";
    H_VLAN = r"^Interface\s+Secondary\s+VLAN\(Type\)\s+Status\s+Reason";
    H_PORTCHANNEL = r"^Port-channel\s+VLAN\s+Type\sMode\s+Status\s+Reason\s+Speed\s+Protocol";
    H_NVE = r"^Port\s+Status\s+Reason\s+MTU\s+VRF|^Port\s+Status\s+Reason\s+MTU\s*$";
    H_TUNNEL = r"^Interface\s+Status\s+IP\s+Address\s+Encap\s+type\s+MTU";
    H_PSEUDOWIRE = r"^Interface\s+Status\s+Peer\s+IP\s+Address\s+VC\s+ID";
    H_ETHERNET_IN_MGMT = r"^Ethernet\s+VLAN\s+Type\s+Mode\s+Status\s+Reason\s+Speed\s+Port";
    R_MANAGEMENT = r"^([\w+/.]+)\s+(\S+)\s+(up|down)\s+(\S+)\s+(\S+)\s+(\d+)";
    R_ETHERNET = r"^([\w+/.]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(up|down)\s+(\S+(?:(?:\s\w+)+)?)\s+(\S+)\s+(\S+)";
    R_LOOPBACK = r"^([\w+/.]+)\s+(up|down)\s+(\S+(?:(?:\s\w+)+)?)";
    R_VLAN = r"^([\w+/.]+)\s+(\S+)\s+(up|down)\s+(\S+(?:(?:\s\w+)+)?)";
    R_PORTCHANNEL = r"^([\w+/.]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(up|down)\s+(\S+(?:(?:\s\w+)+)?)\s+(\S+)\s+(\S+)";
    R_TUNNEL = r"^([\w+/.]+)\s+(up|down)\s+(\S+)\s+(\S+)\s+(\d+)";
    R_NVE_VRF = r"^([\w+/.]+)\s+(up|down)\s+(\S+(?:(?:\s\w+)+)?)\s+(\d+)\s+(\S+)";
    R_NVE = r"^([\w+/.]+)\s+(up|down)\s+(\S+(?:(?:\s\w+)+)?)\s+(\d+)";
    R_PSEUDOWIRE = r"^([\w+/.]+)\s+(up|down)\s+(\d+\.\d+\.\d+\.\d+)\s+(\S+)";
    DASHES = r"^---+$";
}

/// Parses `show interface brief` output into one record per interface row.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut table = Table::None;
    // The pseudowire table's rows overwrite one another and only the last is kept, as
    // ntc-templates does.
    let mut pseudowire: Option<Record> = None;
    for line in lines(output) {
        if table == Table::None {
            table = header(line);
            continue;
        }
        if table == Table::Pseudowire {
            if let Some(c) = R_PSEUDOWIRE.captures(line) {
                let p = pseudowire.get_or_insert_with(Record::default);
                p.interface = cap(&c, 1);
                p.status = cap(&c, 2);
                p.peer_ip_address = cap(&c, 3);
                p.vcid = cap(&c, 4);
            }
            continue;
        }
        if line.trim().is_empty() {
            table = Table::None;
            continue;
        }
        if table == Table::Management && H_ETHERNET_IN_MGMT.is_match(line) {
            table = Table::None;
            continue;
        }
        if let Some(r) = row(table, line) {
            out.push(r);
        }
    }
    out.extend(pseudowire);
    out
}

/// The table a header line starts, or [`Table::None`].
fn header(line: &str) -> Table {
    let headers: [(&regex::Regex, Table); 8] = [
        (&H_MANAGEMENT, Table::Management),
        (&H_ETHERNET, Table::Ethernet),
        (&H_LOOPBACK, Table::Loopback),
        (&H_VLAN, Table::Vlan),
        (&H_PORTCHANNEL, Table::PortChannel),
        (&H_NVE, Table::Nve),
        (&H_TUNNEL, Table::Tunnel),
        (&H_PSEUDOWIRE, Table::Pseudowire),
    ];
    headers
        .iter()
        .find(|(re, _)| re.is_match(line))
        .map_or(Table::None, |(_, t)| *t)
}

/// One row of `table`, or `None` for a non-row line (dashes, sub-headers).
fn row(table: Table, line: &str) -> Option<Record> {
    if DASHES.is_match(line) {
        return None;
    }
    let mut r = Record::default();
    match table {
        Table::Management => {
            let c = R_MANAGEMENT.captures(line)?;
            (r.interface, r.vrf, r.status) = (cap(&c, 1), cap(&c, 2), cap(&c, 3));
            (r.ip_address, r.speed, r.mtu) = (cap(&c, 4), cap(&c, 5), cap(&c, 6));
        }
        Table::Ethernet => {
            let c = R_ETHERNET.captures(line)?;
            (r.interface, r.vlan_id, r.kind, r.mode) =
                (cap(&c, 1), cap(&c, 2), cap(&c, 3), cap(&c, 4));
            (r.status, r.reason, r.speed, r.portch) =
                (cap(&c, 5), cap(&c, 6), cap(&c, 7), cap(&c, 8));
        }
        Table::Loopback => {
            let c = R_LOOPBACK.captures(line)?;
            (r.interface, r.status, r.description) = (cap(&c, 1), cap(&c, 2), cap(&c, 3));
        }
        Table::Vlan => {
            let c = R_VLAN.captures(line)?;
            (r.interface, r.kind, r.status, r.reason) =
                (cap(&c, 1), cap(&c, 2), cap(&c, 3), cap(&c, 4));
        }
        Table::PortChannel => {
            let c = R_PORTCHANNEL.captures(line)?;
            (r.interface, r.vlan_id, r.kind, r.mode) =
                (cap(&c, 1), cap(&c, 2), cap(&c, 3), cap(&c, 4));
            (r.status, r.reason, r.speed, r.protocol) =
                (cap(&c, 5), cap(&c, 6), cap(&c, 7), cap(&c, 8));
        }
        Table::Tunnel => {
            let c = R_TUNNEL.captures(line)?;
            (r.interface, r.status, r.ip_address) = (cap(&c, 1), cap(&c, 2), cap(&c, 3));
            (r.kind, r.mtu) = (cap(&c, 4), cap(&c, 5));
        }
        Table::Nve => {
            let c = R_NVE_VRF.captures(line).or_else(|| R_NVE.captures(line))?;
            (r.interface, r.status, r.reason, r.mtu) =
                (cap(&c, 1), cap(&c, 2), cap(&c, 3), cap(&c, 4));
            r.vrf = cap(&c, 5);
        }
        Table::None | Table::Pseudowire => return None,
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_table_kind() {
        let out = "
--------------------------------------------------------------------------------
Port   VRF          Status IP Address                              Speed    MTU
--------------------------------------------------------------------------------
mgmt0  --           up     192.0.2.50                              1000     1500

--------------------------------------------------------------------------------
Ethernet      VLAN    Type Mode   Status  Reason                   Speed     Port
Interface                                                                    Ch #
--------------------------------------------------------------------------------
Eth1/1        1       eth  trunk  up      none                       25G(D) 10
Eth1/2        --      eth  routed down    Administratively down      auto(D) --

--------------------------------------------------------------------------------
Port-channel VLAN    Type Mode   Status  Reason                    Speed   Protocol
Interface
--------------------------------------------------------------------------------
Po10         1       eth  trunk  up      none                       a-25G(D)  lacp

--------------------------------------------------------------------------------
Interface     Status     Description
--------------------------------------------------------------------------------
Lo0           up         router-id

--------------------------------------------------------------------------------
Interface Secondary VLAN(Type)                    Status Reason
--------------------------------------------------------------------------------
Vlan10        --                                  up     --
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 6);
        assert_eq!(v[0]["interface"], "mgmt0");
        assert_eq!(v[0]["ip_address"], "192.0.2.50");
        assert_eq!(v[0]["mtu"], "1500");
        assert_eq!(v[1]["type"], "eth");
        assert_eq!(v[1]["portch"], "10");
        assert_eq!(v[2]["reason"], "Administratively down");
        assert_eq!(v[3]["protocol"], "lacp");
        assert_eq!(v[4]["description"], "router-id");
        assert_eq!(v[5]["interface"], "Vlan10");
        assert_eq!(v[5]["status"], "up");
    }
}
