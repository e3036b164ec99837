//! XR `show inventory` and `admin show inventory`: one record per entity. Classic XR
//! prints IOS-style quoted `NAME:`/`DESCR:` lines; eXR's admin plane prints aligned
//! `Name:`/`Descr:` columns without quotes or commas.

use netpulse_vendor_kit::inventory::Record;
use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

regexes! {
    NAME_QUOTED = r#"^NAME:\s+"(.*?)",\s+DESCR:\s+"(.*?)"\s*$"#;
    NAME_COLUMNS = r"^\s*Name:\s+(.*?)\s+Descr:\s+(.*?)\s*$";
    PID_COMMAS = r"^\s*PID:\s+(\S+)\s*,\s+VID:\s+(\S+)\s*,\s+SN:\s*(\S*)\s*$";
    PID_COLUMNS = r"^\s*PID:\s+(\S+)\s+(?:,\s+)?VID:\s+(\S+)\s+(?:,\s+)?SN:\s+(\S*)\s*$";
}

/// Parses inventory output into one record per named entity.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut r = Record::default();
    for line in lines(output) {
        if let Some(c) = NAME_QUOTED
            .captures(line)
            .or_else(|| NAME_COLUMNS.captures(line))
        {
            (r.name, r.descr) = (cap(&c, 1), cap(&c, 2));
        } else if let Some(c) = PID_COMMAS
            .captures(line)
            .or_else(|| PID_COLUMNS.captures(line))
        {
            (r.pid, r.vid, r.sn) = (cap(&c, 1), cap(&c, 2), cap(&c, 3));
            // An entity needs its name; a PID line without one is dropped with it.
            let done = std::mem::take(&mut r);
            if !done.name.is_empty() {
                out.push(done);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_column_layouts() {
        let out = "\
Tue Mar  5 10:00:00.000 UTC
NAME: \"0/RSP0/CPU0\", DESCR: \"ASR9K Route Switch Processor\"
PID: A9K-RSP880-SE, VID: V02, SN: FOC2000AAAA

NAME: \"fan0 0/FT0\", DESCR: \"ASR9K Generic Fan\"
PID: N/A, VID: N/A, SN:

 Name: Rack 0                Descr: NCS 5501 Fixed Chassis
 PID: NCS-5501               VID: V01                   SN: FOC2100BBBB
";
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 3);
        assert_eq!(v[0]["pid"], "A9K-RSP880-SE");
        assert_eq!(v[0]["vid"], "V02");
        assert_eq!(v[1]["sn"], "");
        assert_eq!(v[2]["name"], "Rack 0");
        assert_eq!(v[2]["descr"], "NCS 5501 Fixed Chassis");
        assert_eq!(v[2]["sn"], "FOC2100BBBB");
    }
}
