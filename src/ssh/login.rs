//! Between SSH authentication and the first prompt, and learning that prompt.
//!
//! A device may print anything there: banners of any length with `#` or `>` inside,
//! `Last login:` lines, `Press RETURN to get started`, a MOTD that pages, a question, or
//! nothing at all until it gets a return. It may also refuse to go on (a forced password
//! change, `% Authorization failed`): the session then fails at once with the device's
//! words, never waits for a prompt that will not come.
//!
//! The prompt is learned the way a careful client finds it: send a return, read until the
//! output is quiet for a short moment, take the last non-empty line, and take it only when
//! two looks in a row agree (the login output's last line and the answer to the first
//! return, or two answers). The quiet moment scales with the round trip measured when the
//! channel opened, within [`QUIET_MIN`]..[`QUIET_MAX`]; it is used only here and when a
//! read meets a prompt of another form, never at a known prompt. A login that ends at a
//! prompt of the profile's usual form skips it when the answer to the first return repeats
//! that prompt: a usual device logs in in one round trip more than before learning.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use regex::Regex;
use russh::ChannelMsg;
use tokio::time::timeout_at;

use super::Error;
use super::clean;
use super::interactive::{self, CliSession};
use super::prompt::{Prompt, quoted};

/// Shortest quiet moment: a device prints a prompt in one write, but its CPU and the
/// network may split it; 25 ms covers a busy device on a LAN without slowing a login much.
pub const QUIET_MIN: Duration = Duration::from_millis(25);
/// Longest quiet moment: a satellite link's round trip (500 ms) is the worst case served.
pub const QUIET_MAX: Duration = Duration::from_millis(500);
/// Round trips in a quiet moment: the gap inside one reply is a fraction of a round trip,
/// so several of them separate "still printing" from "done" with a wide margin.
const QUIET_RTT_FACTOR: u32 = 8;
/// How long a silent login is waited for before a return is sent: a device that printed
/// nothing by then is waiting for a key (netmiko sends its first return after 100 ms), and
/// a return is harmless at every stage of a login handled here.
pub const SILENT_LOGIN_WAIT: Duration = Duration::from_millis(250);
/// Returns sent to find a stable prompt; a prompt that has not settled by then is not one.
const LEARN_ROUNDS: usize = 4;
/// Most login output (banners, MOTD) read before the prompt; more is a flood, not a banner.
const LOGIN_MAX_BYTES: usize = 1 << 20;
/// MOTD pages answered during login.
const LOGIN_MAX_PAGES: usize = 64;

/// The quiet moment for a channel whose open took `rtt`.
pub fn quiet_window(rtt: Duration) -> Duration {
    rtt.saturating_mul(QUIET_RTT_FACTOR)
        .clamp(QUIET_MIN, QUIET_MAX)
}

/// Lines after which no prompt will come, with the reason a job fails for.
static REFUSALS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"(?i)password (has )?expired|(must|required to) change (your |the )?password|password change (is )?required|(new|old|current) password\s*:\s*$",
            "the device requires a password change before it gives a prompt; change the password on the device, then retry",
        ),
        (
            r"(?i)^\s*%?\s*authori[sz]ation failed",
            "the device refused authorization after login",
        ),
        (
            r"(?i)^\s*(username|user name|login)\s*:\s*$",
            "the device asks for a login in the terminal after SSH authentication",
        ),
        (
            r"(?i)^\s*password\s*:\s*$",
            "the device asks for a password in the terminal after SSH authentication",
        ),
    ]
    .into_iter()
    // The patterns are literals above; a failure would be caught by the unit tests.
    .filter_map(|(p, why)| Regex::new(p).ok().map(|re| (re, why)))
    .collect()
});

/// Pagers of every bundled vendor, for a MOTD that pages before the profile's pager is
/// known to match (`--More--`, `---(more)---`, `---- More ----`).
static LOGIN_PAGER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)-{2,}\s*\(?more( \d+%)?\)?\s*-{2,}\s*$").ok());

/// Why the login cannot go on, when `line` says so.
pub fn refusal(line: &str) -> Option<String> {
    REFUSALS
        .iter()
        .find(|(re, _)| re.is_match(line))
        .map(|(_, why)| format!("{why}: {:?}", quoted(line.trim())))
}

