//! A strict reader of OpenSSH known_hosts files.
//!
//! The file decides which devices are trusted, so a line this reader cannot understand is an
//! error, never "no entry for this host": read leniently, a broken line would make a known
//! host look new and have its (possibly forged) key learned under `accept-new`.

use std::path::Path;

use base64::Engine;
use hmac::{Hmac, Mac};
use russh::keys::PublicKey;

/// Largest known_hosts file read. A fleet of a hundred thousand devices with a few keys each
/// fits in tens of MiB; a larger file is a mistake, and reading it on every new connection
/// would cost more than the connection.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One key line: who it is for and the key.
#[derive(Debug)]
pub struct Entry {
    /// 1-based line number, for messages.
    pub line: usize,
    /// The host patterns field, as written.
    patterns: String,
    /// `@revoked`: this key must never be accepted for these hosts.
    revoked: bool,
    /// The key.
    pub key: PublicKey,
}

/// A parsed known_hosts file.
#[derive(Debug, Default)]
pub struct KnownHosts {
    entries: Vec<Entry>,
}

/// What the file says about one host's key.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The host has this key on record.
    Known,
    /// The host is on record with other keys only (of any algorithm), first at `line`.
    Changed {
        /// Line of the first recorded key.
        line: usize,
    },
    /// The key is revoked for this host (an `@revoked` line).
    Revoked {
        /// The `@revoked` line.
        line: usize,
    },
    /// The host is not on record.
    Unknown,
}

impl KnownHosts {
    /// Reads and parses `path`; a missing file is an empty one.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            Ok(meta) if meta.len() > MAX_FILE_BYTES => {
                return Err(format!(
                    "{} is {} bytes, over the {MAX_FILE_BYTES} bytes a known_hosts file may hold",
                    path.display(),
                    meta.len()
                ));
            }
            Ok(_) => {
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?
            }
        };
        let text =
            String::from_utf8(text).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
        Self::parse(&text).map_err(|(line, why)| format!("{} line {line}: {why}", path.display()))
    }

    /// Parses known_hosts text; `Err((line, why))` on the first line that is not a comment,
    /// blank, or `[marker] patterns keytype base64 [comment]` with a key that decodes and
    /// matches its keytype.
    pub fn parse(text: &str) -> Result<Self, (usize, String)> {
        let mut entries = Vec::new();
        for (n, raw) in text.split('\n').enumerate() {
            let line = n + 1;
            let trimmed = raw.trim_end_matches('\r').trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let mut fields = trimmed.split_ascii_whitespace();
            let mut first = fields.next().unwrap_or_default();
            let mut revoked = false;
            if let Some(marker) = first.strip_prefix('@') {
                match marker {
                    "revoked" => revoked = true,
                    // Certificates are refused at connect; their CA lines say nothing here.
                    "cert-authority" => continue,
                    other => return Err((line, format!("unknown marker @{other}"))),
                }
                first = fields.next().unwrap_or_default();
            }
            let (Some(keytype), Some(b64)) = (fields.next(), fields.next()) else {
                return Err((line, "expected `hosts keytype key`".into()));
            };
            if first.is_empty() {
                return Err((line, "no host patterns".into()));
            }
            let key = russh::keys::parse_public_key_base64(b64)
                .map_err(|e| (line, format!("the key does not decode: {e}")))?;
            if key.algorithm().as_str() != keytype {
                return Err((
                    line,
                    format!(
                        "key type {keytype} does not match the key ({})",
                        key.algorithm()
                    ),
                ));
            }
            entries.push(Entry {
                line,
                patterns: first.to_string(),
                revoked,
                key,
            });
        }
        Ok(Self { entries })
    }

    /// What the file says about `key` for `host:port`. Any recorded key for the host that is
    /// not this one, whatever its algorithm, makes this key a changed one: a device offering
    /// a new algorithm is indistinguishable from one being impersonated.
    pub fn verdict(&self, host: &str, port: u16, key: &PublicKey) -> Verdict {
        let name = host_port(host, port);
        let mut first_other = None;
        let mut known = false;
        for e in self.entries.iter().filter(|e| matches(&e.patterns, &name)) {
            let same = e.key.key_data() == key.key_data();
            if e.revoked {
                if same {
                    return Verdict::Revoked { line: e.line };
                }
                continue;
            }
            if same {
                known = true;
            } else if first_other.is_none() {
                first_other = Some(e.line);
            }
        }
        match (known, first_other) {
            (true, _) => Verdict::Known,
            (false, Some(line)) => Verdict::Changed { line },
            (false, None) => Verdict::Unknown,
        }
    }
}

