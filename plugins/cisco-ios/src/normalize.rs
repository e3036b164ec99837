//! One spelling per command, so `sh ip int br` and `show ip interface brief` share a cache
//! entry and find the same parser: IOS's `show` keywords, expanded by
//! `netpulse_vendor_kit::normalize::abbreviated` (arguments, unknown words and everything
//! after an output pipe are kept as typed).

use netpulse_vendor_kit::normalize::{CISCO_SHOW, Keywords};

/// `show` keywords: (full word, shortest abbreviation IOS users rely on).
///
/// The minimum lengths keep abbreviations unambiguous among IOS's own keywords
/// (`in` could be `interfaces` or `inventory`; `int` is always `interfaces`).
const KEYWORDS: &[(&str, usize)] = &[
    ("interfaces", 3),
    ("vlan", 2),
    ("vlans", 5),
    ("mac", 3),
    ("address-table", 3),
    ("etherchannel", 5),
    ("switchport", 6),
];

/// After `ip`/`ipv6` IOS's keyword is the singular `interface` (`show ip interface brief`).
const AFTER_IP: &[(&str, usize)] = &[("interface", 3)];

/// IOS's vocabulary as the kit expands it.
pub(crate) const VOCABULARY: Keywords = Keywords {
    words: &[CISCO_SHOW, KEYWORDS],
    before_show: &[],
    after: &[("ip", AFTER_IP), ("ipv6", AFTER_IP)],
};

/// (as typed, canonical): abbreviations expand, case and whitespace fold; arguments,
/// unknown words and everything after a pipe are kept as typed.
#[cfg(test)]
pub(crate) const SPELLINGS: &[(&str, &str)] = &[
    ("sh ver", "show version"),
    ("sh  ip   int  br", "show ip interface brief"),
    ("sh int", "show interfaces"),
    ("sh inv", "show inventory"),
    ("sh vl", "show vlan"),
    ("sh vlan", "show vlan"),
    ("sh vlans", "show vlans"),
    ("sh lldp nei", "show lldp neighbors"),
    ("sh cdp nei", "show cdp neighbors"),
    ("SHOW VERSION", "show version"),
    ("show interface", "show interfaces"),
    ("sh int Gi0/1", "show interfaces Gi0/1"),
    (
        "sh int GigabitEthernet1/0/1 status",
        "show interfaces GigabitEthernet1/0/1 status",
    ),
    ("sh foo Bar", "show foo Bar"),
    ("sh run | i Version", "show running-config | i Version"),
    ("  conf   t ", "conf t"),
    ("sh in", "show in"),
];
