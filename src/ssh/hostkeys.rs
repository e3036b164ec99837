//! Host-key checking against an OpenSSH known_hosts file. Never accept a key blindly unless
//! the operator chose `accept-any` (the lab).
//!
//! Under `strict` and `accept-new` the file must parse ([`super::known_hosts`]): a file that
//! does not is an error that refuses the connection, never a reason to learn. A host on
//! record with other keys only, of any algorithm, has a changed key. A learned key is
//! written to a temporary file beside the old one and renamed over it, so a crash or a full
//! disk never leaves a torn file, and a failure refuses the connection with its reason.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::keys::PublicKey;

use super::known_hosts::{self, KnownHosts, Verdict};
use crate::config::HostKeyPolicy;

/// The known_hosts file and the policy applied to it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct HostKeys {
    path: PathBuf,
    policy: HostKeyPolicy,
    /// Serialises learning so concurrent first connections do not lose each other's lines.
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
        match self.verdict(host, port, key)? {
            Verdict::Known => Ok(()),
            other if other != Verdict::Unknown => Err(self.refusal(&other)),
            _ if self.policy == HostKeyPolicy::Strict => Err(format!(
                "host key is not in known_hosts {} and ssh.host_key_policy is strict; \
                 add the device's key to that file",
                self.path.display()
            )),
            _ => {
                let _guard = self
                    .learn_lock
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                // Re-read under the lock: another connection may have learned it meanwhile.
                let current = self.read()?;
                match current.verdict(host, port, key) {
                    Verdict::Known => Ok(()),
                    Verdict::Unknown => self.learn(host, port, key),
                    other => Err(self.refusal(&other)),
                }
            }
        }
    }

    fn read(&self) -> Result<KnownHosts, String> {
        KnownHosts::read(&self.path).map_err(|e| {
            format!(
                "known_hosts cannot be used: {e}; no key is trusted or learned until it is fixed"
            )
        })
    }

    fn verdict(&self, host: &str, port: u16, key: &PublicKey) -> Result<Verdict, String> {
        Ok(self.read()?.verdict(host, port, key))
    }

    fn refusal(&self, verdict: &Verdict) -> String {
        let file = self.path.display();
        match verdict {
            Verdict::Changed { line } => format!(
                "the host key changed (known_hosts {file} line {line} records another key); \
                 if the device was replaced, remove that line"
            ),
            Verdict::Revoked { line } => {
                format!("the host key is revoked (known_hosts {file} line {line})")
            }
            Verdict::Known | Verdict::Unknown => String::new(),
        }
    }

    /// Appends `host:port key` by writing the whole file anew beside the old one and renaming
    /// it over: readers see the old file or the new one, never half a line.
    fn learn(&self, host: &str, port: u16, key: &PublicKey) -> Result<(), String> {
        let file = self.path.display();
        if host.is_empty()
            || host
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == ',')
        {
            return Err(format!(
                "host {host:?} cannot be recorded in known_hosts {file} (whitespace, comma or control characters)"
            ));
        }
        let line = key
            .to_openssh()
            .map(|k| format!("{} {k}\n", known_hosts::host_port(host, port)))
            .map_err(|e| format!("cannot encode the host key: {e}"))?;
        write_atomically(&self.path, &line)
            .map_err(|e| format!("cannot record the host key in {file}: {e}"))?;
        tracing::info!(target: "netpulse::ssh", host, port, path = %file, "learned a new host key (accept-new)");
        Ok(())
    }
}

/// Writes the file's current content plus `line` to a temporary file in the same directory,
/// syncs it, and renames it over `path`.
fn write_atomically(path: &Path, line: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let mut content = match std::fs::read(path) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    if !content.is_empty() && content.last() != Some(&b'\n') {
        content.push(b'\n');
    }
    content.extend_from_slice(line.as_bytes());
    let name = path.file_name().map_or_else(
        || "known_hosts".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.write_all(&content)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    // The rename is durable once the directory is synced (best effort: not every
    // filesystem lets a directory be opened for it).
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ED: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
    const ECDSA: &str = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNsVuljU03JQ7PgsAS55JVs172LU2FFwpTUtlbjg8CQMCUTzRrdgNku4PnH84Kb6VIEqZBVGXVAMXeIfe1tVCFM=";

    fn ed() -> PublicKey {
        russh::keys::parse_public_key_base64(ED).unwrap()
    }

    /// An ECDSA key (ssh-keygen's), another algorithm than [`ed`].
    fn ecdsa() -> PublicKey {
        russh::keys::parse_public_key_base64(ECDSA).unwrap()
    }

    #[test]
    fn a_key_of_another_algorithm_is_a_changed_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        for policy in [HostKeyPolicy::AcceptNew, HostKeyPolicy::Strict] {
            std::fs::write(&path, format!("[r1]:2222 ssh-ed25519 {ED}\n")).unwrap();
            let hk = HostKeys::new(&path, policy);
            assert!(hk.check("r1", 2222, &ed()).is_ok());
            let e = hk.check("r1", 2222, &ecdsa()).unwrap_err();
            assert!(e.contains("host key changed"), "{policy:?}: {e}");
            assert_eq!(
                std::fs::read_to_string(&path).unwrap().lines().count(),
                1,
                "nothing learned"
            );
        }
    }

    #[test]
    fn a_file_that_does_not_parse_refuses_and_learns_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        let broken = format!("[r1]:2222 ssh-ed25519 {}\n", &ED[..20]);
        std::fs::write(&path, &broken).unwrap();
        let hk = HostKeys::new(&path, HostKeyPolicy::AcceptNew);
        let e = hk.check("r1", 2222, &ed()).unwrap_err();
        assert!(e.contains("line 1") && e.contains("does not decode"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    }

    #[test]
    fn learning_writes_a_whole_file_and_reports_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        std::fs::write(&path, "# kept\n").unwrap();
        let hk = HostKeys::new(&path, HostKeyPolicy::AcceptNew);
        hk.check("r1", 2222, &ed()).unwrap();
        hk.check("r1", 2222, &ed()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("# kept\n[r1]:2222 ssh-ed25519 {ED}\n"));
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
        // procfs takes no new files, even from root: the write fails and says so.
        let hk = HostKeys::new("/proc/netpulse-test-known-hosts", HostKeyPolicy::AcceptNew);
        let e = hk.check("r2", 22, &ed()).unwrap_err();
        assert!(e.contains("cannot record the host key"), "{e}");
    }
}
