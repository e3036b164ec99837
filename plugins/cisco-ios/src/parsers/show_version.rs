//! `show version`: one record describing the device (image, version, uptime, hardware).
//!
//! Stacked switches (Catalyst 3750/9000) list each member after a `Switch Ports` table or a
//! `Switch 0N` heading; from there on, `Model Number` and `System Serial Number` lines add
//! the members' hardware and serials to the lists.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

/// ntc-templates' `cisco_ios_show_version` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Image family in parentheses on the software line (`CAT9K_IOSXE`).
    software_image: String,
    /// Release number (`16.9.3`, `15.2(4)E`).
    version: String,
    /// Build tag such as `fc2`, or the special build name.
    release: String,
    /// ROM / bootstrap version from `ROM:`.
    rommon: String,
    /// Hostname from the `… uptime is …` line.
    hostname: String,
    /// Uptime as printed, and its parts.
    uptime: String,
    uptime_years: String,
    uptime_weeks: String,
    uptime_days: String,
    uptime_hours: String,
    uptime_minutes: String,
    /// Why the device last reloaded.
    reload_reason: String,
    /// Image file name without its device prefix.
    running_image: String,
    /// Chassis model, then stack members' models.
    hardware: Vec<String>,
    /// Chassis serial, then stack members' serials.
    serial: Vec<String>,
    /// Configuration register value.
    config_register: String,
    /// Base MAC addresses (switches only).
    mac_address: Vec<String>,
    /// Restart timestamp.
    restarted: String,
}

regexes! {
    SOFTWARE_RELEASE = r"^.*Software,*\s+\((\S+)\),\sVersion\s(.+?),*\s+RELEASE.*\((\S+)\)";
    SOFTWARE_SPECIAL = r"^.*Software,*\s+\((\S+)\),\sVersion\s(.+?),*\s+\S+.*:(\S+)";
    SOFTWARE_PLAIN = r"^.*Software,*\s+\((\S+)\),\sVersion\s(.+?),";
    ROM = r"^ROM:\s+(\S+)";
    UPTIME = r"^\s*(\S+)\s+uptime\s+is\s+(.+)";
    UP_YEARS = r"^.*\s+uptime\s+is.*\s+(\d+)\syear";
    UP_WEEKS = r"^.*\s+uptime\s+is.*\s+(\d+)\sweek";
    UP_DAYS = r"^.*\s+uptime\s+is.*\s+(\d+)\sday";
    UP_HOURS = r"^.*\s+uptime\s+is.*\s+(\d+)\shour";
    UP_MINUTES = r"^.*\s+uptime\s+is.*\s+(\d+)\sminute";
    IMAGE = r#"^[sS]ystem\s+image\s+file\s+is\s+"(?:.*?):(\S+)""#;
    RELOAD = r"^(?:[lL]ast\s+reload\s+reason:|System\s+returned\s+to\s+ROM\s+by)\s+(.+?)\s*$";
    BOARD_ID = r"^[Pp]rocessor\s+board\s+ID\s+(\w+)";
    HARDWARE = r"^[Cc]isco\s+(\S+)\s+\(.+\).+";
    CONFREG = r"^[Cc]onfiguration\s+register\s+is\s+(\S+)";
    BASE_MAC = r"^Base\s+[Ee]thernet\s+MAC\s+[Aa]ddress\s+:\s+([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})";
    RESTARTED = r"^System\s+restarted\s+at\s+(.+)$";
    STACK_START = r"^Switch\s+Port|^Switch\s\d+";
    STACK_SERIAL = r"^[Ss]ystem\s+[Ss]erial\s+[Nn]umber\s+:\s+(\w+)";
    STACK_MODEL = r"^[Mm]odel\s+[Nn]umber\s+:\s+(\S+)";
}

/// Parses `show version` output into at most one record.
pub fn parse(output: &str) -> Vec<Record> {
    let mut r = Record::default();
    let mut seen = false;
    let mut in_stack = false;
    for line in lines(output) {
        if in_stack {
            seen |= stack_line(&mut r, line);
        } else if STACK_START.is_match(line) {
            in_stack = true;
        } else {
            seen |= main_line(&mut r, line);
        }
    }
    if seen { vec![r] } else { Vec::new() }
}

