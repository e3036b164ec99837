//! `display vlan` and `display vlan brief`.
//!
//! VRP prints up to two tables: the port table (`VID Type Ports` on switches, `VID Name
//! Status Ports` on APs) and the status table (`VID Status Property MAC-LRN ...`).
//! `display vlan brief` gives one record per port-table row. `display vlan` gives one
//! record per status-table row, joined on the VLAN id with the first port-table row of
//! that VLAN for its name, mode and ports — the join ntc-templates makes between its
//! two templates for this command.

use crate::record::{Field, Records, filldown, list, plain, re, required};
use regex::Regex;
use serde_json::Value;

/// The port table's fields.
const BRIEF_FIELDS: &[Field] = &[
    Field {
        name: "vlan_id",
        list: false,
        filldown: true,
        required: true,
    },
    filldown("vlan_name"),
    filldown("mode"),
    filldown("vlan_status"),
    filldown("vlan_type"),
    list("interface"),
    list("interface_status"),
];

/// The status table's fields.
const STATUS_FIELDS: &[Field] = &[
    required("vlan_id"),
    plain("vlan_type"),
    plain("vlan_status"),
    plain("vlan_mac_learning"),
    plain("vlan_description"),
    plain("vlan_property"),
    plain("vlan_broadcast"),
    plain("vlan_multicast"),
    plain("vlan_unicast"),
    plain("vlan_statistics"),
];

/// Port-table fields a `display vlan` record takes from the joined row.
const JOINED: &[&str] = &["vlan_name", "mode", "interface", "interface_status"];

/// Which table a line belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Legend and headers.
    Legend,
    /// `VID Type Ports` (switches).
    PortsSwitch,
    /// `VID Name Status Ports` (APs and some routers).
    PortsAp,
    /// `VID Status Property MAC-LRN Statistics Description`.
    StatusSwitch,
    /// `VID Type Status Property MAC-LRN STAT BC MC UC Description`.
    StatusSwitchWide,
    /// `VLAN ID Type Status MAC Learning Broadcast/Multicast/Unicast Property`.
    StatusAp,
}

/// Parses `display vlan brief`: the port table alone.
pub(crate) fn parse_brief(output: &str) -> Vec<Value> {
    tables(output).0
}

/// Parses `display vlan`: status rows joined with the port table (see the module doc).
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let (ports, status) = tables(output);
    status
        .into_iter()
        .map(|mut row| {
            let joined = ports
                .iter()
                .find(|p| p.get("vlan_id") == row.get("vlan_id"));
            if let Some(obj) = row.as_object_mut() {
                for key in JOINED {
                    let value = joined
                        .and_then(|p| p.get(*key))
                        .cloned()
                        .unwrap_or_else(|| Value::String(String::new()));
                    obj.insert((*key).to_string(), value);
                }
            }
            row
        })
        .collect()
}

/// Reads both tables: (port-table records, status-table records).
fn tables(output: &str) -> (Vec<Value>, Vec<Value>) {
    let mut ports = Records::new(BRIEF_FIELDS);
    let mut status = Records::new(STATUS_FIELDS);
    let mut section = Section::Legend;
    for line in output.lines() {
        section = match section {
            Section::Legend => header(line).unwrap_or(Section::Legend),
            Section::PortsSwitch => {
                if line.trim().is_empty() {
                    Section::Legend
                } else {
                    switch_port_line(line, &mut ports);
                    section
                }
            }
            Section::PortsAp => {
                ap_port_line(line, &mut ports);
                header(line).unwrap_or(section)
            }
            Section::StatusSwitch | Section::StatusSwitchWide | Section::StatusAp => {
                let row = match section {
                    Section::StatusSwitch => re!(
                        r"^\s*(?P<vlan_id>\d+)\s+(?P<vlan_status>\S+)\s+(?P<vlan_property>\S+)\s+(?P<vlan_mac_learning>\S+)\s+(?P<vlan_statistics>\S+)\s+(?P<vlan_description>\S.+\S)\s*$"
                    ),
                    Section::StatusSwitchWide => re!(
                        r"^\s*(?P<vlan_id>\d+)\s+(?P<vlan_type>\S+)\s+(?P<vlan_status>\S+)\s+(?P<vlan_property>\S+)\s+(?P<vlan_mac_learning>\S+)\s+(?P<vlan_statistics>\S+)\s+(?P<vlan_broadcast>\S+)\s+(?P<vlan_multicast>\S+)\s+(?P<vlan_unicast>\S+)\s+(?P<vlan_description>\S.+\S)\s*$"
                    ),
                    _ => re!(
                        r"^\s*(?P<vlan_id>\d+)\s+(?P<vlan_type>\S+)\s+(?P<vlan_status>\S+)\s+(?P<vlan_mac_learning>\S+)\s+(?P<vlan_broadcast>\S+)\s+(?P<vlan_multicast>\S+)\s+(?P<vlan_unicast>\S+)\s+(?P<vlan_property>\S+)\s*$"
                    ),
                };
                if let Some(c) = row.captures(line) {
                    status.assign(row, &c);
                    status.record();
                }
                section
            }
        };
    }
    (ports.finish(), status.finish())
}

/// Recognises a table header; `None` for any other line.
fn header(line: &str) -> Option<Section> {
    if re!(r"^\s*VID\s+(?:Type\s+)?Ports\s*$").is_match(line) {
        Some(Section::PortsSwitch)
    } else if re!(r"^\s*VID\s+Name\s+Status\s+Ports\s*$").is_match(line) {
        Some(Section::PortsAp)
    } else if re!(r"^\s*VID\s+Status\s+Property\s+MAC-LRN\s+Statistics\s+Description\s*$").is_match(line) {
        Some(Section::StatusSwitch)
    } else if re!(r"^\s*VID\s+Type\s+Status\s+Property\s+MAC-LRN\s+STAT\s+BC\s+MC\s+UC\s+Description\s*$")
        .is_match(line)
    {
        Some(Section::StatusSwitchWide)
    } else if re!(r"^\s*VLAN\s+ID\s+Type\s+Status\s+MAC\s+Learning\s+Broadcast/Multicast/Unicast\s+Property\s*$")
        .is_match(line)
    {
        Some(Section::StatusAp)
    } else {
        None
    }
}

