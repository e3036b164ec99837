//! The tuning config (design §6): schema, loading with every error at once, and the
//! platform-name table every module shares.
//!
//! Stages, as in Vector: load (YAML text → value tree with lines) → validate (keys, then rules)
//! → typed [`Config`].

pub mod cidr;
mod follow;
pub mod keys;
pub mod platform;
mod redact;
pub mod schema;
pub mod targets;
pub mod validate;
pub mod watch;
pub mod yaml;

use std::path::{Path, PathBuf};

pub use redact::redact_url;
pub use schema::*;
pub use validate::Problem;

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("read config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not YAML.
    #[error("config {path} is not valid YAML: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The YAML breaks the schema or its rules; every problem is listed.
    #[error("config {path} has {} error(s):\n{}", problems.len(), problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
}

/// Parses and validates config text; `origin` only names the source in errors.
pub fn from_str(text: &str, origin: &Path) -> Result<Config, Error> {
    let doc = yaml::parse(text).map_err(|message| Error::Syntax {
        path: origin.to_path_buf(),
        message,
    })?;
    validate::validate(&doc).map_err(|mut problems| {
        problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        Error::Invalid {
            path: origin.to_path_buf(),
            problems,
        }
    })
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    from_str(&text, path)
}

/// The keys that only take effect after a restart (design §6).
pub const RESTART_KEYS: &[&str] = &["server.listen", "database.url", "worker.sealing_key_file"];

impl Config {
    /// API keys from the config plus `NETPULSE_API_KEYS` (comma-separated, each a bare key
    /// with role `admin`), so keys can be kept out of the file.
    pub fn effective_api_keys(&self) -> Vec<ApiKey> {
        let mut keys = self.server.api_keys.clone();
        keys.extend(env_api_keys().into_iter().map(ApiKey::Plain));
        keys
    }

    /// The config as JSON with every secret replaced, for `GET /config` and logs.
    pub fn redacted(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(keys) = value["server"]["api_keys"].as_array_mut() {
            for key in keys {
                // A named key keeps its name and role: they are what an operator checks.
                match key.get_mut("key") {
                    Some(secret) => *secret = serde_json::Value::String("<redacted>".into()),
                    None => *key = serde_json::Value::String("<redacted>".into()),
                }
            }
        }
        for field in ["url"] {
            if let Some(url) = value["database"][field].as_str() {
                value["database"][field] = redact_url(url).into();
            }
        }
        if let Some(url) = value["cache"]["redis_url"].as_str() {
            value["cache"]["redis_url"] = redact_url(url).into();
        }
        value
    }

    /// Keys whose change needs a restart, comparing `self` (running) to `next` (on disk).
    pub fn restart_needed(&self, next: &Config) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.server.listen != next.server.listen {
            keys.push(RESTART_KEYS[0]);
        }
        if self.database.url != next.database.url {
            keys.push(RESTART_KEYS[1]);
        }
        if self.worker.sealing_key_file != next.worker.sealing_key_file {
            keys.push(RESTART_KEYS[2]);
        }
        keys
    }
}

