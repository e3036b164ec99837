//! How to drive an NX-OS CLI (see `vendor-cli.md`, cisco_nxos).
//!
//! Prompts are `n9k# ` (often with a trailing space, and a `\r` before it because NX-OS
//! echoes `cmd\r\r\n` and then `\r\n\r`), `n9k(config-if)#`, and `(maint-mode)` in
//! maintenance mode. Users with network-admin land directly in `#`.

use netpulse_vendor_kit::profile::{ios_style, strings};

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
pub fn profile(_platform: &str) -> Profile {
    Profile {
        prompt_pattern: format!(r"{HOST}(?:{CONFIG_MODE})?[>#]\s?$"),
        privileged_pattern: format!(r"{HOST}(?:{CONFIG_MODE})?#\s?$"),
        config_pattern: format!(r"{HOST}{CONFIG_MODE}#\s?$"),
        // Reverse video: ESC[7m--More--ESC[27m; the escapes are optional so a client that
        // strips ANSI still sees the pager.
        pager_pattern: r"(?:\x1b\[7m)?\s*--More--\s*(?:\x1b\[27m)?(?:\x1b\[K)?\s*$".to_string(),
        enable_password_pattern: r"[Pp]assword:\s*$".to_string(),
        save_command: Some("copy running-config startup-config".to_string()),
        prompt_answers: vec![PromptAnswer {
            pattern: r"Destination filename \[startup-config\]\?\s*$".to_string(),
            answer: String::new(),
        }],
        error_patterns: strings(ERRORS),
        ..ios_style()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netpulse_vendor_kit::profile::Samples;

    #[test]
    fn tells_prompts_pager_and_errors_from_output() {
        let samples = Samples {
            exec: &["n9k>"],
            privileged: &["n9k# ", "\rn9k-test# ", "n9k(maint-mode)#"],
            config: &["n9k(config)#", "n9k(config-if)#"],
            pager: &[
                "Eth1/1 up\r\n\x1b[7m--More--\x1b[27m",
                "Eth1/1 up\r\n--More--",
            ],
            errors: &[
                "% Invalid command at '^' marker.",
                "% Incomplete command at '^' marker.",
                "% Invalid parameter detected at '^' marker.",
                "% Ambiguous command at '^' marker.",
            ],
            answers: &[("Destination filename [startup-config]? ", "")],
            output: &[
                "Eth1/1        1       eth  access up      none                        10G(D) --",
                "  Hardware: 1000/10000 Ethernet, address: 5087.89a1.d8d6 (bia 5087.89a1.d8d6)",
                "[########################################] 100%",
                "Copy complete.",
                "Eth1/1 up",
                "",
            ],
            ..Samples::default()
        };
        let wrong = samples.check(&profile("cisco_nxos"));
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}
