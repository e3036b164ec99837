//! Command normalisation: one spelling per command, so `dis  ver` and `display version` share
//! a cache entry and a parser.

/// Commands whose words may be abbreviated. A typed word expands when it is a prefix of
/// exactly one word allowed at that position after the words before it; otherwise it
/// (and everything after it, which is then an argument) is kept as typed.
pub(crate) const VOCABULARY: &[&str] = &[
    "display version",
    "display interface brief",
    "display interface description",
    "display ip interface brief",
    "display ip routing-table",
    "display vlan brief",
    "display device",
    "display lldp neighbor brief",
    "display arp all",
    "display mac-address",
    "display bgp peer",
    "display ospf peer brief",
    "display current-configuration",
    "display saved-configuration",
    "display eth-trunk",
    "display clock",
    "display cpu-usage",
    "display memory-usage",
    "display logbuffer",
    "display users",
    "display stp brief",
    "display transceiver",
    "display patch-information",
    "display esn",
    "screen-length",
    "system-view",
    "save",
    "return",
    "quit",
    "commit",
    "ping",
    "tracert",
];

/// (as typed, canonical): abbreviations expand, case and whitespace fold; arguments,
/// unknown words and everything after a pipe are kept as typed.
#[cfg(test)]
pub(crate) const SPELLINGS: &[(&str, &str)] = &[
    ("dis ver", "display version"),
    ("disp  int   br", "display interface brief"),
    ("dis int", "display interface"),
    ("dis vlan", "display vlan"),
    ("dis dev", "display device"),
    ("dis lldp nei", "display lldp neighbor"),
    ("dis lldp nei br", "display lldp neighbor brief"),
    ("dis cur", "display current-configuration"),
    ("sys", "system-view"),
    (
        "dis int GigabitEthernet0/0/1",
        "display interface GigabitEthernet0/0/1",
    ),
    (
        "dis cur | inc sysname",
        "display current-configuration | inc sysname",
    ),
    ("dis s", "display s"),
    ("frobnicate now", "frobnicate now"),
];
