//! The tuning config as typed values (design §6). Every struct rejects unknown keys so a
//! typo is an error, not a silently ignored setting; every field has the documented default
//! so a partial file (or none) works.

use serde::{Deserialize, Serialize};

pub use super::keys::{ApiKey, NamedKey, Role};

/// The whole `config/netpulse.yaml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// HTTP listener, auth and request limits.
    pub server: Server,
    /// SSH session pools.
    pub connection_pool: ConnectionPool,
    /// The multi-level result cache.
    pub cache: Cache,
    /// Where jobs and cache entries are stored.
    pub database: Database,
    /// The job queue and its workers.
    pub worker: Worker,
    /// The WebAssembly plugin host.
    pub plugins: Plugins,
    /// Template-driven parsing (TextFSM).
    pub parsing: Parsing,
    /// Alert thresholds.
    pub monitoring: Monitoring,
    /// SSH client policy.
    pub ssh: Ssh,
    /// Log output.
    pub logging: Logging,
    /// Named devices that requests may refer to instead of spelling out connection_args.
    pub inventory: Vec<InventoryDevice>,
    /// Limits on what a key holder can make the gateway do.
    pub security: Security,
    /// Where job and batch webhooks may be delivered.
    pub webhooks: Webhooks,
}

/// `server:` — how the HTTP API is exposed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    /// Address the API listens on; changing it needs a restart.
    pub listen: String,
    /// Accepted API keys (also `NETPULSE_API_KEYS`, comma-separated): plain strings (role
    /// `admin`) or `{name, key, role}` entries.
    pub api_keys: Vec<ApiKey>,
    /// Allows running without keys, only on a loopback listener (development).
    pub insecure_no_auth: bool,
    /// Largest accepted request body in bytes; bigger bodies get 413.
    pub body_limit: usize,
    /// HTTP connections open at once; past it a new connection is answered 503 and closed,
    /// so clients that hold sockets cannot exhaust the descriptors SSH and SQLite need.
    /// Applied live to new connections.
    pub max_connections: usize,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:9000".into(),
            api_keys: Vec::new(),
            insecure_no_auth: false,
            body_limit: 1_048_576,
            max_connections: 1024,
        }
    }
}

/// `connection_pool:` — SSH sessions kept open per device and overall.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionPool {
    /// Sessions open at once across all devices.
    pub max_size: usize,
    /// Sessions kept warm for the most recently used devices.
    pub min_size: usize,
    /// Seconds an idle session may live before the reaper closes it.
    pub max_idle_time: u64,
    /// Seconds between SSH keepalives on idle sessions.
    pub keepalive_interval: u64,
    /// Missed keepalives after which a session is declared dead.
    pub keepalive_count: usize,
    /// Seconds allowed for connect + login, and for waiting on a pool slot.
    pub connection_timeout: u64,
    /// Sessions open at once to one device (device CLIs are not concurrent per session).
    pub max_connections_per_device: usize,
    /// Growing and shrinking per-device pools with demand.
    pub adaptive: Adaptive,
    /// SSH logins in flight at once across this gateway process, from the TCP connect to a
    /// session ready for commands: every login also reaches the devices' TACACS+/RADIUS
    /// servers, which a fleet-wide bulk must not storm. At most
    /// [`MAX_CONCURRENT_LOGINS`](super::validate::MAX_CONCURRENT_LOGINS).
    pub max_concurrent_logins: usize,
    /// Logins started per second across this gateway process, evenly paced; `None` (null)
    /// leaves the rate unlimited. Between
    /// [`MIN_LOGIN_RATE`](super::validate::MIN_LOGIN_RATE) and
    /// [`MAX_LOGIN_RATE`](super::validate::MAX_LOGIN_RATE) when set.
    pub login_rate: Option<f64>,
}

impl Default for ConnectionPool {
    fn default() -> Self {
        Self {
            max_size: 50,
            min_size: 10,
            max_idle_time: 300,
            keepalive_interval: 60,
            keepalive_count: 3,
            connection_timeout: 30,
            max_connections_per_device: 5,
            adaptive: Adaptive::default(),
            max_concurrent_logins: 64,
            login_rate: None,
        }
    }
}

/// `connection_pool.adaptive:` — utilisation thresholds for resizing.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Adaptive {
    /// Whether pools resize with demand at all.
    pub enabled: bool,
    /// Utilisation (0..1) above which a device's pool grows while requests wait.
    pub expand_above: f64,
    /// Utilisation (0..1) below which idle sessions are closed.
    pub shrink_below: f64,
}

impl Default for Adaptive {
    fn default() -> Self {
        Self {
            enabled: true,
            expand_above: 0.8,
            shrink_below: 0.3,
        }
    }
}

