//! Command normalisation: one spelling per command, so `dis  ver` and `display version` share
//! a cache entry and a parser.

/// Commands whose words may be abbreviated. A typed word expands when it is a prefix of
/// exactly one word allowed at that position after the words before it; otherwise it
/// (and everything after it, which is then an argument) is kept as typed.
const VOCABULARY: &[&str] = &[
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

/// Folds whitespace and expands unambiguous abbreviations (`disp int br` becomes
/// `display interface brief`). Words after `|` and arguments are kept as typed.
pub fn normalize_command(_platform: &str, command: &str) -> String {
    netpulse_vendor_kit::normalize::expand(VOCABULARY, command)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(c: &str) -> String {
        normalize_command("huawei", c)
    }

    #[test]
    fn abbreviations_expand() {
        assert_eq!(n("dis ver"), "display version");
        assert_eq!(n("disp  int   br"), "display interface brief");
        assert_eq!(n("dis int"), "display interface");
        assert_eq!(n("dis vlan"), "display vlan");
        assert_eq!(n("dis dev"), "display device");
        assert_eq!(n("dis lldp nei"), "display lldp neighbor");
        assert_eq!(n("dis lldp nei br"), "display lldp neighbor brief");
        assert_eq!(n("dis cur"), "display current-configuration");
        assert_eq!(n("sys"), "system-view");
    }

    #[test]
    fn arguments_and_unknown_words_are_kept() {
        assert_eq!(
            n("dis int GigabitEthernet0/0/1"),
            "display interface GigabitEthernet0/0/1"
        );
        assert_eq!(
            n("dis cur | inc sysname"),
            "display current-configuration | inc sysname"
        );
        assert_eq!(n("dis s"), "display s");
        assert_eq!(n("frobnicate now"), "frobnicate now");
    }
}
