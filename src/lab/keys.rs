//! Host keys and authorized keys. Each device keeps its own ed25519 host key in the state directory, so a
//! restarted lab presents the same identity and clients with strict known_hosts keep working.

use std::io::Write;
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::ssh_key::{LineEnding, PrivateKey, PublicKey};

use super::Error;

/// Where device `index` (0-based) keeps its host key.
pub fn host_key_path(state_dir: &Path, index: usize) -> PathBuf {
    state_dir.join(format!("host-key-{}.ed25519", index + 1))
}

/// Loads device `index`'s host key, generating and saving it on first use. The file is written to a
/// temporary name and renamed, so a crash never leaves a half-written key behind.
pub fn load_or_create(state_dir: &Path, index: usize) -> Result<PrivateKey, Error> {
    let path = host_key_path(state_dir, index);
    if path.exists() {
        return PrivateKey::read_openssh_file(&path).map_err(|e| Error::HostKey {
            path,
            reason: e.to_string(),
        });
    }
    std::fs::create_dir_all(state_dir).map_err(|source| Error::StateDir {
        path: state_dir.to_path_buf(),
        source,
    })?;
    let mut seed = [0u8; 32];
    rand::Rng::fill(&mut rand::thread_rng(), &mut seed);
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    let pem = key.to_openssh(LineEnding::LF).map_err(|e| Error::HostKey {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp)?;
        f.write_all(pem.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| Error::HostKey {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    Ok(key)
}

/// Reads an OpenSSH `authorized_keys` file: one key per line, `#` comments and blank lines skipped, options
/// before the key type tolerated.
pub fn load_authorized(path: &Path) -> Result<Vec<PublicKey>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::AuthorizedKeys {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // With options (`from="..." ssh-ed25519 AAAA...`) the key starts at the first key-type word.
        let start = line
            .find("ssh-")
            .or_else(|| line.find("ecdsa-"))
            .unwrap_or(0);
        let key = PublicKey::from_openssh(&line[start..]).map_err(|e| Error::AuthorizedKeys {
            path: path.to_path_buf(),
            reason: format!("line {}: {e}", n + 1),
        })?;
        keys.push(key);
    }
    Ok(keys)
}