/// `cache:` — command-result cache.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Cache {
    /// Seconds a result stays valid; a request may shorten it, never lengthen it.
    pub ttl: u64,
    /// Entries held in the in-process L1 level.
    pub max_size: usize,
    /// L1 eviction policy; only `lru` is implemented.
    pub eviction_policy: String,
    /// Redis URL for the shared L2 level; null keeps L2 off.
    pub redis_url: Option<String>,
    /// Pre-fetching common commands for inventory devices.
    pub warm: Warm,
}

impl Default for Cache {
    fn default() -> Self {
        Self {
            ttl: 3600,
            max_size: 1000,
            eviction_policy: "lru".into(),
            redis_url: None,
            warm: Warm::default(),
        }
    }
}

/// `cache.warm:` — which results to fetch ahead of demand.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Warm {
    /// Inventory device names to warm.
    pub hosts: Vec<String>,
    /// Commands run on each of them.
    pub commands: Vec<String>,
    /// Seconds between warm runs; 0 warms only at start.
    pub interval: u64,
}

impl Default for Warm {
    fn default() -> Self {
        Self {
            hosts: Vec::new(),
            commands: vec!["show version".into(), "show interfaces".into()],
            interval: 0,
        }
    }
}

/// `database:` — the sqlx pool behind jobs and the L3 cache.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Database {
    /// `sqlite://FILE` (embedded, default) or `postgres://…`; changing it needs a restart.
    pub url: String,
    /// Connections kept open.
    pub pool_size: u32,
    /// Extra connections allowed under load (pool_size + max_overflow is the cap).
    pub max_overflow: u32,
    /// Seconds to wait for a free connection.
    pub pool_timeout: u64,
    /// Seconds after which a connection is replaced.
    pub pool_recycle: u64,
    /// Logs each SQL statement at debug level.
    pub echo: bool,
    /// SQLite only: `full` (default) fsyncs the WAL at every commit, so an acknowledged job
    /// survives a power cut; `normal` may lose the last commits on power loss (never on a
    /// process crash) for fewer fsyncs.
    pub sqlite_synchronous: SqliteSynchronous,
}

/// `database.sqlite_synchronous`: SQLite's `PRAGMA synchronous` for the job store.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    /// Every commit is on disk before it is acknowledged.
    #[default]
    Full,
    /// Commits reach the OS at once and the disk at the next checkpoint.
    Normal,
}

impl SqliteSynchronous {
    /// The pragma's value.
    pub fn as_pragma(self) -> &'static str {
        match self {
            SqliteSynchronous::Full => "FULL",
            SqliteSynchronous::Normal => "NORMAL",
        }
    }
}

impl Default for Database {
    fn default() -> Self {
        Self {
            url: "sqlite://netpulse.db".into(),
            pool_size: 20,
            max_overflow: 30,
            pool_timeout: 30,
            pool_recycle: 3600,
            echo: false,
            sqlite_synchronous: SqliteSynchronous::Full,
        }
    }
}

/// `worker:` — job execution.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Worker {
    /// Jobs running at once.
    pub pool_size: usize,
    /// Device sessions workers may hold at once (the smaller of this and pool max_size applies).
    pub max_connections: usize,
    /// Jobs waiting for a worker; past it new execs get 429.
    pub queue_size: usize,
    /// Default seconds a job may run (a request's execution_timeout overrides it).
    pub timeout: u64,
    /// File holding the key that seals queued requests (their credentials) in job records,
    /// so a restarted gateway can still run them; created on first start. `NETPULSE_SEALING_KEY`
    /// overrides it. Keep it with the database, out of its backups.
    pub sealing_key_file: String,
    /// Bytes of device output one job may receive across all its commands (64 MiB). A device
    /// is untrusted: past this the job fails with `output over worker.max_output_bytes (N
    /// bytes)` and its session is closed. Read at start-up.
    pub max_output_bytes: u64,
}

impl Default for Worker {
    fn default() -> Self {
        Self {
            pool_size: 20,
            max_connections: 100,
            queue_size: 1000,
            timeout: 30,
            sealing_key_file: ".netpulse/sealing.key".into(),
            max_output_bytes: 64 * 1024 * 1024,
        }
    }
}

/// `plugins:` — the WebAssembly sandbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Plugins {
    /// Directory watched for `*.wasm` drop-ins.
    pub dir: String,
    /// Memory cap per plugin instance, MiB.
    pub memory_limit_mb: u64,
    /// Deadline per plugin call, milliseconds.
    pub call_timeout_ms: u64,
    /// Where compiled plugin artifacts are cached (keyed by wasm hash, wasmtime version and
    /// engine settings), so a restart loads plugins in a fraction of a millisecond each.
    pub cache_dir: String,
    /// Provenance: when set, only drop-in files listed here (file name → sha256 of its
    /// bytes) load; any other file is refused with its reason. Write access to `plugins/`
    /// then no longer equals the right to run code on every device's output. Null = off.
    pub require_sha256: Option<std::collections::BTreeMap<String, String>>,
}

