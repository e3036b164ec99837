//! How to drive a platform's CLI, compiled once ([`SessionProfile`], what the CLI driver
//! uses) from the plain strings a vendor plugin returns ([`ProfileSpec`]).

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::Error;
pub use crate::device::ProfileSpec;

/// Room for each profile regex's lazy DFA. Prompt patterns repeat a Unicode class (`\w{1,63}`
/// in the IOS prompt), which makes an NFA too large for the `regex` crate's default 2 MiB:
/// without room for a DFA every match falls back to backtracking, 1.4 µs for a prompt
/// check instead of 15 ns, on every chunk of output that could end in a prompt. The DFA
/// memory is only taken as a pattern is used (about 2.3 MiB more per in-use copy for that
/// prompt).
const PROFILE_DFA_BYTES: usize = 8 << 20;

/// A compiled profile. Regexes compile once per platform (design §7), not per command.
#[derive(Debug, Clone)]
pub struct SessionProfile {
    /// Canonical platform name.
    pub platform: String,
    /// Any-mode prompt.
    pub prompt: Regex,
    /// Privileged prompt, when the platform has enable.
    pub privileged: Option<Regex>,
    /// Config-mode prompt.
    pub config: Option<Regex>,
    /// Pager prompt.
    pub pager: Option<Regex>,
    /// Keys sent at a pager prompt.
    pub pager_continue: String,
    /// Enable command.
    pub enable_command: Option<String>,
    /// Enable password prompt.
    pub enable_password: Regex,
    /// Paging-off commands.
    pub paging_off: Vec<String>,
    /// Setup commands.
    pub setup: Vec<String>,
    /// Config enter.
    pub config_enter: Option<String>,
    /// Config exit.
    pub config_exit: Option<String>,
    /// Commit command.
    pub commit: Option<String>,
    /// Save command.
    pub save: Option<String>,
    /// Questions and their answers.
    pub answers: Vec<(Regex, String)>,
    /// Device error patterns, one set: every output line is tested against all of them in
    /// one pass instead of once per pattern.
    pub errors: RegexSet,
    /// Noise lines.
    pub noise: Vec<Regex>,
}

