//! The russh side: one accept loop per device, one handler per connection. The handler only decides
//! (auth, accept or refuse a channel, answer requests); each channel's work runs in `shell`'s tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use russh::keys::PublicKey;
use russh::server::{Auth, ChannelOpenHandle, Msg, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::logins::{Logins, Span};
use super::shell::{self, DeviceCtx};

/// Session channels one connection may hold open. Devices have a handful of VTY lines; clients that
/// multiplex open a few channels per connection, never hundreds.
pub const MAX_CHANNELS_PER_CONNECTION: usize = 16;
/// Connections one device accepts at once. Real devices cap VTY sessions lower (IOS: 5 to 16); the lab
/// is generous so pool tests can measure their own caps, but still bounded.
pub const MAX_CONNECTIONS_PER_DEVICE: usize = 512;
/// Time a client has to send its SSH identification line before the lab gives up on it.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connection counters across the whole lab, read by tests to check the gateway's pool caps.
#[derive(Debug, Default)]
pub struct Counters {
    /// Connections currently open.
    pub open: AtomicUsize,
    /// Connections accepted since start.
    pub total: AtomicU64,
    /// Connections between accept and their first prompt.
    pub logins: Arc<Logins>,
}

/// Credentials and keys every device accepts.
#[derive(Debug)]
pub struct Credentials {
    /// Login user.
    pub username: String,
    /// Login password.
    pub password: String,
    /// Public keys allowed to log in as `username`.
    pub keys: Vec<PublicKey>,
}

/// Everything one device's accept loop needs.
pub struct DeviceServer {
    /// Shared with every channel of the device.
    pub ctx: DeviceCtx,
    /// russh settings with this device's host key.
    pub config: Arc<russh::server::Config>,
    /// Who may log in.
    pub auth: Arc<Credentials>,
    /// Lab-wide counters.
    pub counters: Arc<Counters>,
}

/// Decrements the open-connection count when a connection task ends, however it ends.
struct OpenGuard(Arc<Counters>, Arc<AtomicUsize>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
        self.1.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Accepts connections until `shutdown` flips; then every open connection is sent a disconnect.
pub async fn accept_loop(
    listener: TcpListener,
    dev: Arc<DeviceServer>,
    mut shutdown: watch::Receiver<bool>,
) {
    let per_device = Arc::new(AtomicUsize::new(0));
    loop {
        let (socket, _peer) = tokio::select! {
            _ = shutdown.changed() => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "lab accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if per_device.load(Ordering::SeqCst) >= MAX_CONNECTIONS_PER_DEVICE {
            drop(socket);
            continue;
        }
        let _ = socket.set_nodelay(true);
        dev.counters.open.fetch_add(1, Ordering::SeqCst);
        dev.counters.total.fetch_add(1, Ordering::SeqCst);
        per_device.fetch_add(1, Ordering::SeqCst);
        let guard = OpenGuard(dev.counters.clone(), per_device.clone());
        let handler = Handler {
            dev: dev.clone(),
            channels: Arc::new(AtomicUsize::new(0)),
            user: String::new(),
            login: dev.counters.logins.begin(),
        };
        let mut shutdown = shutdown.clone();
        let config = dev.config.clone();
        tokio::spawn(async move {
            let _guard = guard;
            let session = match tokio::time::timeout(
                HANDSHAKE_TIMEOUT,
                russh::server::run_stream(config, socket, handler),
            )
            .await
            {
                Ok(Ok(s)) => s,
                _ => return,
            };
            let handle = session.handle();
            tokio::select! {
                _ = shutdown.changed() => {
                    let _ = handle.disconnect(russh::Disconnect::ByApplication, "lab shutting down".into(), "en".into()).await;
                }
                r = session => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "lab connection ended with an error");
                    }
                }
            }
        });
    }
}

/// One connection's handler.
struct Handler {
    dev: Arc<DeviceServer>,
    /// Open session channels, against MAX_CHANNELS_PER_CONNECTION.
    channels: Arc<AtomicUsize>,
    /// The authenticated user, shown in Junos and Linux prompts.
    user: String,
    /// This connection's login, ended by its first prompt or when the handler goes.
    login: Arc<Span>,
}

impl russh::server::Handler for Handler {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let a = &self.dev.auth;
        if user == a.username && password == a.password {
            self.user = user.to_string();
            Ok(Auth::Accept)
        } else {
            Ok(Auth::reject())
        }
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(if self.key_allowed(user, offer.public_key) {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        if self.key_allowed(user, key.public_key) {
            self.user = user.to_string();
            Ok(Auth::Accept)
        } else {
            Ok(Auth::reject())
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channels.load(Ordering::SeqCst) >= MAX_CHANNELS_PER_CONNECTION {
            // Dropping the reply refuses the channel.
            return Ok(());
        }
        reply.accept().await;
        self.channels.fetch_add(1, Ordering::SeqCst);
        let channels = self.channels.clone();
        let ctx = DeviceCtx {
            login: Some(self.login.clone()),
            ..self.dev.ctx.clone()
        };
        let user = self.user.clone();
        let handle = session.handle();
        tokio::spawn(async move {
            shell::run(channel, ctx, user, handle).await;
            channels.fetch_sub(1, Ordering::SeqCst);
        });
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        _value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // No sftp or netconf: a device without the subsystem refuses it.
        session.channel_failure(channel)
    }
}

impl Handler {
    fn key_allowed(&self, user: &str, key: &PublicKey) -> bool {
        let a = &self.dev.auth;
        user == a.username && a.keys.iter().any(|k| k.key_data() == key.key_data())
    }
}
