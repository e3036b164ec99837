//! The exec channel: one command per channel, for Linux hosts (NetPulse's `paramiko`
//! driver). No prompt to find: the command's end is the channel's close.

use std::time::{Duration, Instant};

use russh::ChannelMsg;

use super::Error;
use super::connect::Connection;

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

/// Largest output kept per stream; the rest is dropped with a marker.
const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;

/// Runs `command` on a new exec channel of `conn` and reads until the channel closes
/// (exit-status, then EOF, then close: reading only to EOF would miss a late status).
pub async fn run(conn: &Connection, command: &str, limit: Duration) -> Result<ExecOutput, Error> {
    let started = Instant::now();
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
                ChannelMsg::Data { data } => append(&mut stdout, &data),
                ChannelMsg::ExtendedData { data, ext: 1 } => append(&mut stderr, &data),
                ChannelMsg::ExitStatus { exit_status: code } => exit_status = Some(code),
                ChannelMsg::Eof => saw_eof = true,
                ChannelMsg::Close => break,
                _ => {}
            }
        }
        if !saw_eof && exit_status.is_none() {
            return Err(Error::Closed {
                target: conn.label.clone(),
                during: format!("while running {command:?}"),
            });
        }
        Ok(ExecOutput {
            command: command.to_string(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            exit_status,
            duration: started.elapsed(),
        })
    };
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
        Err(Error::Timeout {
            target: conn.label.clone(),
            what: format!("command {command:?}"),
            secs: limit.as_secs_f64(),
        })
    })
}

fn append(buffer: &mut Vec<u8>, data: &[u8]) {
    let room = MAX_STREAM_BYTES.saturating_sub(buffer.len());
    buffer.extend_from_slice(&data[..data.len().min(room)]);
}
