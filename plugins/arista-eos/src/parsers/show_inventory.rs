//! `show inventory`: chassis, power supplies, fans, port counts and transceivers, each
//! section a table of its own, all emitted as records with the same five fields.

use crate::record::{Field, Records, plain, re};
use serde_json::Value;

const FIELDS: &[Field] = &[
    plain("port"),
    plain("pid"),
    plain("sn"),
    plain("descr"),
    plain("vid"),
];

/// Which table of the output a line belongs to; each section has its own row shape.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Before `System information`.
    Preamble,
    /// Chassis model/description, then HW version, serial and manufacturing date.
    Chassis,
    /// `System has N power supply slots`.
    PowerSupply,
    /// `System has N fan modules`.
    Fan,
    /// `System has N ports`: port type and count.
    Ports,
    /// `System has N transceiver slots`.
    Transceiver,
}

/// Parses `show inventory`. Sections follow one another in a fixed order and each one is
/// entered from the previous one only, as the device prints them.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let mut records = Records::new(FIELDS);
    let mut section = Section::Preamble;
    for line in output.lines() {
        section = match section {
            Section::Preamble => {
                if re!(r"^\s*System\s+\S+$").is_match(line) {
                    Section::Chassis
                } else {
                    section
                }
            }
            Section::Chassis => chassis_line(line, &mut records),
            Section::PowerSupply => {
                let row = re!(r"^\s+(?P<port>[0-9/]+)\s+(?P<pid>\S+)\s+(?P<sn>\S+)");
                if records.assign_match(row, line) {
                    records.record();
                } else if re!(r"^\s*System.+fan").is_match(line) {
                    section = Section::Fan;
                }
                section
            }
            Section::Fan => {
                let row = re!(r"^\s+(?P<port>[0-9/]+)?\s+\d+?\s+(?P<pid>\S+)?\s+(?P<sn>\S+)");
                if re!(r"^\s+(?:Module|-)").is_match(line) {
                } else if records.assign_match(row, line) {
                    records.record();
                } else if re!(r"^\s*System.+ports").is_match(line) {
                    section = Section::Ports;
                }
                section
            }
            Section::Ports => {
                let row = re!(r"^\s+(?P<descr>.+)\s+(?P<port>[0-9/]+)");
                if records.assign_match(row, line) {
                    records.record();
                } else if re!(r"^\s*System.+transceiver").is_match(line) {
                    section = Section::Transceiver;
                }
                section
            }
            Section::Transceiver => {
                // The manufacturer may contain spaces: it is whatever lies between the port
                // and the last three columns (model, serial, revision).
                let row = re!(
                    r"^\s+(?P<port>[0-9/]+)\s+(?P<descr>.+)\s+(?P<pid>\S+)\s+(?P<sn>\S+)\s+(?P<vid>\S+)"
                );
                if records.assign_match(row, line) {
                    records.record();
                }
                section
            }
        };
    }
    records.finish()
}

/// One line of the chassis section; returns the section the next line belongs to.
fn chassis_line(line: &str, records: &mut Records) -> Section {
    if re!(r"^\s+(?:Model|-|HW)").is_match(line) {
        return Section::Chassis;
    }
    let version = re!(r"^\s+(?P<vid>\S+)\s+(?P<sn>\S+)\s+\d+-\d+-\d+");
    if records.assign_match(version, line) {
        records.record();
        return Section::Chassis;
    }
    let model = re!(r"^\s+(?P<pid>\S+)?\s+(?P<descr>.+)$");
    if records.assign_match(model, line) {
        return Section::Chassis;
    }
    if re!(r"^\s*System.+(?:power supply|power-supply)").is_match(line) {
        return Section::PowerSupply;
    }
    Section::Chassis
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "\
System information
  Model                    Description
  ------------------------ ----------------------------------------------------
  DCS-7050CX3-32S          32x100GbE QSFP & 2xSFP+ switch

  HW Version  Serial Number  Mfg Date
  ----------- -------------- ----------
  11.00       JPE20000001    2020-05-04

System has 2 power supply slots
  Slot Model            Serial Number
  ---- ---------------- ----------------
  1    PWR-500AC-F      EEWT0000001
  2    PWR-500AC-F      EEWT0000002

System has 4 fan modules
  Module  Number of Fans  Model            Serial Number
  ------- --------------- ---------------- ----------------
  1       1               FAN-7000H-F      N/A

System has 35 ports
  Type             Count
  ---------------- ----
  Management       1
  Switched         34

System has 34 transceiver slots
  Port Manufacturer     Model            Serial Number    Rev
  ---- ---------------- ---------------- ---------------- ----
  1    Arista Networks  QSFP-100G-SR4    XTY00000001      20
";

    #[test]
    fn every_section() {
        let rows = parse(OUT);
        assert_eq!(rows.len(), 7);
        assert_eq!(rows[0]["pid"], "DCS-7050CX3-32S");
        assert_eq!(rows[0]["descr"], "32x100GbE QSFP & 2xSFP+ switch");
        assert_eq!(rows[0]["vid"], "11.00");
        assert_eq!(rows[0]["sn"], "JPE20000001");
        assert_eq!(rows[1]["port"], "1");
        assert_eq!(rows[2]["sn"], "EEWT0000002");
        assert_eq!(rows[3]["pid"], "FAN-7000H-F");
        // Column padding stays in the value, as ntc-templates leaves it (greedy match).
        assert_eq!(rows[4]["descr"], "Management      ");
        assert_eq!(rows[5]["port"], "34");
        assert_eq!(rows[6]["descr"], "Arista Networks ");
        assert_eq!(rows[6]["vid"], "20");
    }
}
