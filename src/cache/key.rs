//! The cache key scheme and the credential hasher.
//!
//! A key names the device, the command and the credentials that fetched the output, so
//! output read with one account is never served to a request carrying another (devices show
//! different things to different privilege levels, and a wrong password must not be able to
//! read what a right one fetched). Credentials enter the key only as a keyed hash
//! (HMAC-SHA256) whose key is derived from the sealing key (`worker.sealing_key_file` or
//! `NETPULSE_SEALING_KEY`), which never enters the database: a database or Redis dump alone
//! cannot be brute-forced offline against a password list.

use std::fmt;

use super::Error;
use crate::store::Store;

pub use crate::device::CredentialHasher;

/// Name under which earlier versions kept the credential-hash key in `netpulse_secrets`;
/// [`retire_database_key`] deletes it.
pub const HASH_KEY_NAME: &str = "cache.credential_hmac_key";

/// Identifies one cached command output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Device address as the request named it; with `port` it identifies the device.
    pub host: String,
    /// SSH port; the same host on another port is another device (lab, jump hosts).
    pub port: u16,
    /// Canonical platform name, because the same command means different things per vendor.
    pub device_type: String,
    /// The normalized command (`sh ver` and `show version` share an entry).
    pub command: String,
    /// Hex HMAC of the credentials from [`CredentialHasher::hash`], scoping the entry to them.
    pub credential: String,
}

impl Key {
    /// The textual key used at every level: `cmd:{host}:{port}:{device_type}:{command}:{credential}`.
    pub fn render(&self) -> String {
        format!(
            "cmd:{}:{}:{}:{}:{}",
            self.host, self.port, self.device_type, self.command, self.credential
        )
    }

    /// The device this key belongs to, as every level records it for invalidation.
    pub fn device(&self) -> String {
        device_id(&self.host, self.port)
    }
}

impl fmt::Display for Key {
    /// Logs the key without the credential hash (it is not secret, but it is noise).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} {:?} ({})",
            self.host, self.port, self.command, self.device_type
        )
    }
}

/// `{host}:{port}`: a device is identified by host and port, never by the host alone. The
/// port is last and numeric, so an IPv6 host with colons stays unambiguous.
pub fn device_id(host: &str, port: u16) -> String {
    format!("{host}:{port}")
}

/// Deletes the key earlier versions stored in the database, once: with it gone a dump
/// holds nothing to test passwords against. Cache rows hashed under it can never be
/// found again, so they go too (a miss costs one device round trip); returns how many.
/// `None` when there was no stored key (every start after the first).
pub async fn retire_database_key(store: &Store) -> Result<Option<u64>, Error> {
    if !store.secret_remove(HASH_KEY_NAME).await? {
        return Ok(None);
    }
    Ok(Some(store.cache_entries_clear().await?))
}
