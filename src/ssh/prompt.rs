//! The device's own prompt, learned after login, and the prompts of other modes derived
//! from it. A read ends at this exact prompt (or one of its mode variants), never at a
//! vendor's textbook pattern: devices drift from the textbook (custom prompts, plain
//! `host#` on every platform, VRP8 `[~host]`), and the vendor profile's patterns are only
//! hints for what a prompt looks like and which mode it means.
//!
//! Derivation is by the learned prompt's form, not by platform:
//! - *bracket* (VRP): `<R1>` → `[R1]`, `[~R1]`, `[*R1]`, `[R1-GigabitEthernet0/0/1]`, `HRP_M<R1>`;
//! - *shell*: `user@host:~$` → `user@host:/tmp$`, `user@host:~#`; `[user@host ~]$` likewise;
//! - *suffixed* (IOS, NX-OS, EOS, XR, Junos, custom): `R1#` → `R1>`, `R1(config)#`,
//!   `R1(config-if)#`, `R1(s1)(config-s-s1)#`; `user@r1>` → `user@r1#`;
//!   `RP/0/RP0/CPU0:r1#` → `RP/0/RP0/CPU0:r1(config)#`;
//! - anything else is matched exactly.

use regex::Regex;

/// Characters of the learned name a shortened config-mode prompt must keep: IOS cuts long
/// hostnames in config prompts, so past this many characters only a prefix is stable.
const SHORTENED_NAME_MIN: usize = 16;
/// Longest line taken for a prompt: prompts are short; a longer last line is output.
pub const MAX_PROMPT_CHARS: usize = 256;

/// Mode groups after a name, `(config)`, `(config-if)`, `(s1)`: no spaces, no nesting.
const GROUPS: &str = r"(?:\([^()\s]*\))*";
/// A host name as devices print one (ASCII on purpose: small automata, and every vendor's
/// hostname rules are a subset).
const NAME: &str = r"[A-Za-z0-9_.\-]+";

/// The learned prompt's form, which decides its mode variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `<name>` and `[name]` (VRP).
    Bracket,
    /// `user@host:path$` or `[user@host path]$` (Unix shells).
    Shell,
    /// A stem, optional `(mode)` groups and `>`/`#` (or `$`/`%`).
    Suffixed,
    /// None of the above: only this exact line.
    Exact,
}

/// A prompt learned from the device.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// The line as learned, trimmed: named in errors.
    line: String,
    /// Its form.
    form: Form,
    /// The learned prompt and its mode variants, compiled once per learning.
    ours: Regex,
    /// The same form with any name, to recognise this prompt after a hostname change.
    shape: Option<Regex>,
}

impl Prompt {
    /// The prompt `line` stands for, or `None` for a line that cannot be one (empty or
    /// too long).
    pub fn learn(line: &str) -> Option<Prompt> {
        let line = line.trim();
        if line.is_empty() || line.chars().count() > MAX_PROMPT_CHARS {
            return None;
        }
        let (form, ours, shape) = bracket(line)
            .or_else(|| shell(line))
            .or_else(|| suffixed(line))
            .unwrap_or_else(|| {
                (
                    Form::Exact,
                    format!(r"^\s*{}\s*$", regex::escape(line)),
                    None,
                )
            });
        // The patterns are escaped literals joined with fixed fragments, so they compile;
        // `ok()?` keeps a surprise from panicking a job.
        let ours = Regex::new(&ours).ok()?;
        let shape = match shape {
            Some(s) => Some(Regex::new(&s).ok()?),
            None => None,
        };
        Some(Prompt {
            line: line.to_string(),
            form,
            ours,
            shape,
        })
    }

    /// The prompt as learned.
    pub fn line(&self) -> &str {
        &self.line
    }

    /// The learned form.
    pub fn form(&self) -> Form {
        self.form
    }

    /// Whether `line` (a rendered last line) is this prompt in any of its modes.
    pub fn matches(&self, line: &str) -> bool {
        self.ours.is_match(line)
    }

    /// The compiled pattern of [`Prompt::matches`], for cutting the prompt off output.
    pub fn pattern(&self) -> &Regex {
        &self.ours
    }

    /// Whether `line` has this prompt's form with another name (a hostname change).
    pub fn same_form(&self, line: &str) -> bool {
        self.shape.as_ref().is_some_and(|s| s.is_match(line))
    }

