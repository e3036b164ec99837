//! `show version`: one record with model, hardware version, serial, MACs, image and memory.

use crate::record::{Field, Records, plain, re};
use serde_json::Value;

const FIELDS: &[Field] = &[
    plain("model"),
    plain("hw_version"),
    plain("serial_number"),
    plain("sys_mac"),
    plain("image"),
    plain("total_memory"),
    plain("free_memory"),
    plain("uptime"),
];

/// Parses `show version`. `Free memory` is the last line EOS prints, so it closes the
/// record; without it the record is still emitted at the end.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let rules = [
        re!(r"^Arista\s+(?P<model>\S+)"),
        // Virtual and container EOS print these labels with no value: the field is empty.
        re!(r"^Hardware\s+version:(?:\s+(?P<hw_version>\S+))?"),
        re!(r"^Serial\s+number:(?:\s+(?P<serial_number>\S+))?"),
        re!(r"^System\s+MAC\s+address:\s+(?P<sys_mac>\S+)"),
        re!(r"^Software\s+image\s+version:\s+(?P<image>\S+)"),
        re!(r"^Uptime:\s+(?P<uptime>.+)"),
        re!(r"^Total\s+memory:\s+(?P<total_memory>\d+)"),
    ];
    let free = re!(r"^Free\s+memory:\s+(?P<free_memory>\d+)");
    let mut records = Records::new(FIELDS);
    for line in output.lines() {
        if records.assign_match(free, line) {
            records.record();
            continue;
        }
        records.assign_first_match(&rules, line);
    }
    records.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn physical_switch() {
        let out = "Arista DCS-7050SX3-48YC8\nHardware version: 11.02\nSerial number: SSJ17110123\n\
                   Hardware MAC address: 444c.a8de.1111\nSystem MAC address: 444c.a8de.1111\n\n\
                   Software image version: 4.27.3F\nArchitecture: x86_64\n\n\
                   Uptime: 12 weeks, 2 days, 3 hours and 1 minute\nTotal memory: 8099732 kB\n\
                   Free memory: 5123456 kB\n";
        assert_eq!(
            parse(out),
            vec![json!({
                "model": "DCS-7050SX3-48YC8", "hw_version": "11.02", "serial_number": "SSJ17110123",
                "sys_mac": "444c.a8de.1111", "image": "4.27.3F", "total_memory": "8099732",
                "free_memory": "5123456", "uptime": "12 weeks, 2 days, 3 hours and 1 minute"
            })]
        );
    }

    #[test]
    fn virtual_switch_has_empty_hardware_fields() {
        let out = "Arista vEOS-lab\nHardware version:    \nSerial number:       \n\
                   System MAC address:  5000.0003.0001\n\nSoftware image version: 4.22.1F\n\
                   Uptime:                 5 minutes\nTotal memory:           2014520 kB\n\
                   Free memory:            1204112 kB\n";
        let rows = parse(out);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["hw_version"], "");
        assert_eq!(rows[0]["serial_number"], "");
        assert_eq!(rows[0]["model"], "vEOS-lab");
    }
}
