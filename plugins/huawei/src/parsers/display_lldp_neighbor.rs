//! `display lldp neighbor`: one record per neighbour, from `Label : value` lines.

use crate::record::{Field, Records, list, plain, re};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// A value of at least three characters with no surrounding spaces.
const TEXT: &str = r"\S.+\S";
/// Any single word, or longer text.
const WORDS: &str = r"\S+|\S.+\S";

/// `(label pattern, field, value pattern, placeholder)`: a line `label : value` sets
/// `field`; a value equal to the placeholder (`--`, `NA`) leaves it empty. Order matters
/// where labels overlap (`Power type` before `Power Type`).
#[rustfmt::skip]
const LABELS: &[(&str, &str, &str, &str)] = &[
    (r"Chassis\s+type", "chassis_type", TEXT, ""),
    (r"Chassis\s+ID", "chassis_id", TEXT, ""),
    (r"Port\s+ID\s+type", "port_id_type", TEXT, ""),
    (r"Port\s+ID\s+subtype", "port_id_subtype", TEXT, ""),
    (r"Port\s+ID", "neighbor_port_id", r".*?", ""),
    (r"Port\s+description", "neighbor_interface", r"(?:\S.+\S)?", ""),
    (r"System\s+name", "neighbor_name", r"(?:\S.+\S)?", ""),
    (r"System\s+capabilities\s+supported", "system_capabilities_supported", TEXT, ""),
    (r"System\s+capabilities\s+enabled", "capabilities", r".*?", ""),
    (r"Management\s+address\s+type", "mgmt_address_type", r"\S+", ""),
    (r"Management\s+address\s*(?:value\s*)?", "mgmt_address", r"\S+", ""),
    (r"OID", "oid", r"(?:\S+)?", ""),
    (r"Port\s+VLAN\s+ID\(PVID\)", "vlan_id", r"\d+", "--"),
    (r"Port\s+and\s+Protocol\s+VLAN\s+(?:supported|enabled|ID\(PPVID\))", "vlan_id_and_protocol", WORDS, "--"),
    (r"VLAN\s+name\s+of\s+VLAN\s*(?:\d+\s*)?", "vlan_name", TEXT, "--"),
    (r"Auto-negotiation\s+supported", "autonegotiation_supported", r"\S+", ""),
    (r"Auto-negotiation\s+enabled", "autonegotiation_enabled", r"\S+", ""),
    (r"OperMau", "operation_mode", TEXT, ""),
    (r"Power\s+port\s+class", "power_port_class", r"\S+", ""),
    (r"PSE\s+power\s+pairsx", "pse_power_pairsx", WORDS, ""),
    (r"PSE\s+power\s+supported", "pse_power_supported", r"\S+", ""),
    (r"PSE\s+power\s+enabled", "pse_power_enabled", r"\S+", ""),
    (r"PSE\s+pairs\s+control\s+ability", "pse_pairs_control_ability", r"\S+", ""),
    (r"Power\s+pairs", "power_pairs", r"\S+", ""),
    (r"Power\s+class", "power_class", WORDS, ""),
    (r"Power\s+class\s+ext", "power_class_ext", WORDS, ""),
    (r"Power\s+(?:type|typex)(?:\s+ext)?", "power_ext_type", WORDS, ""),
    (r"PSE\s+allocated\s+power\s+mode\s+A\s+value", "pse_allocated_mode_power_a", WORDS, ""),
    (r"PSE\s+allocated\s+power\s+mode\s+B\s+value", "pse_allocated_mode_power_b", WORDS, ""),
    (r"PSE\s+powering\s+status", "pse_powering_status", WORDS, ""),
    (r"PSE\s+Autoclass\s+support", "pse_autoclass_support", WORDS, ""),
    (r"PD\s+4PID", "pd_4pid", WORDS, ""),
    (r"PD\s+Load", "pd_load", WORDS, ""),
    (r"PD\s+powered\s+status", "pd_powered_status", WORDS, ""),
    (r"Dual-signature\s+power\s+Classx\s+mode\s+A", "dual_signature_power_classx_mode_a", WORDS, ""),
    (r"Dual-signature\s+power\s+Classx\s+mode\s+B", "dual_signature_power_classx_mode_b", WORDS, ""),
    (r"Autoclass\s+completed", "autoclass_completed", WORDS, ""),
    (r"Autoclass\s+request", "autoclass_request", WORDS, ""),
    (r"Power\s+down\s+request", "power_down_request", WORDS, ""),
    (r"Power\s+down\s+time", "power_down_time", WORDS, ""),
    (r"Power\s+down", "power_down", WORDS, ""),
    (r"Power\s+capability", "power_capability", WORDS, ""),
    (r"Power-up\s+mode", "power_up_mode", WORDS, ""),
    (r"Port\s+power\s+classification", "port_power_classification", r"\S+", ""),
    (r"Link\s+aggregation\s+supported", "link_aggregation_supported", r"\S+", ""),
    (r"Link\s+aggregation\s+enabled", "link_aggregation_enabled", r"\S+", ""),
    (r"Aggregation\s+port\s+ID", "aggregation_port_id", r"\d+", "--"),
    (r"Port\s+Identity", "port_identity", WORDS, "--"),
    (r"Discovered\s+time", "discovered_time", WORDS, "--"),
    (r"EEE\s+support", "energy_efficient_ethernet_support", WORDS, "--"),
    (r"Transmit\s+Tw", "transmit_tw", WORDS, "--"),
    (r"Receive\s+Tw", "receive_tw", WORDS, "--"),
    (r"Fallback\s+Receive\s*Tw", "fallback_receive_tw", WORDS, "--"),
    (r"Echo\s+Transmit\s+Tw", "echo_transmit_tw", WORDS, "--"),
    (r"Echo\s+Receive\s+Tw", "echo_receive_tw", WORDS, "--"),
    (r"Network\s+Card\s+ID", "network_card_id", WORDS, "--"),
    (r"Maximum\s+frame\s+Size", "maximum_frame_size", r"\d+", "--"),
    (r"Med\s+capability", "med_capability", WORDS, "--"),
    (r"Med\s+device\s+type", "med_device_type", WORDS, "--"),
    (r"Device\s+class", "med_device_class", TEXT, ""),
    (r"HardwareRev", "hardware_revision", TEXT, ""),
    (r"FirmwareRev", "firmware_revision", TEXT, "NA"),
    (r"SoftwareRev", "software_revision", TEXT, ""),
    (r"SerialNum", "serial", TEXT, "NA"),
    (r"Manufacturer\s+name", "manufacturer", TEXT, ""),
    (r"Model\s+name", "model_name", TEXT, ""),
    (r"Asset\s+tracking\s+identifier", "asset_tracking_identifier", TEXT, "NA"),
    (r"Media\s+policy\s+type", "media_policy_type", TEXT, ""),
    (r"Unknown\s+Policy", "unknown_policy", TEXT, ""),
    (r"VLAN\s+tagged", "vlan_tagged", r"\S+", ""),
    (r"Media\s+policy\s+VlanID", "media_policy_vlan_id", r"\d+", ""),
    (r"Media\s+policy\s+L2\s+priority", "media_policy_l2_priority", r"\d+", ""),
    (r"Media\s+policy\s+Dscp", "media_policy_dscp", r"\d+", ""),
    (r"Power\s+(?:T|t)ype", "power_type", WORDS, ""),
    (r"Power\s+source", "power_source", WORDS, ""),
    (r"Power\s+priority", "power_priority", WORDS, ""),
    (r"PD\s+requested\s+power\s+value", "pd_requested_power", WORDS, ""),
    (r"PSE\s+allocated\s+power\s+value", "pse_allocated_power", WORDS, ""),
    (r"PD\s+requested\s+power\s+mode\s+A\s+value", "pd_requested_power_mode_a", WORDS, ""),
    (r"PD\s+requested\s+power\s+mode\s+B\s+value", "pd_requested_power_mode_b", WORDS, ""),
    (r"PSE\s+maximum\s+available\s+power", "pse_maximum_available_power", WORDS, ""),
    (r"PSE\s+power\s+pairs\s+ext", "pse_power_pairs_ext", WORDS, ""),
    (r"PoE\s+PSE\s+power\s+source", "poe_pse_power_source", TEXT, ""),
    (r"Port\s+Available\s+power\s+value", "port_available_power_value", r"\d+", ""),
    (r"Location\s+format", "location_format", TEXT, ""),
    (r"Location\s+information", "location_information", TEXT, ""),
];