impl Default for Plugins {
    fn default() -> Self {
        Self {
            dir: "plugins".into(),
            memory_limit_mb: 64,
            call_timeout_ms: 1000,
            cache_dir: ".netpulse/wasm-cache".into(),
            require_sha256: None,
        }
    }
}

/// `parsing:` — template libraries.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Parsing {
    /// Directories granted read-only to the TextFSM plugin (each with a clitable `index`).
    pub template_dirs: Vec<String>,
}

/// `monitoring:` — alert evaluation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Monitoring {
    /// Seconds of history the alert figures cover.
    pub window: u64,
    /// Alert thresholds.
    pub thresholds: Thresholds,
}

impl Default for Monitoring {
    fn default() -> Self {
        Self {
            window: 300,
            thresholds: Thresholds::default(),
        }
    }
}

/// `monitoring.thresholds:` — when a figure raises an alert.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Seconds; alerts above.
    pub api_response_time: f64,
    /// Fraction 0..1; alerts above.
    pub connection_pool_utilization: f64,
    /// Fraction 0..1; alerts when the hit rate falls below.
    pub cache_hit_rate: f64,
    /// Seconds; alerts above.
    pub database_query_time: f64,
    /// Queued jobs; alerts above.
    pub worker_queue_size: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            api_response_time: 5.0,
            connection_pool_utilization: 0.9,
            cache_hit_rate: 0.7,
            database_query_time: 1.0,
            worker_queue_size: 800,
        }
    }
}

/// `ssh:` — host identity checks.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Ssh {
    /// OpenSSH known_hosts file.
    pub known_hosts: String,
    /// What to do with unknown or changed host keys.
    pub host_key_policy: HostKeyPolicy,
}

impl Default for Ssh {
    fn default() -> Self {
        Self {
            known_hosts: "known_hosts".into(),
            host_key_policy: HostKeyPolicy::AcceptNew,
        }
    }
}

/// How device host keys are trusted.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum HostKeyPolicy {
    /// Only keys already in known_hosts; an unknown host is refused.
    Strict,
    /// Learn unknown hosts' keys, refuse changed ones (trust on first use).
    AcceptNew,
    /// Accept any key: for the lab only, never for real devices.
    AcceptAny,
}

/// `logging:` — log format and level.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Logging {
    /// `text` for people, `json` for log shippers.
    pub format: LogFormat,
    /// Default filter (`RUST_LOG` overrides it), e.g. `info` or `netpulse=debug`.
    pub level: String,
}

impl Default for Logging {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// One `inventory:` entry: a device requests can name instead of passing connection_args.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InventoryDevice {
    /// Name requests use (`"device": "core-1"`).
    pub name: String,
    /// Host name or address to connect to.
    pub host: String,
    /// SSH port.
    pub port: Option<u16>,
    /// Platform (Netmiko name or alias).
    pub device_type: String,
    /// Site, for by-site rollouts.
    pub site: Option<String>,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// Where the login secrets come from; never inline.
    pub credential: Credential,
}

/// A reference to secrets kept outside the config file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Credential {
    /// Login user name (not a secret).
    pub username: String,
    /// Environment variable holding the password.
    pub password_env: Option<String>,
    /// File holding the password (first line).
    pub password_file: Option<String>,
    /// File holding a PEM private key.
    pub private_key_file: Option<String>,
    /// Environment variable holding the enable secret.
    pub secret_env: Option<String>,
}

/// `security:` — limits on what a key holder can make the gateway do.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    /// Where jobs may connect: CIDR blocks (`10.0.0.0/8`, a bare address) or hostname globs
    /// (`*.lab.example.net`). Empty (the default) allows any target; production should set
    /// it, so a key holder cannot point the gateway (and its inventory credentials) at an
    /// arbitrary address. Checked after name resolution at submit and again before connecting.
    pub allowed_targets: Vec<String>,
    /// Request rates per key and per device; both off by default.
    pub rate_limit: RateLimit,
}

/// `security.rate_limit:` — token buckets, in requests per second (fractions allowed, e.g.
/// `0.5` = one every two seconds). Each bucket holds one second of requests (at least one),
/// so a burst is bounded too. Null = no limit. Past it: 429 with `Retry-After`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimit {
    /// Requests per second per API key (every authenticated route).
    pub per_key: Option<f64>,
    /// Device requests (exec, bulk devices, test) per second per device (`host:port`).
    pub per_device: Option<f64>,
}

/// `webhooks:` — which receivers a webhook may reach. With no entry matching, link-local
/// and cloud-metadata addresses are refused and everything else (loopback relays included)
/// is allowed; the gateway's own listener is always refused. When entries match, the most
/// specific (longest prefix) decides, and deny wins a tie.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Webhooks {
    /// CIDRs a webhook may reach even when refused by default (e.g. a relay on link-local).
    pub allow: Vec<String>,
    /// CIDRs no webhook may reach.
    pub deny: Vec<String>,
}
