//! How the gateway drives a Junos CLI session (vendor-cli.md, juniper_junos).

use crate::{Profile, PromptAnswer};

/// `user@host` as Junos prints it before `>` (operational) or `#` (configuration).
const USER_AT_HOST: &str = r"[\w\-@()/:.]{1,63}";

/// The session profile for Junos. Junos has no enable mode and commits a candidate
/// configuration, which also persists it: there is no separate save.
pub fn profile(_platform: &str) -> Profile {
    Profile {
        // `user@host> ` / `user@host# ` with a trailing space; a `{master:0}` or `[edit]`
        // line may sit above it, which the gateway leaves to the line before the prompt.
        prompt_pattern: format!(r"(?m)^{USER_AT_HOST}[>#][ \t]*\z"),
        config_pattern: format!(r"(?m)^{USER_AT_HOST}#[ \t]*\z"),
        pager_pattern: r"---\((?:Head of output truncated; )?more(?: \d+%)?\)---[ \t]*\z"
            .to_string(),
        pager_continue: " ".to_string(),
        // netmiko's order; each prints a confirmation line (`Screen width set to 511`).
        paging_off_commands: vec![
            "set cli screen-width 511".to_string(),
            "set cli complete-on-space off".to_string(),
            "set cli screen-length 0".to_string(),
        ],
        // A timestamp line above every output would end up in parsed text.
        setup_commands: vec!["set cli timestamp disable".to_string()],
        config_enter: Some("configure".to_string()),
        config_exit: Some("exit configuration-mode".to_string()),
        commit_command: Some("commit".to_string()),
        prompt_answers: vec![PromptAnswer {
            pattern: r"Exit with uncommitted changes\? \[yes,no\] \(yes\)\s*\z".to_string(),
            answer: "yes".to_string(),
        }],
        error_patterns: vec![
            r"(?m)^\s*syntax error".to_string(),
            r"(?m)^\s*unknown command".to_string(),
            r"(?m)^\s*error:".to_string(),
            r"is ambiguous".to_string(),
            r"No valid completions".to_string(),
        ],
        // Chassis context printed on its own line (`{master:0}`, `{primary:node0}`).
        noise_patterns: vec![r"^\{\w+(?::\w+)?\}\s*$".to_string()],
        ..Profile::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netpulse_vendor_kit::profile::Samples;

    #[test]
    fn tells_prompts_pager_errors_noise_and_answers_from_output() {
        let samples = Samples {
            exec: &[
                "admin@mx1> ",
                "admin@mx1>",
                "netops@fw.site-1> ",
                "Hostname: mx1\n\n{master:0}\nadmin@mx1> ",
            ],
            config: &[
                "lab@ex4300-1# ",
                "[edit]\nadmin@mx1# ",
                "{master:0}[edit interfaces ge-0/0/0]\nadmin@mx1# ",
            ],
            pager: &[
                "ge-0/0/1 up up\n---(more)---",
                "ge-0/0/1 up up\n---(more 40%)---",
                "---(Head of output truncated; more)---",
            ],
            errors: &[
                "                ^\nsyntax error, expecting <command>.",
                "unknown command.",
                "error: configuration check-out failed",
                "'sh' is ambiguous.",
            ],
            noise: &["{master:0}"],
            answers: &[(
                "The configuration has been changed but not committed\nExit with uncommitted changes? [yes,no] (yes) ",
                "yes",
            )],
            output: &[
                "Physical interface: ge-0/0/0, Enabled, Physical link is Up",
                "  Link-level type: Ethernet, MTU: 1514",
                "  MAC-REWRITE Error: None, Loopback: Disabled",
                "admin@mx1> \nshow version",
                "more output",
            ],
            ..Samples::default()
        };
        let wrong = samples.check(&profile("juniper_junos"));
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}