/// A line of the chassis part; returns whether it set anything.
fn main_line(r: &mut Record, line: &str) -> bool {
    if let Some(c) = SOFTWARE_RELEASE
        .captures(line)
        .or_else(|| SOFTWARE_SPECIAL.captures(line))
    {
        r.software_image = cap(&c, 1);
        r.version = cap(&c, 2);
        r.release = cap(&c, 3);
    } else if let Some(c) = SOFTWARE_PLAIN.captures(line) {
        r.software_image = cap(&c, 1);
        r.version = cap(&c, 2);
    } else if let Some(c) = ROM.captures(line) {
        r.rommon = cap(&c, 1);
    } else if let Some(c) = UPTIME.captures(line) {
        r.hostname = cap(&c, 1);
        r.uptime = cap(&c, 2);
        // The parts are optional: a 3-day-old box has no `year` or `week` in its uptime.
        for (re, field) in [
            (&*UP_YEARS, &mut r.uptime_years),
            (&*UP_WEEKS, &mut r.uptime_weeks),
            (&*UP_DAYS, &mut r.uptime_days),
            (&*UP_HOURS, &mut r.uptime_hours),
            (&*UP_MINUTES, &mut r.uptime_minutes),
        ] {
            if let Some(c) = re.captures(line) {
                *field = cap(&c, 1);
            }
        }
    } else if let Some(c) = IMAGE.captures(line) {
        r.running_image = cap(&c, 1);
    } else if let Some(c) = RELOAD.captures(line) {
        r.reload_reason = cap(&c, 1);
    } else if let Some(c) = BOARD_ID.captures(line) {
        r.serial.push(cap(&c, 1));
    } else if let Some(c) = HARDWARE.captures(line) {
        r.hardware.push(cap(&c, 1));
    } else if let Some(c) = CONFREG.captures(line) {
        r.config_register = cap(&c, 1);
    } else if let Some(c) = BASE_MAC.captures(line) {
        r.mac_address.push(cap(&c, 1));
    } else if let Some(c) = RESTARTED.captures(line) {
        r.restarted = cap(&c, 1);
    } else {
        return false;
    }
    true
}

/// A line of the stack members' part; returns whether it set anything.
fn stack_line(r: &mut Record, line: &str) -> bool {
    if let Some(c) = STACK_SERIAL.captures(line) {
        r.serial.push(cap(&c, 1));
    } else if let Some(c) = STACK_MODEL.captures(line) {
        r.hardware.push(cap(&c, 1));
    } else if let Some(c) = CONFREG.captures(line) {
        r.config_register = cap(&c, 1);
    } else if let Some(c) = BASE_MAC.captures(line) {
        r.mac_address.push(cap(&c, 1));
    } else {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn router_and_stack() {
        let out = include_str!("../../tests/fixtures/show_version_stack.txt");
        let v = serde_json::to_value(parse(out)).unwrap();
        let r = &v[0];
        assert_eq!(r["software_image"], "CAT9K_IOSXE");
        assert_eq!(r["version"], "17.3.4");
        assert_eq!(r["release"], "fc1");
        assert_eq!(r["hostname"], "core-sw1");
        assert_eq!(r["uptime_weeks"], "3");
        assert_eq!(r["uptime_years"], "");
        assert_eq!(r["running_image"], "packages.conf");
        assert_eq!(r["reload_reason"], "Reload Command");
        assert_eq!(r["hardware"], serde_json::json!(["C9300-48P", "C9300-24T"]));
        assert_eq!(
            r["serial"],
            serde_json::json!(["FOC1111A1AA", "FOC2222B2BB"])
        );
        assert_eq!(
            r["mac_address"],
            serde_json::json!(["00:11:22:33:44:55", "00:11:22:33:44:66"])
        );
        assert_eq!(r["config_register"], "0x102");
    }

    #[test]
    fn classic_ios_router() {
        let out = include_str!("../../tests/fixtures/show_version_isr.txt");
        let v = serde_json::to_value(parse(out)).unwrap();
        let r = &v[0];
        assert_eq!(r["software_image"], "C2900-UNIVERSALK9-M");
        assert_eq!(r["version"], "15.7(3)M5");
        assert_eq!(r["rommon"], "System");
        assert_eq!(r["hardware"], serde_json::json!(["CISCO2911/K9"]));
        assert_eq!(r["reload_reason"], "power-on");
        assert_eq!(r["uptime"], "1 year, 2 days, 4 hours, 1 minute");
    }

    #[test]
    fn empty_output_has_no_records() {
        assert!(parse("").is_empty());
    }
}
