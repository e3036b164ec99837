//! What session profiles share: the conventions IOS set and NX-OS, IOS-XR and EOS follow,
//! so each vendor's profile states only where its CLI differs.

use crate::types::Profile;

/// IOS's session conventions: a space asks the pager for the next page, `enable` raises
/// privilege, `terminal width 511` then `terminal length 0` stop paging (netmiko's order), and `configure terminal` / `end` enter and leave
/// configuration. Prompts, pager, errors and saving are each vendor's own.
pub fn ios_style() -> Profile {
    Profile {
        pager_continue: " ".to_string(),
        enable_command: Some("enable".to_string()),
        paging_off_commands: strings(&["terminal width 511", "terminal length 0"]),
        config_enter: Some("configure terminal".to_string()),
        config_exit: Some("end".to_string()),
        ..Profile::default()
    }
}

/// The lines IOS marks a failed command with, which IOS-XR prints too (each vendor adds
/// its own).
pub const IOS_ERRORS: &[&str] = &[
    r"% Invalid input detected",
    r"% Incomplete command",
    r"% Ambiguous command",
    r"% Unknown command",
    r"Command authorization failed",
];

/// Owned copies of string literals, for a profile's command and pattern lists.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Lines a vendor's CLI prints, for checking (in the vendor crate's tests) that its
/// profile tells them apart: prompts by mode, pager prompts, error messages, noise, the
/// questions commands ask, and plain output that must be none of those.
#[derive(Clone, Copy, Debug, Default)]
pub struct Samples<'a> {
    /// Prompts outside configuration that are not privileged (all of them on a CLI
    /// without an enable mode).
    pub exec: &'a [&'a str],
    /// Privileged (enable) prompts outside configuration.
    pub privileged: &'a [&'a str],
    /// Configuration-mode prompts.
    pub config: &'a [&'a str],
    /// Output ending in a pager prompt.
    pub pager: &'a [&'a str],
    /// Device error messages.
    pub errors: &'a [&'a str],
    /// Lines printed before the real output (never prompts).
    pub noise: &'a [&'a str],
    /// Questions a command asks, with the answer the profile must give.
    pub answers: &'a [(&'a str, &'a str)],
    /// Output lines that are no prompt, pager, error or noise.
    pub output: &'a [&'a str],
}

/// One row of [`Samples::check`]: a profile field, its patterns, the lines one of them must
/// match, and the lines none of them may match.
type Check<'a> = (&'static str, Vec<String>, &'a [&'a str], &'a [&'a str]);

impl Samples<'_> {
    /// What `profile` gets wrong about the samples, one line per mistake (empty when it
    /// gets everything right). A pattern the profile leaves empty (no enable mode, no
    /// pager) is not checked, but samples it should match are a mistake.
    pub fn check(&self, profile: &Profile) -> Vec<String> {
        let mut wrong = Vec::new();
        let prompts = [self.exec, self.privileged, self.config].concat();
        let not_prompts = [self.output, self.noise, self.pager].concat();
        // Configuration prompts are privileged too, on a CLI that has an enable mode.
        let privileged = match profile.privileged_pattern.is_empty() {
            true => self.privileged.to_vec(),
            false => [self.privileged, self.config].concat(),
        };
        let not_config = [self.exec, self.privileged].concat();
        let one = |p: &String| vec![p.clone()];
        let checks: [Check; 6] = [
            (
                "prompt_pattern",
                one(&profile.prompt_pattern),
                &prompts,
                &not_prompts,
            ),
            (
                "privileged_pattern",
                one(&profile.privileged_pattern),
                &privileged,
                self.exec,
            ),
            (
                "config_pattern",
                one(&profile.config_pattern),
                self.config,
                &not_config,
            ),
            (
                "pager_pattern",
                one(&profile.pager_pattern),
                self.pager,
                self.output,
            ),
            (
                "error_patterns",
                profile.error_patterns.clone(),
                self.errors,
                self.output,
            ),
            (
                "noise_patterns",
                profile.noise_patterns.clone(),
                self.noise,
                self.output,
            ),
        ];
        for (name, patterns, yes, no) in checks {
            let patterns: Vec<&String> = patterns.iter().filter(|p| !p.is_empty()).collect();
            if patterns.is_empty() {
                if !yes.is_empty() {
                    wrong.push(format!("{name}: empty, but {yes:?} should match it"));
                }
                continue;
            }
            let mut res = Vec::new();
            for p in patterns {
                match regex::Regex::new(p) {
                    Ok(re) => res.push(re),
                    Err(e) => wrong.push(format!("{name}: {e}")),
                }
            }
            let hit = |line: &str| res.iter().any(|re| re.is_match(line));
            wrong.extend(
                yes.iter()
                    .filter(|l| !hit(l))
                    .map(|l| format!("{name} misses {l:?}")),
            );
            wrong.extend(
                no.iter()
                    .filter(|l| hit(l))
                    .map(|l| format!("{name} matches {l:?}")),
            );
        }
        for (question, answer) in self.answers {
            let given = profile
                .prompt_answers
                .iter()
                .find(|a| regex::Regex::new(&a.pattern).is_ok_and(|re| re.is_match(question)));
            match given {
                Some(a) if a.answer == *answer => {}
                Some(a) => wrong.push(format!(
                    "{question:?} is answered {:?}, not {answer:?}",
                    a.answer
                )),
                None => wrong.push(format!("{question:?} is not answered")),
            }
        }
        wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::PromptAnswer;

    fn toy() -> Profile {
        Profile {
            prompt_pattern: r"^r1[>#]$".to_string(),
            privileged_pattern: r"^r1#$".to_string(),
            error_patterns: strings(&[r"^% "]),
            prompt_answers: vec![PromptAnswer {
                pattern: r"\[y/n\]$".to_string(),
                answer: "y".to_string(),
            }],
            ..ios_style()
        }
    }

    #[test]
    fn a_right_profile_has_nothing_wrong() {
        let samples = Samples {
            exec: &["r1>"],
            privileged: &["r1#"],
            errors: &["% bad"],
            answers: &[("sure? [y/n]", "y")],
            output: &["r1 is up", "100% done"],
            ..Samples::default()
        };
        assert_eq!(samples.check(&toy()), Vec::<String>::new());
        assert_eq!(
            ios_style().config_enter.as_deref(),
            Some("configure terminal")
        );
    }

    #[test]
    fn every_kind_of_mistake_is_named() {
        let samples = Samples {
            exec: &["r1#"],
            config: &["r1(config)#"],
            pager: &["--More--"],
            errors: &["Error: bad"],
            answers: &[("sure? [y/n]", "n"), ("really?", "y")],
            output: &["r1>"],
            ..Samples::default()
        };
        let wrong = samples.check(&toy());
        for expected in [
            "prompt_pattern misses \"r1(config)#\"",
            "prompt_pattern matches \"r1>\"",
            "privileged_pattern matches \"r1#\"",
            "config_pattern: empty",
            "pager_pattern: empty",
            "error_patterns misses \"Error: bad\"",
            "is answered \"y\", not \"n\"",
            "\"really?\" is not answered",
        ] {
            assert!(
                wrong.iter().any(|w| w.contains(expected)),
                "{expected}: {wrong:#?}"
            );
        }
    }
}
