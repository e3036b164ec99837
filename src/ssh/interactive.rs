//! The interactive CLI session: one PTY shell per connection, driven by a
//! [`SessionProfile`]. Output ends at the prompt, never after a fixed sleep.

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::ChannelMsg;
use russh::client::Msg;
use tokio::time::timeout_at;

use super::clean;
use super::connect::Connection;
use super::login;
use super::prompt::{self, Prompt};
use super::write::{self, HOUSEKEEPING_TIMEOUT};
use super::{Error, OutputBudget, Secret, SessionProfile};

/// Terminal size requested, as netmiko does: wide enough that devices never wrap lines.
const PTY_COLUMNS: u32 = 511;
/// Rows requested; large so devices that ignore `terminal length 0` page less.
const PTY_ROWS: u32 = 1000;
/// Bytes of the buffer's tail inspected for prompts and pagers; a prompt is one short line.
const TAIL_BYTES: usize = 1024;
/// Pager prompts answered for one command before it is treated as runaway output.
const MAX_PAGES: usize = 100_000;
/// Largest reply that can be a stray prompt (the answer to a return sent during login that
/// arrived after the prompt was learned): one prompt line and its line breaks.
const STRAY_BYTES: usize = 512;

/// One command's result as the device printed it.
#[derive(Debug, Clone)]
pub struct CommandOutput {
    /// The command as sent.
    pub command: String,
    /// Cleaned output: no echo, prompt, pager, `\r` or ANSI codes.
    pub output: String,
    /// The device's error line, when the output matches a profile error pattern.
    pub error: Option<String>,
    /// Time from sending the command to seeing the prompt.
    pub duration: Duration,
}

/// An open interactive session. A device CLI is not concurrent: one command at a time,
/// hence `&mut self` everywhere.
pub struct CliSession {
    pub(super) conn: Connection,
    pub(super) channel: russh::Channel<Msg>,
    pub(super) profile: Arc<SessionProfile>,
    /// The prompt learned from the device after login: every read ends at it or at one of
    /// its mode variants (`None` only while logging in).
    prompt: Option<Arc<Prompt>>,
    /// Whether the learned prompt is outside the profile's usual form (job metadata).
    prompt_learned: bool,
    /// Whether the session is at the privileged prompt.
    privileged: bool,
    /// Setup commands the device rejected (logged, not fatal).
    pub setup_warnings: Vec<String>,
    /// Set when a read failed: the session may hold stray output and must not be reused.
    pub(super) broken: bool,
    /// The limit of the step in progress, named in timeout errors.
    pub(super) limit: Duration,
    /// How long output must pause before its last line is taken as final, where the prompt
    /// is not known yet (login) or a prompt of another form appeared (hostname change).
    /// Scaled from the round trip measured at channel open; never used at a known prompt.
    pub(super) quiet: Duration,
    /// When the step in progress must end; every write waits no longer.
    pub(super) deadline: Instant,
    /// Output the current job may still receive (see [`CliSession::set_budget`]).
    budget: OutputBudget,
}

/// Where a read stopped.
struct Read {
    /// Everything the device sent, up to the prompt.
    raw: String,
    /// The last line, where the read stopped.
    tail: String,
    /// True when the caller's extra condition stopped it, not a prompt.
    extra: bool,
}

/// The last line of `buffer` as a terminal shows it, rendered from its last [`TAIL_BYTES`]:
/// where prompts, pagers and questions are looked for.
pub(super) fn tail_line(buffer: &[u8]) -> String {
    let start = buffer.len().saturating_sub(TAIL_BYTES);
    clean::last_line(&String::from_utf8_lossy(&buffer[start..]))
}

