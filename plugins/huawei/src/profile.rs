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
        privileged_pattern: String::new(),
        config_pattern: format!(r"(?m)^{hrp}\[[~*]?{NAME}\][ \t]*\z"),
        pager_pattern: r"---- More ----[ \t]*\z".to_string(),
        pager_continue: " ".to_string(),
        enable_command: None,
        enable_password_pattern: String::new(),
        paging_off_commands: vec!["screen-length 0 temporary".to_string()],
        setup_commands: Vec::new(),
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
        let p = profile("huawei");
        let any = re(&p.prompt_pattern);
        let config = re(&p.config_pattern);
        for prompt in [
            "<HUAWEI>",
            "<core-sw1.dc1>",
            "[HUAWEI]",
            "[~HUAWEI]",
            "[*HUAWEI]",
            "[HUAWEI-GigabitEthernet0/0/1]",
            "[~CE6850-10GE1/0/1]",
            "HRP_M<fw1>",
            "HRP_S[fw1]",
        ] {
            assert!(any.is_match(prompt), "{prompt}");
            assert!(any.is_match(&format!("Info: done.\n{prompt}")), "{prompt}");
        }
        assert!(config.is_match("[HUAWEI-Vlanif10]"));
        assert!(config.is_match("HRP_M[fw1]"));
        assert!(!config.is_match("<HUAWEI>"));
        for line in [
            "GigabitEthernet0/0/1 current state : UP",
            "  ---- More ----",
            "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors",
            "[HUAWEI]\nsomething after",
        ] {
            assert!(!any.is_match(line), "{line:?}");
        }
    }

    #[test]
    fn pager_answers_errors_commit() {
        let p = profile("huawei");
        assert!(re(&p.pager_pattern).is_match("Eth-Trunk1 up up\n  ---- More ----"));
        let answers: Vec<(Regex, &str)> = p
            .prompt_answers
            .iter()
            .map(|a| (re(&a.pattern), a.answer.as_str()))
            .collect();
        let save =
            "Warning: The current configuration will be written to the device. Continue? [Y/N]:";
        assert_eq!(
            answers.iter().find(|(r, _)| r.is_match(save)).map(|a| a.1),
            Some("y")
        );
        let nag = "The password needs to be changed. Change now? [Y/N]:";
        assert_eq!(
            answers.iter().find(|(r, _)| r.is_match(nag)).map(|a| a.1),
            Some("N")
        );
        let error = re(&p.error_patterns[0]);
        assert!(error.is_match("        ^\nError: Unrecognized command found at '^' position."));
        assert!(!error.is_match(
            "Info: The configuration takes effect on the current user terminal interface only."
        ));
        assert_eq!(p.commit_command, None);
        assert_eq!(
            profile("huawei_vrpv8").commit_command.as_deref(),
            Some("commit")
        );
    }
}
