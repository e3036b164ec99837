//! Command normalisation: one spelling per command, so `sh  ver` and `show version` share
//! a cache entry and a parser.

/// Commands whose words may be abbreviated. A typed word expands when it is a prefix of
/// exactly one word allowed at that position after the words before it; otherwise it
/// (and everything after it, which is then an argument) is kept as typed.
const VOCABULARY: &[&str] = &[
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

/// Folds whitespace and expands unambiguous abbreviations (`sh ip int br` becomes
/// `show ip interface brief`). Words after `|` and arguments are kept as typed.
pub fn normalize_command(_platform: &str, command: &str) -> String {
    netpulse_vendor_kit::normalize::expand(VOCABULARY, command)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(c: &str) -> String {
        normalize_command("arista_eos", c)
    }

    #[test]
    fn abbreviations_expand() {
        assert_eq!(n("sh ver"), "show version");
        assert_eq!(n("  sh   int  "), "show interfaces");
        assert_eq!(n("sh ip int br"), "show ip interface brief");
        assert_eq!(n("sh inv"), "show inventory");
        assert_eq!(n("sh lldp nei"), "show lldp neighbors");
        assert_eq!(n("sh vl"), "show vlan");
        assert_eq!(n("SH VER"), "show version");
        assert_eq!(n("conf t"), "configure terminal");
    }

    #[test]
    fn arguments_and_unknown_words_are_kept() {
        assert_eq!(n("sh int Ethernet1"), "show interfaces Ethernet1");
        assert_eq!(n("sh int st"), "show interfaces status");
        assert_eq!(n("sh ip route vrf MGMT"), "show ip route vrf MGMT");
        assert_eq!(n("sh i"), "show i");
        assert_eq!(n("sh foo bar"), "show foo bar");
        assert_eq!(n("sh ver | i Serial"), "show version | i Serial");
        assert_eq!(n("show version"), "show version");
    }
}
