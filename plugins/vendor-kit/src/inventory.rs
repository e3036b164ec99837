//! The `show inventory` entities IOS, NX-OS and IOS-XR print alike: a `NAME:` / `DESCR:`
//! line, then a `PID:` / `VID:` / `SN:` line, each in several layouts. The record is the
//! same on all three; IOS and NX-OS read it with a list of line rules, in order.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::scan::{cap, lines};

/// ntc-templates' `show inventory` record (`cisco_ios_…`, `cisco_nxos_…`,
/// `cisco_xr_admin_…`).
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Entity name (`Chassis`, `Slot 1`, `Ethernet1/1`, `0/RP0/CPU0`).
    pub name: String,
    /// Entity description.
    pub descr: String,
    /// Product id; empty for entities without one.
    pub pid: String,
    /// Version id.
    pub vid: String,
    /// Serial number (`N/A` for some fans, empty for others).
    pub sn: String,
}

/// A field of [`Record`] that a capture group fills.
#[derive(Clone, Copy, Debug)]
pub enum Field {
    /// [`Record::name`].
    Name,
    /// [`Record::descr`].
    Descr,
    /// [`Record::pid`].
    Pid,
    /// [`Record::vid`].
    Vid,
    /// [`Record::sn`].
    Sn,
}

/// One line layout: the regex, the fields its groups fill (group 1 first), and whether
/// the line ends the entity (the `PID` line that carries the serial, or its last part).
pub struct Rule {
    /// The layout.
    pub re: &'static LazyLock<Regex>,
    /// What groups 1, 2, … fill.
    pub fields: &'static [Field],
    /// The entity is complete after this line.
    pub ends_entity: bool,
}

/// A [`Rule`], for rule tables.
pub const fn rule(
    re: &'static LazyLock<Regex>,
    fields: &'static [Field],
    ends_entity: bool,
) -> Rule {
    Rule {
        re,
        fields,
        ends_entity,
    }
}

/// Parses inventory output with `rules`, the first matching rule taking each line. An
/// entity left open at the end (a name without its serial line) is still emitted.
pub fn parse(output: &str, rules: &[Rule]) -> Vec<Record> {
    let mut out = Vec::new();
    let mut r = Record::default();
    let mut touched = false;
    for line in lines(output) {
        let Some((rule, c)) = rules
            .iter()
            .find_map(|rule| rule.re.captures(line).map(|c| (rule, c)))
        else {
            continue;
        };
        for (i, field) in rule.fields.iter().enumerate() {
            let value = cap(&c, i + 1);
            match field {
                Field::Name => r.name = value,
                Field::Descr => r.descr = value,
                Field::Pid => r.pid = value,
                Field::Vid => r.vid = value,
                Field::Sn => r.sn = value,
            }
        }
        touched = true;
        if rule.ends_entity {
            out.push(std::mem::take(&mut r));
            touched = false;
        }
    }
    if touched {
        out.push(r);
    }
    out
}
