//! `show chassis hardware`: the hardware inventory tree. Each component kind has its own
//! set of fields; FPC, CPU, MIC and PIC values are carried down onto the transceiver rows
//! below them, so each `Xcvr` record says which slot it sits in.

use crate::record::{Field, Records, filldown, plain, re};
use regex::Regex;
use serde_json::Value;

/// The component kinds, in output-field order, and whether their values fill down.
const KINDS: &[(&str, bool)] = &[
    ("mid", false),
    ("fpm", false),
    ("ps", false),
    ("re", false),
    ("tfeb", false),
    ("qxm", false),
    ("afeb", false),
    ("cb", false),
    ("fpc", true),
    ("cpu", true),
    ("mic", true),
    ("pic", true),
    ("xcvr", false),
    ("fan", false),
];

/// Every field: chassis serial/description, then per kind number (if numbered),
/// version, part, serial and description.
static FIELDS: std::sync::LazyLock<&'static [Field]> = std::sync::LazyLock::new(|| {
    let mut fields = vec![plain("chassis_serial_number"), plain("chassis_description")];
    for (kind, fill) in KINDS {
        for suffix in ["number", "version", "part", "serial_number", "description"] {
            if matches!((*kind, suffix), ("mid" | "fpm" | "cpu", "number")) {
                continue;
            }
            let name: &'static str = Box::leak(format!("{kind}_{suffix}").into_boxed_str());
            fields.push(if *fill { filldown(name) } else { plain(name) });
        }
    }
    Box::leak(fields.into_boxed_slice())
});

/// A hardware version column: `REV 08`, `Rev 05`, `REV`, or nothing.
const VERSION: &str = r"[RrEeVv]+\s+\d+|]|[RrEeVv]+|";

/// The usual row shape: `<label> [<number>] <version> <part> <serial> <description>`.
fn row(label: &str, kind: &str, numbered: bool) -> Regex {
    let number = if numbered {
        format!(r"\s+(?P<{kind}_number>\d+|)")
    } else {
        String::new()
    };
    let pattern = format!(
        r"^\s*{label}{number}\s+(?P<{kind}_version>{VERSION})\s+(?P<{kind}_part>\S+)\s+(?P<{kind}_serial_number>\w+)\s+(?P<{kind}_description>.*)$"
    );
    // Invariant: built from fixed pieces covered by the unit tests, so it compiles.
    Regex::new(&pattern).expect("chassis row pattern compiles")
}

/// What to do after a row matched.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Then {
    /// The row is a record of its own.
    Record,
    /// The row only fills values (a slot carried down onto its transceivers).
    Keep,
}

