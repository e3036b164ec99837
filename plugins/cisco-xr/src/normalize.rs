//! One spelling per command, so `sh ip int br` and `show ip interface brief` share a cache
//! entry and find the same parser: IOS-XR's `show` keywords, expanded by
//! `netpulse_vendor_kit::normalize::abbreviated` (arguments, unknown words and everything
//! after an output pipe are kept as typed).

use netpulse_vendor_kit::normalize::{CISCO_SHOW, Keywords};

/// `show` keywords: (full word, shortest abbreviation XR users rely on). As in
/// ntc-templates' index, `int` is the singular `interface` (`show ip interface brief`).
///
/// The minimum lengths keep abbreviations unambiguous among XR's own keywords
/// (`in` could be `interface` or `inventory`; `int` is always `interface`).
const KEYWORDS: &[(&str, usize)] = &[
    ("admin", 3),
    ("interface", 3),
    ("ipv4", 4),
    ("ipv6", 4),
    ("platform", 4),
    ("redundancy", 4),
    ("bundle", 3),
];

/// IOS-XR's vocabulary as the kit expands it.
pub(crate) const VOCABULARY: Keywords = Keywords {
    words: &[CISCO_SHOW, KEYWORDS],
    before_show: &["admin"],
    after: &[],
};

/// (as typed, canonical): abbreviations expand, case and whitespace fold; arguments,
/// unknown words and everything after a pipe are kept as typed.
#[cfg(test)]
pub(crate) const SPELLINGS: &[(&str, &str)] = &[
    ("sh ver", "show version"),
    ("sh  ip   int  br", "show ip interface brief"),
    ("sh inv", "show inventory"),
    ("admin sh inv", "admin show inventory"),
    ("adm   sh   inv", "admin show inventory"),
    ("sh lldp nei", "show lldp neighbors"),
    ("SH VER", "show version"),
    ("sh int Gi0/0/0/1", "show interface Gi0/0/0/1"),
    ("sh foo Bar", "show foo Bar"),
    ("sh run | i Version", "show running-config | i Version"),
    ("  conf   t ", "conf t"),
    ("admin reload", "admin reload"),
];
