//! How to drive an NX-OS CLI (see `vendor-cli.md`, cisco_nxos).
//!
//! Prompts are `n9k# ` (often with a trailing space, and a `\r` before it because NX-OS
//! echoes `cmd\r\r\n` and then `\r\n\r`), `n9k(config-if)#`, and `(maint-mode)` in
//! maintenance mode. Users with network-admin land directly in `#`.

use crate::{Profile, PromptAnswer};

/// Prompt start: an optional stray `\r`, the hostname, the optional maintenance tag.
const HOST: &str = r"^\r?[\w.\-]{1,63}(?:\(maint-mode\))?";
/// A configuration sub-mode (`(config)`, `(config-if)`, `(config-router-af)`).
const CONFIG_MODE: &str = r"\(conf[\w.\-@/:+]{0,32}\)";

/// Lines that mark a command as failed, as NX-OS words them.
const ERRORS: &[&str] = &[
    r"% Invalid command",
    r"% Invalid input",
    r"% Incomplete command",
    r"% Invalid parameter",
    r"% Ambiguous command",
    r"% Permission denied",
    r"% Access denied",
];

/// The profile for `cisco_nxos`.
pub fn for_platform(_platform: &str) -> Profile {
    Profile {
        prompt_pattern: format!(r"{HOST}(?:{CONFIG_MODE})?[>#]\s?$"),
        privileged_pattern: format!(r"{HOST}(?:{CONFIG_MODE})?#\s?$"),
        config_pattern: format!(r"{HOST}{CONFIG_MODE}#\s?$"),
        // Reverse video: ESC[7m--More--ESC[27m; the escapes are optional so a client that
        // strips ANSI still sees the pager.
        pager_pattern: r"(?:\x1b\[7m)?\s*--More--\s*(?:\x1b\[27m)?(?:\x1b\[K)?\s*$".to_string(),
        pager_continue: " ".to_string(),
        enable_command: Some("enable".to_string()),
        enable_password_pattern: r"[Pp]assword:\s*$".to_string(),
        paging_off_commands: vec![
            "terminal width 511".to_string(),
            "terminal length 0".to_string(),
        ],
        setup_commands: Vec::new(),
        config_enter: Some("configure terminal".to_string()),
        config_exit: Some("end".to_string()),
        commit_command: None,
        save_command: Some("copy running-config startup-config".to_string()),
        prompt_answers: vec![PromptAnswer {
            pattern: r"Destination filename \[startup-config\]\?\s*$".to_string(),
            answer: String::new(),
        }],
        error_patterns: ERRORS.iter().map(|e| e.to_string()).collect(),
        noise_patterns: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn re(p: &str) -> Regex {
        Regex::new(p).unwrap()
    }

    const OUTPUT_LINES: &[&str] = &[
        "Eth1/1        1       eth  access up      none                        10G(D) --",
        "  Hardware: 1000/10000 Ethernet, address: 5087.89a1.d8d6 (bia 5087.89a1.d8d6)",
        "[########################################] 100%",
        "Copy complete.",
        "",
    ];

    #[test]
    fn every_pattern_compiles() {
        let p = for_platform("cisco_nxos");
        for pat in [
            &p.prompt_pattern,
            &p.privileged_pattern,
            &p.config_pattern,
            &p.pager_pattern,
            &p.enable_password_pattern,
        ]
        .into_iter()
        .chain(&p.error_patterns)
        .chain(p.prompt_answers.iter().map(|a| &a.pattern))
        {
            re(pat);
        }
    }

    #[test]
    fn prompts_by_mode() {
        let p = for_platform("cisco_nxos");
        let (any, privileged, config) = (
            re(&p.prompt_pattern),
            re(&p.privileged_pattern),
            re(&p.config_pattern),
        );
        for prompt in [
            "n9k# ",
            "\rn9k-test# ",
            "n9k(config)#",
            "n9k(config-if)#",
            "n9k(maint-mode)#",
            "n9k>",
        ] {
            assert!(any.is_match(prompt), "{prompt:?}");
        }
        assert!(privileged.is_match("n9k# "));
        assert!(!privileged.is_match("n9k>"));
        assert!(config.is_match("n9k(config-if)#"));
        assert!(!config.is_match("n9k# "));
        for line in OUTPUT_LINES {
            assert!(!any.is_match(line), "{line:?}");
        }
    }

    #[test]
    fn pager_and_errors() {
        let p = for_platform("cisco_nxos");
        let pager = re(&p.pager_pattern);
        assert!(pager.is_match("Eth1/1 up\r\n\x1b[7m--More--\x1b[27m"));
        assert!(pager.is_match("Eth1/1 up\r\n--More--"));
        assert!(!pager.is_match("Eth1/1 up"));
        let errors: Vec<Regex> = p.error_patterns.iter().map(|e| re(e)).collect();
        for msg in [
            "% Invalid command at '^' marker.",
            "% Incomplete command at '^' marker.",
            "% Invalid parameter detected at '^' marker.",
            "% Ambiguous command at '^' marker.",
        ] {
            assert!(errors.iter().any(|e| e.is_match(msg)), "{msg}");
        }
        for line in OUTPUT_LINES {
            assert!(!errors.iter().any(|e| e.is_match(line)), "{line:?}");
        }
    }
}