impl CliSession {
    /// Opens a shell, waits for the first prompt, enters enable mode when `secret` is given
    /// and the platform has one, then turns paging off and runs setup commands.
    pub async fn open(
        conn: Connection,
        profile: Arc<SessionProfile>,
        secret: Option<&Secret>,
        login_timeout: Duration,
    ) -> Result<Self, Error> {
        let deadline = Instant::now() + login_timeout;
        let label = conn.label.clone();
        let opened = timeout_at(deadline.into(), async {
            let asked = Instant::now();
            let channel = conn.handle.channel_open_session().await?;
            // Opening a channel is one round trip: the measure the quiet moment scales with.
            let rtt = asked.elapsed();
            channel
                .request_pty(false, "vt100", PTY_COLUMNS, PTY_ROWS, 0, 0, &[])
                .await?;
            channel.request_shell(false).await?;
            Ok::<_, russh::Error>((channel, rtt))
        })
        .await;
        let (channel, rtt) = match opened {
            Ok(Ok(opened)) => opened,
            Ok(Err(e)) => {
                return Err(Error::Session {
                    target: label,
                    message: format!("cannot open a shell: {e}"),
                });
            }
            Err(_) => {
                return Err(Error::Timeout {
                    target: label,
                    what: "opening a shell".into(),
                    secs: login_timeout.as_secs_f64(),
                });
            }
        };
        let mut session = Self {
            conn,
            channel,
            profile,
            prompt: None,
            prompt_learned: false,
            privileged: false,
            setup_warnings: Vec::new(),
            broken: false,
            limit: login_timeout,
            quiet: login::quiet_window(rtt),
            deadline,
            budget: OutputBudget::session_default(),
        };
        let prompt = session.learn_prompt(deadline).await?;
        session.adopt(prompt);
        if let Some(secret) = secret {
            session.enable(secret, deadline).await?;
        }
        let setup: Vec<String> = session
            .profile
            .paging_off
            .iter()
            .chain(session.profile.setup.iter())
            .cloned()
            .collect();
        for command in setup {
            let out = session.run(&command, login_timeout).await?;
            if let Some(error) = out.error {
                tracing::warn!(target: "netpulse::ssh", device = %session.conn.label, %command, %error, "setup command rejected");
                session.setup_warnings.push(format!("{command}: {error}"));
            }
        }
        Ok(session)
    }

    /// `host:port` of the device.
    pub fn label(&self) -> &str {
        &self.conn.label
    }

    /// How long connecting and authenticating took.
    pub fn connect_time(&self) -> Duration {
        self.conn.connect_time
    }

    /// True when the session must not be reused (a read failed or the transport closed).
    pub fn is_broken(&self) -> bool {
        self.broken || self.conn.handle.is_closed()
    }

    /// Whether the session is at the privileged prompt.
    pub fn is_privileged(&self) -> bool {
        self.privileged
    }

    /// Sets the output budget for the job about to run on this session: every read counts
    /// against it, and past it the command fails with [`Error::OutputLimit`] and the session
    /// is marked broken.
    pub fn set_budget(&mut self, budget: OutputBudget) {
        self.budget = budget;
    }

    /// The prompt learned from the device.
    pub fn prompt(&self) -> Option<&str> {
        self.prompt.as_deref().map(Prompt::line)
    }

    /// True when the learned prompt is not of the profile's usual form (`prompt_learned` in
    /// job metadata): the session works, and an operator can see that the device drifts.
    pub fn prompt_learned(&self) -> bool {
        self.prompt_learned
    }

    /// Runs one command and returns its cleaned output; a device error is reported in
    /// [`CommandOutput::error`], not as `Err`.
    pub async fn run(&mut self, command: &str, limit: Duration) -> Result<CommandOutput, Error> {
        let started = Instant::now();
        let deadline = started + limit;
        self.limit = limit;
        self.deadline = deadline;
        self.send_line(command).await?;
        let echo = !command.trim().is_empty();
        let read = self
            .read_until(deadline, command, echo, |_, _| false)
            .await?;
        if let Err(e) = self.budget.charge(read.raw.len()) {
            self.broken = true;
            return Err(e);
        }
        let prompt = match &self.prompt {
            Some(prompt) => prompt.pattern(),
            None => &self.profile.prompt,
        };
        let Some(output) =
            clean::command_output_offloaded(read.raw, command, prompt, &self.profile).await
        else {
            return Err(
                self.closed("while cleaning the output: the runtime is shutting down".into())
            );
        };
        let error = self.profile.device_error(&output);
        self.track_mode(&read.tail);
        Ok(CommandOutput {
            command: command.to_string(),
            output,
            error,
            duration: started.elapsed(),
        })
    }

