//! Command normalisation: one spelling per command, so `sh  ver` and `show version` share
//! a cache entry and a parser.

/// Commands whose words may be abbreviated. A typed word expands when it is a prefix of
/// exactly one word allowed at that position after the words before it; otherwise it
/// (and everything after it, which is then an argument) is kept as typed.
const VOCABULARY: &[&str] = &[
    "show version detail",
    "show interfaces terse",
    "show interfaces descriptions",
    "show interfaces extensive",
    "show interfaces diagnostics optics",
    "show chassis hardware detail",
    "show chassis alarms",
    "show chassis environment",
    "show chassis routing-engine",
    "show chassis fpc pic-status",
    "show lldp neighbors",
    "show vlans",
    "show route summary",
    "show route protocol",
    "show route table",
    "show bgp summary",
    "show bgp neighbor",
    "show arp no-resolve",
    "show ethernet-switching table",
    "show configuration",
    "show system uptime",
    "show system users",
    "show system alarms",
    "show system storage",
    "show system processes",
    "show log messages",
    "show ospf neighbor",
    "show isis adjacency",
    "show mpls lsp",
    "show lacp interfaces",
    "show ntp associations",
    "show virtual-chassis",
    "configure private",
    "configure exclusive",
    "commit check",
    "commit confirmed",
    "commit and-quit",
    "rollback",
    "set cli screen-length",
    "set cli screen-width",
    "set cli complete-on-space",
    "set cli timestamp",
    "request system reboot",
    "monitor interface",
    "ping",
    "traceroute",
];

/// Folds whitespace and expands unambiguous abbreviations (`sh chas hard` becomes
/// `show chassis hardware`). Words after `|` and arguments are kept as typed.
pub fn normalize_command(_platform: &str, command: &str) -> String {
    netpulse_vendor_kit::normalize::expand(VOCABULARY, command)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(c: &str) -> String {
        normalize_command("juniper_junos", c)
    }

    #[test]
    fn abbreviations_expand() {
        assert_eq!(n("sh ver"), "show version");
        assert_eq!(n("sh  int   terse"), "show interfaces terse");
        assert_eq!(n("sh chas hard"), "show chassis hardware");
        assert_eq!(n("sh lldp nei"), "show lldp neighbors");
        assert_eq!(n("sh vl"), "show vlans");
        assert_eq!(n("sh bgp sum"), "show bgp summary");
        assert_eq!(n("conf priv"), "configure private");
    }

    #[test]
    fn arguments_and_unknown_words_are_kept() {
        assert_eq!(n("sh int ge-0/0/0"), "show interfaces ge-0/0/0");
        assert_eq!(n("sh route table inet.0"), "show route table inet.0");
        assert_eq!(
            n("sh conf | display set"),
            "show configuration | display set"
        );
        assert_eq!(n("sh c"), "show c");
        assert_eq!(n("frobnicate now"), "frobnicate now");
    }
}
