//! Command normalisation: one spelling per command, so `sh  ver` and `show version` share
//! a cache entry and a parser.

/// Commands whose words may be abbreviated. A typed word expands when it is a prefix of
/// exactly one word allowed at that position after the words before it; otherwise it
/// (and everything after it, which is then an argument) is kept as typed.
pub(crate) const VOCABULARY: &[&str] = &[
    "show version",
    "show interfaces status",
    "show interfaces counters errors",
    "show interfaces description",
    "show interfaces transceiver",
    "show ip interface brief",
    "show ip route summary",
    "show ip route vrf",
    "show ip arp",
    "show ip bgp summary",
    "show ip bgp neighbors",
    "show ip ospf neighbor",
    "show ipv6 interface brief",
    "show ipv6 route",
    "show vlan brief",
    "show vrf",
    "show inventory",
    "show lldp neighbors detail",
    "show mac address-table",
    "show mlag",
    "show running-config",
    "show startup-config",
    "show clock",
    "show hostname",
    "show logging",
    "show environment all",
    "show processes top",
    "show port-channel summary",
    "show spanning-tree",
    "show bgp evpn summary",
    "show users",
    "configure terminal",
    "copy running-config startup-config",
    "terminal length",
    "terminal width",
    "write memory",
    "ping",
    "traceroute",
    "enable",
    "disable",
];

/// (as typed, canonical): abbreviations expand, case and whitespace fold; arguments,
/// unknown words and everything after a pipe are kept as typed.
#[cfg(test)]
pub(crate) const SPELLINGS: &[(&str, &str)] = &[
    ("sh ver", "show version"),
    ("  sh   int  ", "show interfaces"),
    ("sh ip int br", "show ip interface brief"),
    ("sh inv", "show inventory"),
    ("sh lldp nei", "show lldp neighbors"),
    ("sh vl", "show vlan"),
    ("SH VER", "show version"),
    ("conf t", "configure terminal"),
    ("sh int Ethernet1", "show interfaces Ethernet1"),
    ("sh int st", "show interfaces status"),
    ("sh ip route vrf MGMT", "show ip route vrf MGMT"),
    ("sh i", "show i"),
    ("sh foo bar", "show foo bar"),
    ("sh ver | i Serial", "show version | i Serial"),
    ("show version", "show version"),
];