/// How known_hosts names `host:port`: the bare host on 22, `[host]:port` elsewhere.
pub fn host_port(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Whether the comma-separated `patterns` name `name`: plain names, `*`/`?` wildcards,
/// `|1|salt|hash` hashed names, and `!negated` patterns (which win).
fn matches(patterns: &str, name: &str) -> bool {
    let mut hit = false;
    for p in patterns.split(',') {
        if let Some(negated) = p.strip_prefix('!') {
            if glob(negated, name) {
                return false;
            }
        } else if let Some(hashed) = p.strip_prefix("|1|") {
            hit |= hashed_matches(hashed, name);
        } else {
            hit |= glob(p, name);
        }
    }
    hit
}

fn hashed_matches(hashed: &str, name: &str) -> bool {
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some((salt, hash)) = hashed.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (b64.decode(salt), b64.decode(hash)) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.update(name.as_bytes());
    mac.verify_slice(&hash).is_ok()
}

/// OpenSSH pattern match, case-insensitive: `*` any run, `?` one character. Iterative with
/// one backtrack point: at worst pattern length × name length steps, no recursion.
fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ED: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
    const ED2: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIA6rWI3G1sz07DnfFlrouTcysQlj2P+jpNSOEWD9OJ3X";

    fn key(b64: &str) -> PublicKey {
        russh::keys::parse_public_key_base64(b64).unwrap()
    }

    #[test]
    fn verdicts() {
        let text = format!(
            "# comment\n\n[r1]:2222 ssh-ed25519 {ED}\nr2,10.0.0.2 ssh-ed25519 {ED2} note\n@revoked r3 ssh-ed25519 {ED}\n"
        );
        let kh = KnownHosts::parse(&text).unwrap();
        assert_eq!(kh.verdict("r1", 2222, &key(ED)), Verdict::Known);
        assert_eq!(
            kh.verdict("r1", 2222, &key(ED2)),
            Verdict::Changed { line: 3 }
        );
        assert_eq!(kh.verdict("r1", 22, &key(ED)), Verdict::Unknown);
        assert_eq!(kh.verdict("10.0.0.2", 22, &key(ED2)), Verdict::Known);
        assert_eq!(kh.verdict("r3", 22, &key(ED)), Verdict::Revoked { line: 5 });
    }

    #[test]
    fn broken_lines_are_errors() {
        for bad in [
            "r1 ssh-ed25519\n",
            "r1 ssh-ed25519 not-base64!!\n",
            &format!("r1 ssh-rsa {ED}\n"),
            &format!("@bogus r1 ssh-ed25519 {ED}\n"),
        ] {
            let e = KnownHosts::parse(bad).unwrap_err();
            assert_eq!(e.0, 1, "{bad:?}: {e:?}");
        }
    }

    #[test]
    fn patterns() {
        assert!(matches("*.lab,r9", "core.lab"));
        assert!(!matches("*.lab,!core.lab", "core.lab"));
        assert!(matches("[r?]:2222", "[r1]:2222"));
        assert!(!matches("r1", "r10"));
        // `|1|` hashed form of "localhost" from OpenSSH's own test vectors would need a salt;
        // a round trip with our own HMAC proves the decoding path.
        let b64 = base64::engine::general_purpose::STANDARD;
        let salt = [7u8; 20];
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&salt).unwrap();
        mac.update(b"[r1]:2222");
        let hash = mac.finalize().into_bytes();
        let entry = format!("|1|{}|{}", b64.encode(salt), b64.encode(hash));
        assert!(matches(&entry, "[r1]:2222"));
        assert!(!matches(&entry, "[r2]:2222"));
    }
}
