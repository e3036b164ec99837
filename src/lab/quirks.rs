//! Ways for a device to be awkward on purpose, as real devices are: a custom or plain
//! prompt, banners full of prompt characters, a login that waits for a return, a forced
//! password change, a MOTD that pages, setup commands it does not know. All off by
//! default, so the lab stays a faithful emulator unless a test or a flag asks.

use std::time::Duration;

use super::model::Platform;
use super::vendors::CliMode;

/// How long the banner's last, unterminated line stands alone before the prompt follows,
/// as on a slow link: a client sees a line that looks like a prompt and is not one.
pub const BANNER_HOLD: Duration = Duration::from_millis(30);

/// What a device does differently from the vendor's textbook (flags of `netpulse lab`,
/// or per device in `LabOptions::device_quirks`).
#[derive(clap::Args, Debug, Clone, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Draw this prompt instead of the vendor's: `{host}` is the hostname, `{mode}` the
    /// config mode in parentheses (`(config-if)`, empty outside config), `{sigil}` `>` in
    /// exec mode and `#` elsewhere.
    #[arg(long = "prompt", value_name = "TEMPLATE")]
    pub prompt: Option<String>,
    /// A plain `host>` / `host#` / `host(config)#` prompt on every platform.
    #[arg(long)]
    pub plain_prompt: bool,
    /// A login banner full of prompt characters (`#`, `>`, `<host>`, `[host]`), whose last
    /// line looks like the prompt and arrives alone.
    #[arg(long)]
    pub banner_prompt_chars: bool,
    /// Print nothing after login until a return is typed.
    #[arg(long)]
    pub needs_return: bool,
    /// Junos: a `{master:0}` line above every prompt.
    #[arg(long)]
    pub junos_master: bool,
    /// Print `Press RETURN to get started.` and wait for a return before the banner.
    #[arg(long)]
    pub press_return: bool,
    /// Demand a new password after login and never give a prompt.
    #[arg(long)]
    pub password_change: bool,
    /// A MOTD long enough to stop at the vendor's pager before the first prompt.
    #[arg(long)]
    pub motd_pager: bool,
    /// Answer the paging-off and terminal setup commands with the vendor's unknown-command
    /// error, so paging stays on.
    #[arg(long)]
    pub refuse_setup: bool,
    /// Print `% Authorization failed.` after login and close the session.
    #[arg(long)]
    pub authorization_failed: bool,
}

impl Quirks {
    /// The prompt to draw: the template's, the plain one, the vendor's with `{master:0}`,
    /// or the vendor's own (`native`) while a question is open or no quirk applies.
    pub fn prompt(
        &self,
        native: String,
        mode: Option<CliMode>,
        host: &str,
        platform: Platform,
    ) -> String {
        let template = match (&self.prompt, self.plain_prompt) {
            (Some(t), _) => Some(t.as_str()),
            (None, true) => Some("{host}{mode}{sigil}"),
            (None, false) => None,
        };
        if let (Some(template), Some(mode)) = (template, &mode) {
            let (group, sigil) = match mode {
                CliMode::Exec => (String::new(), ">"),
                CliMode::Privileged => (String::new(), "#"),
                CliMode::Config("") => (String::new(), "#"),
                CliMode::Config(name) => (format!("({name})"), "#"),
            };
            return template
                .replace("{host}", host)
                .replace("{mode}", &group)
                .replace("{sigil}", sigil);
        }
        if self.junos_master && platform == Platform::JuniperJunos && mode.is_some() {
            if let Some(rest) = native.strip_prefix("\n[edit]") {
                return format!("\n{{master:0}}[edit]{rest}");
            }
            if let Some(rest) = native.strip_prefix('\n') {
                return format!("\n{{master:0}}\n{rest}");
            }
        }
        native
    }

    /// Banner lines that look like prompts of every vendor; the last one is the device's
    /// own privileged prompt, sent without a line ending.
    pub fn prompt_char_banner(host: &str) -> (String, String) {
        let body = format!(
            "\n##################################################\n\
             # {host}# is a lab device: authorised use only     #\n\
             #  {host}>  <{host}>  [~{host}]  admin@{host}>       #\n\
             ##################################################\n"
        );
        (body, format!("{host}#"))
    }

