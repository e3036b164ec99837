//! How to drive an IOS / IOS-XE CLI (see `vendor-cli.md`, cisco_ios).
//!
//! Prompts are `R1>`, `R1#` and `R1(config-if)#`; IOS shortens long hostnames in config
//! prompts, so the patterns accept any hostname-like text rather than a learned name.

use netpulse_vendor_kit::profile::{IOS_ERRORS, ios_style, strings};

use crate::{Profile, PromptAnswer};

/// A hostname as IOS prints it in a prompt (scrapli's character class, 63 characters).
const HOST: &str = r"[\w.\-@/:]{1,63}";
/// A configuration sub-mode in parentheses (`(config)`, `(config-if)`, `(dhcp-config)`).
const MODE: &str = r"\([\w.\-@/:+]{1,32}\)";

/// Lines that mark a command as failed besides [`IOS_ERRORS`] (which IOS-XR shares).
const ERRORS: &[&str] = &[r"% Access denied", r"% ?Bad secret"];

/// The profile shared by `cisco_ios` and `cisco_xe`.
pub fn profile(_platform: &str) -> Profile {
    Profile {
        prompt_pattern: format!(r"^{HOST}(?:{MODE})?[>#]\s?$"),
        privileged_pattern: format!(r"^{HOST}(?:{MODE})?#\s?$"),
        config_pattern: format!(r"^{HOST}{MODE}#\s?$"),
        // ` --More-- ` on its own line; the device wants a space for the next page.
        pager_pattern: r"\s*--More--\s*$".to_string(),
        enable_password_pattern: r"[Pp]assword:\s*$".to_string(),
        save_command: Some("write memory".to_string()),
        prompt_answers: vec![PromptAnswer {
            // `copy running-config startup-config` asks for the file name; Enter accepts it.
            pattern: r"Destination filename \[startup-config\]\?\s*$".to_string(),
            answer: String::new(),
        }],
        error_patterns: strings(&[IOS_ERRORS, ERRORS].concat()),
        // Exec timestamping (`Load for five secs…`, `Time source is NTP…`) precedes output.
        noise_patterns: strings(&[r"^Load\s+for\s+", r"^Time\s+source\s+is\s+"]),
        ..ios_style()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netpulse_vendor_kit::profile::Samples;

    #[test]
    fn tells_prompts_pager_errors_and_answers_from_output() {
        let samples = Samples {
            exec: &["R1>"],
            privileged: &["R1#", "core-sw1.lab# "],
            config: &["R1(config)#", "R1(config-if)#"],
            pager: &["Gi0/1 up\r\n --More-- "],
            errors: &[
                "% Invalid input detected at '^' marker.",
                "% Incomplete command.",
                "% Ambiguous command:  \"dis clock\"",
                "% Unknown command or computer name, or unable to find computer address",
                "Command authorization failed.",
                "% Access denied",
            ],
            noise: &[
                "Load for five secs: 1%/0%; one minute: 1%",
                "Time source is NTP, 10:00:01 UTC",
            ],
            answers: &[("Destination filename [startup-config]? ", "")],
            output: &[
                "Building configuration...",
                "  Hardware is iGbE, address is fa16.3e57.336f (bia fa16.3e57.336f)",
                "GigabitEthernet0/1     10.0.0.1        YES NVRAM  up                    up",
                "Enter configuration commands, one per line.  End with CNTL/Z.",
                "Gi0/1 up",
                "",
            ],
        };
        for platform in ["cisco_ios", "cisco_xe"] {
            let wrong = samples.check(&profile(platform));
            assert!(wrong.is_empty(), "{platform}: {wrong:#?}");
        }
        assert!(
            regex::Regex::new(&profile("cisco_ios").enable_password_pattern)
                .unwrap()
                .is_match("Password: ")
        );
    }
}
