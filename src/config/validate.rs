//! Whole-file validation: every error at once, each with its key path and line.
//!
//! Stage one checks each key on its own against the schema (unknown keys, wrong types), so
//! one typo does not hide the next. Stage two, only on a file that deserialises, checks the
//! rules that relate keys to each other.

use std::net::SocketAddr;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::schema::{
    Adaptive, ApiKey, Cache, Config, ConnectionPool, Credential, Database, InventoryDevice,
    Logging, Monitoring, Parsing, Plugins, RateLimit, Security, Server, Ssh, Thresholds, Warm,
    Webhooks, Worker,
};
use super::{platform, yaml::Document};

/// Highest rate a limit may name: above a million requests per second a limit limits
/// nothing, and the bucket arithmetic stays far from float trouble.
const MAX_RATE: f64 = 1_000_000.0;

/// Most logins `connection_pool.max_concurrent_logins` may allow at once: far above any
/// AAA server's comfort, and well inside what the login limiter can count.
pub const MAX_CONCURRENT_LOGINS: usize = 100_000;
/// Slowest `connection_pool.login_rate`: one login every 1,000 s. Slower, every login would
/// wait past any job's deadline for its turn.
pub const MIN_LOGIN_RATE: f64 = 0.001;
/// Fastest `connection_pool.login_rate`: the same ceiling as the request rate limits.
pub const MAX_LOGIN_RATE: f64 = MAX_RATE;

pub use super::keys::{MIN_API_KEY_LEN, api_key_too_short};

/// One thing wrong with a config file, as a refused start prints it and `GET /config`
/// shows a refused reload.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// Dotted key path (`connection_pool.min_size`); `None` when the problem is the file
    /// itself (unreadable, not YAML).
    pub path: Option<String>,
    /// Line in the file, when the key is present there.
    pub line: Option<usize>,
    /// What is wrong, naming the values involved.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, &self.path) {
            (Some(line), Some(path)) => write!(f, "line {line}: {path}: {}", self.message),
            (None, Some(path)) => write!(f, "{path}: {}", self.message),
            (Some(line), None) => write!(f, "line {line}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// Checks a parsed document and returns the typed config, or every problem found.
pub fn validate(doc: &Document) -> Result<Config, Vec<Problem>> {
    let mut problems = Vec::new();
    check_keys(doc, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut config: Config = match serde_json::from_value(doc.value.clone()) {
        Ok(config) => config,
        Err(e) => {
            return Err(vec![Problem {
                path: Some("(root)".into()),
                line: None,
                message: e.to_string(),
            }]);
        }
    };
    super::follow::follow(doc, &mut config);
    let mut rules = Rules {
        doc,
        problems: Vec::new(),
    };
    rules.check(&config);
    if rules.problems.is_empty() {
        Ok(config)
    } else {
        Err(rules.problems)
    }
}

type Nested = &'static [(&'static str, Checker)];
type Checker = fn(&str, &Value, &Document, &mut Vec<Problem>);

fn check_keys(doc: &Document, problems: &mut Vec<Problem>) {
    const TOP: Nested = &[
        ("server", |p, v, d, out| {
            section::<Server>(p, v, &[("api_keys", api_key_entries)], d, out)
        }),
        ("connection_pool", |p, v, d, out| {
            section::<ConnectionPool>(
                p,
                v,
                &[("adaptive", |p, v, d, out| {
                    section::<Adaptive>(p, v, &[], d, out)
                })],
                d,
                out,
            )
        }),
        ("cache", |p, v, d, out| {
            section::<Cache>(
                p,
                v,
                &[("warm", |p, v, d, out| section::<Warm>(p, v, &[], d, out))],
                d,
                out,
            )
        }),
        ("database", |p, v, d, out| {
            section::<Database>(p, v, &[], d, out)
        }),
        ("worker", |p, v, d, out| {
            section::<Worker>(p, v, &[], d, out)
        }),
        ("plugins", |p, v, d, out| {
            section::<Plugins>(p, v, &[], d, out)
        }),
        ("parsing", |p, v, d, out| {
            section::<Parsing>(p, v, &[], d, out)
        }),
        ("monitoring", |p, v, d, out| {
            section::<Monitoring>(
                p,
                v,
                &[("thresholds", |p, v, d, out| {
                    section::<Thresholds>(p, v, &[], d, out)
                })],
                d,
                out,
            )
        }),
        ("ssh", |p, v, d, out| section::<Ssh>(p, v, &[], d, out)),
        ("logging", |p, v, d, out| {
            section::<Logging>(p, v, &[], d, out)
        }),
        ("security", |p, v, d, out| {
            section::<Security>(
                p,
                v,
                &[("rate_limit", |p, v, d, out| {
                    section::<RateLimit>(p, v, &[], d, out)
                })],
                d,
                out,
            )
        }),
        ("webhooks", |p, v, d, out| {
            section::<Webhooks>(p, v, &[], d, out)
        }),
        ("inventory", |p, v, d, out| {
            let Some(items) = v.as_array() else {
                out.push(problem(d, p, "must be a list of devices"));
                return;
            };
            for (i, item) in items.iter().enumerate() {
                section::<InventoryDevice>(
                    &format!("{p}[{i}]"),
                    item,
                    &[("credential", |p, v, d, out| {
                        section::<Credential>(p, v, &[], d, out)
                    })],
                    d,
                    out,
                );
            }
        }),
    ];
    match &doc.value {
        Value::Object(map) => {
            for (key, value) in map {
                match TOP.iter().find(|(name, _)| name == key) {
                    Some((_, check)) => check(key, value, doc, problems),
                    None => problems.push(unknown_key(doc, key, TOP.iter().map(|(n, _)| *n))),
                }
            }
        }
        _ => problems.push(problem(
            doc,
            "(root)",
            "the config must be a mapping of sections",
        )),
    }
}

