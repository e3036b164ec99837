//! The grammar of `security.allowed_targets` entries: a CIDR block (`10.0.0.0/8`,
//! `2001:db8::/32`, or a bare address meaning just that one) or a hostname glob (`*.lab`,
//! `core-?.example.net`). Pure parsing and matching, so the config validator and the gateway
//! agree on what a rule means; resolving names and refusing targets is `jobs::targets`.

use std::net::IpAddr;

use super::cidr::Cidr;

/// One allow-list entry, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Every address inside the block is allowed.
    Cidr(Cidr),
    /// A host name matching the glob (case-insensitive; `*` any run of characters, `?` one)
    /// is allowed whatever it resolves to: the operator trusts that zone's DNS.
    Glob(String),
}

/// Longest entry accepted: a hostname is at most 253 characters.
const MAX_RULE_LEN: usize = 253;

impl Rule {
    /// Parses one entry; the error says what a rule may look like.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("an empty rule; give a CIDR block or a hostname glob".into());
        }
        if text.len() > MAX_RULE_LEN {
            return Err(format!(
                "{} characters, at most {MAX_RULE_LEN}",
                text.chars().count()
            ));
        }
        // `Cidr::parse` trims, and a rule with white space in it is no rule at all.
        if !text.contains(char::is_whitespace)
            && let Ok(net) = Cidr::parse(text)
        {
            return Ok(Rule::Cidr(net));
        }
        if text.contains('/') {
            return Err(format!("{text:?} is not a valid CIDR block"));
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '*' | '?'))
        {
            return Err(format!(
                "{text:?} is neither a CIDR block nor a hostname glob (letters, digits, '.', '-', '_', '*', '?')"
            ));
        }
        Ok(Rule::Glob(text.to_ascii_lowercase()))
    }

    /// Whether the rule allows address `ip`.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        match self {
            Rule::Cidr(net) => net.contains(ip),
            Rule::Glob(_) => false,
        }
    }

    /// Whether the rule allows the name `host` (as given, before resolution).
    pub fn allows_name(&self, host: &str) -> bool {
        match self {
            Rule::Cidr(_) => false,
            Rule::Glob(glob) => glob_match(glob.as_bytes(), host.to_ascii_lowercase().as_bytes()),
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rule::Cidr(net) => write!(f, "{net}"),
            Rule::Glob(glob) => f.write_str(glob),
        }
    }
}

/// `*`/`?` glob match in O(text × pattern) steps at worst (the classic backtrack-to-last-star
/// algorithm: no exponential blow-up on hostile patterns, and both sides are short).
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_bare_address_and_glob_parse_and_match() {
        let net = Rule::parse("10.0.0.0/8").expect("cidr");
        assert!(net.allows_ip("10.1.2.3".parse().expect("ip")));
        assert!(net.allows_ip("::ffff:10.1.2.3".parse().expect("ip")));
        assert!(!net.allows_ip("11.0.0.1".parse().expect("ip")));
        let one = Rule::parse("192.0.2.7").expect("address");
        assert!(one.allows_ip("192.0.2.7".parse().expect("ip")));
        assert!(!one.allows_ip("192.0.2.8".parse().expect("ip")));
        let glob = Rule::parse("*.LAB").expect("glob");
        assert!(glob.allows_name("core-1.lab"));
        assert!(!glob.allows_name("core-1.lab.evil"));
        assert!(!glob.allows_ip("10.0.0.1".parse().expect("ip")));
        assert!(Rule::parse("r?.x").expect("glob").allows_name("r1.x"));
    }

    #[test]
    fn bad_rules_are_refused() {
        for bad in ["", "10.0.0.0/33", "a b", "host:22", "x\n"] {
            assert!(Rule::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Rule::parse(&"a".repeat(300)).is_err());
    }

    #[test]
    fn hostile_globs_stay_linear() {
        let pattern = "*a".repeat(100) + "b";
        let text = "a".repeat(10_000);
        assert!(!glob_match(pattern.as_bytes(), text.as_bytes()));
    }
}
