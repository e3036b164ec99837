//! Opening an authenticated SSH connection, every step under a timeout (russh's own
//! `connect` has none).

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::client;
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};

use super::hostkeys::HostKeys;
use super::login_limit::LoginLimit;
use super::{Auth, Error, Target};

/// Shared connection settings; one per gateway, cheap to clone.
#[derive(Clone)]
pub struct Connector {
    config: Arc<client::Config>,
    host_keys: HostKeys,
    /// Limit for TCP connect + handshake + auth.
    pub connect_timeout: Duration,
    /// Every login goes through it, so no path to a device can storm its AAA server.
    logins: LoginLimit,
}

/// An authenticated SSH connection to one device.
pub struct Connection {
    /// The russh handle: open channels, send keepalives.
    pub handle: client::Handle<Handler>,
    /// `host:port`, for error messages.
    pub label: String,
    /// How long connect + auth took.
    pub connect_time: Duration,
}

impl Connector {
    /// Builds a connector. `keepalive` is (interval, max misses); `None` disables keepalives.
    pub fn new(
        host_keys: HostKeys,
        connect_timeout: Duration,
        keepalive: Option<(Duration, usize)>,
    ) -> Self {
        let config = client::Config {
            // Nagle + delayed ACK add ~40 ms to every round trip on loopback (design §7).
            nodelay: true,
            keepalive_interval: keepalive.map(|(interval, _)| interval),
            keepalive_max: keepalive.map_or(3, |(_, max)| max),
            inactivity_timeout: None,
            ..Default::default()
        };
        Self {
            config: Arc::new(config),
            host_keys,
            connect_timeout,
            logins: LoginLimit::default(),
        }
    }

    /// The connector with `logins` as its login limiter (the gateway's, which follows
    /// reloads) instead of one of its own at the default limits.
    pub fn with_logins(mut self, logins: LoginLimit) -> Self {
        self.logins = logins;
        self
    }

    /// The login limiter every connect goes through.
    pub fn logins(&self) -> &LoginLimit {
        &self.logins
    }

    /// Waits (within `connect_timeout`) for the login limiter, then connects and
    /// authenticates within `connect_timeout`; the login ends when this returns.
    pub async fn connect(&self, target: &Target) -> Result<Connection, Error> {
        let deadline = Instant::now() + self.connect_timeout;
        self.login(target, deadline, |conn| std::future::ready(Ok(conn)))
            .await
    }

    /// One login under the limiter: waits until `deadline` for a slot and a turn, connects
    /// and authenticates within `connect_timeout`, then runs `ready` on the connection (the
    /// CLI's wait for its prompt, enable, paging off), all of it counted as in flight.
    pub async fn login<T, F, Fut>(
        &self,
        target: &Target,
        deadline: Instant,
        ready: F,
    ) -> Result<T, Error>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let _in_flight = self.logins.acquire(&target.label(), deadline).await?;
        let conn = self.open(target).await?;
        ready(conn).await
    }

    /// TCP connect, handshake and authentication within `connect_timeout`, unlimited: only
    /// [`Connector::login`] calls it, holding a login permit.
    async fn open(&self, target: &Target) -> Result<Connection, Error> {
        let started = Instant::now();
        let label = target.label();
        let limit = self.connect_timeout;
        let attempt = self.connect_inner(target, &label);
        match tokio::time::timeout(limit, attempt).await {
            Ok(Ok(handle)) => Ok(Connection {
                handle,
                label,
                connect_time: started.elapsed(),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Connect {
                target: label,
                message: format!("timed out after {:.1}s", limit.as_secs_f64()),
            }),
        }
    }

    async fn connect_inner(
        &self,
        target: &Target,
        label: &str,
    ) -> Result<client::Handle<Handler>, Error> {
        let handler = Handler {
            host: target.host.clone(),
            port: target.port,
            host_keys: self.host_keys.clone(),
            rejection: None,
        };
        let addr = (target.dial_host(), target.port);
        let mut handle = client::connect(self.config.clone(), addr, handler)
            .await
            .map_err(|e| match e {
                HandlerError::HostKey(message) => Error::HostKey {
                    target: label.to_string(),
                    message,
                },
                HandlerError::Ssh(e) => Error::Connect {
                    target: label.to_string(),
                    message: describe(&e),
                },
            })?;
        let result = match &target.auth {
            Auth::Password(password) => {
                handle
                    .authenticate_password(target.username.clone(), password.expose())
                    .await
            }
            Auth::Key { pem, passphrase } => {
                let key = russh::keys::decode_secret_key(
                    pem.expose(),
                    passphrase.as_ref().map(|p| p.expose()),
                )
                .map_err(|e| Error::Key {
                    target: label.to_string(),
                    message: e.to_string(),
                })?;
                let hash = handle
                    .best_supported_rsa_hash()
                    .await
                    .ok()
                    .flatten()
                    .flatten();
                handle
                    .authenticate_publickey(
                        target.username.clone(),
                        PrivateKeyWithHashAlg::new(Arc::new(key), hash),
                    )
                    .await
            }
        };
        match result {
            Ok(outcome) if outcome.success() => Ok(handle),
            Ok(_) => Err(Error::Auth {
                target: label.to_string(),
                user: target.username.clone(),
            }),
            Err(e) => Err(Error::Connect {
                target: label.to_string(),
                message: format!("during authentication: {}", describe(&e)),
            }),
        }
    }
}

/// Turns russh errors into plain words; `io` errors keep the OS message (connection refused).
fn describe(e: &russh::Error) -> String {
    match e {
        russh::Error::IO(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// The russh client handler: checks the host key, nothing else.
pub struct Handler {
    host: String,
    port: u16,
    host_keys: HostKeys,
    rejection: Option<String>,
}

/// Handler failures: a rejected host key must surface as such, not as a generic SSH error.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// An SSH protocol or I/O error.
    #[error(transparent)]
    Ssh(#[from] russh::Error),
    /// The host key was refused; the message says why.
    #[error("{0}")]
    HostKey(String),
}

impl client::Handler for Handler {
    type Error = HandlerError;

    async fn check_server_key(
        &mut self,
        server_public_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = match server_public_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key,
            PublicKeyOrCertificate::Certificate(_) => {
                return Err(HandlerError::HostKey(
                    "the device offered a host certificate; NetPulse checks plain host keys against known_hosts".into(),
                ));
            }
        };
        // The check reads (and may rewrite) known_hosts: file work, kept off the runtime's
        // threads. New connections only; a pooled command never gets here.
        let (host_keys, host, port, key) = (
            self.host_keys.clone(),
            self.host.clone(),
            self.port,
            key.clone(),
        );
        let checked = tokio::task::spawn_blocking(move || host_keys.check(&host, port, &key))
            .await
            .unwrap_or_else(|e| Err(format!("the host key check did not finish: {e}")));
        match checked {
            Ok(()) => Ok(true),
            Err(reason) => {
                self.rejection = Some(reason.clone());
                Err(HandlerError::HostKey(reason))
            }
        }
    }
}
