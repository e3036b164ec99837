//! How the gateway drives an EOS CLI session (vendor-cli.md, arista_eos).

use netpulse_vendor_kit::profile::ios_style;

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
        enable_password_pattern: r"(?i)password:\s*\z".to_string(),
        // EOS applies config at once (no commit); it persists only when saved. `terminal
        // length 0` prints `Pagination disabled.`, and EOS asks nothing on save or config.
        save_command: Some("copy running-config startup-config".to_string()),
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
        ..ios_style()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netpulse_vendor_kit::profile::Samples;
    use regex::Regex;

    const SAMPLES: Samples = Samples {
        exec: &["eos1>"],
        privileged: &["eos1#", "leaf-1.dc1# "],
        config: &[
            "eos1(config)#",
            "eos1(config-if-Et1)#",
            "eos1(s1)(config-s-s1)#",
        ],
        pager: &["line\n\x1b[7m --More-- \x1b[27m\x1b[K", "line\n --More-- "],
        errors: &[
            "% Invalid input (at token 1: 'bogus')",
            "% Incomplete command",
            "% Ambiguous command",
            "% Unavailable command (not supported on this hardware platform)",
        ],
        noise: &[],
        answers: &[],
        output: &[
            "  Hardware is Ethernet, address is 001c.7301.0a03",
            "Et1   spine1   Ethernet1   120",
            "eos1#\nsome output after the prompt",
            "  Description: 100% uplink",
            "More than one",
            "",
        ],
    };

    #[test]
    fn tells_prompts_pager_and_errors_from_output() {
        let p = profile("arista_eos");
        let wrong = SAMPLES.check(&p);
        assert!(wrong.is_empty(), "{wrong:#?}");
        // The gateway matches the whole tail of the output, not only its last line.
        let any = Regex::new(&p.prompt_pattern).expect("compiles");
        for prompt in [SAMPLES.exec, SAMPLES.privileged, SAMPLES.config].concat() {
            let tail = format!("show version\nArista vEOS\n{prompt}");
            assert!(any.is_match(&tail), "{prompt}");
        }
        let password = Regex::new(&p.enable_password_pattern).expect("compiles");
        assert!(password.is_match("Password: "));
    }
}
