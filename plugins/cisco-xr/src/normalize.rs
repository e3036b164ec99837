//! One spelling per command, so `sh ip int br` and `show ip interface brief` share a cache
//! entry and find the same parser.
//!
//! Only `show` commands are expanded: their keywords are matched case-insensitively against
//! the table below (IOS-XR accepts any unambiguous prefix of at least the listed length).
//! Words with digits or other punctuation are arguments (`Gi0/1`, `10`) and are kept as
//! typed, as is everything after an output pipe (`| include Up`).

/// `show` keywords: (full word, shortest abbreviation XR users rely on). As in
/// ntc-templates' index, `int` is the singular `interface` (`show ip interface brief`).
///
/// The minimum lengths keep abbreviations unambiguous among XR's own keywords
/// (`in` could be `interface` or `inventory`; `int` is always `interface`).
const KEYWORDS: &[(&str, usize)] = &[
    ("show", 2),
    ("admin", 3),
    ("version", 3),
    ("interface", 3),
    ("ip", 2),
    ("ipv4", 4),
    ("ipv6", 4),
    ("brief", 2),
    ("inventory", 3),
    ("lldp", 2),
    ("cdp", 2),
    ("platform", 4),
    ("redundancy", 4),
    ("neighbors", 3),
    ("detail", 3),
    ("status", 4),
    ("running-config", 3),
    ("startup-config", 3),
    ("route", 2),
    ("arp", 3),
    ("bgp", 3),
    ("summary", 3),
    ("clock", 3),
    ("logging", 3),
    ("spanning-tree", 4),
    ("bundle", 3),
];

/// Canonical form of `command` on IOS-XR; `admin` may precede `show` (the admin plane).
pub fn normalize(_platform: &str, command: &str) -> String {
    let words: Vec<&str> = command.split_whitespace().collect();
    let first = words.first().and_then(|w| expand(w));
    let second = words.get(1).and_then(|w| expand(w));
    let is_show = first == Some("show") || (first == Some("admin") && second == Some("show"));
    if !is_show {
        return words.join(" ");
    }
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut piped = false;
    for word in words {
        piped |= word.starts_with('|');
        match expand(word) {
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
        normalize("cisco_xr", c)
    }

    #[test]
    fn common_abbreviations() {
        assert_eq!(n("sh ver"), "show version");
        assert_eq!(n("sh  ip   int  br"), "show ip interface brief");
        assert_eq!(n("sh inv"), "show inventory");
        assert_eq!(n("admin sh inv"), "admin show inventory");
        assert_eq!(n("adm   sh   inv"), "admin show inventory");
        assert_eq!(n("sh lldp nei"), "show lldp neighbors");
        assert_eq!(n("SH VER"), "show version");
    }

    #[test]
    fn arguments_unknown_words_and_pipes_kept() {
        assert_eq!(n("sh int Gi0/0/0/1"), "show interface Gi0/0/0/1");
        assert_eq!(n("sh foo Bar"), "show foo Bar");
        assert_eq!(n("sh run | i Version"), "show running-config | i Version");
        assert_eq!(n("  conf   t "), "conf t");
        assert_eq!(n("admin reload"), "admin reload");
    }
}