    /// A message of the day two screens long.
    pub fn motd(host: &str) -> String {
        (1..=40)
            .map(|n| format!("MOTD {n:02}: {host} maintenance notice, line {n} of 40 #>\n"))
            .collect()
    }

    /// Whether `line` is a paging-off or terminal setup command this quirk refuses.
    pub fn refuses(&self, line: &str) -> bool {
        let l = line.trim().to_ascii_lowercase();
        self.refuse_setup
            && [
                "terminal length",
                "terminal width",
                "terminal exec",
                "term len",
                "term width",
                "screen-length",
                "screen-width",
                "set cli",
            ]
            .iter()
            .any(|p| l.starts_with(p))
    }
}

/// The vendor's unknown-command answer to `line`, with the caret under its first word
/// (`prompt_len` columns in).
pub fn refused(platform: Platform, line: &str, prompt_len: usize) -> String {
    let caret = format!("{}^", " ".repeat(prompt_len));
    match platform {
        Platform::CiscoIos | Platform::CiscoXe | Platform::CiscoXr => {
            format!("{caret}\n% Invalid input detected at '^' marker.\n\n")
        }
        Platform::CiscoNxos => format!("{caret}\n% Invalid command at '^' marker.\n\n"),
        Platform::AristaEos => format!(
            "% Invalid input (at token 0: '{}')\n",
            line.split_whitespace().next().unwrap_or_default()
        ),
        Platform::JuniperJunos => format!("{caret}\nunknown command.\n"),
        Platform::Huawei => {
            format!("{caret}\nError: Unrecognized command found at '^' position.\n")
        }
        Platform::Linux => format!(
            "bash: {}: command not found\n",
            line.split_whitespace().next().unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_drawn() {
        let plain = Quirks {
            plain_prompt: true,
            ..Quirks::default()
        };
        let xr = Platform::CiscoXr;
        assert_eq!(
            plain.prompt(
                "RP/0/RP0/CPU0:r1#".into(),
                Some(CliMode::Privileged),
                "r1",
                xr
            ),
            "r1#"
        );
        assert_eq!(
            plain.prompt("x".into(), Some(CliMode::Config("config-if")), "r1", xr),
            "r1(config-if)#"
        );
        assert_eq!(
            plain.prompt("Password: ".into(), None, "r1", xr),
            "Password: "
        );
        let custom = Quirks {
            prompt: Some("{host} lab{mode}{sigil} ".into()),
            ..Quirks::default()
        };
        assert_eq!(
            custom.prompt("<r1>".into(), Some(CliMode::Exec), "r1", Platform::Huawei),
            "r1 lab> "
        );
        let master = Quirks {
            junos_master: true,
            ..Quirks::default()
        };
        let junos = Platform::JuniperJunos;
        assert_eq!(
            master.prompt("\nadmin@r1> ".into(), Some(CliMode::Exec), "r1", junos),
            "\n{master:0}\nadmin@r1> "
        );
        assert_eq!(
            master.prompt(
                "\n[edit]\nadmin@r1# ".into(),
                Some(CliMode::Config("")),
                "r1",
                junos
            ),
            "\n{master:0}[edit]\nadmin@r1# "
        );
        assert_eq!(
            Quirks::default().prompt("r1>".into(), Some(CliMode::Exec), "r1", xr),
            "r1>"
        );
    }

    #[test]
    fn setup_refused() {
        let q = Quirks {
            refuse_setup: true,
            ..Quirks::default()
        };
        assert!(q.refuses("terminal length 0"));
        assert!(q.refuses("screen-length 0 temporary"));
        assert!(q.refuses("set cli screen-length 0"));
        assert!(!q.refuses("show version"));
        assert!(!Quirks::default().refuses("terminal length 0"));
        assert!(refused(Platform::Huawei, "screen-length 0 temporary", 4).contains("Error:"));
    }
}
