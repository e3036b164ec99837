//! The interactive CLI session: one PTY shell per connection, driven by a
//! [`SessionProfile`]. Output ends at the prompt, never after a fixed sleep.

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::ChannelMsg;
use russh::client::Msg;
use tokio::time::timeout_at;

use super::clean;
use super::connect::Connection;
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
/// Characters of the learned hostname a prompt must contain (IOS shortens long hostnames in
/// config prompts, so only a prefix is stable).
const ANCHOR_CHARS: usize = 16;

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
    conn: Connection,
    channel: russh::Channel<Msg>,
    profile: Arc<SessionProfile>,
    /// Hostname prefix learned from the first prompt, to tell prompts from output lines.
    anchor: Option<String>,
    /// Whether the session is at the privileged prompt.
    privileged: bool,
    /// Setup commands the device rejected (logged, not fatal).
    pub setup_warnings: Vec<String>,
    /// Set when a read failed: the session may hold stray output and must not be reused.
    broken: bool,
    /// The limit of the step in progress, named in timeout errors.
    limit: Duration,
    /// When the step in progress must end; every write waits no longer.
    deadline: Instant,
    /// Output the current job may still receive (see [`CliSession::set_budget`]).
    budget: OutputBudget,
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
            let channel = conn.handle.channel_open_session().await?;
            channel
                .request_pty(false, "vt100", PTY_COLUMNS, PTY_ROWS, 0, 0, &[])
                .await?;
            channel.request_shell(false).await?;
            Ok::<_, russh::Error>(channel)
        })
        .await;
        let channel = match opened {
            Ok(Ok(channel)) => channel,
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
            anchor: None,
            privileged: false,
            setup_warnings: Vec::new(),
            broken: false,
            limit: login_timeout,
            deadline,
            budget: OutputBudget::session_default(),
        };
        let banner = session.read_until_prompt(deadline, "login").await?;
        let prompt_line = clean::last_line(&banner);
        session.learn_prompt(&prompt_line);
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

    /// Runs one command and returns its cleaned output; a device error is reported in
    /// [`CommandOutput::error`], not as `Err`.
    pub async fn run(&mut self, command: &str, limit: Duration) -> Result<CommandOutput, Error> {
        let started = Instant::now();
        let deadline = started + limit;
        self.limit = limit;
        self.deadline = deadline;
        self.send_line(command).await?;
        let raw = self.read_until_prompt(deadline, command).await?;
        if let Err(e) = self.budget.charge(raw.len()) {
            self.broken = true;
            return Err(e);
        }
        let tail = clean::last_line(&raw);
        let Some(output) = clean::command_output_offloaded(raw, command, &self.profile).await
        else {
            return Err(
                self.closed("while cleaning the output: the runtime is shutting down".into())
            );
        };
        let error = self.profile.device_error(&output);
        self.track_mode(&tail);
        Ok(CommandOutput {
            command: command.to_string(),
            output,
            error,
            duration: started.elapsed(),
        })
    }

    /// Applies config lines: enter config mode, stop at the first error (then leave config
    /// mode), commit where the platform needs it, and save only when asked.
    pub async fn push_config(
        &mut self,
        lines: &[String],
        save: bool,
        limit: Duration,
    ) -> Result<Vec<CommandOutput>, Error> {
        let mut results = Vec::with_capacity(lines.len() + 3);
        let profile = self.profile.clone();
        if let Some(enter) = &profile.config_enter {
            let out = self.run(enter, limit).await?;
            if out.error.is_some() {
                results.push(out);
                return Ok(results);
            }
        }
        let mut failed = false;
        for line in lines {
            let out = self.run(line, limit).await?;
            failed = out.error.is_some();
            results.push(out);
            if failed {
                break;
            }
        }
        if !failed && let Some(commit) = &profile.commit {
            let out = self.run(commit, limit).await?;
            failed = out.error.is_some();
            results.push(out);
        }
        if let Some(exit) = &profile.config_exit {
            let out = self.run(exit, limit).await?;
            if let Some(error) = &out.error {
                tracing::warn!(target: "netpulse::ssh", device = %self.conn.label, %error, "leaving config mode reported an error");
            }
        }
        if save
            && !failed
            && let Some(save_command) = &profile.save
        {
            results.push(self.run(save_command, limit).await?);
        }
        Ok(results)
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
            .read_until(deadline, "enable", |tail, p| {
                p.enable_password.is_match(tail) || p.prompt.is_match(tail)
            })
            .await?;
        if profile.enable_password.is_match(&clean::last_line(&reply)) {
            self.send_secret(secret).await?;
            let after = self.read_until_prompt(deadline, "enable password").await?;
            self.track_mode(&clean::last_line(&after));
        } else {
            self.track_mode(&clean::last_line(&reply));
        }
        if !self.privileged {
            return Err(Error::Session {
                target: self.conn.label.clone(),
                message: "enable mode refused: check the enable secret".into(),
            });
        }
        Ok(())
    }

    fn learn_prompt(&mut self, prompt_line: &str) {
        let trimmed = prompt_line.trim();
        let core = trimmed
            .trim_start_matches("HRP_M")
            .trim_start_matches("HRP_S")
            .trim_start_matches(['<', '['])
            .trim_start_matches(['~', '*']);
        let end = core
            .find(['(', '>', '#', ']', '$', '%'])
            .unwrap_or(core.len());
        let base: String = core[..end].chars().take(ANCHOR_CHARS).collect();
        self.anchor = (!base.is_empty()).then_some(base);
        self.track_mode(trimmed);
    }

    fn track_mode(&mut self, prompt_line: &str) {
        if let Some(privileged) = &self.profile.privileged {
            self.privileged =
                privileged.is_match(prompt_line.trim_end()) || privileged.is_match(prompt_line);
        }
    }

    fn is_prompt(&self, tail: &str) -> bool {
        self.profile.prompt.is_match(tail)
            && self
                .anchor
                .as_ref()
                .is_none_or(|anchor| tail.contains(anchor.as_str()))
    }

    async fn send_line(&mut self, line: &str) -> Result<(), Error> {
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
    async fn send_bytes(&mut self, bytes: Vec<u8>, during: &str) -> Result<(), Error> {
        let deadline = self.deadline;
        write::data(&self.channel, bytes, deadline)
            .await
            .map_err(|e| {
                self.broken = true;
                e.into_error(&self.conn.label, during, self.limit)
            })
    }

    async fn read_until_prompt(&mut self, deadline: Instant, what: &str) -> Result<String, Error> {
        let anchor = self.anchor.clone();
        self.read_until(deadline, what, move |tail, p| {
            p.prompt.is_match(tail)
                && anchor
                    .as_ref()
                    .is_none_or(|anchor| tail.contains(anchor.as_str()))
        })
        .await
    }

    /// Reads until `done(last_line)` holds, answering pagers and profile questions on the
    /// way. Only the trailing partial line is tested, so output lines that look like
    /// prompts never end a read.
    async fn read_until(
        &mut self,
        deadline: Instant,
        what: &str,
        done: impl Fn(&str, &SessionProfile) -> bool,
    ) -> Result<String, Error> {
        let mut buffer: Vec<u8> = Vec::with_capacity(4096);
        let mut pages = 0usize;
        let profile = self.profile.clone();
        loop {
            let msg = match timeout_at(deadline.into(), self.channel.wait()).await {
                Ok(msg) => msg,
                Err(_) => {
                    self.broken = true;
                    return Err(Error::Timeout {
                        target: self.conn.label.clone(),
                        what: format!("waiting for the prompt after {what:?}"),
                        secs: self.limit.as_secs_f64(),
                    });
                }
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
            // Prompts, pagers and questions never end with a newline: a chunk that does
            // leaves nothing to look at (most of a long output arrives this way).
            if buffer.last() == Some(&b'\n') {
                continue;
            }
            let tail_start = buffer.len().saturating_sub(TAIL_BYTES);
            let tail_text = String::from_utf8_lossy(&buffer[tail_start..]);
            let tail = clean::last_line(&tail_text);
            if tail.trim().is_empty() {
                continue;
            }
            if done(&tail, &profile) {
                return Ok(String::from_utf8_lossy(&buffer).into_owned());
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
                let cut = buffer
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |i| i + 1);
                buffer.truncate(cut);
                let keys = profile.pager_continue.clone();
                self.deadline = deadline;
                self.send_bytes(keys.into_bytes(), "paging").await?;
                continue;
            }
            if let Some((_, answer)) = profile.answers.iter().find(|(q, _)| q.is_match(&tail)) {
                let answer = answer.clone();
                // Keep the question in the output but move past it, so it is not answered twice.
                buffer.extend_from_slice(b"\n");
                self.send_line(&answer).await?;
            }
        }
    }

    fn closed(&mut self, during: String) -> Error {
        self.broken = true;
        Error::Closed {
            target: self.conn.label.clone(),
            during,
        }
    }
}

impl CliSession {
    /// Whether the session's prompt is recognised (used before reuse: the buffer was drained
    /// at the last prompt, so a healthy session answers a bare Enter with its prompt).
    pub async fn probe(&mut self, limit: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + limit;
        self.limit = limit;
        self.deadline = deadline;
        self.send_line("").await?;
        let raw = self.read_until_prompt(deadline, "<enter>").await?;
        let tail = clean::last_line(&raw);
        if self.is_prompt(&tail) {
            Ok(())
        } else {
            Err(Error::Session {
                target: self.conn.label.clone(),
                message: "no prompt after Enter".into(),
            })
        }
    }
}
