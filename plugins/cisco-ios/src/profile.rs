//! How to drive an IOS / IOS-XE CLI (see `vendor-cli.md`, cisco_ios).
//!
//! Prompts are `R1>`, `R1#` and `R1(config-if)#`; IOS shortens long hostnames in config
//! prompts, so the patterns accept any hostname-like text rather than a learned name.

use crate::{Profile, PromptAnswer};

/// A hostname as IOS prints it in a prompt (scrapli's character class, 63 characters).
const HOST: &str = r"[\w.\-@/:]{1,63}";
/// A configuration sub-mode in parentheses (`(config)`, `(config-if)`, `(dhcp-config)`).
const MODE: &str = r"\([\w.\-@/:+]{1,32}\)";

/// Lines that mark a command as failed, as IOS words them.
const ERRORS: &[&str] = &[
    r"% Invalid input detected",
    r"% Incomplete command",
    r"% Ambiguous command",
    r"% Unknown command",
    r"Command authorization failed",
    r"% Access denied",
    r"% ?Bad secret",
];

/// The profile shared by `cisco_ios` and `cisco_xe`.
pub fn for_platform(_platform: &str) -> Profile {
    Profile {
        prompt_pattern: format!(r"^{HOST}(?:{MODE})?[>#]\s?$"),
        privileged_pattern: format!(r"^{HOST}(?:{MODE})?#\s?$"),
        config_pattern: format!(r"^{HOST}{MODE}#\s?$"),
        // ` --More-- ` on its own line; the device wants a space for the next page.
        pager_pattern: r"\s*--More--\s*$".to_string(),
        pager_continue: " ".to_string(),
        enable_command: Some("enable".to_string()),
        enable_password_pattern: r"[Pp]assword:\s*$".to_string(),
        // netmiko's order: width first, then length (both only echo and reprint the prompt).
        paging_off_commands: vec![
            "terminal width 511".to_string(),
            "terminal length 0".to_string(),
        ],
        setup_commands: Vec::new(),
        config_enter: Some("configure terminal".to_string()),
        config_exit: Some("end".to_string()),
        commit_command: None,
        save_command: Some("write memory".to_string()),
        prompt_answers: vec![PromptAnswer {
            // `copy running-config startup-config` asks for the file name; Enter accepts it.
            pattern: r"Destination filename \[startup-config\]\?\s*$".to_string(),
            answer: String::new(),
        }],
        error_patterns: ERRORS.iter().map(|e| e.to_string()).collect(),
        // Exec timestamping (`Load for five secs…`, `Time source is NTP…`) precedes output.
        noise_patterns: vec![
            r"^Load\s+for\s+".to_string(),
            r"^Time\s+source\s+is\s+".to_string(),
        ],
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
        "Building configuration...",
        "  Hardware is iGbE, address is fa16.3e57.336f (bia fa16.3e57.336f)",
        "GigabitEthernet0/1     10.0.0.1        YES NVRAM  up                    up",
        "Enter configuration commands, one per line.  End with CNTL/Z.",
        "",
    ];

    #[test]
    fn every_pattern_compiles() {
        let p = for_platform("cisco_ios");
        for pat in [
            &p.prompt_pattern,
            &p.privileged_pattern,
            &p.config_pattern,
            &p.pager_pattern,
            &p.enable_password_pattern,
        ]
        .into_iter()
        .chain(&p.error_patterns)
        .chain(&p.noise_patterns)
        .chain(p.prompt_answers.iter().map(|a| &a.pattern))
        {
            re(pat);
        }
    }

    #[test]
    fn prompts_by_mode() {
        let p = for_platform("cisco_xe");
        let (any, privileged, config) = (
            re(&p.prompt_pattern),
            re(&p.privileged_pattern),
            re(&p.config_pattern),
        );
        for prompt in [
            "R1>",
            "R1#",
            "R1(config)#",
            "R1(config-if)#",
            "core-sw1.lab# ",
        ] {
            assert!(any.is_match(prompt), "{prompt}");
        }
        assert!(!privileged.is_match("R1>"));
        assert!(privileged.is_match("R1#"));
        assert!(config.is_match("R1(config)#"));
        assert!(config.is_match("R1(config-if)#"));
        assert!(!config.is_match("R1#"));
        for line in OUTPUT_LINES {
            assert!(!any.is_match(line), "{line:?}");
        }
    }

    #[test]
    fn pager_errors_and_answers() {
        let p = for_platform("cisco_ios");
        assert!(re(&p.pager_pattern).is_match("Gi0/1 up\r\n --More-- "));
        assert!(!re(&p.pager_pattern).is_match("Gi0/1 up"));
        assert!(re(&p.enable_password_pattern).is_match("Password: "));
        let errors: Vec<Regex> = p.error_patterns.iter().map(|e| re(e)).collect();
        for msg in [
            "% Invalid input detected at '^' marker.",
            "% Incomplete command.",
            "% Ambiguous command:  \"dis clock\"",
            "% Unknown command or computer name, or unable to find computer address",
            "Command authorization failed.",
            "% Access denied",
        ] {
            assert!(errors.iter().any(|e| e.is_match(msg)), "{msg}");
        }
        for line in OUTPUT_LINES {
            assert!(!errors.iter().any(|e| e.is_match(line)), "{line:?}");
        }
        let answer = &p.prompt_answers[0];
        assert!(re(&answer.pattern).is_match("Destination filename [startup-config]? "));
        assert_eq!(answer.answer, "");
    }
}