    /// Whether `line`, one of this prompt's variants, ends in the privileged sign `#`
    /// (used where the vendor's privileged pattern does not know a custom prompt).
    pub fn privileged(&self, line: &str) -> bool {
        matches!(self.form, Form::Suffixed | Form::Shell) && line.trim_end().ends_with('#')
    }
}

/// Whether a line could be some prompt: short, ending in a prompt sign. Only a candidate:
/// it counts when the device then stays quiet and repeats it after a return. (`]` and `:`
/// are left out: `[confirm]` and `Password:` are questions a return would answer.)
pub fn looks_like_one(line: &str) -> bool {
    let line = line.trim_end();
    line.len() <= MAX_PROMPT_CHARS && line.ends_with(['>', '#', '$', '%'])
}

/// Whether `text` is nothing but `ours` prompts and line breaks, as a terminal shows it.
pub fn only_prompts(text: &str, ours: &impl Fn(&str) -> bool) -> bool {
    crate::ssh::clean::render(text)
        .iter()
        .all(|line| line.trim().is_empty() || ours(line))
}

/// Characters of a device line quoted in an error message.
const QUOTED_CHARS: usize = 120;

/// A device line cut to [`QUOTED_CHARS`] for an error message.
pub fn quoted(line: &str) -> String {
    line.trim().chars().take(QUOTED_CHARS).collect()
}

/// What a read that timed out waited for: the learned prompt, after what, and the line the
/// device showed instead (when it showed another).
pub fn waited_for(learned: &str, what: &str, seen: &str) -> String {
    let seen = seen.trim();
    if seen.is_empty() || seen == learned {
        format!("waiting for the prompt {learned:?} after {what:?}")
    } else {
        format!(
            "waiting for the prompt {learned:?} after {what:?} (the device's last line is {:?})",
            quoted(seen)
        )
    }
}

/// The message of a session whose prompt changed twice in one read.
pub fn out_of_step(learned: &str, what: &str, first: &str, second: &str) -> String {
    format!(
        "session out of step after {what:?}: the prompt was {learned:?}, then the device showed {:?} and then {:?}",
        quoted(first),
        quoted(second)
    )
}

type Derived = (Form, String, Option<String>);

/// `<name>` / `[~name]` with an optional `HRP_M`/`HRP_S` prefix.
fn bracket(line: &str) -> Option<Derived> {
    let core = line
        .strip_prefix("HRP_M")
        .or_else(|| line.strip_prefix("HRP_S"))
        .unwrap_or(line);
    let name = if let Some(inner) = core.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
        inner
    } else {
        let inner = core.strip_prefix('[')?.strip_suffix(']')?;
        inner.trim_start_matches(['~', '*'])
    };
    if name.is_empty() || name.contains(|c: char| c.is_whitespace() || "<>[]".contains(c)) {
        return None;
    }
    let n = regex::escape(name);
    let any = r"[^<>\[\]\s]+";
    Some((
        Form::Bracket,
        format!(r"^\s*(?:HRP_[MS])?(?:<{n}>|\[[~*]?{n}(?:-[^\]\s]*)?\])\s*$"),
        Some(format!(r"^\s*(?:HRP_[MS])?(?:<{any}>|\[[~*]?{any}\])\s*$")),
    ))
}

/// `user@host:path$` and `[user@host path]$`.
fn shell(line: &str) -> Option<Derived> {
    let sign = line.chars().last().filter(|c| "$#%".contains(*c))?;
    let body = line[..line.len() - sign.len_utf8()].trim_end();
    let at_host = |s: &str| {
        let (user, host) = s.split_once('@')?;
        let ok = |p: &str| !p.is_empty() && !p.contains(|c: char| c.is_whitespace() || c == ':');
        (ok(user) && ok(host) && !host.contains('@')).then_some(())
    };
    if let Some(inner) = body.strip_prefix('[').and_then(|b| b.strip_suffix(']')) {
        let (who, _path) = inner.split_once(' ')?;
        at_host(who)?;
        let who = regex::escape(who);
        return Some((
            Form::Shell,
            format!(r"^\s*\[{who} [^\]]*\]\s?[$#]\s*$"),
            Some(r"^\s*\[[^\s@\]]+@[^\s\]]+ [^\]]*\]\s?[$#]\s*$".to_string()),
        ));
    }
    let (who, _path) = body.split_once(':')?;
    at_host(who)?;
    let who = regex::escape(who);
    Some((
        Form::Shell,
        format!(r"^\s*{who}:\S*\s?[$#%]\s*$"),
        Some(r"^\s*[^\s@:]+@[^\s:@]+:\S*\s?[$#%]\s*$".to_string()),
    ))
}

