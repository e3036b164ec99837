//! How the gateway drives a VRP CLI session (vendor-cli.md, huawei).
//!
//! Commit: VRP8 (CE/NE) has a two-stage configuration and needs `commit`, while VRP5
//! rejects the word with `Error: Unrecognized command`. Sending it on every push would
//! fail every VRP5 push, so the `huawei` profile has no commit command (VRP8 users add
//! `commit` to their config lines, as netmiko's `huawei` driver expects); the
//! netmiko-style name `huawei_vrpv8` gets a profile with `commit`.

use crate::{Profile, PromptAnswer};

/// Characters of a VRP system name and view (`HUAWEI`, `HUAWEI-GigabitEthernet0/0/1`).
const NAME: &str = r"[\w.\-/:@]+";

/// The session profile for VRP; `platform` selects the VRP8 commit behaviour.
pub fn profile(platform: &str) -> Profile {
    let vrp8 = platform.trim().eq_ignore_ascii_case("huawei_vrpv8");
    // USG firewalls in a HA pair prefix the prompt with `HRP_M` (master) or `HRP_S`.
    let hrp = r"(?:HRP_[MS])?";
    Profile {
        // `<HUAWEI>` (user view), `[HUAWEI]` / `[~HUAWEI]` / `[*HUAWEI]` (system view).
        prompt_pattern: format!(r"(?m)^{hrp}(?:<{NAME}>|\[[~*]?{NAME}\])[ \t]*\z"),
        config_pattern: format!(r"(?m)^{hrp}\[[~*]?{NAME}\][ \t]*\z"),
        pager_pattern: r"---- More ----[ \t]*\z".to_string(),
        pager_continue: " ".to_string(),
        paging_off_commands: vec!["screen-length 0 temporary".to_string()],
        config_enter: Some("system-view".to_string()),
        config_exit: Some("return".to_string()),
        commit_command: vrp8.then(|| "commit".to_string()),
        save_command: Some("save".to_string()),
        prompt_answers: vec![
            // `save`: `... will be written to the device. Continue? [Y/N]:`
            PromptAnswer {
                pattern: r"Continue\? ?\[Y/N\]:?\s*\z".to_string(),
                answer: "y".to_string(),
            },
            // Login nag on a default password: keep it (netmiko answers N).
            PromptAnswer {
                pattern: r"Change now\? ?\[Y/N\]:?\s*\z".to_string(),
                answer: "N".to_string(),
            },
        ],
        error_patterns: vec![r"(?m)^\s*Error:".to_string()],
        ..Profile::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netpulse_vendor_kit::profile::Samples;
    use regex::Regex;

    const SAMPLES: Samples = Samples {
        exec: &["<HUAWEI>", "<core-sw1.dc1>", "HRP_M<fw1>"],
        privileged: &[],
        config: &[
            "[HUAWEI]",
            "[~HUAWEI]",
            "[*HUAWEI]",
            "[HUAWEI-GigabitEthernet0/0/1]",
            "[HUAWEI-Vlanif10]",
            "[~CE6850-10GE1/0/1]",
            "HRP_S[fw1]",
            "HRP_M[fw1]",
        ],
        pager: &["Eth-Trunk1 up up\n  ---- More ----", "  ---- More ----"],
        errors: &["        ^\nError: Unrecognized command found at '^' position."],
        noise: &[],
        answers: &[
            (
                "Warning: The current configuration will be written to the device. Continue? [Y/N]:",
                "y",
            ),
            ("The password needs to be changed. Change now? [Y/N]:", "N"),
        ],
        output: &[
            "GigabitEthernet0/0/1 current state : UP",
            "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors",
            "[HUAWEI]\nsomething after",
            "Info: The configuration takes effect on the current user terminal interface only.",
        ],
    };

    #[test]
    fn tells_prompts_pager_errors_and_answers_from_output() {
        for platform in ["huawei", "huawei_vrp", "huawei_vrpv8"] {
            let p = profile(platform);
            let wrong = SAMPLES.check(&p);
            assert!(wrong.is_empty(), "{platform}: {wrong:#?}");
            // The gateway matches the whole tail of the output, not only its last line.
            let any = Regex::new(&p.prompt_pattern).expect("compiles");
            for prompt in [SAMPLES.exec, SAMPLES.config].concat() {
                assert!(any.is_match(&format!("Info: done.\n{prompt}")), "{prompt}");
            }
        }
    }

    #[test]
    fn only_vrp8_commits() {
        assert_eq!(profile("huawei").commit_command, None);
        assert_eq!(
            profile("huawei_vrpv8").commit_command.as_deref(),
            Some("commit")
        );
    }
}