/// Parses `show chassis hardware`. Lines nobody recognises (`node0:` headers of a
/// chassis cluster, Pseudo-devices) are skipped. A record is emitted only by a row
/// that ends one, never at the end of the output.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    static ROWS: std::sync::LazyLock<Vec<(Regex, Then)>> = std::sync::LazyLock::new(|| {
        vec![
            (row(r"Midplane", "mid", false), Then::Record),
            (row(r"FPM\sBoard", "fpm", false), Then::Record),
            (row(r"Routing\s+Engine", "re", true), Then::Record),
            // A TFEB's values wait for the next record, as in ntc-templates.
            (row(r"TFEB", "tfeb", true), Then::Keep),
            (row(r"QXM", "qxm", true), Then::Record),
            (row(r"AFEB", "afeb", true), Then::Record),
            (row(r"CB", "cb", true), Then::Record),
            (row(r"FPC", "fpc", true), Then::Keep),
            (row(r"CPU", "cpu", false), Then::Keep),
            (row(r"MIC", "mic", true), Then::Keep),
            (row(r"PIC", "pic", true), Then::Keep),
        ]
    });
    let chassis =
        re!(r"^Chassis.*\s+(?P<chassis_serial_number>\w+)\s+(?P<chassis_description>.*)$");
    let xcvr = re!(
        r"^\s*Xcvr\s+(?P<xcvr_number>\d+|)\s+(?:(?P<xcvr_version>[RrEeVv]+\s+\d+|]|[RrEeVv]+|)\s+)?(?P<xcvr_part>\S+)\s+(?P<xcvr_serial_number>\S+)\s+(?P<xcvr_description>.*)"
    );
    let power = re!(r"^\s*(?:PEM|Power\s+Supply)");
    let power_row = re!(
        r"^\s*(?:PEM|Power\s+Supply)\s+(?P<ps_number>\d+|)\s+(?P<ps_version>[RrEeVv]+\s+\d+|]|[RrEeVv]+|)\s+(?P<ps_part>\S+)\s+(?P<ps_serial_number>\w+)\s+(?P<ps_description>.*)$"
    );
    let fan = re!(r"^\s*(?:Fan|Fan\sTray)");
    let fan_row = re!(
        r"^\s*(?:Fan|Fan\sTray)\s+(?P<fan_number>\d+|)\s+(?P<fan_version>[RrEeVv]+\s+\d+|)\s+(?P<fan_part>\w+-\w+|BUILTIN)\s+(?P<fan_serial_number>\w+)\s+(?P<fan_description>.*)$"
    );
    let fan_short = re!(r"^\s*(?:Fan|Fan\sTray)\s+(?P<fan_number>\d+|)\s+(?P<fan_description>.*)$");

    let mut records = Records::new(*FIELDS);
    'lines: for line in output.lines() {
        if re!(r"^Hardware").is_match(line)
            || re!(r"^Item\s+Version\s+Part\s+number").is_match(line)
        {
            continue;
        }
        if records.assign_match(chassis, line) {
            records.record();
            continue;
        }
        for (re, then) in ROWS.iter() {
            if records.assign_match(re, line) {
                if *then == Then::Record {
                    records.record();
                }
                continue 'lines;
            }
        }
        if records.assign_match(xcvr, line) {
            records.record();
            continue;
        }
        // Power supplies and fans sit outside any FPC: forget the carried-down slot.
        if power.is_match(line) {
            records.clear_all();
            if records.assign_match(power_row, line) {
                records.record();
            }
            continue;
        }
        if fan.is_match(line) {
            records.clear_all();
            for re in [fan_row, fan_short] {
                if records.assign_match(re, line) {
                    records.record();
                    break;
                }
            }
        }
    }
    records.finish_discarding()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "\
Hardware inventory:
Item             Version  Part number  Serial number     Description
Chassis                                JN12345ABC        MX204
Midplane         REV 07   750-070866   ACAX1234          MX204
Routing Engine 0          BUILTIN      BUILTIN           RE-S-1600x8
CB 0             REV 03   750-069579   CAGA1234          MX204 CB
FPC 0                     BUILTIN      BUILTIN           MPC
  PIC 0                   BUILTIN      BUILTIN           4XQSFP28 PIC
    Xcvr 0       REV 01   740-058734   1ACQ1234567       QSFP-100GBASE-SR4
    Xcvr 1                NON-JNPR     X20A1234          QSFP-100G-LR4
PEM 0            Rev 04   740-069994   1EDL1234567       DC 650W PSU
Fan Tray 0       REV 01   760-069329   ACDB1234          Fan Tray, Front to Back Airflow - AFO
Fan Tray 1                                               Fan Tray, Front to Back Airflow - AFO
";

    #[test]
    fn inventory_tree() {
        let rows = parse(OUT);
        assert_eq!(rows.len(), 9);
        assert_eq!(rows[0]["chassis_serial_number"], "JN12345ABC");
        assert_eq!(rows[1]["mid_version"], "REV 07");
        assert_eq!(rows[2]["re_number"], "0");
        assert_eq!(rows[2]["re_version"], "");
        assert_eq!(rows[3]["cb_part"], "750-069579");
        // Transceivers carry their FPC and PIC down.
        assert_eq!(rows[4]["xcvr_serial_number"], "1ACQ1234567");
        assert_eq!(rows[4]["fpc_number"], "0");
        assert_eq!(rows[4]["pic_description"], "4XQSFP28 PIC");
        assert_eq!(rows[5]["xcvr_version"], "");
        assert_eq!(rows[5]["xcvr_part"], "NON-JNPR");
        assert_eq!(rows[6]["ps_description"], "DC 650W PSU");
        assert_eq!(rows[6]["fpc_number"], "");
        assert_eq!(rows[7]["fan_part"], "760-069329");
        assert_eq!(rows[8]["fan_number"], "1");
        assert_eq!(
            rows[8]["fan_description"],
            "Fan Tray, Front to Back Airflow - AFO"
        );
    }
}
