//! XR `show version`: one record. 64-bit XR (eXR, XR7) adds a `Build Information:` block
//! (build host, location, label) that ends at the next blank line.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

/// ntc-templates' `cisco_xr_show_version` record.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Software version, with any train suffix (`7.9.2 LNT`).
    version: String,
    /// Uptime as printed.
    uptime: String,
    /// Package location from the build block.
    location: String,
    /// Chassis model (`NCS-5500`, `ASR-9006`).
    hardware: String,
    /// Build host from the build block.
    build_host: String,
    /// Release label from the build block.
    label: String,
}

regexes! {
    VERSION = r"^Cisco.+Software.+Version\s+(\S[^\[]+)";
    BUILD_START = r"^Build\s+Information:";
    UPTIME = r"^.+uptime\s+is\s+(.+?)\s*$";
    HARDWARE = r"^\s*[Cc]isco\s+(.+)\s\(.*\)";
    // CRS `show version` continues with per-card details that must not be read as chassis lines.
    CRS_DETAILS = r"^hfr-doc";
    BUILD_HOST = r"^\s+Buil[dt]\sHost\s+:\s+(\S+)";
    LOCATION = r"^\s+Location\s+:\s(\S+)";
    LABEL = r"^\s+Label\s+:\s(\S+)";
}

/// Parses `show version` output into at most one record.
pub fn parse(output: &str) -> Vec<Record> {
    let mut r = Record::default();
    let mut touched = false;
    let mut in_build = false;
    for line in lines(output) {
        if in_build {
            if line.trim().is_empty() {
                in_build = false;
            } else if let Some(c) = BUILD_HOST.captures(line) {
                (r.build_host, touched) = (cap(&c, 1), true);
            } else if let Some(c) = LOCATION.captures(line) {
                (r.location, touched) = (cap(&c, 1), true);
            } else if let Some(c) = LABEL.captures(line) {
                (r.label, touched) = (cap(&c, 1), true);
            }
        } else if let Some(c) = VERSION.captures(line) {
            (r.version, touched) = (cap(&c, 1), true);
        } else if BUILD_START.is_match(line) {
            in_build = true;
        } else if let Some(c) = UPTIME.captures(line) {
            (r.uptime, touched) = (cap(&c, 1), true);
        } else if let Some(c) = HARDWARE.captures(line) {
            (r.hardware, touched) = (cap(&c, 1), true);
        } else if CRS_DETAILS.is_match(line) {
            break;
        }
    }
    if touched { vec![r] } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exr_with_build_block() {
        let out = "\
Mon Feb  5 09:14:02.113 UTC
Cisco IOS XR Software, Version 7.5.2
Copyright (c) 2013-2022 by Cisco Systems, Inc.

Build Information:
 Built By     : builder
 Built On     : Tue Jun 14 10:11:12 PDT 2022
 Built Host   : build-host-7
 Workspace    : /auto/ws/7.5.2/ncs540l/ws
 Version      : 7.5.2
 Location     : /opt/cisco/XR/packages/
 Label        : 7.5.2-sp1

cisco NCS-540 () processor
System uptime is 12 weeks, 3 days, 22 hours, 5 minutes
";
        let v = serde_json::to_value(parse(out)).unwrap();
        let r = &v[0];
        assert_eq!(r["version"], "7.5.2");
        assert_eq!(r["build_host"], "build-host-7");
        assert_eq!(r["location"], "/opt/cisco/XR/packages/");
        assert_eq!(r["label"], "7.5.2-sp1");
        assert_eq!(r["hardware"], "NCS-540");
        assert_eq!(r["uptime"], "12 weeks, 3 days, 22 hours, 5 minutes");
    }

    #[test]
    fn classic_xr() {
        let out = "\
Cisco IOS XR Software, Version 5.3.4[Default]
Copyright (c) 2016 by Cisco Systems, Inc.

ROM: System Bootstrap, Version 2.04(20140424:063844) [ASR9K ROMMON],

pe1 uptime is 2 years, 4 weeks, 1 day, 3 hours, 9 minutes
System image file is \"disk0:asr9k-os-mbi-5.3.4/0x100305/mbiasr9k-rsp3.vm\"

cisco ASR9K Series (Intel 686 F6M14S4) processor with 12582912K bytes of memory.
";
        let v = serde_json::to_value(parse(out)).unwrap();
        let r = &v[0];
        assert_eq!(r["version"], "5.3.4");
        assert_eq!(r["hardware"], "ASR9K Series");
        assert_eq!(r["uptime"], "2 years, 4 weeks, 1 day, 3 hours, 9 minutes");
        assert_eq!(r["label"], "");
    }
}
