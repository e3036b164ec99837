//! `display version`: VRP and product versions, model and uptime from the header block.

use crate::record::{Field, Records, plain, re};
use serde_json::Value;

const FIELDS: &[Field] = &[
    plain("vrp_version"),
    plain("product_version"),
    plain("model"),
    plain("uptime"),
    plain("patch_version"),
];

/// Parses `display version`. Only the header block is read: it ends at the first blank
/// line or board section (`MPU 0(Master) : ...`, `BKP 1 version information`), after which
/// per-board lines would be mistaken for chassis ones.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let version =
        re!(r"^.*software,\s+Version\s+(?P<vrp_version>\S+)\s+\((?P<product_version>.+)\)");
    let patch = re!(r"^Patch\s+[Vv]ersion\s*:\s+(?P<patch_version>\S+)\s*$");
    // `HUAWEI NE40E-X2-M8A uptime is ...`, `Huawei AR617VW-LTE4EA Router uptime is ...`:
    // the model is everything before the optional `Router` word.
    let uptime = re!(
        r"^(?:HUAWEI|Huawei|Quidway)\s+(?P<model>.+?)\s+(?:Router\s+)?uptime\s+is\s+(?P<uptime>.+)$"
    );
    let end = re!(r"^(?:\s*$|BKP\s+\d+\s+version\s+information|MPU\s+\d+.+)");
    let mut records = Records::new(FIELDS);
    for line in output.lines() {
        if end.is_match(line) {
            break;
        }
        for re in [version, patch, uptime] {
            if records.assign_match(re, line) {
                break;
            }
        }
    }
    records.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_header() {
        let out = "\
Huawei Versatile Routing Platform Software
VRP (R) software, Version 5.170 (S5720 V200R019C10SPC500)
Copyright (C) 2000-2020 HUAWEI TECH Co., Ltd.
HUAWEI S5720-28X-SI-AC Routing Switch uptime is 12 weeks, 1 day, 3 hours, 7 minutes
Patch Version: V200R019SPH008

ES5D2T28S005 0(Master) : uptime is 12 weeks, 1 day, 3 hours, 6 minutes
";
        let rows = parse(out);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["vrp_version"], "5.170");
        assert_eq!(rows[0]["product_version"], "S5720 V200R019C10SPC500");
        assert_eq!(rows[0]["model"], "S5720-28X-SI-AC Routing Switch");
        assert_eq!(rows[0]["uptime"], "12 weeks, 1 day, 3 hours, 7 minutes");
        assert_eq!(rows[0]["patch_version"], "V200R019SPH008");
    }

    #[test]
    fn router_word_is_not_part_of_the_model() {
        let out = "VRP (R) software, Version 5.170 (AR6100 V300R021C00)\n\
                   Huawei AR6120 Router uptime is 0 week, 1 day, 2 hours, 3 minutes\n";
        assert_eq!(parse(out)[0]["model"], "AR6120");
    }
}