/// The keys in `NETPULSE_API_KEYS` (comma-separated, blanks dropped).
pub fn env_api_keys() -> Vec<String> {
    std::env::var("NETPULSE_API_KEYS")
        .map(|env| {
            env.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Checks `NETPULSE_API_KEYS` against the rule keys in the file meet
/// ([`validate::MIN_API_KEY_LEN`]); the message names the entry by position, never its text.
pub fn check_env_api_keys() -> Result<(), String> {
    check_listed_api_keys("NETPULSE_API_KEYS", &env_api_keys())
}

/// The length rule over keys given as a list (`source` names the list in the message).
pub fn check_listed_api_keys(source: &str, keys: &[String]) -> Result<(), String> {
    let short: Vec<String> = keys
        .iter()
        .enumerate()
        .filter(|(_, key)| validate::api_key_too_short(key))
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if short.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{source}: entry {} is shorter than {} characters (every API key must be at least {} characters)",
            short.join(", "),
            validate::MIN_API_KEY_LEN,
            validate::MIN_API_KEY_LEN
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match from_str(text, Path::new("test.yaml")) {
            Ok(_) => Vec::new(),
            Err(Error::Invalid { problems, .. }) => {
                problems.iter().map(|p| p.to_string()).collect()
            }
            Err(other) => vec![other.to_string()],
        }
    }

    fn assert_one(text: &str, expected: &str) {
        let errs = errors(text);
        assert!(
            errs.iter().any(|e| e.contains(expected)),
            "expected an error containing {expected:?}, got {errs:?}"
        );
    }

    #[test]
    fn empty_file_gives_documented_defaults() {
        let config = from_str("", Path::new("x")).expect("defaults are valid");
        assert_eq!(config, Config::default());
        assert_eq!(config.connection_pool.max_size, 50);
        assert_eq!(config.database.url, "sqlite://netpulse.db");
    }

    #[test]
    fn shipped_config_is_valid() {
        let text = include_str!("../../config/netpulse.yaml");
        let config = from_str(text, Path::new("config/netpulse.yaml")).expect("shipped config");
        assert_eq!(config.server.listen, "127.0.0.1:9000");
    }

    #[test]
    fn reports_every_error_at_once_with_lines() {
        let errs = errors(
            "connection_pool:\n  min_size: 10\n  max_size: 5\n  bogus_key: 1\nworker:\n  pool_size: \"many\"\n",
        );
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].starts_with("line 4: connection_pool.bogus_key: unknown key"),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("line 6: worker.pool_size: invalid type"),
            "{errs:?}"
        );
    }

    #[test]
    fn min_size_above_max_size() {
        assert_one(
            "connection_pool:\n  min_size: 10\n  max_size: 5\n  max_connections_per_device: 2\n",
            "line 2: connection_pool.min_size: 10 is above max_size 5",
        );
    }

    #[test]
    fn unknown_top_level_section() {
        assert_one("servr: {}\n", "servr: unknown key (expected one of server,");
    }

    #[test]
    fn unknown_nested_key() {
        assert_one(
            "connection_pool:\n  adaptive:\n    grow: true\n",
            "connection_pool.adaptive.grow: unknown key",
        );
    }

    #[test]
    fn per_device_cap_above_global_cap() {
        assert_one(
            "connection_pool: { max_size: 4, min_size: 1, max_connections_per_device: 5 }\n",
            "connection_pool.max_connections_per_device: 5 is above max_size 4",
        );
    }

    #[test]
    fn login_limits_are_bounded_and_named() {
        let config = from_str("", Path::new("x")).expect("defaults");
        assert_eq!(config.connection_pool.max_concurrent_logins, 64);
        assert_eq!(config.connection_pool.login_rate, None);
        let config = from_str(
            "connection_pool: { max_concurrent_logins: 8, login_rate: 2.5 }\n",
            Path::new("x"),
        )
        .expect("valid limits");
        assert_eq!(config.connection_pool.max_concurrent_logins, 8);
        assert_eq!(config.connection_pool.login_rate, Some(2.5));
        let off = from_str("connection_pool: { login_rate: null }\n", Path::new("x"));
        assert_eq!(off.expect("null is off").connection_pool.login_rate, None);
        for (text, expected) in [
            (
                "connection_pool:\n  max_concurrent_logins: 0\n",
                "line 2: connection_pool.max_concurrent_logins: 0 must be between 1 and 100000",
            ),
            (
                "connection_pool:\n  max_concurrent_logins: 100001\n",
                "connection_pool.max_concurrent_logins: 100001 must be between 1 and 100000",
            ),
            (
                "connection_pool:\n  max_concurrent_logins: -3\n",
                "line 2: connection_pool.max_concurrent_logins: invalid value",
            ),
            (
                "connection_pool:\n  login_rate: 0\n",
                "line 2: connection_pool.login_rate: 0 must be between 0.001 and 1000000 logins per second",
            ),
            (
                "connection_pool:\n  login_rate: -1.5\n",
                "connection_pool.login_rate: -1.5 must be between",
            ),
            (
                "connection_pool:\n  login_rate: \"fast\"\n",
                "line 2: connection_pool.login_rate: invalid type",
            ),
        ] {
            assert_one(text, expected);
        }
    }

    #[test]
    fn adaptive_thresholds_ordered_and_fractions() {
        assert_one(
            "connection_pool: { adaptive: { expand_above: 0.2, shrink_below: 0.5 } }\n",
            "shrink_below: 0.5 must be below expand_above 0.2",
        );
        assert_one(
            "connection_pool: { adaptive: { expand_above: 1.5 } }\n",
            "expand_above: 1.5 must be between 0 and 1",
        );
    }

    #[test]
    fn zero_sizes_rejected() {
        assert_one(
            "worker: { pool_size: 0 }\n",
            "worker.pool_size: 0 is below the minimum 1",
        );
        assert_one(
            "worker: { queue_size: 0 }\n",
            "worker.queue_size: 0 is below the minimum 1",
        );
        assert_one(
            "cache: { max_size: 0 }\n",
            "cache.max_size: 0 is below the minimum 1",
        );
        assert_one(
            "plugins: { call_timeout_ms: 0 }\n",
            "plugins.call_timeout_ms: 0 is below the minimum 1",
        );
        assert_one(
            "connection_pool: { connection_timeout: 0 }\n",
            "connection_pool.connection_timeout: 0 is below the minimum 1",
        );
    }

    #[test]
    fn listen_must_be_socket_address() {
        assert_one(
            "server: { listen: \"localhost\" }\n",
            "server.listen: \"localhost\" is not an address:port",
        );
    }

    #[test]
    fn insecure_no_auth_only_on_loopback() {
        assert_one(
            "server: { listen: \"0.0.0.0:9000\", insecure_no_auth: true }\n",
            "server.insecure_no_auth: only allowed on a loopback listener",
        );
        assert!(
            errors("server: { listen: \"127.0.0.1:9000\", insecure_no_auth: true }\n").is_empty()
        );
    }

    #[test]
    fn short_api_key_rejected() {
        assert_one(
            "server: { api_keys: [\"abc\"] }\n",
            "server.api_keys[0]: an API key must be at least 16",
        );
        assert_one(
            "server: { api_keys: [{ name: a, key: short, role: read }] }\n",
            "server.api_keys[0]: an API key must be at least 16",
        );
    }

    #[test]
    fn env_keys_meet_the_same_length_rule_without_being_named() {
        let keys = vec!["long-enough-key-0123".to_string(), "short-one".to_string()];
        let err = check_listed_api_keys("NETPULSE_API_KEYS", &keys).expect_err("a short key");
        assert!(
            err.contains("NETPULSE_API_KEYS: entry 2 is shorter than 16"),
            "{err}"
        );
        assert!(
            !err.contains("short-one"),
            "the key itself is never printed: {err}"
        );
        assert!(check_listed_api_keys("NETPULSE_API_KEYS", &keys[..1]).is_ok());
    }

    #[test]
    fn named_keys_and_their_rules() {
        let config = from_str(
            "server:\n  api_keys:\n    - plain-admin-key-0123\n    - { name: ops, key: ops-key-0123456789ab, role: operate }\n",
            Path::new("x"),
        )
        .expect("valid");
        assert_eq!(config.server.api_keys[0].role(), Role::Admin);
        assert_eq!(config.server.api_keys[1].role(), Role::Operate);
        assert_eq!(config.server.api_keys[1].name(), "ops");
        assert_one(
            "server: { api_keys: [{ name: a, key: aaaaaaaaaaaaaaaaaaaa, role: root }] }\n",
            "server.api_keys[0]: unknown variant `root`, expected one of `read`, `operate`, `change`, `admin`",
        );
        assert_one(
            "server: { api_keys: [{ name: a, key: aaaaaaaaaaaaaaaaaaaa }] }\n",
            "server.api_keys[0]: missing field `role`",
        );
        assert_one(
            "server: { api_keys: [{ name: a, key: aaaaaaaaaaaaaaaaaaaa, role: read, rol: x }] }\n",
            "server.api_keys[0]: unknown field `rol`",
        );
        assert_one(
            "server: { api_keys: [{ name: a, key: aaaaaaaaaaaaaaaaaaaa, role: read }, { name: a, key: bbbbbbbbbbbbbbbbbbbb, role: admin }] }\n",
            "server.api_keys[1].name: \"a\" is also the name of server.api_keys[0]",
        );
        assert_one(
            "server: { api_keys: [aaaaaaaaaaaaaaaaaaaa, { name: b, key: aaaaaaaaaaaaaaaaaaaa, role: read }] }\n",
            "server.api_keys[1]: the same key as server.api_keys[0]",
        );
        assert_one(
            "server: { api_keys: [{ name: \"has space\", key: aaaaaaaaaaaaaaaaaaaa, role: read }] }\n",
            "server.api_keys[0].name: \"has space\" must be 1 to 64",
        );
    }

    #[test]
    fn rate_limits_and_provenance_checked() {
        assert_one(
            "security: { rate_limit: { per_key: 0 } }\n",
            "security.rate_limit.per_key: 0 must be above 0",
        );
        assert_one(
            "security: { rate_limit: { per_device: -1 } }\n",
            "security.rate_limit.per_device: -1 must be above 0",
        );
        assert_one(
            "security: { rate_limit: { per_hour: 1 } }\n",
            "security.rate_limit.per_hour: unknown key",
        );
        assert!(
            errors("security: { rate_limit: { per_key: 0.5, per_device: null } }\n").is_empty()
        );
        assert_one(
            "plugins: { require_sha256: { \"../x.wasm\": abc } }\n",
            "must be a plugin file name",
        );
        assert_one(
            "plugins: { require_sha256: { x.wasm: abc } }\n",
            "plugins.require_sha256.x.wasm: \"abc\" is not a sha256",
        );
    }

    #[test]
    fn eviction_policy_and_redis_url() {
        assert_one(
            "cache: { eviction_policy: lfu }\n",
            "cache.eviction_policy: \"lfu\" is not supported",
        );
        assert_one(
            "cache: { redis_url: \"http://x\" }\n",
            "cache.redis_url: must start with redis://",
        );
    }

    #[test]
    fn database_url_scheme() {
        assert_one(
            "database: { url: \"mysql://x\" }\n",
            "database.url: must start with sqlite://",
        );
    }

    #[test]
    fn host_key_policy_values() {
        assert_one(
            "ssh: { host_key_policy: trusting }\n",
            "ssh.host_key_policy: unknown variant",
        );
        assert!(errors("ssh: { host_key_policy: strict }\n").is_empty());
    }

    #[test]
    fn thresholds_checked() {
        assert_one(
            "monitoring: { thresholds: { cache_hit_rate: 2 } }\n",
            "monitoring.thresholds.cache_hit_rate: 2 must be between 0 and 1",
        );
        assert_one(
            "monitoring: { thresholds: { api_response_time: 0 } }\n",
            "monitoring.thresholds.api_response_time: 0 must be greater than 0",
        );
        assert_one(
            "worker: { queue_size: 10 }\nmonitoring: { thresholds: { worker_queue_size: 800 } }\n",
            "monitoring.thresholds.worker_queue_size: 800 is above worker.queue_size 10",
        );
    }

    #[test]
    fn plugin_memory_bounds() {
        assert_one(
            "plugins: { memory_limit_mb: 100000 }\n",
            "plugins.memory_limit_mb: 100000 is above the maximum 4096",
        );
    }

    #[test]
    fn inventory_rules() {
        assert_one(
            "inventory:\n  - { name: a, host: h, device_type: bogus_os }\n",
            "inventory[0].device_type: \"bogus_os\" is not a known platform",
        );
        assert_one(
            "inventory:\n  - { name: a, host: h, device_type: ios }\n  - { name: a, host: h2, device_type: eos }\n",
            "inventory[1].name: \"a\" appears twice",
        );
        assert_one(
            "inventory:\n  - { name: a, host: h, device_type: ios, password: x }\n",
            "inventory[0].password: unknown key",
        );
        assert_one(
            "inventory:\n  - { name: a, host: h, device_type: ios, credential: { password_env: A, password_file: B } }\n",
            "inventory[0].credential: give password_env or password_file, not both",
        );
    }

    #[test]
    fn warm_hosts_must_be_inventory_names() {
        assert_one(
            "cache: { warm: { hosts: [nowhere] } }\n",
            "cache.warm.hosts[0]: \"nowhere\" is not an inventory device name",
        );
    }

    #[test]
    fn syntax_error_names_position() {
        let err = from_str("server: [unclosed\n", Path::new("bad.yaml")).expect_err("syntax");
        assert!(
            err.to_string().contains("bad.yaml is not valid YAML"),
            "{err}"
        );
        assert!(err.to_string().contains("line"), "{err}");
    }

    #[test]
    fn redaction_hides_secrets() {
        let mut config = Config::default();
        config.server.api_keys = vec![
            "super-secret-key-123".into(),
            ApiKey::Named(NamedKey {
                name: "ops".into(),
                key: "named-secret-key-456".into(),
                role: Role::Operate,
            }),
        ];
        config.database.url = "postgres://user:hunter2@db/x".into();
        let text = config.redacted().to_string();
        assert!(!text.contains("super-secret-key-123"));
        assert!(!text.contains("named-secret-key-456"));
        assert!(
            text.contains("\"ops\""),
            "a key's name stays visible: {text}"
        );
        assert!(!text.contains("hunter2"));
    }
}
