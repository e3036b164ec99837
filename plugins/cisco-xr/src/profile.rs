//! How to drive an IOS-XR CLI (see `vendor-cli.md`, cisco_xr).
//!
//! Prompts carry the node (`RP/0/RSP0/CPU0:pe1#`); there is no `>` mode and no `enable`.
//! Configuration is a candidate that needs `commit`, and most exec commands print a
//! timestamp line first, which the profile both switches off and lists as noise.

use netpulse_vendor_kit::profile::{IOS_ERRORS, ios_style, strings};

use crate::{Profile, PromptAnswer};

/// Node and hostname: `RP/0/RSP0/CPU0:pe1`, `RP/0/0/CPU0:xrv`, `LC/0/1/CPU0:pe1`.
const NODE_HOST: &str = r"(?:RP|LC)/\w+(?:/\w+)?/CPU\d+:[\w.\-@/:]{1,63}";
/// XR7's admin shell: `sysadmin-vm:0_RP0#`.
const SYSADMIN: &str = r"sysadmin-vm:[\w.\-/]+";
/// A mode in parentheses: `(config)`, `(config-if)`, `(admin)`, `(admin-config)`.
const MODE: &str = r"\([\w.\-@/:+]{1,32}\)";

/// Lines that mark a command as failed besides IOS's own ([`IOS_ERRORS`]).
const ERRORS: &[&str] = &[r"% Failed to commit", r"% Permission denied"];

/// The profile for `cisco_xr`.
pub fn profile(_platform: &str) -> Profile {
    Profile {
        prompt_pattern: format!(r"^(?:{NODE_HOST}|{SYSADMIN})(?:{MODE})?#\s?$"),
        config_pattern: format!(r"^(?:{NODE_HOST}|{SYSADMIN})\((?:admin-)?config[\w.\-@/:+]{{0,32}}\)#\s?$"),
        pager_pattern: r"(?:\x1b\[7m)?\s*--More--\s*(?:\x1b\[27m)?(?:\x1b\[K)?\s*$".to_string(),
        // No enable mode: every XR prompt is already privileged.
        enable_command: None,
        // Drops the timestamp line before each output; older releases reject it (logged only).
        setup_commands: vec!["terminal exec prompt no-timestamp".to_string()],
        commit_command: Some("commit".to_string()),
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
        error_patterns: strings(&[IOS_ERRORS, ERRORS].concat()),
        noise_patterns: vec![
            r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \S+\s*$".to_string(),
        ],
        ..ios_style()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netpulse_vendor_kit::profile::Samples;

    #[test]
    fn no_enable_commit_without_save() {
        let p = profile("cisco_xr");
        assert!(p.enable_command.is_none());
        assert_eq!(p.privileged_pattern, "");
        assert_eq!(p.commit_command.as_deref(), Some("commit"));
        assert!(p.save_command.is_none());
    }

    #[test]
    fn tells_prompts_noise_pager_errors_and_answers_from_output() {
        let samples = Samples {
            exec: &[
                "RP/0/RSP0/CPU0:pe1#",
                "RP/0/RP0/CPU0:ios#",
                "RP/0/0/CPU0:xrv9k# ",
                "RP/0/RSP0/CPU0:BNG(admin)#",
                "sysadmin-vm:0_RP0#",
            ],
            config: &[
                "RP/0/RP0/CPU0:pe1(config)#",
                "RP/0/RP0/CPU0:pe1(config-if)#",
            ],
            pager: &[" Gi0/0/0/0\r\n\x1b[7m--More--\x1b[27m"],
            errors: &[
                "% Invalid input detected at '^' marker.",
                "% Failed to commit one or more configuration items during a pseudo-atomic operation.",
                "% Unknown command or computer name",
            ],
            noise: &["Wed Mar 14 12:31:28.607 UTC", "Fri Aug  9 09:08:06.986 CDT"],
            answers: &[(
                "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:",
                "no",
            )],
            output: &[
                "Cisco IOS XR Software, Version 6.1.4",
                "GigabitEthernet0/0/0/0         unassigned      Shutdown        Down     default",
                " PID: ASR-9906               VID: V01                   SN: FOXXXXXXXX",
                "Building configuration...",
                "",
            ],
            ..Samples::default()
        };
        let wrong = samples.check(&profile("cisco_xr"));
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}
