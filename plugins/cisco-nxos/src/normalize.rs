//! One spelling per command, so `sh ip int br` and `show ip interface brief` share a cache
//! entry and find the same parser: NX-OS's `show` keywords, expanded by
//! `netpulse_vendor_kit::normalize::abbreviated` (arguments, unknown words and everything
//! after an output pipe are kept as typed).

use netpulse_vendor_kit::normalize::{CISCO_SHOW, Keywords};

/// `show` keywords: (full word, shortest abbreviation NX-OS users rely on). NX-OS's word is
/// the singular `interface`, and it has no `show vlans`.
///
/// The minimum lengths keep abbreviations unambiguous among NX-OS's own keywords
/// (`in` could be `interface` or `inventory`; `int` is always `interface`).
const KEYWORDS: &[(&str, usize)] = &[
    ("interface", 3),
    ("vlan", 2),
    ("mac", 3),
    ("address-table", 4),
    ("port-channel", 6),
    ("vpc", 3),
    ("hostname", 4),
];

/// NX-OS's vocabulary as the kit expands it.
pub(crate) const VOCABULARY: Keywords = Keywords {
    words: &[CISCO_SHOW, KEYWORDS],
    before_show: &[],
    after: &[],
};

/// (as typed, canonical): abbreviations expand, case and whitespace fold; arguments,
/// unknown words and everything after a pipe are kept as typed.
#[cfg(test)]
pub(crate) const SPELLINGS: &[(&str, &str)] = &[
    ("sh ver", "show version"),
    ("sh  ip   int  br", "show ip interface brief"),
    ("sh int", "show interface"),
    ("sh int br", "show interface brief"),
    ("sh inv", "show inventory"),
    ("sh vl", "show vlan"),
    ("sh lldp nei", "show lldp neighbors"),
    ("sh cdp nei", "show cdp neighbors"),
    ("SHOW Version", "show version"),
    ("sh int Eth1/1", "show interface Eth1/1"),
    ("sh int Ethernet1/1 br", "show interface Ethernet1/1 brief"),
    ("sh foo Bar", "show foo Bar"),
    ("sh run | i Version", "show running-config | i Version"),
    ("  conf   t ", "conf t"),
    ("sh interfaces", "show interfaces"),
];