/// Applies every matching pattern to `line` (the port-table rules all look at the same
/// line, each picking one more port).
fn apply_all(line: &str, rules: &[&Regex], records: &mut Records) {
    for re in rules {
        records.assign_match(re, line);
    }
}

/// One line of the switch port table. A VLAN row, or an indented `TG:` line starting the
/// tagged ports of the same VLAN, opens a record. A row holds at most four ports after
/// its `UT:`/`TG:` marker; a continuation line is read for its first two ports, as
/// ntc-templates reads them.
fn switch_port_line(line: &str, records: &mut Records) {
    if re!(r"^\d+").is_match(line) || re!(r"^\s+(?:UT|TG):").is_match(line) {
        records.record();
    }
    let rules: [&Regex; 10] = [
        re!(r"^\s*(?P<vlan_id>\d+)\s+(?:(?P<vlan_type>common|uncommon)\s+)?"),
        re!(r"^.+(?P<mode>TG|UT):\s*(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"),
        re!(
            r"^.+(?:UT|TG):\s*[\w+.\-/()]+\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"
        ),
        re!(
            r"^.+(?:UT|TG):\s*[\w+.\-/()]+\s+[\w+.\-/()]+\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"
        ),
        re!(
            r"^.+(?:UT|TG):\s*[\w+.\-/()]+\s+[\w+.\-/()]+\s+[\w+.\-/()]+\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"
        ),
        re!(
            r"^\s+(?P<mode>TG|UT):\s*[\w+.\-/()]+\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"
        ),
        re!(
            r"^\s+(?:UT|TG):\s*[\w+.\-/()]+\s+[\w+.\-/()]+\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"
        ),
        re!(
            r"^\s+(?:UT|TG):\s*[\w+.\-/()]+\s+[\w+.\-/()]+\s+[\w+.\-/()]+\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"
        ),
        re!(r"^\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"),
        re!(r"^\s+[\w+.\-/()]+\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"),
    ];
    apply_all(line, &rules, records);
}

/// One line of the AP-style port table (`VID Name Status Ports`).
fn ap_port_line(line: &str, records: &mut Records) {
    if re!(r"^\d+").is_match(line) {
        records.record();
    }
    let rules: [&Regex; 5] = [
        re!(
            r"^\s*(?P<vlan_id>\d+)\s+(?:(?P<vlan_name>\w.+\w|\w+)\s+)?(?P<vlan_status>enable|disable)\s+"
        ),
        re!(
            r"^.+(?:-|enable|disable)\s+(?P<mode>TG|UT):\s*(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"
        ),
        re!(
            r"^.+(?:-|enable|disable)\s+(?:UT|TG):\s+[\w+.\-/()]+\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"
        ),
        re!(
            r"^.+(?:-|enable|disable)\s+(?:UT|TG):\s+[\w+.\-/()]+\s+[\w+.\-/()]+\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"
        ),
        re!(r"^\s+(?P<interface>[\w+.\-/]+)\((?P<interface_status>U|D)\)"),
    ];
    apply_all(line, &rules, records);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OUT: &str = "\
The total number of vlans is : 2
--------------------------------------------------------------------------------
U: Up;         D: Down;         TG: Tagged;         UT: Untagged;
MP: Vlan-mapping;               ST: Vlan-stacking;
#: ProtocolTransparent-vlan;    *: Management-vlan;
--------------------------------------------------------------------------------

VID  Type    Ports
--------------------------------------------------------------------------------
1    common  UT:GE0/0/1(U)      GE0/0/2(D)      GE0/0/3(D)      GE0/0/4(D)
                GE0/0/5(D)
             TG:XGE0/0/1(U)
100  common  TG:XGE0/0/1(U)     XGE0/0/2(U)

VID  Status  Property      MAC-LRN Statistics Description
--------------------------------------------------------------------------------
1    enable  default       enable  disable    VLAN 0001
100  enable  default       enable  disable    servers
";

    #[test]
    fn brief_has_one_record_per_port_group() {
        let rows = parse_brief(OUT);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0]["interface"],
            json!(["GE0/0/1", "GE0/0/2", "GE0/0/3", "GE0/0/4", "GE0/0/5"])
        );
        assert_eq!(rows[0]["mode"], "UT");
        assert_eq!(rows[1]["vlan_id"], "1");
        assert_eq!(rows[1]["mode"], "TG");
        assert_eq!(rows[2]["interface_status"], json!(["U", "U"]));
    }

    #[test]
    fn full_joins_status_with_first_port_group() {
        let rows = parse(OUT);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["vlan_description"], "VLAN 0001");
        assert_eq!(rows[0]["mode"], "UT");
        assert_eq!(rows[1]["vlan_description"], "servers");
        assert_eq!(rows[1]["interface"], json!(["XGE0/0/1", "XGE0/0/2"]));
    }

    #[test]
    fn no_port_table_leaves_joined_fields_empty() {
        let out = "VLAN ID Type         Status   MAC Learning Broadcast/Multicast/Unicast Property\n\
--------------------------------------------------------------------------------\n\
10      common       enable   enable       forward   forward   forward default\n";
        let rows = parse(out);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["interface"], "");
        assert_eq!(rows[0]["vlan_unicast"], "forward");
    }
}