/// A stem, mode groups and a sign: the IOS family, Junos, XR, and most custom prompts.
fn suffixed(line: &str) -> Option<Derived> {
    let sign = line.chars().last().filter(|c| ">#$%".contains(*c))?;
    let mut stem = line[..line.len() - 1].trim_end();
    // Mode groups belong to the mode, not the name: `R1(config-if)` → `R1`.
    while stem.ends_with(')') {
        let open = stem.rfind('(')?;
        if stem[open + 1..stem.len() - 1].contains(|c: char| c.is_whitespace() || c == '(') {
            break;
        }
        stem = &stem[..open];
    }
    if stem.is_empty() {
        return None;
    }
    let signs = if ">#".contains(sign) { "[>#]" } else { "[$#%]" };
    let mut ours = format!(r"^\s*{}{GROUPS}\s?{signs}\s*$", regex::escape(stem));
    if stem.chars().count() > SHORTENED_NAME_MIN {
        let kept: String = stem.chars().take(SHORTENED_NAME_MIN).collect();
        ours.push_str(&format!(
            r"|^\s*{}[^\s()]*(?:\([^()\s]*\))+\s?#\s*$",
            regex::escape(&kept)
        ));
    }
    // The name is what follows the last `@` or `:` (`user@r1`, `RP/0/RP0/CPU0:r1`), or the
    // whole stem when it is a plain hostname; a stem of any other shape has no known name.
    let split = stem.rfind(['@', ':']).map_or(0, |i| i + 1);
    let (fixed, name) = stem.split_at(split);
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    let shape = plain.then(|| format!(r"^\s*{}{NAME}{GROUPS}\s?{signs}\s*$", regex::escape(fixed)));
    Some((Form::Suffixed, ours, shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learn(line: &str) -> Prompt {
        Prompt::learn(line).unwrap_or_else(|| panic!("{line:?} is a prompt"))
    }

    fn check(learned: &str, form: Form, yes: &[&str], no: &[&str]) {
        let p = learn(learned);
        assert_eq!(p.form(), form, "{learned}");
        assert!(p.matches(learned), "{learned} matches itself");
        for line in yes {
            assert!(p.matches(line), "{learned} → {line:?}");
        }
        for line in no {
            assert!(!p.matches(line), "{learned} must not match {line:?}");
        }
    }

    #[test]
    fn ios_family_modes() {
        check(
            "R1#",
            Form::Suffixed,
            &[
                "R1>",
                "R1(config)#",
                "R1(config-if)#",
                "R1(config-vlan)# ",
                "R1# ",
            ],
            &[
                "R10#",
                "R2(config)#",
                "R1 uptime is 3 weeks",
                "xR1#",
                "R1#show ver",
            ],
        );
        check(
            "eos1>",
            Form::Suffixed,
            &["eos1#", "eos1(config-if-Et1)#", "eos1(s1)(config-s-s1)#"],
            &["eos2#"],
        );
        check(
            "n9k#",
            Form::Suffixed,
            &["n9k(maint-mode)#", "n9k(config-if)#"],
            &[],
        );
        check(
            "RP/0/RP0/CPU0:pe1#",
            Form::Suffixed,
            &[
                "RP/0/RP0/CPU0:pe1(config)#",
                "RP/0/RP0/CPU0:pe1(config-if)#",
                "RP/0/RP0/CPU0:pe1(admin)#",
            ],
            &["RP/0/RP0/CPU0:pe2#", "pe1#"],
        );
        // Learned in a config mode: the name is the stem, so exec is derived too.
        check(
            "core(config-if)#",
            Form::Suffixed,
            &["core#", "core>"],
            &["core2#"],
        );
    }

    #[test]
    fn junos_and_custom() {
        check(
            "admin@mx1>",
            Form::Suffixed,
            &["admin@mx1# ", "admin@mx1> "],
            &["admin@mx2>", "{master:0}"],
        );
        check(
            "np:r1 lab>",
            Form::Suffixed,
            &["np:r1 lab#", "np:r1 lab(config)#", "np:r1 lab(config-if)# "],
            &["np:r2 lab#"],
        );
        check(
            "np-lab [sshd]>",
            Form::Suffixed,
            &["np-lab [sshd]#"],
            &["np-lab>"],
        );
        check("Router:", Form::Exact, &[" Router: "], &["Router:x"]);
    }

    #[test]
    fn long_hostnames_shorten_in_config_mode() {
        check(
            "very-long-router-name-01#",
            Form::Suffixed,
            &[
                "very-long-router-n(config)#",
                "very-long-router-name-01(config-if)#",
            ],
            &["very-long-rout(config)#", "very-long-router-name-01x#"],
        );
    }

    #[test]
    fn vrp_views() {
        check(
            "<HUAWEI>",
            Form::Bracket,
            &[
                "[HUAWEI]",
                "[~HUAWEI]",
                "[*HUAWEI]",
                "[HUAWEI-GigabitEthernet0/0/1]",
                "[~HUAWEI-vlan10]",
                "HRP_M<HUAWEI>",
            ],
            &["<HUAWEI2>", "[HUAWEI2]", "HUAWEI#"],
        );
        check("[~ce1]", Form::Bracket, &["<ce1>", "[*ce1-10GE1/0/1]"], &[]);
    }

    #[test]
    fn shells() {
        check(
            "admin@r1:~$",
            Form::Shell,
            &["admin@r1:/tmp$ ", "admin@r1:~#"],
            &["root@r1:~#", "admin@r2:~$"],
        );
        check(
            "[admin@r1 ~]$",
            Form::Shell,
            &["[admin@r1 tmp]# "],
            &["[root@r1 ~]#"],
        );
        check("root@r1:RE:0%", Form::Shell, &["root@r1:RE:0%"], &[]);
    }

    #[test]
    fn a_renamed_device_keeps_the_form() {
        for (learned, renamed, other) in [
            ("r1#", "pe9(config)#", "<r1>"),
            (
                "RP/0/RP0/CPU0:r1#",
                "RP/0/RP0/CPU0:pe9(config)#",
                "pe9(config)#",
            ),
            ("admin@r1>", "admin@pe9#", "pe9#"),
            ("<r1>", "[pe9]", "pe9#"),
            ("admin@r1:~$", "root@r1:/home/admin#", "r1#"),
        ] {
            let p = learn(learned);
            assert!(!p.matches(renamed), "{learned} {renamed}");
            assert!(p.same_form(renamed), "{learned} {renamed}");
            assert!(!p.same_form(other), "{learned} {other}");
        }
        // A custom stem has no known name: only the exact prompt is recognised.
        assert!(!learn("np:r1 lab>").same_form("np:r2 lab>"));
    }

    #[test]
    fn privileged_sign() {
        let p = learn("np:r1 lab>");
        assert!(!p.privileged("np:r1 lab>"));
        assert!(p.privileged("np:r1 lab#"));
        assert!(!learn("<r1>").privileged("[r1]"));
    }

    #[test]
    fn candidates_and_strays() {
        assert!(looks_like_one("renamed lab(config)# "));
        assert!(!looks_like_one("Proceed with reload? [confirm]"));
        assert!(!looks_like_one("Password:"));
        let p = learn("r1#");
        let ours = |l: &str| p.matches(l);
        assert!(only_prompts("\r\nr1#", &ours));
        assert!(!only_prompts("terminal length 0\r\nr1#", &ours));
    }

    #[test]
    fn messages_name_both_prompts() {
        let m = waited_for("r1#", "hostname x", "x lab(config)#");
        assert!(
            m.contains("\"r1#\"") && m.contains("\"x lab(config)#\""),
            "{m}"
        );
        assert_eq!(
            waited_for("r1#", "show version", "r1#"),
            "waiting for the prompt \"r1#\" after \"show version\""
        );
        let m = out_of_step("r1#", "hostname x", "x(config)#", "y(config)#");
        assert!(m.contains("r1#") && m.contains("x(config)#") && m.contains("y(config)#"));
        assert_eq!(quoted(&"a".repeat(500)).len(), QUOTED_CHARS);
    }

    #[test]
    fn not_prompts() {
        assert!(Prompt::learn("   ").is_none());
        assert!(Prompt::learn(&"x".repeat(MAX_PROMPT_CHARS + 1)).is_none());
    }
}