/// Every output field: the local interface, the labelled ones, the multi-line system
/// description, the expiry time and the PSE priority (odd formats of their own).
static FIELDS: LazyLock<&'static [Field]> = LazyLock::new(|| {
    let mut fields = vec![plain("local_interface"), list("neighbor_description")];
    fields.push(plain("expired_time"));
    fields.push(plain("port_pse_priority"));
    fields.extend(LABELS.iter().map(|(_, name, _, _)| plain(name)));
    Box::leak(fields.into_boxed_slice())
});

/// One regex per label: `label : (placeholder | value)` with optional spaces around the
/// colon, as VRP aligns them (`Chassis ID :x`, `Chassis ID      :x`).
static LINES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    LABELS
        .iter()
        .map(|(label, field, value, placeholder)| {
            let value = if placeholder.is_empty() {
                format!("(?P<{field}>{value})")
            } else {
                format!("(?:{placeholder}|(?P<{field}>{value}))")
            };
            // Invariant: built from the fixed table above, covered by the unit tests.
            let re = Regex::new(&format!(r"^\s*{label}\s*:\s*{value}\s*$"))
                .expect("lldp label pattern compiles");
            (re, *field)
        })
        .collect()
});

/// Parses `display lldp neighbor`. A GE-family interface header (`GigabitEthernet0/0/1
/// has 1 neighbor(s):`) closes the previous neighbour's record; the system description
/// runs over several lines until the next known label.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let record_start = re!(r"^\s*\w*(?:GigabitEthernet|GE)");
    let local = re!(r"^\s*(?P<local_interface>\S.+\S)\s+has\s+\d+\s+neighbor(?:s|\(s\)):\s*$");
    let description_start =
        re!(r"^\s*System\s+description\s*:\s*(?P<neighbor_description>\S.+\S)?\s*$");
    let description_line = re!(r"^\s*(?P<neighbor_description>\S.+\S)\s*$");
    let expired = re!(r"^\s*Expired\s+time\s*:\s*(?P<expired_time>\d+)s\s*$");
    let pse_priority = re!(r"^\s*Port\s+PSE\s+Priority\s*:\s*(?P<port_pse_priority>\S.+\S)s*$");
    // Labels that end the system description (the ones VRP prints right after it).
    let description_end = re!(
        r"^\s*(?:System\s+capabilities\s+(?:supported|enabled)|Management\s+address|Expired\s+time)\s*"
    );
    let mut records = Records::new(*FIELDS);
    let mut in_description = false;
    for line in output.lines() {
        if in_description {
            if !description_end.is_match(line) {
                records.assign_match(description_line, line);
                continue;
            }
            in_description = false;
        }
        if record_start.is_match(line) {
            records.record();
        }
        if records.assign_match(local, line) {
        } else if records.assign_match(description_start, line) {
            in_description = true;
        } else if !records.assign_first_match(&[expired, pse_priority], line) {
            LINES.iter().any(|(re, _)| records.assign_match(re, line));
        }
    }
    records.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OUT: &str = "\
GigabitEthernet0/0/1 has 0 neighbor(s)