/// The last line with something on it, as a terminal shows it.
fn last_non_empty(text: &str) -> Option<String> {
    clean::render(text)
        .into_iter()
        .rev()
        .map(|l| l.trim().to_string())
        .find(|l| !l.is_empty())
}

impl CliSession {
    /// Reads the login output, then learns the prompt (see the module doc).
    pub(super) async fn learn_prompt(&mut self, deadline: Instant) -> Result<Prompt, Error> {
        let profile = self.profile.clone();
        // The login output ends early at a prompt of the profile's usual form; any other
        // ending waits for the quiet moment.
        let login = self
            .read_quiet(deadline, Some(SILENT_LOGIN_WAIT), |tail| {
                profile.prompt.is_match(tail)
            })
            .await?;
        let mut seen = last_non_empty(&login);
        // A login that ended at a prompt of the usual form needs no quiet moment: when the
        // answer to one return repeats that line, the two looks agree. Should the first
        // have been a banner line identical to the prompt, the answer to the return is
        // still due; the first command skips it as a stray (see `CliSession::run`).
        let at_usual = seen.is_some() && profile.prompt.is_match(&clean::last_line(&login));
        let mut looks = Vec::new();
        // A return that gets no answer at all is sent again, each time waiting twice as
        // long (a device still busy logging in, or one that wanted two returns); only
        // answered returns count against LEARN_ROUNDS, and the deadline bounds the rest.
        let mut silent = SILENT_LOGIN_WAIT;
        let mut round = 0;
        while round < LEARN_ROUNDS {
            self.send_line("").await?;
            let previous = seen.clone();
            let confirming = round > 0 || at_usual;
            // Otherwise the first answer waits for quiet, so nothing the login left unsaid
            // (a late banner, the answer to a return sent into a silent login) is still
            // on its way once the prompt is taken; later answers end at the same line.
            let answer = self
                .read_quiet(deadline, Some(silent), |tail| {
                    confirming && previous.as_deref() == Some(tail.trim())
                })
                .await?;
            if answer.is_empty() {
                silent = silent.saturating_mul(2);
                continue;
            }
            round += 1;
            let line = last_non_empty(&answer);
            if let Some(line) = line.as_deref()
                && seen.as_deref() == Some(line)
                && let Some(prompt) = Prompt::learn(line)
            {
                tracing::debug!(target: "netpulse::ssh", device = %self.conn.label, prompt = %line, rounds = round, "prompt learned");
                return Ok(prompt);
            }
            looks.push(line.clone().unwrap_or_default());
            seen = line;
        }
        self.broken = true;
        Err(Error::Session {
            target: self.conn.label.clone(),
            message: format!(
                "no stable prompt after {LEARN_ROUNDS} returns; the device's last lines were {:?}",
                looks.iter().map(|l| quoted(l)).collect::<Vec<_>>()
            ),
        })
    }

