//! What the pool lends: a [`Session`] (interactive CLI or bare connection for exec
//! channels) and the [`Key`] that says which requests may reuse it.

use super::CliSession;
use super::connect::Connection;
use super::write::HOUSEKEEPING_TIMEOUT;

/// A pooled session: an interactive CLI or a bare connection for exec channels.
pub enum Session {
    /// Interactive CLI, already past login, enable and paging-off.
    Cli(CliSession),
    /// Authenticated connection; each command opens its own exec channel.
    Exec(Connection),
}

impl Session {
    pub(super) fn is_broken(&self) -> bool {
        match self {
            Session::Cli(s) => s.is_broken(),
            Session::Exec(c) => c.handle.is_closed(),
        }
    }

    /// Closes the session politely (best effort, bounded).
    pub async fn close(self) {
        match self {
            Session::Cli(s) => s.close().await,
            Session::Exec(c) => {
                let close = c
                    .handle
                    .disconnect(russh::Disconnect::ByApplication, "", "en");
                let _ = tokio::time::timeout(HOUSEKEEPING_TIMEOUT, close).await;
            }
        }
    }

    /// A keepalive: true when the session took it (bounded; see `CliSession::nudge`).
    pub(super) async fn nudge(&mut self) -> bool {
        match self {
            Session::Cli(s) => s.nudge().await.is_ok(),
            Session::Exec(c) => !c.handle.is_closed(),
        }
    }
}

/// What identifies a reusable session: the device (host, port, connect address), the login
/// (user and a digest of the credentials, so a session is never lent to other credentials),
/// the platform and driver, and the privilege the session was set up with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Device host.
    pub host: String,
    /// Device port.
    pub port: u16,
    /// Connect address when it differs.
    pub connect_addr: Option<String>,
    /// Login name.
    pub username: String,
    /// Digest of the credentials (never the credentials themselves).
    pub credential: String,
    /// Platform.
    pub device_type: String,
    /// `cli` or `exec`.
    pub driver: &'static str,
    /// Whether the session entered enable mode.
    pub privileged: bool,
}

/// A digest of the credentials for [`Key::credential`]: keyed per process, so it means
/// nothing outside this process and is never stored.
pub fn credential_digest(target: &super::Target, secret: Option<&super::Secret>) -> String {
    static HASHER: std::sync::OnceLock<crate::device::CredentialHasher> =
        std::sync::OnceLock::new();
    HASHER
        .get_or_init(crate::device::CredentialHasher::random)
        .digest(target, secret)
}
