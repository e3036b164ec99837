//! Host-key checking against an OpenSSH known_hosts file. Never accept a key blindly unless
//! the operator chose `accept-any` (the lab).

use std::path::PathBuf;
use std::sync::Arc;

use russh::keys::{PublicKey, known_hosts};

use crate::config::HostKeyPolicy;

/// The known_hosts file and the policy applied to it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct HostKeys {
    path: PathBuf,
    policy: HostKeyPolicy,
    /// Serialises learning so concurrent first connections do not interleave lines.
    learn_lock: Arc<std::sync::Mutex<()>>,
}

impl HostKeys {
    /// Checks keys against `path` under `policy`.
    pub fn new(path: impl Into<PathBuf>, policy: HostKeyPolicy) -> Self {
        Self {
            path: path.into(),
            policy,
            learn_lock: Arc::new(std::sync::Mutex::new(())),
        }
    }

    /// Accepts or refuses `key` for `host:port`; the error says why and what to do.
    pub fn check(&self, host: &str, port: u16, key: &PublicKey) -> Result<(), String> {
        if self.policy == HostKeyPolicy::AcceptAny {
            return Ok(());
        }
        let file = self.path.display();
        match known_hosts::check_known_hosts_path(host, port, key, &self.path) {
            Ok(true) => Ok(()),
            Err(russh::keys::Error::KeyChanged { line }) => Err(format!(
                "the host key changed (known_hosts {file} line {line} records another key); \
                 if the device was replaced, remove that line"
            )),
            Ok(false) | Err(_) if self.policy == HostKeyPolicy::Strict => Err(format!(
                "host key is not in known_hosts {file} and ssh.host_key_policy is strict; \
                 add the device's key to that file"
            )),
            Ok(false) | Err(_) => {
                let _guard = self
                    .learn_lock
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                // Re-check under the lock: another connection may have learned it meanwhile.
                match known_hosts::check_known_hosts_path(host, port, key, &self.path) {
                    Ok(true) => Ok(()),
                    Err(russh::keys::Error::KeyChanged { line }) => Err(format!(
                        "the host key changed (known_hosts {file} line {line})"
                    )),
                    _ => known_hosts::learn_known_hosts_path(host, port, key, &self.path)
                        .map_err(|e| format!("cannot record the host key in {file}: {e}")),
                }
            }
        }
    }
}
