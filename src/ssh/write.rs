//! Writes to a device under a deadline.
//!
//! russh's channel writes wait for the peer's SSH window: a device that never opens it, or
//! stops reading, would hold the writer forever. Every write and request the gateway makes
//! on a channel goes through here, so it ends by the step's deadline whatever the device does.

use std::future::Future;
use std::time::{Duration, Instant};

use russh::Channel;
use russh::client::Msg;

use super::Error;

/// Longest a keepalive nudge or a polite close may wait on a device: both run outside any
/// job, so they get their own short deadline. A healthy device takes its NUL byte in one
/// round trip; one that cannot in this long is treated as gone.
pub const HOUSEKEEPING_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a bounded write did not happen.
#[derive(Debug)]
pub enum WriteError {
    /// The channel or connection failed.
    Failed(russh::Error),
    /// The deadline passed first (the device's window stayed shut).
    TimedOut,
}

impl WriteError {
    /// The session error for a write that failed `during` a step on `target`, limited to
    /// `limit`.
    pub fn into_error(self, target: &str, during: &str, limit: Duration) -> Error {
        match self {
            WriteError::Failed(e) => Error::Closed {
                target: target.to_string(),
                during: format!("{during}: {e}"),
            },
            WriteError::TimedOut => Error::Timeout {
                target: target.to_string(),
                what: format!("{during} (the device is not reading)"),
                secs: limit.as_secs_f64(),
            },
        }
    }
}

/// Runs one write or request future, giving up at `deadline`.
pub async fn bounded<T>(
    deadline: Instant,
    write: impl Future<Output = Result<T, russh::Error>>,
) -> Result<T, WriteError> {
    match tokio::time::timeout_at(deadline.into(), write).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(WriteError::Failed(e)),
        Err(_) => Err(WriteError::TimedOut),
    }
}

/// Sends `bytes` on `channel`, giving up at `deadline`.
pub async fn data(
    channel: &Channel<Msg>,
    bytes: Vec<u8>,
    deadline: Instant,
) -> Result<(), WriteError> {
    bounded(deadline, channel.data_bytes(bytes)).await
}

/// Sends EOF on `channel`, giving up at `deadline`.
pub async fn eof(channel: &Channel<Msg>, deadline: Instant) -> Result<(), WriteError> {
    bounded(deadline, channel.eof()).await
}