/// `server.api_keys`: each entry on its own, so a bad one is named by its index.
fn api_key_entries(path: &str, value: &Value, doc: &Document, out: &mut Vec<Problem>) {
    let Some(items) = value.as_array() else {
        out.push(problem(doc, path, "must be a list of keys"));
        return;
    };
    for (i, item) in items.iter().enumerate() {
        if let Err(e) = serde_json::from_value::<ApiKey>(item.clone()) {
            // serde's message names fields and variants, never the key's text.
            out.push(problem(doc, &format!("{path}[{i}]"), &e.to_string()));
        }
    }
}

/// Checks each key of a mapping on its own by deserialising `{key: value}` into `T` (whose
/// fields all default), so each unknown key or wrong type is its own problem.
fn section<T: DeserializeOwned>(
    path: &str,
    value: &Value,
    nested: Nested,
    doc: &Document,
    out: &mut Vec<Problem>,
) {
    let Some(map) = value.as_object() else {
        if !value.is_null() {
            out.push(problem(doc, path, "must be a mapping"));
        }
        return;
    };
    for (key, item) in map {
        let key_path = format!("{path}.{key}");
        if let Some((_, check)) = nested.iter().find(|(name, _)| name == key) {
            check(&key_path, item, doc, out);
            continue;
        }
        let mut single = Map::new();
        single.insert(key.clone(), item.clone());
        if let Err(e) = serde_json::from_value::<T>(Value::Object(single)) {
            let text = e.to_string();
            let message = match text.strip_prefix("unknown field ") {
                Some(rest) => {
                    let known = rest.split_once("expected ").map_or("", |(_, k)| k);
                    format!("unknown key (expected {})", known.replace('`', ""))
                }
                None => text,
            };
            out.push(problem(doc, &key_path, &message));
        }
    }
}

fn unknown_key<'a>(doc: &Document, key: &str, known: impl Iterator<Item = &'a str>) -> Problem {
    let known: Vec<&str> = known.collect();
    problem(
        doc,
        key,
        &format!("unknown key (expected one of {})", known.join(", ")),
    )
}

fn problem(doc: &Document, path: &str, message: &str) -> Problem {
    Problem {
        path: Some(path.to_string()),
        line: doc.line_of(path),
        message: message.to_string(),
    }
}

/// Cross-key rules over a config that deserialised.
struct Rules<'a> {
    doc: &'a Document,
    problems: Vec<Problem>,
}

