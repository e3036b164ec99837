//! The abbreviation expansion behind every vendor's `normalize-command`, in the two forms
//! the vendors' vocabularies take ([`Vocabulary`]): whole commands whose words expand by
//! position (a list of commands, [`expand`]: EOS, Junos, VRP), or `show` keywords each with
//! the shortest abbreviation the CLI's users rely on ([`Keywords`]: IOS, NX-OS, IOS-XR).

/// A vendor's command vocabulary: what `normalize-command` expands abbreviations against.
pub trait Vocabulary {
    /// The canonical spelling of `command`.
    fn normalize(&self, command: &str) -> String;
}

/// Full commands, words separated by one space (see [`expand`]).
impl Vocabulary for &[&str] {
    fn normalize(&self, command: &str) -> String {
        expand(self, command)
    }
}

/// See [`abbreviated`].
impl Vocabulary for Keywords {
    fn normalize(&self, command: &str) -> String {
        abbreviated(self, command)
    }
}

/// Folds whitespace and expands each word that is a prefix of exactly one word allowed at
/// that position in `vocabulary` (full commands, words separated by one space). The first
/// word that does not expand, and everything after it or after `|`, is kept as typed:
/// those are arguments.
pub fn expand(vocabulary: &[&str], command: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut expanding = true;
    for word in command.split_whitespace() {
        if word == "|" {
            expanding = false;
        }
        if expanding {
            let lower = word.to_ascii_lowercase();
            let mut candidates: Vec<&str> = vocabulary
                .iter()
                .filter_map(|entry| {
                    let mut words = entry.split(' ');
                    let prefix_matches = out.iter().all(|done| words.next() == Some(done.as_str()));
                    if prefix_matches { words.next() } else { None }
                })
                .filter(|candidate| candidate.starts_with(&lower))
                .collect();
            candidates.sort_unstable();
            candidates.dedup();
            let exact = candidates.iter().any(|c| *c == lower);
            match candidates.as_slice() {
                _ if exact => {
                    out.push(lower);
                    continue;
                }
                [only] => {
                    out.push((*only).to_string());
                    continue;
                }
                _ => expanding = false,
            }
        }
        out.push(word.to_string());
    }
    out.join(" ")
}

/// The `show` keywords IOS, NX-OS and IOS-XR share, each with the same shortest
/// abbreviation on all three.
pub const CISCO_SHOW: &[(&str, usize)] = &[
    ("show", 2),
    ("version", 3),
    ("ip", 2),
    ("brief", 2),
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
    ("bgp", 3),
    ("summary", 3),
    ("clock", 3),
    ("logging", 3),
    ("spanning-tree", 4),
];

/// A Cisco-style `show` vocabulary: keywords that expand wherever they stand, each with the
/// shortest abbreviation that is unambiguous among the CLI's own keywords (`in` could be
/// `interfaces` or `inventory`; `int` is always `interfaces`).
pub struct Keywords {
    /// (full keyword, shortest abbreviation), matched case-insensitively; one table, or
    /// [`CISCO_SHOW`] and the CLI's own words.
    pub words: &'static [&'static [(&'static str, usize)]],
    /// Words that may stand before `show` (IOS-XR's `admin` plane).
    pub before_show: &'static [&'static str],
    /// Keywords that take their own table for the next word, tried before `words` (after
    /// IOS's `ip`, `int` is the singular `interface`).
    pub after: &'static [(&'static str, &'static [(&'static str, usize)])],
}

/// Canonical form of `command` under `keywords`. Only `show` commands are expanded; other
/// commands only have their whitespace folded. Words with digits or other punctuation are
/// arguments (`Gi0/1`, `10`) and are kept as typed, as is everything from an output pipe
/// (`| include Up`) on.
pub fn abbreviated(keywords: &Keywords, command: &str) -> String {
    let words: Vec<&str> = command.split_whitespace().collect();
    let lead = |i: usize| words.get(i).and_then(|w| keyword(keywords.words, w));
    let is_show = lead(0) == Some("show")
        || (lead(0).is_some_and(|w| keywords.before_show.contains(&w)) && lead(1) == Some("show"));
    if !is_show {
        return words.join(" ");
    }
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut piped = false;
    for word in words {
        piped |= word.starts_with('|');
        let special = out
            .last()
            .and_then(|prev| keywords.after.iter().find(|(after, _)| after == prev))
            .and_then(|(_, table)| keyword(&[table], word));
        match special.or_else(|| keyword(keywords.words, word)) {
            Some(full) if !piped => out.push(full.to_string()),
            _ => out.push(word.to_string()),
        }
    }
    out.join(" ")
}

/// The keyword of `tables` that `word` abbreviates, if exactly one (or an exact match) fits.
fn keyword(tables: &[&'static [(&'static str, usize)]], word: &str) -> Option<&'static str> {
    if !word.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    let all = || tables.iter().flat_map(|t| t.iter());
    if let Some((full, _)) = all().find(|(full, _)| *full == lower) {
        return Some(full);
    }
    let mut fits = all().filter(|(full, min)| lower.len() >= *min && full.starts_with(&lower));
    match (fits.next(), fits.next()) {
        (Some((full, _)), None) => Some(full),
        _ => None,
    }
}
