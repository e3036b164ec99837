//! How to drive an IOS-XR CLI (see `vendor-cli.md`, cisco_xr).
//!
//! Prompts carry the node (`RP/0/RSP0/CPU0:pe1#`); there is no `>` mode and no `enable`.
//! Configuration is a candidate that needs `commit`, and most exec commands print a
//! timestamp line first, which the profile both switches off and lists as noise.

use crate::{Profile, PromptAnswer};

/// Node and hostname: `RP/0/RSP0/CPU0:pe1`, `RP/0/0/CPU0:xrv`, `LC/0/1/CPU0:pe1`.
const NODE_HOST: &str = r"(?:RP|LC)/\w+(?:/\w+)?/CPU\d+:[\w.\-@/:]{1,63}";
/// XR7's admin shell: `sysadmin-vm:0_RP0#`.
const SYSADMIN: &str = r"sysadmin-vm:[\w.\-/]+";
/// A mode in parentheses: `(config)`, `(config-if)`, `(admin)`, `(admin-config)`.
const MODE: &str = r"\([\w.\-@/:+]{1,32}\)";

/// Lines that mark a command as failed, as XR words them.
const ERRORS: &[&str] = &[
    r"% Invalid input detected",
    r"% Incomplete command",
    r"% Ambiguous command",
    r"% Unknown command",
    r"Command authorization failed",
    r"% Failed to commit",
    r"% Permission denied",
];

/// The profile for `cisco_xr`.
pub fn for_platform(_platform: &str) -> Profile {
    Profile {
        prompt_pattern: format!(r"^(?:{NODE_HOST}|{SYSADMIN})(?:{MODE})?#\s?$"),
        // No enable mode: every XR prompt is already privileged.
        privileged_pattern: String::new(),
        config_pattern: format!(r"^(?:{NODE_HOST}|{SYSADMIN})\((?:admin-)?config[\w.\-@/:+]{{0,32}}\)#\s?$"),
        pager_pattern: r"(?:\x1b\[7m)?\s*--More--\s*(?:\x1b\[27m)?(?:\x1b\[K)?\s*$".to_string(),
        pager_continue: " ".to_string(),
        enable_command: None,
        enable_password_pattern: String::new(),
        paging_off_commands: vec!["terminal width 511".to_string(), "terminal length 0".to_string()],
        // Drops the timestamp line before each output; older releases reject it (logged only).
        setup_commands: vec!["terminal exec prompt no-timestamp".to_string()],
        config_enter: Some("configure terminal".to_string()),
        config_exit: Some("end".to_string()),
        commit_command: Some("commit".to_string()),
        save_command: None,
        prompt_answers: vec![
            PromptAnswer {
                // `end` with an uncommitted candidate: discard it, as netmiko does; a push
                // commits explicitly before leaving.
                pattern: r"Uncommitted changes found, commit them before exiting\(yes/no/cancel\)\? \[cancel\]:\s*$".to_string(),
                answer: "no".to_string(),
            },
            PromptAnswer {
                // Another session committed meanwhile: do not overwrite its changes blindly.
                pattern: r"Do you wish to proceed with this commit anyway\? \[no\]:?\s*$".to_string(),
                answer: "no".to_string(),
            },
        ],
        error_patterns: ERRORS.iter().map(|e| e.to_string()).collect(),
        noise_patterns: vec![
            r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \S+\s*$".to_string(),
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
        "Cisco IOS XR Software, Version 6.1.4",
        "GigabitEthernet0/0/0/0         unassigned      Shutdown        Down     default",
        " PID: ASR-9906               VID: V01                   SN: FOXXXXXXXX",
        "Building configuration...",
        "",
    ];

    #[test]
    fn every_pattern_compiles() {
        let p = for_platform("cisco_xr");
        for pat in [&p.prompt_pattern, &p.config_pattern, &p.pager_pattern]
            .into_iter()
            .chain(&p.error_patterns)
            .chain(&p.noise_patterns)
            .chain(p.prompt_answers.iter().map(|a| &a.pattern))
        {
            re(pat);
        }
        assert!(p.enable_command.is_none());
        assert_eq!(p.commit_command.as_deref(), Some("commit"));
        assert!(p.save_command.is_none());
    }

    #[test]
    fn prompts_by_mode() {
        let p = for_platform("cisco_xr");
        let (any, config) = (re(&p.prompt_pattern), re(&p.config_pattern));
        for prompt in [
            "RP/0/RSP0/CPU0:pe1#",
            "RP/0/RP0/CPU0:ios#",
            "RP/0/0/CPU0:xrv9k# ",
            "RP/0/RP0/CPU0:pe1(config)#",
            "RP/0/RP0/CPU0:pe1(config-if)#",
            "RP/0/RSP0/CPU0:BNG(admin)#",
            "sysadmin-vm:0_RP0#",
        ] {
            assert!(any.is_match(prompt), "{prompt}");
        }
        assert!(config.is_match("RP/0/RP0/CPU0:pe1(config)#"));
        assert!(config.is_match("RP/0/RP0/CPU0:pe1(config-if)#"));
        assert!(!config.is_match("RP/0/RSP0/CPU0:pe1#"));
        assert!(!config.is_match("RP/0/RSP0/CPU0:BNG(admin)#"));
        for line in OUTPUT_LINES {
            assert!(!any.is_match(line), "{line:?}");
        }
    }

    #[test]
    fn noise_pager_errors_answers() {
        let p = for_platform("cisco_xr");
        let noise = re(&p.noise_patterns[0]);
        assert!(noise.is_match("Wed Mar 14 12:31:28.607 UTC"));
        assert!(noise.is_match("Fri Aug  9 09:08:06.986 CDT"));
        for line in OUTPUT_LINES {
            assert!(!noise.is_match(line), "{line:?}");
        }
        assert!(re(&p.pager_pattern).is_match(" Gi0/0/0/0\r\n\x1b[7m--More--\x1b[27m"));
        let errors: Vec<Regex> = p.error_patterns.iter().map(|e| re(e)).collect();
        for msg in [
            "% Invalid input detected at '^' marker.",
            "% Failed to commit one or more configuration items during a pseudo-atomic operation.",
            "% Unknown command or computer name",
        ] {
            assert!(errors.iter().any(|e| e.is_match(msg)), "{msg}");
        }
        let end = &p.prompt_answers[0];
        assert!(re(&end.pattern).is_match(
            "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:"
        ));
        assert_eq!(end.answer, "no");
    }
}
