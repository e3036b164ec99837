//! One keyed digest of a device's credentials, for every place that must tell two sets of
//! credentials apart without keeping them: the cache's keys (a digest under the key derived
//! from the sealing key, shared by every node) and the session pool's keys (a digest under a
//! per-process random key, meaningless outside the process).

use std::fmt;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::{Auth, Secret, Target};

/// Length of the digest key: SHA-256's output size; a longer HMAC key adds no strength.
pub const HASH_KEY_LEN: usize = 32;

/// Turns credentials into a digest (the `credential` part of a cache key, a pool key).
///
/// The cache's key comes from the sealing key (random, never derived from a password), so every
/// gateway node that shares the sealing key agrees on it.
#[derive(Clone)]
pub struct CredentialHasher {
    /// The HMAC key; never logged (see the `Debug` impl).
    key: [u8; HASH_KEY_LEN],
}

impl fmt::Debug for CredentialHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialHasher(<redacted>)")
    }
}

impl CredentialHasher {
    /// A hasher with a given key (the gateway passes the one derived from its sealing key).
    pub fn from_key(key: [u8; HASH_KEY_LEN]) -> Self {
        Self { key }
    }

    /// A hasher with a fresh random key, for tools and tests that keep nothing.
    pub fn random() -> Self {
        let mut key = [0u8; HASH_KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self { key }
    }

    /// Hex HMAC-SHA256 of the credentials. `secret` is the password, or the private key text
    /// when the request authenticates with a key.
    ///
    /// Each field is length-prefixed so `("ab", "c")` and `("a", "bc")` differ.
    pub fn hash(&self, username: &str, secret: &str) -> String {
        // A key of any length is valid for HMAC, so this constructor cannot fail.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        for field in [username, secret] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// The digest of everything that decides what a device shows a session: the user, the
    /// password or key (with its passphrase), and the enable secret.
    pub fn digest(&self, target: &Target, enable: Option<&Secret>) -> String {
        let mut material = match &target.auth {
            Auth::Password(p) => format!("p\0{}", p.expose()),
            Auth::Key { pem, passphrase } => format!(
                "k\0{}\0{}",
                pem.expose(),
                passphrase.as_ref().map_or("", |p| p.expose())
            ),
        };
        material.push('\0');
        material.push_str(enable.map_or("", |s| s.expose()));
        self.hash(&target.username, &material)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(password: &str) -> Target {
        Target {
            host: "r1".into(),
            port: 22,
            connect_addr: None,
            username: "admin".into(),
            auth: Auth::Password(Secret::new(password)),
        }
    }

    #[test]
    fn every_secret_changes_the_digest() {
        let hasher = CredentialHasher::random();
        let base = hasher.digest(&target("a"), None);
        assert_eq!(base, hasher.digest(&target("a"), None));
        assert_ne!(base, hasher.digest(&target("b"), None));
        assert_ne!(base, hasher.digest(&target("a"), Some(&Secret::new("en"))));
        assert_ne!(base, CredentialHasher::random().digest(&target("a"), None));
    }

    #[test]
    fn fields_are_length_prefixed() {
        let hasher = CredentialHasher::from_key([7; HASH_KEY_LEN]);
        assert_ne!(hasher.hash("ab", "c"), hasher.hash("a", "bc"));
    }
}
