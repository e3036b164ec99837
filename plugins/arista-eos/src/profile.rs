//! How the gateway drives an EOS CLI session (vendor-cli.md, arista_eos).

use crate::Profile;

/// Host name characters EOS allows in a prompt (letters, digits, `.-_@/:`).
const HOST: &str = r"[\w.\-@/:]{1,63}";

/// The session profile for EOS. Every platform name is given the same profile: the
/// caller has already checked that this plugin serves it.
pub fn profile(_platform: &str) -> Profile {
    // A prompt is the host name, any number of mode groups — `(config-if-Et1)`, or the
    // `(s1)` a config session adds — and `>` (exec) or `#` (privileged/config).
    let modes = r"(?:\([\w.\-@/:+]{1,63}\))*";
    Profile {
        prompt_pattern: format!(r"(?m)^{HOST}{modes}[>#][ \t]*\z"),
        privileged_pattern: format!(r"(?m)^{HOST}{modes}#[ \t]*\z"),
        config_pattern: format!(r"(?m)^{HOST}(?:\(s\d+\))?\(config[\w.\-@/:+]{{0,63}}\)#[ \t]*\z"),
        // Reverse video `ESC[7m --More-- ESC[27m ESC[K`; the ANSI codes may be stripped.
        pager_pattern: r"(?:\x1b\[7m)?\s*--More--\s*(?:\x1b\[27m)?(?:\x1b\[K)?[ \t]*\z".to_string(),
        pager_continue: " ".to_string(),
        enable_command: Some("enable".to_string()),
        enable_password_pattern: r"(?i)password:\s*\z".to_string(),
        // netmiko's order: width first, then length (which prints `Pagination disabled.`).
        paging_off_commands: vec![
            "terminal width 511".to_string(),
            "terminal length 0".to_string(),
        ],
        setup_commands: Vec::new(),
        config_enter: Some("configure terminal".to_string()),
        config_exit: Some("end".to_string()),
        // EOS applies config at once; it persists only when saved.
        commit_command: None,
        save_command: Some("copy running-config startup-config".to_string()),
        // EOS asks nothing on save or config; the list is empty.
        prompt_answers: Vec::new(),
        error_patterns: [
            r"% Invalid input",
            r"% Incomplete command",
            r"% Ambiguous command",
            r"% Unavailable command",
            r"% Cannot commit",
            r"% Error",
        ]
        .iter()
        .map(|p| format!(r"(?m)^\s*{p}"))
        .collect(),
        noise_patterns: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn re(p: &str) -> Regex {
        Regex::new(p).expect("profile regex compiles")
    }

    #[test]
    fn prompts() {
        let p = profile("arista_eos");
        let any = re(&p.prompt_pattern);
        let privileged = re(&p.privileged_pattern);
        let config = re(&p.config_pattern);
        for prompt in [
            "eos1>",
            "eos1#",
            "eos1(config)#",
            "eos1(config-if-Et1)#",
            "leaf-1.dc1# ",
        ] {
            assert!(any.is_match(prompt), "{prompt}");
            assert!(
                any.is_match(&format!("show version\nArista vEOS\n{prompt}")),
                "{prompt}"
            );
        }
        assert!(privileged.is_match("eos1#"));
        assert!(privileged.is_match("eos1(config)#"));
        assert!(!privileged.is_match("eos1>"));
        for prompt in [
            "eos1(config)#",
            "eos1(config-if-Et1)#",
            "eos1(s1)(config-s-s1)#",
        ] {
            assert!(config.is_match(prompt), "{prompt}");
        }
        assert!(!config.is_match("eos1#"));
        for line in [
            "  Hardware is Ethernet, address is 001c.7301.0a03",
            "Et1   spine1   Ethernet1   120",
            "eos1#\nsome output after the prompt",
            "",
        ] {
            assert!(!any.is_match(line), "{line:?}");
        }
    }

    #[test]
    fn pager_and_enable() {
        let p = profile("arista_eos");
        let pager = re(&p.pager_pattern);
        assert!(pager.is_match("line\n\x1b[7m --More-- \x1b[27m\x1b[K"));
        assert!(pager.is_match("line\n --More-- "));
        assert!(!pager.is_match("More than one"));
        assert!(re(&p.enable_password_pattern).is_match("Password: "));
    }

    #[test]
    fn errors() {
        let p = profile("arista_eos");
        let errors: Vec<Regex> = p.error_patterns.iter().map(|e| re(e)).collect();
        for out in [
            "% Invalid input (at token 1: 'bogus')",
            "% Incomplete command",
            "% Ambiguous command",
            "% Unavailable command (not supported on this hardware platform)",
        ] {
            assert!(errors.iter().any(|e| e.is_match(out)), "{out}");
        }
        assert!(
            !errors
                .iter()
                .any(|e| e.is_match("  Description: 100% uplink"))
        );
    }
}
