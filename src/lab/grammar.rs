//! Command matching the way network CLIs do it: every keyword may be shortened to a unique prefix
//! (`sh ip int br`), an exact keyword wins over longer ones, and the result says where input went wrong so
//! the vendor can put its caret under the bad word.

/// A set of command specs for one CLI mode. A spec is space-separated keywords plus placeholders:
/// `WORD` takes one token, `LINE` takes one or more (the rest of the line), `LINE?` zero or more.
#[derive(Debug)]
pub struct Grammar {
    specs: Vec<(&'static str, Vec<&'static str>)>,
}

/// How a line matched.
#[derive(Debug, PartialEq, Eq)]
pub enum Match {
    /// A blank line.
    Empty,
    /// `spec` is the matching spec string as given, `args` the tokens the placeholders took (a `LINE` is
    /// one arg holding the rest of the line verbatim).
    Command {
        /// The spec, so vendors can `match` on it.
        spec: &'static str,
        /// Placeholder values in order.
        args: Vec<String>,
    },
    /// Nothing matches the token starting at this byte offset.
    Invalid(usize),
    /// The words so far are a prefix of commands but no command.
    Incomplete,
    /// The token at this byte offset is a prefix of several keywords.
    Ambiguous(usize),
}

/// Splits a line into tokens with their byte offsets; a double-quoted token keeps its spaces.
fn tokenize(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b' ' || bytes[i] == b'\t' {
            i += 1;
            continue;
        }
        let start = i;
        if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        } else {
            while i < bytes.len() && bytes[i] != b' ' && bytes[i] != b'\t' {
                i += 1;
            }
        }
        out.push((start, &line[start..i]));
    }
    out
}

impl Grammar {
    /// Builds a grammar; earlier specs win when several complete commands match.
    pub fn new(specs: &[&'static str]) -> Grammar {
        Grammar {
            specs: specs.iter().map(|s| (*s, s.split(' ').collect())).collect(),
        }
    }

    /// Matches one line.
    pub fn parse(&self, line: &str) -> Match {
        let tokens = tokenize(line);
        if tokens.is_empty() {
            return Match::Empty;
        }
        // Each candidate: spec index, and whether a LINE placeholder has swallowed the rest.
        let mut alive: Vec<(usize, Option<usize>)> =
            (0..self.specs.len()).map(|i| (i, None)).collect();
        for (pos, &(offset, tok)) in tokens.iter().enumerate() {
            let lower = tok.to_ascii_lowercase();
            let mut keywords: Vec<&str> = Vec::new();
            let mut exact = None;
            for &(i, rest) in &alive {
                if rest.is_some() {
                    continue;
                }
                if let Some(&w) = self.specs[i].1.get(pos)
                    && !is_placeholder(w)
                    && w.starts_with(&lower)
                {
                    if w == lower {
                        exact = Some(w);
                    }
                    if !keywords.contains(&w) {
                        keywords.push(w);
                    }
                }
            }
            let chosen = exact.or(if keywords.len() == 1 {
                Some(keywords[0])
            } else {
                None
            });
            if chosen.is_none() && keywords.len() > 1 {
                return Match::Ambiguous(offset);
            }
            alive.retain_mut(|(i, rest)| {
                if rest.is_some() {
                    return true;
                }
                match self.specs[*i].1.get(pos) {
                    Some(&w) if w == "LINE" || w == "LINE?" => {
                        *rest = Some(pos);
                        true
                    }
                    // A keyword match beats a free word at the same position, as on IOS.
                    Some(&"WORD") => chosen.is_none(),
                    Some(&w) => Some(w) == chosen,
                    None => false,
                }
            });
            if alive.is_empty() {
                return Match::Invalid(offset);
            }
        }
        let n = tokens.len();
        // Keywords beat free text: `show interface brief` wins over `show interface LINE?`.
        alive.sort_by_key(|&(i, rest)| (rest.is_some(), i));
        for &(i, rest) in &alive {
            let words = &self.specs[i].1;
            let complete =
                rest.is_some() || words.len() == n || (words.len() == n + 1 && words[n] == "LINE?");
            if !complete {
                continue;
            }
            let mut args = Vec::new();
            for (pos, w) in words.iter().enumerate().take(n) {
                if *w == "WORD" {
                    args.push(unquote(tokens[pos].1));
                } else if *w == "LINE" || *w == "LINE?" {
                    args.push(unquote(line[tokens[pos].0..].trim_end()));
                    break;
                }
            }
            if words.len() == n + 1 && words[n] == "LINE?" {
                args.push(String::new());
            }
            return Match::Command {
                spec: self.specs[i].0,
                args,
            };
        }
        Match::Incomplete
    }
}

fn is_placeholder(w: &str) -> bool {
    matches!(w, "WORD" | "LINE" | "LINE?")
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> Grammar {
        Grammar::new(&[
            "show version",
            "show vlan",
            "show vlan brief",
            "show ip interface brief",
            "show interfaces LINE?",
            "show inventory",
            "configure terminal",
            "interface LINE",
            "hostname WORD",
        ])
    }

    #[test]
    fn abbreviations_match_unique_prefixes() {
        let g = g();
        assert_eq!(
            g.parse("sh ver"),
            Match::Command {
                spec: "show version",
                args: vec![]
            }
        );
        assert_eq!(
            g.parse("sh ip int br"),
            Match::Command {
                spec: "show ip interface brief",
                args: vec![]
            }
        );
        assert_eq!(
            g.parse("conf t"),
            Match::Command {
                spec: "configure terminal",
                args: vec![]
            }
        );
        assert_eq!(
            g.parse("sh vlan"),
            Match::Command {
                spec: "show vlan",
                args: vec![]
            }
        );
        assert_eq!(
            g.parse("sh int gi0/1"),
            Match::Command {
                spec: "show interfaces LINE?",
                args: vec!["gi0/1".into()]
            }
        );
        assert_eq!(
            g.parse("int Gig 0/1"),
            Match::Command {
                spec: "interface LINE",
                args: vec!["Gig 0/1".into()]
            }
        );
    }

    #[test]
    fn errors_point_at_the_token() {
        let g = g();
        assert_eq!(g.parse("show bogus"), Match::Invalid(5));
        assert_eq!(g.parse("sh in"), Match::Ambiguous(3));
        assert_eq!(g.parse("show ip"), Match::Incomplete);
        assert_eq!(g.parse("   "), Match::Empty);
        assert_eq!(g.parse("hostname a b"), Match::Invalid(11));
    }
}