    /// Sends a NUL byte: devices ignore it, and it keeps their exec-timeout from closing an
    /// idle session (netmiko's `is_alive` does the same).
    ///
    /// Bounded by [`HOUSEKEEPING_TIMEOUT`]: a device that stopped reading fails its nudge
    /// (and is closed) instead of holding the reaper.
    pub async fn nudge(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + HOUSEKEEPING_TIMEOUT;
        write::data(&self.channel, vec![0u8], deadline)
            .await
            .map_err(|e| {
                self.broken = true;
                e.into_error(
                    &self.conn.label,
                    "sending a keepalive",
                    HOUSEKEEPING_TIMEOUT,
                )
            })
    }

    /// Closes the channel and the connection politely (best effort, bounded).
    pub async fn close(self) {
        let deadline = Instant::now() + HOUSEKEEPING_TIMEOUT;
        let bye = async {
            let _ = write::eof(&self.channel, deadline).await;
            let _ = self
                .conn
                .handle
                .disconnect(russh::Disconnect::ByApplication, "", "en")
                .await;
        };
        let _ = tokio::time::timeout_at(deadline.into(), bye).await;
    }

    async fn enable(&mut self, secret: &Secret, deadline: Instant) -> Result<(), Error> {
        let profile = self.profile.clone();
        let (Some(command), Some(_)) = (&profile.enable_command, &profile.privileged) else {
            return Ok(()); // Junos, XR, Huawei: no enable mode; the secret is ignored.
        };
        if self.privileged {
            return Ok(());
        }
        self.send_line(command).await?;
        let reply = self
            .read_until(deadline, "enable", true, |tail, p| {
                p.enable_password.is_match(tail)
            })
            .await?;
        if reply.extra {
            self.send_secret(secret).await?;
            // Secrets are not echoed: the reply is only the prompt.
            let after = self
                .read_until(deadline, "enable password", false, |_, _| false)
                .await?;
            self.track_mode(&after.tail);
        } else {
            self.track_mode(&reply.tail);
        }
        if !self.privileged {
            return Err(Error::Session {
                target: self.conn.label.clone(),
                message: "enable mode refused: check the enable secret".into(),
            });
        }
        Ok(())
    }

    /// Takes `prompt` as the session's prompt; `prompt_learned` says whether the profile
    /// would have recognised it.
    pub(super) fn adopt(&mut self, prompt: Prompt) {
        self.prompt_learned = !self.profile.prompt.is_match(prompt.line());
        let line = prompt.line().to_string();
        self.prompt = Some(Arc::new(prompt));
        self.track_mode(&line);
    }

    fn track_mode(&mut self, prompt_line: &str) {
        if let Some(privileged) = &self.profile.privileged {
            self.privileged = privileged.is_match(prompt_line.trim_end())
                || privileged.is_match(prompt_line)
                || self
                    .prompt
                    .as_ref()
                    .is_some_and(|p| p.privileged(prompt_line));
        }
    }

