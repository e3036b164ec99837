//! The device lab: a russh server that emulates vendor CLIs (design §7), so the gateway's SSH client can be
//! tested against something that behaves like a device — prompts, pagers, echo, modes, errors and faults —
//! without sharing any of its code.
//!
//! - [`args`]: the `netpulse lab` flags ([`LabArgs`]).
//! - `server`: accept loops and the russh handler (auth, channel bounds).
//! - `shell`: the line discipline of one channel: echo, Enter, NUL, CRLF, pager, latency and faults.
//! - `grammar`: IOS-style abbreviation matching shared by the vendors.
//! - `model`: the device model every output is rendered from.
//! - `vendors`: one module per platform: prompts, modes, errors and outputs.
//! - `faults`: the `lab sleep|hang|drop|flood` commands.
//! - `logins`: logins in progress, counted device-side for tests of a client's login limit.
//! - [`quirks`]: ways to be awkward on purpose (custom prompts, login flows), off by default.
//! - `keys`: persisted host keys and authorized keys.

pub mod args;
mod faults;
mod grammar;
mod keys;
mod logins;
pub mod model;
pub mod quirks;
mod seed;
mod server;
mod shell;
mod vendors;

pub use args::LabArgs;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use model::{Device, Platform};
pub use quirks::Quirks;
use server::{Counters, Credentials, DeviceServer};
use shell::DeviceCtx;

/// Most devices one lab runs: each is a listener and a host key; 65,000 fills the spread address space.
pub const MAX_DEVICES: usize = 65_000;
/// How long `shutdown` waits for connections to close after telling them to, before it gives up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long a client that fails authentication waits, as sshd does, so brute force is slow but tests are not.
const AUTH_REJECTION_TIME: Duration = Duration::from_millis(200);

