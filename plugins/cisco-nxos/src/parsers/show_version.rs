//! NX-OS `show version`: one record (versions, boot image, chassis, uptime, last reset).
//!
//! Nexus 9000 prints `NXOS: version`/`NXOS image file`; Nexus 5000/7000 print
//! `system: version` and a `kickstart image file`. The record ends at the reset `Reason:`.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

/// ntc-templates' `cisco_nxos_show_version` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Kernel uptime (`12 day(s), 3 hour(s), 4 minute(s), 5 second(s)`).
    uptime: String,
    /// Why the switch last reset.
    last_reboot_reason: String,
    /// BIOS version.
    bios: String,
    /// NX-OS (system) version.
    os: String,
    /// Boot image (the kickstart image on platforms that have one).
    boot_image: String,
    /// Chassis model (`C93180YC-EX`, `5596`).
    platform: String,
    /// Device name.
    hostname: String,
    /// Processor board id, used as the serial.
    serial: String,
}

regexes! {
    BIOS = r"^\s+BIOS:\s+version\s+(\d+.\d+(?:.+)?)\s*$";
    OS = r"^\s+(?:NXOS: version|system:\s+version)\s+(\d+.\d+(?:.+)?)\s*$";
    IMAGE = r"^\s+(?:NXOS|kickstart)\s+image\s+file\s+is:\s+(.*)\s*$";
    CHASSIS = r"^\s+cisco\s+([\w-]+)\s+[cC]hassis";
    NEXUS_MODEL = r"^\s+cisco\s+Nexus\d+\s+([\w-]+)";
    NEXUS_SPACE_MODEL = r"^\s+cisco\s+Nexus\s+([\w-]+)\s+[cC]hassis";
    DEVICE_NAME = r"^\s+Device\s+name:\s+(.*)$";
    DASHED_MODEL = r"^\s+cisco\s+.+-([\w-]+)\s*";
    BOARD_ID = r"^\s*Processor\s[Bb]oard\sID\s+(\w+)$";
    UPTIME = r"^Kernel\s+uptime\s+is\s+((?:\d+\s\w+.s.,?\s?){4})";
    REASON = r"^\s+Reason:\s(.+)";
}

/// Parses `show version` output (normally one record; one per `Reason:` line).
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut r = Record::default();
    let mut touched = false;
    for line in lines(output) {
        if let Some(c) = REASON.captures(line) {
            r.last_reboot_reason = cap(&c, 1);
            out.push(std::mem::take(&mut r));
            touched = false;
        } else if let Some((field, value)) = field_of(&mut r, line) {
            *field = value;
            touched = true;
        }
    }
    if touched {
        out.push(r);
    }
    out
}

/// The field a line sets and its value; the first matching pattern wins.
fn field_of<'r>(r: &'r mut Record, line: &str) -> Option<(&'r mut String, String)> {
    let (re, field): (&regex::Regex, &mut String) = if BIOS.is_match(line) {
        (&BIOS, &mut r.bios)
    } else if OS.is_match(line) {
        (&OS, &mut r.os)
    } else if IMAGE.is_match(line) {
        (&IMAGE, &mut r.boot_image)
    } else if CHASSIS.is_match(line) {
        (&CHASSIS, &mut r.platform)
    } else if NEXUS_MODEL.is_match(line) {
        (&NEXUS_MODEL, &mut r.platform)
    } else if NEXUS_SPACE_MODEL.is_match(line) {
        (&NEXUS_SPACE_MODEL, &mut r.platform)
    } else if DEVICE_NAME.is_match(line) {
        (&DEVICE_NAME, &mut r.hostname)
    } else if DASHED_MODEL.is_match(line) {
        (&DASHED_MODEL, &mut r.platform)
    } else if BOARD_ID.is_match(line) {
        (&BOARD_ID, &mut r.serial)
    } else if UPTIME.is_match(line) {
        (&UPTIME, &mut r.uptime)
    } else {
        return None;
    };
    let value = re.captures(line).map(|c| cap(&c, 1))?;
    Some((field, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nexus_9000() {
        let out = include_str!("../../tests/fixtures/show_version_n9k.txt");
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 1);
        let r = &v[0];
        assert_eq!(r["bios"], "05.47");
        assert_eq!(r["os"], "9.3(10)");
        assert_eq!(r["boot_image"], "bootflash:///nxos.9.3.10.bin");
        assert_eq!(r["platform"], "C93180YC-FX");
        assert_eq!(r["hostname"], "leaf-101");
        assert_eq!(r["serial"], "FDO24010ABC");
        assert_eq!(
            r["uptime"],
            "41 day(s), 2 hour(s), 7 minute(s), 33 second(s)"
        );
        assert_eq!(
            r["last_reboot_reason"],
            "Reset Requested by CLI command reload"
        );
    }
}