    pub(super) async fn send_line(&mut self, line: &str) -> Result<(), Error> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.send_bytes(bytes, "sending a command").await
    }

    async fn send_secret(&mut self, secret: &Secret) -> Result<(), Error> {
        let mut bytes = secret.expose().as_bytes().to_vec();
        bytes.push(b'\n');
        self.send_bytes(bytes, "sending the enable secret").await
    }

    /// Writes `bytes` by the step's deadline; a write that fails or times out breaks the
    /// session.
    pub(super) async fn send_bytes(&mut self, bytes: Vec<u8>, during: &str) -> Result<(), Error> {
        let deadline = self.deadline;
        write::data(&self.channel, bytes, deadline)
            .await
            .map_err(|e| {
                self.broken = true;
                e.into_error(&self.conn.label, during, self.limit)
            })
    }

    /// Reads until the learned prompt (or `extra(last_line)`), answering pagers and profile
    /// questions on the way. Only the trailing partial line is tested, so output lines that
    /// look like prompts never end a read. With `echo`, a reply that is nothing but prompts
    /// is a stray answer to an earlier return and is skipped, so the session stays in step.
    ///
    /// A last line of the prompt's form with another name, or of the profile's usual form,
    /// is the device's new prompt (a hostname change, another mode) when the device then
    /// stays quiet and prints that same line again after one return: the session re-learns
    /// it and the read ends there. Anything else ends in an error naming both prompts.
    async fn read_until(
        &mut self,
        deadline: Instant,
        what: &str,
        echo: bool,
        extra: impl Fn(&str, &SessionProfile) -> bool,
    ) -> Result<Read, Error> {
        let mut buffer: Vec<u8> = Vec::with_capacity(4096);
        let mut pages = 0usize;
        let profile = self.profile.clone();
        let prompt = self.prompt.clone();
        let ours = |tail: &str| match &prompt {
            Some(p) => p.matches(tail),
            None => profile.prompt.is_match(tail),
        };
        // Another prompt at the end of the output: its line, where the output before it
        // ends, when it was seen (the quiet moment is measured from there), how sure.
        let mut other: Option<(String, usize, Instant, bool)> = None;
        // The other prompt a return was sent to confirm, and where the output ends.
        let mut confirming: Option<(String, usize)> = None;
        // The read reached our prompt (the output ends there) while the answer to that
        // return is still due; it is waited for a quiet moment (a pager may have eaten it,
        // and a late one is a stray the next read skips).
        let mut reply_due: Option<(usize, Instant)> = None;
        loop {
            let wake = match (&other, &reply_due) {
                (Some((_, _, seen, _)), _) | (None, Some((_, seen))) => *seen + self.quiet,
                (None, None) => deadline,
            }
            .min(deadline);
            let msg = match timeout_at(wake.into(), self.channel.wait()).await {
                Ok(msg) => msg,
                Err(_) if wake < deadline && other.is_none() => {
                    if let Some((cut, _)) = reply_due {
                        buffer.truncate(cut);
                        let tail = clean::last_line(&String::from_utf8_lossy(&buffer));
                        return Ok(Read {
                            raw: String::from_utf8_lossy(&buffer).into_owned(),
                            tail,
                            extra: false,
                        });
                    }
                    continue;
                }
                Err(_) if wake < deadline => {
                    let Some((line, cut, _, strong)) = other.take() else {
                        continue;
                    };
                    match &confirming {
                        Some((first, _)) if strong => {
                            return Err(self.out_of_step(what, first, &line));
                        }
                        Some(_) => continue,
                        None => {}
                    }
                    self.send_line("").await?;
                    confirming = Some((line, cut));
                    continue;
                }
                Err(_) => return Err(self.timed_out(what, &buffer)),
            };
            match msg {
                Some(ChannelMsg::Data { data }) => buffer.extend_from_slice(&data),
                Some(ChannelMsg::ExtendedData { data, .. }) => buffer.extend_from_slice(&data),
                Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) | None => {
                    return Err(self.closed(format!("while waiting for the prompt after {what:?}")));
                }
                Some(_) => continue,
            }
            if let Err(e) = self.budget.check(buffer.len()) {
                self.broken = true;
                return Err(e);
            }
            other = None;
            // Prompts, pagers and questions never end with a newline: a chunk that does
            // leaves nothing to look at (most of a long output arrives this way).
            if buffer.last() == Some(&b'\n') {
                continue;
            }
            let tail = tail_line(&buffer);
            if tail.trim().is_empty() {
                continue;
            }
            if ours(&tail) {
                if confirming.take().is_some() {
                    // The other line was output after all; the return's answer is still due.
                    reply_due = Some((buffer.len(), Instant::now()));
                    continue;
                }
                if let Some((cut, _)) = reply_due {
                    buffer.truncate(cut);
                } else if echo
                    && buffer.len() <= STRAY_BYTES
                    && prompt::only_prompts(&String::from_utf8_lossy(&buffer), &ours)
                {
                    buffer.clear();
                    continue;
                }
                return Ok(Read {
                    raw: String::from_utf8_lossy(&buffer).into_owned(),
                    tail,
                    extra: false,
                });
            }
            if extra(&tail, &profile) {
                return Ok(Read {
                    raw: String::from_utf8_lossy(&buffer).into_owned(),
                    tail,
                    extra: true,
                });
            }
            if let Some((line, cut)) = &confirming
                && tail.trim() == line.trim()
                && let Some(new) = Prompt::learn(line)
            {
                buffer.truncate(*cut);
                tracing::info!(target: "netpulse::ssh", device = %self.conn.label,
                    before = self.prompt().unwrap_or_default(), after = new.line(), "prompt changed; re-learned");
                self.adopt(new);
                return Ok(Read {
                    raw: String::from_utf8_lossy(&buffer).into_owned(),
                    tail,
                    extra: false,
                });
            }
            if let Some(pager) = &profile.pager
                && pager.is_match(&tail)
            {
                pages += 1;
                if pages > MAX_PAGES {
                    self.broken = true;
                    return Err(Error::Session {
                        target: self.conn.label.clone(),
                        message: format!("output of {what:?} paged more than {MAX_PAGES} times"),
                    });
                }
                // Drop the pager prompt: it sits alone on the last, unterminated line.
                let cut = line_start(&buffer);
                buffer.truncate(cut);
                let keys = profile.pager_continue.clone();
                self.deadline = deadline;
                self.send_bytes(keys.into_bytes(), "paging").await?;
                continue;
            }
            if self.answer_question(&tail, &mut buffer).await? {
                continue;
            }
            // The profile's form or ours with another name is a strong candidate; any
            // short line ending in a prompt sign is a weak one (a custom prompt renamed).
            let strong = profile.prompt.is_match(&tail)
                || prompt.as_ref().is_some_and(|p| p.same_form(&tail));
            if strong || prompt::looks_like_one(&tail) {
                other = Some((tail, line_start(&buffer), Instant::now(), strong));
            }
        }
    }

    /// Answers the profile question `tail` shows, if any. The question stays in the output
    /// but the buffer moves past it, so it is not answered twice.
    pub(super) async fn answer_question(
        &mut self,
        tail: &str,
        buffer: &mut Vec<u8>,
    ) -> Result<bool, Error> {
        let Some((_, answer)) = self.profile.answers.iter().find(|(q, _)| q.is_match(tail)) else {
            return Ok(false);
        };
        let answer = answer.clone();
        buffer.extend_from_slice(b"\n");
        self.send_line(&answer).await?;
        Ok(true)
    }

    /// The timeout of a read, naming the prompt waited for and the line the device showed.
    fn timed_out(&mut self, what: &str, buffer: &[u8]) -> Error {
        self.broken = true;
        let seen = tail_line(buffer);
        Error::Timeout {
            target: self.conn.label.clone(),
            what: prompt::waited_for(self.prompt().unwrap_or_default(), what, &seen),
            secs: self.limit.as_secs_f64(),
        }
    }

    /// The error of a session whose prompt changed twice in one read: out of step.
    fn out_of_step(&mut self, what: &str, first: &str, second: &str) -> Error {
        self.broken = true;
        let learned = self.prompt().unwrap_or_default();
        Error::Session {
            target: self.conn.label.clone(),
            message: prompt::out_of_step(learned, what, first, second),
        }
    }

    pub(super) fn closed(&mut self, during: String) -> Error {
        self.broken = true;
        Error::Closed {
            target: self.conn.label.clone(),
            during,
        }
    }
}

impl CliSession {
    /// Whether the session still answers a bare Enter with its prompt (the buffer was
    /// drained at the last prompt, so a healthy session does).
    pub async fn probe(&mut self, limit: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + limit;
        self.limit = limit;
        self.deadline = deadline;
        self.send_line("").await?;
        self.read_until(deadline, "<enter>", false, |_, _| false)
            .await
            .map(|_| ())
    }
}

/// Offset just past the last line break: where the last, unterminated line starts.
fn line_start(buffer: &[u8]) -> usize {
    buffer
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1)
}
