//! The exec channel: one command per channel, for Linux hosts (NetPulse's `paramiko`
//! driver). No prompt to find: the command's end is the channel's close.

use std::time::{Duration, Instant};

use russh::ChannelMsg;

use super::connect::Connection;
use super::{Error, OutputBudget};

/// Output of one exec-channel command.
#[derive(Debug, Clone)]
pub struct ExecOutput {
    /// The command as sent.
    pub command: String,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status; `None` when the server sent none (killed by a signal).
    pub exit_status: Option<u32>,
    /// Time from open to close.
    pub duration: Duration,
}

/// Runs `command` on a new exec channel of `conn` and reads until the channel closes
/// (exit-status, then EOF, then close: reading only to EOF would miss a late status).
/// Output is bounded by the session's default budget; a job passes its own through
/// [`run_budgeted`].
pub async fn run(conn: &Connection, command: &str, limit: Duration) -> Result<ExecOutput, Error> {
    run_budgeted(conn, command, limit, &mut OutputBudget::session_default()).await
}

/// [`run`], counting stdout and stderr against `budget`: past it the command fails with
/// [`Error::OutputLimit`] (the connection should then be discarded). Every step, the
/// channel open and the exec request included, ends within `limit`.
pub async fn run_budgeted(
    conn: &Connection,
    command: &str,
    limit: Duration,
    budget: &mut OutputBudget,
) -> Result<ExecOutput, Error> {
    let started = Instant::now();
    let room = *budget;
    let work = async {
        let mut channel = conn
            .handle
            .channel_open_session()
            .await
            .map_err(|e| Error::Session {
                target: conn.label.clone(),
                message: format!("cannot open an exec channel: {e}"),
            })?;
        channel
            .exec(true, command)
            .await
            .map_err(|e| Error::Session {
                target: conn.label.clone(),
                message: format!("exec request refused: {e}"),
            })?;
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let mut exit_status = None;
        let mut saw_eof = false;
        while let Some(msg) = channel.wait().await {
            match msg {
                ChannelMsg::Data { data } => stdout.extend_from_slice(&data),
                ChannelMsg::ExtendedData { data, ext: 1 } => stderr.extend_from_slice(&data),
                ChannelMsg::ExitStatus { exit_status: code } => exit_status = Some(code),
                ChannelMsg::Eof => saw_eof = true,
                ChannelMsg::Close => break,
                _ => {}
            }
            room.check(stdout.len().saturating_add(stderr.len()))?;
        }
        if !saw_eof && exit_status.is_none() {
            return Err(Error::Closed {
                target: conn.label.clone(),
                during: format!("while running {command:?}"),
            });
        }
        let received = stdout.len().saturating_add(stderr.len());
        let out = ExecOutput {
            command: command.to_string(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            exit_status,
            duration: started.elapsed(),
        };
        Ok((out, received))
    };
    let (out, received) = tokio::time::timeout(limit, work)
        .await
        .unwrap_or_else(|_| {
            Err(Error::Timeout {
                target: conn.label.clone(),
                what: format!("command {command:?}"),
                secs: limit.as_secs_f64(),
            })
        })?;
    budget.charge(received)?;
    Ok(out)
}
