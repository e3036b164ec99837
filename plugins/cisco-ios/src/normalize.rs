//! One spelling per command, so `sh ip int br` and `show ip interface brief` share a cache
//! entry and find the same parser.
//!
//! Only `show` commands are expanded: their keywords are matched case-insensitively against
//! the table below (IOS accepts any unambiguous prefix of at least the listed length).
//! Words with digits or other punctuation are arguments (`Gi0/1`, `10`) and are kept as
//! typed, as is everything after an output pipe (`| include Up`).

/// `show` keywords: (full word, shortest abbreviation IOS users rely on).
///
/// The minimum lengths keep abbreviations unambiguous among IOS's own keywords
/// (`in` could be `interfaces` or `inventory`; `int` is always `interfaces`).
const KEYWORDS: &[(&str, usize)] = &[
    ("show", 2),
    ("version", 3),
    ("interfaces", 3),
    ("ip", 2),
    ("brief", 2),
    ("vlan", 2),
    ("vlans", 5),
    ("inventory", 3),
    ("lldp", 2),
    ("cdp", 2),
    ("neighbors", 3),
    ("detail", 3),
    ("status", 4),
    ("running-config", 3),
    ("startup-config", 3),
    ("route", 2),
    ("arp", 3),
    ("mac", 3),
    ("address-table", 3),
    ("bgp", 3),
    ("summary", 3),
    ("clock", 3),
    ("logging", 3),
    ("spanning-tree", 4),
    ("etherchannel", 5),
    ("switchport", 6),
];

/// After `ip`/`ipv6` IOS's keyword is the singular `interface` (`show ip interface brief`).
const AFTER_IP: &[(&str, usize)] = &[("interface", 3)];

/// Canonical form of `command` (the platform does not change IOS's vocabulary).
pub fn normalize(_platform: &str, command: &str) -> String {
    let words: Vec<&str> = command.split_whitespace().collect();
    let is_show = words.first().is_some_and(|w| expand(w) == Some("show"));
    if !is_show {
        return words.join(" ");
    }
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut piped = false;
    for word in words {
        piped |= word.starts_with('|');
        let after_ip = out.last().is_some_and(|w| w == "ip" || w == "ipv6");
        let full = if after_ip {
            expand_in(AFTER_IP, word).or_else(|| expand(word))
        } else {
            expand(word)
        };
        match full {
            Some(full) if !piped => out.push(full.to_string()),
            _ => out.push(word.to_string()),
        }
    }
    out.join(" ")
}

/// The `show` keyword `word` abbreviates, if exactly one (or an exact match) fits.
fn expand(word: &str) -> Option<&'static str> {
    expand_in(KEYWORDS, word)
}

/// The keyword of `table` that `word` abbreviates, if exactly one (or an exact match) fits.
fn expand_in(table: &'static [(&'static str, usize)], word: &str) -> Option<&'static str> {
    if !word.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    if let Some((full, _)) = table.iter().find(|(full, _)| *full == lower) {
        return Some(full);
    }
    let mut fits = table
        .iter()
        .filter(|(full, min)| lower.len() >= *min && full.starts_with(&lower));
    match (fits.next(), fits.next()) {
        (Some((full, _)), None) => Some(full),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    fn n(c: &str) -> String {
        normalize("cisco_ios", c)
    }

    #[test]
    fn common_abbreviations() {
        assert_eq!(n("sh ver"), "show version");
        assert_eq!(n("sh  ip   int  br"), "show ip interface brief");
        assert_eq!(n("sh int"), "show interfaces");
        assert_eq!(n("sh inv"), "show inventory");
        assert_eq!(n("sh vl"), "show vlan");
        assert_eq!(n("sh vlan"), "show vlan");
        assert_eq!(n("sh vlans"), "show vlans");
        assert_eq!(n("sh lldp nei"), "show lldp neighbors");
        assert_eq!(n("sh cdp nei"), "show cdp neighbors");
        assert_eq!(n("SHOW VERSION"), "show version");
        assert_eq!(n("show interface"), "show interfaces");
    }

    #[test]
    fn arguments_unknown_words_and_pipes_kept() {
        assert_eq!(n("sh int Gi0/1"), "show interfaces Gi0/1");
        assert_eq!(
            n("sh int GigabitEthernet1/0/1 status"),
            "show interfaces GigabitEthernet1/0/1 status"
        );
        assert_eq!(n("sh foo Bar"), "show foo Bar");
        assert_eq!(n("sh run | i Version"), "show running-config | i Version");
        assert_eq!(n("  conf   t "), "conf t");
        assert_eq!(n("sh in"), "show in");
    }
}
