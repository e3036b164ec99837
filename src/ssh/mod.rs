//! The SSH client side: connecting to devices, checking host keys, and driving either an
//! interactive CLI (network devices) or the exec channel (Linux hosts).
//!
//! This module knows nothing about plugins: a [`SessionProfile`] value tells the CLI driver
//! how the platform behaves, whoever built it.
//!
//! - [`target`]: who to connect to and with which (redacted) secrets.
//! - [`connect`]: TCP + SSH handshake + auth, each bounded by a timeout.
//! - [`hostkeys`]: known_hosts policies (strict, accept-new, accept-any).
//! - [`known_hosts`]: the strict known_hosts reader those policies rely on.
//! - [`profile`]: the compiled session profile and the built-in fallbacks.
//! - [`interactive`]: the interactive session: enable, paging, commands, config pushes.
//! - [`login`]: between authentication and the first prompt, and learning that prompt.
//! - [`prompt`]: the learned prompt and the prompts of other modes derived from it.
//! - [`exec`]: one command per exec channel, with exit status.
//! - [`pool`]: long-lived sessions per device under a global cap, reaper, adaptive sizing
//!   (what it lends, `Session` and `Key`, in `session`; its figures in `pool_stats`).
//! - [`clean`]: turning raw terminal bytes into the command's output.
//! - [`write`]: channel writes and requests bounded by the step's deadline.
//! - [`budget`]: the output a job may receive across its commands.
//! - [`backoff`]: per-device login backoff after authentication failures.
//! - [`login_limit`]: logins in flight and their rate, bounded across the gateway.

pub mod backoff;
pub mod budget;
pub mod clean;
pub mod connect;
pub mod exec;
pub mod hostkeys;
pub mod interactive;
pub mod known_hosts;
pub mod login;
pub mod login_limit;
pub mod pool;
mod pool_stats;
pub mod profile;
pub mod prompt;
mod push;
mod session;
pub mod write;

pub use crate::device::{Auth, Secret, Target};
pub use budget::OutputBudget;
pub use connect::{Connection, Connector};
pub use interactive::{CliSession, CommandOutput};
pub use login_limit::{LoginLimit, LoginSettings};
pub use profile::{ProfileSpec, SessionProfile};

/// What went wrong talking to a device. Messages name the device (`HOST:PORT`) and never
/// contain a password, secret or key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// TCP connect or SSH handshake failed.
    #[error("connect to {target}: {message}")]
    Connect {
        /// `host:port`.
        target: String,
        /// The cause, as the OS or the SSH layer said it.
        message: String,
    },
    /// A step took longer than its timeout.
    #[error("{what} on {target} timed out after {secs:.1}s")]
    Timeout {
        /// `host:port`.
        target: String,
        /// The step (connect, login, a command).
        what: String,
        /// The limit that passed.
        secs: f64,
    },
    /// The device's host key is unknown (strict) or changed.
    #[error("host key for {target} rejected: {message}")]
    HostKey {
        /// `host:port`.
        target: String,
        /// Why, and what the operator can do.
        message: String,
    },
    /// The device refused the credentials.
    #[error("authentication failed for user {user:?} on {target}")]
    Auth {
        /// `host:port`.
        target: String,
        /// The login name (not a secret).
        user: String,
    },
    /// The private key given could not be read; the key itself is never shown.
    #[error("private key for {target} is not a valid OpenSSH/PEM key: {message}")]
    Key {
        /// `host:port`.
        target: String,
        /// The decoder's message.
        message: String,
    },
    /// The connection closed while a command was running (device reboot, `lab drop`).
    #[error("connection to {target} closed {during}")]
    Closed {
        /// `host:port`.
        target: String,
        /// What was going on.
        during: String,
    },
    /// The session is not in the state a step needs (no prompt, enable refused).
    #[error("{target}: {message}")]
    Session {
        /// `host:port`.
        target: String,
        /// What the device did instead.
        message: String,
    },
    /// The device sent more output than the budget allows (a flood, or a runaway command).
    #[error("output over {name} ({limit} bytes)")]
    OutputLimit {
        /// What the limit is called (a config key).
        name: &'static str,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A profile regex does not compile.
    #[error("session profile for {platform}: {message}")]
    Profile {
        /// The platform.
        platform: String,
        /// Which pattern and why.
        message: String,
    },
}

impl Error {
    /// Short machine-readable kind for job records (`error.type`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Connect { .. } => "connection",
            Error::Timeout { .. } => "timeout",
            Error::HostKey { .. } => "host_key",
            Error::Auth { .. } => "authentication",
            Error::Key { .. } => "authentication",
            Error::Closed { .. } => "connection_closed",
            Error::Session { .. } => "session",
            Error::Profile { .. } => "profile",
            Error::OutputLimit { .. } => "output_limit",
        }
    }
}
