//! `server.api_keys` entries: bare keys (role `admin`) or `{name, key, role}`, and the roles
//! they carry (design §10). Kept apart from the rest of the schema because an entry has two
//! YAML shapes and its own deserializer.

use serde::{Deserialize, Serialize};

/// Shortest API key accepted, in the file and in `NETPULSE_API_KEYS` alike: 16 characters
/// of a random key are beyond guessing over HTTP.
pub const MIN_API_KEY_LEN: usize = 16;

/// Longest key name: it is recorded on every job and shown in logs.
const MAX_KEY_NAME_LEN: usize = 64;

/// Whether `key` breaks the length rule.
pub fn api_key_too_short(key: &str) -> bool {
    key.chars().count() < MIN_API_KEY_LEN
}

/// What an API key may do (design §10). Ordered: each role may do everything the ones
/// before it may.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Every `GET` except `/config` and `/plugins`.
    Read,
    /// Also show commands (exec, bulk), device tests, template parsing.
    Operate,
    /// Also config pushes and everything else that changes a device; cancelling its own jobs.
    Change,
    /// Also `/config`, `/plugins`, resuming batches, cancelling any key's jobs.
    Admin,
}

impl Role {
    /// The word the config and error messages use.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Operate => "operate",
            Role::Change => "change",
            Role::Admin => "admin",
        }
    }
}

/// One `server.api_keys` entry: a bare key (role `admin`, as before roles existed), or a
/// named key with a role. The name, never the key, is what jobs record and logs show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ApiKey {
    /// A bare key: role `admin`, name `key-<first 8 hex digits of its sha256>`.
    Plain(String),
    /// `{name, key, role}`.
    Named(NamedKey),
}

/// `{name, key, role}`: a key with a name to record on its jobs and a role to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedKey {
    /// Recorded on jobs and batches as `submitted_by`; not a secret.
    pub name: String,
    /// The secret sent in `X-API-KEY`.
    pub key: String,
    /// What the key may do.
    pub role: Role,
}

impl ApiKey {
    /// The secret.
    pub fn secret(&self) -> &str {
        match self {
            ApiKey::Plain(key) => key,
            ApiKey::Named(named) => &named.key,
        }
    }

    /// The role: `admin` for a bare key.
    pub fn role(&self) -> Role {
        match self {
            ApiKey::Plain(_) => Role::Admin,
            ApiKey::Named(named) => named.role,
        }
    }

    /// The name jobs record. A bare key's is derived from a hash of it: stable across
    /// restarts, and 32 bits of a sha256 tell nothing usable about a 16+ character key.
    pub fn name(&self) -> String {
        match self {
            ApiKey::Plain(key) => {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(key.as_bytes());
                format!("key-{}", hex::encode(&digest[..4]))
            }
            ApiKey::Named(named) => named.name.clone(),
        }
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        ApiKey::Plain(key)
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        ApiKey::Plain(key.to_string())
    }
}

impl<'de> Deserialize<'de> for ApiKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // By hand rather than `untagged`, so a bad entry gets serde's precise message
        // (unknown field, missing role, unknown role) instead of "matched no variant".
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ApiKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key string or {name, key, role}")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ApiKey, E> {
                Ok(ApiKey::Plain(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<ApiKey, A::Error> {
                NamedKey::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ApiKey::Named)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Every problem with a list of `server.api_keys` entries, as (key path, message): short
/// keys, bad or repeated names, one key given twice.
pub(super) fn problems(keys: &[ApiKey]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut names = std::collections::HashMap::new();
    let mut secrets = std::collections::HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        let path = format!("server.api_keys[{i}]");
        if api_key_too_short(key.secret()) {
            out.push((
                path.clone(),
                format!("an API key must be at least {MIN_API_KEY_LEN} characters"),
            ));
        }
        if let ApiKey::Named(named) = key {
            let valid_name = !named.name.is_empty()
                && named.name.len() <= MAX_KEY_NAME_LEN
                && named
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !valid_name {
                out.push((
                    format!("{path}.name"),
                    format!(
                        "{:?} must be 1 to {MAX_KEY_NAME_LEN} letters, digits, '-', '_' or '.'",
                        named.name
                    ),
                ));
            } else if named.name == named.key {
                out.push((
                    format!("{path}.name"),
                    "must not be the key itself: the name is recorded on every job".into(),
                ));
            }
        }
        if let Some(first) = names.insert(key.name(), i) {
            out.push((
                format!("{path}.name"),
                format!(
                    "{:?} is also the name of server.api_keys[{first}]",
                    key.name()
                ),
            ));
        }
        if let Some(first) = secrets.insert(key.secret().to_string(), i) {
            out.push((
                path,
                format!("the same key as server.api_keys[{first}]: one key has one name and role"),
            ));
        }
    }
    out
}