impl Rules<'_> {
    fn fail(&mut self, path: &str, message: String) {
        self.problems.push(problem(self.doc, path, &message));
    }

    fn at_least(&mut self, path: &str, value: u64, min: u64) {
        if value < min {
            self.fail(path, format!("{value} is below the minimum {min}"));
        }
    }

    fn fraction(&mut self, path: &str, value: f64) {
        if !(0.0..=1.0).contains(&value) {
            self.fail(path, format!("{value} must be between 0 and 1"));
        }
    }

    fn positive(&mut self, path: &str, value: f64) {
        if value.is_nan() || value <= 0.0 {
            self.fail(path, format!("{value} must be greater than 0"));
        }
    }

    fn check(&mut self, c: &Config) {
        self.server(c);
        self.pool(c);
        self.cache(c);
        self.database(c);
        let w = &c.worker;
        self.at_least("worker.pool_size", w.pool_size as u64, 1);
        self.at_least("worker.max_connections", w.max_connections as u64, 1);
        self.at_least("worker.queue_size", w.queue_size as u64, 1);
        self.at_least("worker.timeout", w.timeout, 1);
        self.at_least("worker.max_output_bytes", w.max_output_bytes, 1);
        let p = &c.plugins;
        self.at_least("plugins.memory_limit_mb", p.memory_limit_mb, 1);
        if p.memory_limit_mb > 4096 {
            self.fail(
                "plugins.memory_limit_mb",
                format!("{} is above the maximum 4096", p.memory_limit_mb),
            );
        }
        self.at_least("plugins.call_timeout_ms", p.call_timeout_ms, 1);
        if p.dir.trim().is_empty() {
            self.fail("plugins.dir", "must name a directory".into());
        }
        let m = &c.monitoring;
        self.at_least("monitoring.window", m.window, 1);
        let t = &m.thresholds;
        self.positive(
            "monitoring.thresholds.api_response_time",
            t.api_response_time,
        );
        self.positive(
            "monitoring.thresholds.database_query_time",
            t.database_query_time,
        );
        self.fraction(
            "monitoring.thresholds.connection_pool_utilization",
            t.connection_pool_utilization,
        );
        self.fraction("monitoring.thresholds.cache_hit_rate", t.cache_hit_rate);
        if t.worker_queue_size > c.worker.queue_size {
            self.fail(
                "monitoring.thresholds.worker_queue_size",
                format!(
                    "{} is above worker.queue_size {}: the alert could never fire",
                    t.worker_queue_size, c.worker.queue_size
                ),
            );
        }
        self.inventory(c);
        self.security(c);
        self.rate_limits(c);
        self.require_sha256(c);
        self.webhooks(c);
    }

    fn rate_limits(&mut self, c: &Config) {
        let r = &c.security.rate_limit;
        for (path, rate) in [
            ("security.rate_limit.per_key", r.per_key),
            ("security.rate_limit.per_device", r.per_device),
        ] {
            if let Some(rate) = rate
                && !(rate > 0.0 && rate <= MAX_RATE)
            {
                self.fail(
                    path,
                    format!("{rate} must be above 0 and at most {MAX_RATE} requests per second (null turns the limit off)"),
                );
            }
        }
    }

    fn require_sha256(&mut self, c: &Config) {
        let Some(required) = &c.plugins.require_sha256 else {
            return;
        };
        for (file, sha) in required {
            let path = format!("plugins.require_sha256.{file}");
            if file.contains(['/', '\\']) || file.starts_with('.') || !file.ends_with(".wasm") {
                self.fail(
                    &path,
                    "must be a plugin file name in plugins.dir (name.wasm, no directory)".into(),
                );
            }
            if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
                self.fail(&path, format!("{sha:?} is not a sha256 (64 hex digits)"));
            }
        }
    }

    fn security(&mut self, c: &Config) {
        for (i, rule) in c.security.allowed_targets.iter().enumerate() {
            if let Err(e) = super::targets::Rule::parse(rule) {
                self.fail(&format!("security.allowed_targets[{i}]"), e);
            }
        }
    }

    fn webhooks(&mut self, c: &Config) {
        for (list, entries) in [("allow", &c.webhooks.allow), ("deny", &c.webhooks.deny)] {
            for (i, entry) in entries.iter().enumerate() {
                if let Err(e) = super::cidr::Cidr::parse(entry) {
                    self.fail(&format!("webhooks.{list}[{i}]"), e);
                }
            }
        }
    }

    fn server(&mut self, c: &Config) {
        let s = &c.server;
        match s.listen.parse::<SocketAddr>() {
            Ok(addr) => {
                if s.insecure_no_auth && !addr.ip().is_loopback() {
                    self.fail(
                        "server.insecure_no_auth",
                        format!(
                            "only allowed on a loopback listener, not {addr}: configure server.api_keys"
                        ),
                    );
                }
            }
            Err(_) => self.fail(
                "server.listen",
                format!(
                    "{:?} is not an address:port such as 127.0.0.1:9000",
                    s.listen
                ),
            ),
        }
        self.at_least("server.body_limit", s.body_limit as u64, 1024);
        self.at_least("server.max_connections", s.max_connections as u64, 1);
        self.api_keys(&s.api_keys);
    }

    fn api_keys(&mut self, keys: &[ApiKey]) {
        for (path, message) in super::keys::problems(keys) {
            self.fail(&path, message);
        }
    }

    fn pool(&mut self, c: &Config) {
        let p = &c.connection_pool;
        self.at_least("connection_pool.max_size", p.max_size as u64, 1);
        if p.min_size > p.max_size {
            self.fail(
                "connection_pool.min_size",
                format!("{} is above max_size {}", p.min_size, p.max_size),
            );
        }
        self.at_least(
            "connection_pool.max_connections_per_device",
            p.max_connections_per_device as u64,
            1,
        );
        if p.max_connections_per_device > p.max_size {
            self.fail(
                "connection_pool.max_connections_per_device",
                format!(
                    "{} is above max_size {}",
                    p.max_connections_per_device, p.max_size
                ),
            );
        }
        self.at_least(
            "connection_pool.connection_timeout",
            p.connection_timeout,
            1,
        );
        self.at_least(
            "connection_pool.keepalive_count",
            p.keepalive_count as u64,
            1,
        );
        self.logins(p);
        let a = &p.adaptive;
        self.fraction("connection_pool.adaptive.expand_above", a.expand_above);
        self.fraction("connection_pool.adaptive.shrink_below", a.shrink_below);
        if a.shrink_below >= a.expand_above {
            self.fail(
                "connection_pool.adaptive.shrink_below",
                format!(
                    "{} must be below expand_above {}",
                    a.shrink_below, a.expand_above
                ),
            );
        }
    }

    fn logins(&mut self, p: &ConnectionPool) {
        let (path, max) = (
            "connection_pool.max_concurrent_logins",
            MAX_CONCURRENT_LOGINS,
        );
        if !(1..=max).contains(&p.max_concurrent_logins) {
            let n = p.max_concurrent_logins;
            self.fail(
                path,
                format!("{n} must be between 1 and {max} logins at once"),
            );
        }
        if let Some(rate) = p.login_rate
            && !(MIN_LOGIN_RATE..=MAX_LOGIN_RATE).contains(&rate)
        {
            self.fail(
                "connection_pool.login_rate",
                format!("{rate} must be between {MIN_LOGIN_RATE} and {MAX_LOGIN_RATE} logins per second (null turns the limit off)"),
            );
        }
    }

    fn cache(&mut self, c: &Config) {
        let k = &c.cache;
        self.at_least("cache.max_size", k.max_size as u64, 1);
        if k.eviction_policy != "lru" {
            self.fail(
                "cache.eviction_policy",
                format!("{:?} is not supported (supported: lru)", k.eviction_policy),
            );
        }
        if let Some(url) = &k.redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            self.fail(
                "cache.redis_url",
                "must start with redis:// or rediss://".into(),
            );
        }
        for (i, host) in k.warm.hosts.iter().enumerate() {
            if !c.inventory.iter().any(|d| &d.name == host) {
                self.fail(
                    &format!("cache.warm.hosts[{i}]"),
                    format!("{host:?} is not an inventory device name"),
                );
            }
        }
    }

    fn database(&mut self, c: &Config) {
        let d = &c.database;
        let url = d.url.as_str();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            self.fail(
                "database.url",
                "must start with sqlite:// or postgres:// (credentials in the URL are not shown here)".into(),
            );
        }
        self.at_least("database.pool_size", d.pool_size.into(), 1);
        self.at_least("database.pool_timeout", d.pool_timeout, 1);
        self.at_least("database.pool_recycle", d.pool_recycle, 1);
    }

    fn inventory(&mut self, c: &Config) {
        let mut seen = std::collections::HashSet::new();
        for (i, dev) in c.inventory.iter().enumerate() {
            let at = |key: &str| format!("inventory[{i}].{key}");
            if dev.name.trim().is_empty() {
                self.fail(&at("name"), "every inventory device needs a name".into());
            } else if !seen.insert(dev.name.as_str()) {
                self.fail(&at("name"), format!("{:?} appears twice", dev.name));
            }
            if dev.host.trim().is_empty() {
                self.fail(&at("host"), "every inventory device needs a host".into());
            } else if dev
                .host
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
            {
                // The host is written into known_hosts as one token.
                self.fail(
                    &at("host"),
                    "a host is one token: no whitespace or control characters".into(),
                );
            }
            if platform::canonical(&dev.device_type).is_none() {
                self.fail(
                    &at("device_type"),
                    format!(
                        "{:?} is not a known platform (known: {})",
                        dev.device_type,
                        platform::CANONICAL.join(", ")
                    ),
                );
            }
            let cred = &dev.credential;
            if cred.password_env.is_some() && cred.password_file.is_some() {
                self.fail(
                    &at("credential"),
                    "give password_env or password_file, not both".into(),
                );
            }
        }
    }
}