XGigabitEthernet0/0/2 has 1 neighbor(s):

Neighbor index                     :1
Chassis type                       :MAC Address
Chassis ID                         :00e0-fc00-1234
Port ID subtype                    :Interface Name
Port ID                            :XGigabitEthernet0/0/48
Port description                   :uplink to access
System name                        :agg-sw-01
System description                 :S6730-H24X6C
Huawei Versatile Routing Platform Software
VRP (R) software, Version 5.170 (S6730 V200R021C00SPC100)

System capabilities supported      :bridge router
System capabilities enabled        :bridge router
Management address type            :IPv4
Management address                 :10.1.1.2
Expired time                       :104s

Port VLAN ID(PVID)                 :--
VLAN name of VLAN  1               :VLAN 0001
Auto-negotiation supported         :Yes
Maximum frame Size                 :9216
";

    #[test]
    fn one_neighbour() {
        let rows = parse(OUT);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r["local_interface"], "XGigabitEthernet0/0/2");
        assert_eq!(r["chassis_type"], "MAC Address");
        assert_eq!(r["port_id_subtype"], "Interface Name");
        assert_eq!(r["neighbor_port_id"], "XGigabitEthernet0/0/48");
        assert_eq!(r["neighbor_interface"], "uplink to access");
        assert_eq!(r["neighbor_name"], "agg-sw-01");
        assert_eq!(
            r["neighbor_description"],
            json!([
                "S6730-H24X6C",
                "Huawei Versatile Routing Platform Software",
                "VRP (R) software, Version 5.170 (S6730 V200R021C00SPC100)"
            ])
        );
        assert_eq!(r["capabilities"], "bridge router");
        assert_eq!(r["mgmt_address"], "10.1.1.2");
        assert_eq!(r["expired_time"], "104");
        assert_eq!(r["vlan_id"], "");
        assert_eq!(r["vlan_name"], "VLAN 0001");
        assert_eq!(r["maximum_frame_size"], "9216");
    }
}