impl SessionProfile {
    /// Compiles a spec; the error names the pattern that failed.
    pub fn compile(platform: &str, spec: &ProfileSpec) -> Result<Self, Error> {
        let re = |name: &str, pattern: &str| {
            RegexBuilder::new(pattern)
                .dfa_size_limit(PROFILE_DFA_BYTES)
                .build()
                .map_err(|e| Error::Profile {
                    platform: platform.to_string(),
                    message: format!("{name} {pattern:?}: {e}"),
                })
        };
        let optional = |name: &str, pattern: &str| {
            if pattern.is_empty() {
                Ok(None)
            } else {
                re(name, pattern).map(Some)
            }
        };
        let enable_password = if spec.enable_password_pattern.is_empty() {
            "(?i)password:\\s*$"
        } else {
            spec.enable_password_pattern.as_str()
        };
        Ok(Self {
            platform: platform.to_string(),
            prompt: re("prompt-pattern", &spec.prompt_pattern)?,
            privileged: optional("privileged-pattern", &spec.privileged_pattern)?,
            config: optional("config-pattern", &spec.config_pattern)?,
            pager: optional("pager-pattern", &spec.pager_pattern)?,
            pager_continue: if spec.pager_continue.is_empty() {
                " ".into()
            } else {
                spec.pager_continue.clone()
            },
            enable_command: spec.enable_command.clone(),
            enable_password: re("enable-password-pattern", enable_password)?,
            paging_off: spec.paging_off_commands.clone(),
            setup: spec.setup_commands.clone(),
            config_enter: spec.config_enter.clone(),
            config_exit: spec.config_exit.clone(),
            commit: spec.commit_command.clone(),
            save: spec.save_command.clone(),
            answers: spec
                .prompt_answers
                .iter()
                .map(|(q, a)| re("prompt-answer", q).map(|r| (r, a.clone())))
                .collect::<Result<_, _>>()?,
            errors: RegexSetBuilder::new(&spec.error_patterns)
                .dfa_size_limit(PROFILE_DFA_BYTES)
                .build()
                .map_err(|set_error| {
                    // The set's error does not say which pattern: compile them alone to name it.
                    spec.error_patterns
                        .iter()
                        .find_map(|p| re("error-pattern", p).err())
                        .unwrap_or_else(|| Error::Profile {
                            platform: platform.to_string(),
                            message: format!("error-patterns: {set_error}"),
                        })
                })?,
            noise: spec
                .noise_patterns
                .iter()
                .map(|p| re("noise-pattern", p))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The first device-error line in `output`, if any: the device's own message.
    pub fn device_error(&self, output: &str) -> Option<String> {
        if self.errors.is_empty() {
            return None;
        }
        output
            .lines()
            .find(|line| self.errors.is_match(line))
            .map(|line| line.trim().to_string())
    }
}

/// Built-in profiles, used when no vendor plugin serves a platform (and before plugins load).
pub fn builtin(platform: &str) -> Option<ProfileSpec> {
    match platform {
        "cisco_ios" | "cisco_xe" => Some(ProfileSpec {
            prompt_pattern: r"^[\w.\-@/:]{1,63}(\([\w.\-@/:+]{0,32}\))?[>#]\s?$".into(),
            privileged_pattern: r"^[\w.\-@/:]{1,63}(\([\w.\-@/:+]{0,32}\))?#\s?$".into(),
            config_pattern: r"^[\w.\-@/:]{1,63}\([\w.\-@/:+]{0,32}\)#\s?$".into(),
            pager_pattern: r"-+ ?More ?-+\s*$".into(),
            pager_continue: " ".into(),
            enable_command: Some("enable".into()),
            enable_password_pattern: r"(?i)password:\s*$".into(),
            paging_off_commands: vec!["terminal width 511".into(), "terminal length 0".into()],
            setup_commands: Vec::new(),
            config_enter: Some("configure terminal".into()),
            config_exit: Some("end".into()),
            commit_command: None,
            save_command: Some("write memory".into()),
            prompt_answers: vec![(
                r"Destination filename \[startup-config\]\?\s*$".into(),
                String::new(),
            )],
            error_patterns: vec![
                r"^% Invalid input detected".into(),
                r"^% Incomplete command".into(),
                r"^% Ambiguous command".into(),
                r"^% Unknown command".into(),
                r"^% Access denied".into(),
                r"^% Bad secret".into(),
                r"^Command authorization failed".into(),
            ],
            noise_patterns: Vec::new(),
        }),
        "linux" => Some(ProfileSpec {
            prompt_pattern: r"[\$#]\s?$".into(),
            privileged_pattern: r"#\s?$".into(),
            config_pattern: String::new(),
            pager_pattern: String::new(),
            pager_continue: " ".into(),
            enable_command: Some("sudo -s".into()),
            enable_password_pattern: r"(?i)ssword.*:\s*$".into(),
            error_patterns: vec![
                r": command not found$".into(),
                r": No such file or directory$".into(),
            ],
            ..ProfileSpec::default()
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ios() -> SessionProfile {
        SessionProfile::compile("cisco_ios", &builtin("cisco_ios").expect("built in"))
            .expect("compiles")
    }

    #[test]
    fn ios_prompts() {
        let p = ios();
        for prompt in [
            "R1>",
            "R1#",
            "R1(config)#",
            "R1(config-if)#",
            "core-sw.lab#",
        ] {
            assert!(p.prompt.is_match(prompt), "{prompt}");
        }
        assert!(
            !p.prompt
                .is_match("Interface  IP-Address  OK? Method Status")
        );
        assert!(p.privileged.as_ref().is_some_and(|r| r.is_match("R1#")));
        assert!(!p.privileged.as_ref().is_some_and(|r| r.is_match("R1>")));
        assert!(
            p.config
                .as_ref()
                .is_some_and(|r| r.is_match("R1(config-if)#"))
        );
    }

    #[test]
    fn ios_errors_found() {
        let p = ios();
        let out = "      ^\n% Invalid input detected at '^' marker.\n";
        assert_eq!(
            p.device_error(out).as_deref(),
            Some("% Invalid input detected at '^' marker.")
        );
        assert_eq!(p.device_error("Cisco IOS Software"), None);
    }

    #[test]
    fn a_bad_error_pattern_is_named() {
        let mut spec = builtin("cisco_ios").expect("builtin");
        spec.error_patterns.push("% Bad (".into());
        let err = SessionProfile::compile("cisco_ios", &spec).expect_err("bad pattern");
        assert!(
            err.to_string().contains(r#"error-pattern "% Bad (""#),
            "{err}"
        );
    }
}