    /// Reads until `stop(last_line)`, until the device has printed something and then been
    /// quiet for the session's quiet moment, or (with `silent`) until nothing at all came
    /// for that long. Answers pagers and the profile's questions; fails at a refusal.
    async fn read_quiet(
        &mut self,
        deadline: Instant,
        silent: Option<Duration>,
        stop: impl Fn(&str) -> bool,
    ) -> Result<String, Error> {
        let started = Instant::now();
        let profile = self.profile.clone();
        let mut buffer: Vec<u8> = Vec::new();
        let mut last_byte: Option<Instant> = None;
        let mut pages = 0usize;
        loop {
            let wake = match last_byte {
                Some(at) => at + self.quiet,
                None => silent.map_or(deadline, |s| started + s),
            }
            .min(deadline);
            let msg = match timeout_at(wake.into(), self.channel.wait()).await {
                Ok(msg) => msg,
                Err(_) if wake < deadline => break,
                Err(_) => {
                    self.broken = true;
                    let seen = last_non_empty(&String::from_utf8_lossy(&buffer))
                        .map(|l| format!(" (the device's last line is {:?})", quoted(&l)))
                        .unwrap_or_default();
                    return Err(Error::Timeout {
                        target: self.conn.label.clone(),
                        what: format!("waiting for a prompt after login{seen}"),
                        secs: self.limit.as_secs_f64(),
                    });
                }
            };
            match msg {
                Some(ChannelMsg::Data { data }) => buffer.extend_from_slice(&data),
                Some(ChannelMsg::ExtendedData { data, .. }) => buffer.extend_from_slice(&data),
                Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) | None => {
                    self.broken = true;
                    let text = String::from_utf8_lossy(&buffer);
                    if let Some(why) = clean::render(&text).iter().find_map(|l| refusal(l)) {
                        return Err(self.refused(why));
                    }
                    return Err(Error::Closed {
                        target: self.conn.label.clone(),
                        during: "while logging in, before any prompt".into(),
                    });
                }
                Some(_) => continue,
            }
            last_byte = Some(Instant::now());
            if buffer.len() > LOGIN_MAX_BYTES {
                self.broken = true;
                return Err(Error::Session {
                    target: self.conn.label.clone(),
                    message: format!(
                        "login output exceeded {LOGIN_MAX_BYTES} bytes without a prompt"
                    ),
                });
            }
            if buffer.last() == Some(&b'\n') {
                continue;
            }
            let tail = interactive::tail_line(&buffer);
            if tail.trim().is_empty() {
                continue;
            }
            if self.answer_question(&tail, &mut buffer).await? {
                continue;
            }
            if let Some(why) = refusal(&tail) {
                return Err(self.refused(why));
            }
            if stop(&tail) {
                break;
            }
            let paged = profile.pager.as_ref().is_some_and(|p| p.is_match(&tail))
                || LOGIN_PAGER.as_ref().is_some_and(|p| p.is_match(&tail));
            if paged {
                pages += 1;
                if pages > LOGIN_MAX_PAGES {
                    self.broken = true;
                    return Err(Error::Session {
                        target: self.conn.label.clone(),
                        message: format!("login output paged more than {LOGIN_MAX_PAGES} times"),
                    });
                }
                let cut = buffer
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |i| i + 1);
                buffer.truncate(cut);
                let keys = profile.pager_continue.clone();
                self.send_bytes(keys.into_bytes(), "while paging the login banner")
                    .await?;
            }
        }
        let text = String::from_utf8_lossy(&buffer).into_owned();
        if let Some(why) = clean::render(&text).iter().find_map(|l| refusal(l)) {
            return Err(self.refused(why));
        }
        Ok(text)
    }

    fn refused(&mut self, why: String) -> Error {
        self.broken = true;
        Error::Session {
            target: self.conn.label.clone(),
            message: why,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_named() {
        assert_eq!(REFUSALS.len(), 4, "every refusal pattern compiles");
        for (line, word) in [
            (
                "Your password has expired and must be changed.",
                "password change",
            ),
            ("New password: ", "password change"),
            (
                "You are required to change your password immediately",
                "password change",
            ),
            ("% Authorization failed.", "authorization"),
            ("Username: ", "login"),
            ("Password:", "password"),
        ] {
            let why = refusal(line).unwrap_or_else(|| panic!("{line:?} is a refusal"));
            assert!(why.contains(word), "{line:?}: {why}");
        }
        for line in [
            "The password needs to be changed. Change now? [Y/N]:",
            "Last login: Mon Jan  1 12:00:00 2024 from 10.10.0.254",
            "Unauthorized access is prohibited. # router> ",
            "Press RETURN to get started.",
        ] {
            assert_eq!(refusal(line), None, "{line:?}");
        }
    }

    #[test]
    fn login_pagers() {
        let pager = LOGIN_PAGER.as_ref().expect("compiles");
        for line in [
            " --More-- ",
            "---(more 40%)---",
            "  ---- More ----",
            "-- More --",
        ] {
            assert!(pager.is_match(line), "{line:?}");
        }
        assert!(!pager.is_match("more to come"));
    }

    #[test]
    fn quiet_window_is_bounded() {
        assert_eq!(quiet_window(Duration::ZERO), QUIET_MIN);
        assert_eq!(
            quiet_window(Duration::from_millis(10)),
            Duration::from_millis(80)
        );
        assert_eq!(quiet_window(Duration::from_secs(5)), QUIET_MAX);
    }
}