/// Lab errors, each naming the thing at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A `--vendor` name that is neither canonical nor an alias.
    #[error("unknown lab vendor {name:?} (known: {known})")]
    UnknownVendor {
        /// The name given.
        name: String,
        /// The canonical names.
        known: String,
    },
    /// `--devices` out of range, or a port range that overflows.
    #[error("invalid lab size: {0}")]
    Size(String),
    /// A device's address could not be bound (in use, or not a local address).
    #[error("bind lab device {device} on {addr}: {source}")]
    Bind {
        /// Hostname of the device.
        device: String,
        /// The address tried.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The state directory could not be created.
    #[error("create lab state dir {path}: {source}")]
    StateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A host key file that cannot be read, parsed or written.
    #[error("lab host key {path}: {reason}")]
    HostKey {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The `--authorized-keys` file cannot be read or has a bad line.
    #[error("lab authorized keys {path}: {reason}")]
    AuthorizedKeys {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Waiting for Ctrl-C / SIGTERM failed.
    #[error("lab signal handler: {0}")]
    Signal(std::io::Error),
}

/// Options for a lab run; `netpulse lab` fills it from clap, tests fill it directly.
#[derive(Debug, Clone)]
pub struct LabOptions {
    /// How many devices to start (r1..rN).
    pub devices: usize,
    /// Port of device 1 (device i uses base_port + i); 0 gives every device an ephemeral port (tests).
    pub base_port: u16,
    /// Platforms assigned round-robin to the devices; aliases of design §4 are accepted.
    pub vendors: Vec<String>,
    /// Added to every command, emulated in the channel's own task so other channels keep going.
    pub latency_ms: u64,
    /// Holds the first prompt after login, as slow devices do.
    pub login_delay_ms: u64,
    /// Login user.
    pub username: String,
    /// Login password.
    pub password: String,
    /// What `enable` asks for.
    pub enable_secret: String,
    /// Extra public keys that may log in (OpenSSH authorized_keys format).
    pub authorized_keys: Option<PathBuf>,
    /// Host keys persist here, one per device index, so a restarted lab keeps each device's identity.
    pub state_dir: PathBuf,
    /// Bind device i on its own loopback address 127.0.x.y at base_port, for more devices than ports.
    pub spread_addrs: bool,
    /// How every device departs from its vendor's textbook (none by default: a faithful emulator).
    pub quirks: Quirks,
    /// Quirks of single devices by number (1 is r1), instead of `quirks`, so one lab can hold a
    /// faithful device beside an awkward one.
    pub device_quirks: std::collections::BTreeMap<usize, Quirks>,
}

impl Default for LabOptions {
    fn default() -> Self {
        LabOptions {
            devices: 1,
            base_port: 2200,
            vendors: vec!["cisco_ios".into()],
            latency_ms: 0,
            login_delay_ms: 0,
            username: "admin".into(),
            password: "admin".into(),
            enable_secret: "enable".into(),
            authorized_keys: None,
            state_dir: PathBuf::from(".netpulse/lab"),
            spread_addrs: false,
            quirks: Quirks::default(),
            device_quirks: Default::default(),
        }
    }
}

/// A device as a client sees it.
#[derive(Debug, Clone)]
pub struct LabDevice {
    /// Hostname at start (r1, r2, ...); config changes do not update it.
    pub name: String,
    /// Canonical platform name.
    pub vendor: String,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// A running lab. Dropping it without `shutdown` leaves its tasks running until the runtime ends.
pub struct Lab {
    devices: Vec<LabDevice>,
    counters: Arc<Counters>,
    shutdown: watch::Sender<bool>,
    accept_tasks: Vec<JoinHandle<()>>,
}

impl Lab {
    /// Binds every device and returns once all of them accept connections.
    pub async fn start(opts: LabOptions) -> Result<Lab, Error> {
        if opts.devices == 0 || opts.devices > MAX_DEVICES {
            return Err(Error::Size(format!(
                "--devices must be 1..={MAX_DEVICES}, got {}",
                opts.devices
            )));
        }
        if !opts.spread_addrs
            && opts.base_port != 0
            && usize::from(opts.base_port) + opts.devices - 1 > usize::from(u16::MAX)
        {
            return Err(Error::Size(format!(
                "{} devices from port {} run past 65535",
                opts.devices, opts.base_port
            )));
        }
        let names = if opts.vendors.is_empty() {
            vec!["cisco_ios".to_string()]
        } else {
            opts.vendors.clone()
        };
        let mut vendors = Vec::new();
        for name in &names {
            let p = Platform::parse(name).ok_or_else(|| Error::UnknownVendor {
                name: name.clone(),
                known: Platform::names(),
            })?;
            vendors.push(p);
        }
        let platforms: Vec<Platform> = (0..opts.devices)
            .map(|i| vendors[i % vendors.len()])
            .collect();
        let keys = match &opts.authorized_keys {
            Some(p) => keys::load_authorized(p)?,
            None => Vec::new(),
        };
        let auth = Arc::new(Credentials {
            username: opts.username.clone(),
            password: opts.password.clone(),
            keys,
        });
        let counters = Arc::new(Counters::default());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut devices = Vec::new();
        let mut accept_tasks = Vec::new();
        for (i, platform) in platforms.iter().enumerate() {
            let number = i + 1;
            let model = Device::generate(number, &platforms);
            let name = model.hostname.clone();
            let addr = if opts.spread_addrs {
                SocketAddr::new(
                    IpAddr::V4(Ipv4Addr::new(
                        127,
                        0,
                        (number >> 8) as u8,
                        (number & 0xff) as u8,
                    )),
                    opts.base_port,
                )
            } else {
                let port = if opts.base_port == 0 {
                    0
                } else {
                    opts.base_port + i as u16
                };
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
            };
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| Error::Bind {
                    device: name.clone(),
                    addr,
                    source,
                })?;
            let addr = listener.local_addr().map_err(|source| Error::Bind {
                device: name.clone(),
                addr,
                source,
            })?;
            let config = russh::server::Config {
                keys: vec![keys::load_or_create(&opts.state_dir, i)?],
                nodelay: true,
                auth_rejection_time: AUTH_REJECTION_TIME,
                auth_rejection_time_initial: Some(Duration::ZERO),
                server_id: russh::SshId::Standard("SSH-2.0-Cisco-1.25".into()),
                ..Default::default()
            };
            let dev = Arc::new(DeviceServer {
                ctx: DeviceCtx {
                    model: Arc::new(Mutex::new(model)),
                    latency: Duration::from_millis(opts.latency_ms),
                    login_delay: Duration::from_millis(opts.login_delay_ms),
                    enable_secret: opts.enable_secret.clone(),
                    quirks: Arc::new(
                        opts.device_quirks
                            .get(&number)
                            .unwrap_or(&opts.quirks)
                            .clone(),
                    ),
                    login: None,
                },
                config: Arc::new(config),
                auth: auth.clone(),
                counters: counters.clone(),
            });
            accept_tasks.push(tokio::spawn(server::accept_loop(
                listener,
                dev,
                shutdown_rx.clone(),
            )));
            devices.push(LabDevice {
                name,
                vendor: platform.name().to_string(),
                addr,
            });
        }
        Ok(Lab {
            devices,
            counters,
            shutdown,
            accept_tasks,
        })
    }

    /// The devices, in order (r1 first).
    pub fn devices(&self) -> &[LabDevice] {
        &self.devices
    }

    /// SSH connections open right now across all devices, so tests can check a pool's cap from the
    /// device side.
    pub fn open_connections(&self) -> usize {
        self.counters.open.load(Ordering::SeqCst)
    }

    /// Connections accepted since start, so tests can tell reuse from reconnects.
    pub fn total_connections(&self) -> u64 {
        self.counters.total.load(Ordering::SeqCst)
    }

    /// Connections logging in right now (from accept to their first prompt, see `logins`),
    /// so tests can check a client's login limit from the device side.
    pub fn logins_in_progress(&self) -> usize {
        self.counters.logins.now()
    }

    /// The most connections seen logging in at once since the lab started.
    pub fn most_logins_in_progress(&self) -> usize {
        self.counters.logins.most()
    }

    /// Stops accepting, disconnects every client, and waits (bounded) for the connections to close.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.accept_tasks {
            let _ = t.await;
        }
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        while self.counters.open.load(Ordering::SeqCst) > 0 {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(
                    open = self.counters.open.load(Ordering::SeqCst),
                    "lab connections still open after the grace period; leaving them"
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// `netpulse lab ...`: runs until Ctrl-C / SIGTERM, printing one line per device when ready, e.g.
/// `ready cisco_ios r1 127.0.0.1:2201`.
pub async fn run(opts: LabOptions) -> Result<(), Error> {
    let lab = Lab::start(opts).await?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        for d in lab.devices() {
            let _ = writeln!(out, "ready {} {} {}", d.vendor, d.name, d.addr);
        }
        let _ = out.flush();
    }
    let result = wait_for_signal().await;
    lab.shutdown().await;
    result
}

async fn wait_for_signal() -> Result<(), Error> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(Error::Signal)?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.map_err(Error::Signal),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(Error::Signal)
    }
}
