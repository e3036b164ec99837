//! The abbreviation expansion every vendor's `normalize-command` uses, over its own
//! vocabulary of full command words.

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
