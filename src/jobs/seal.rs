//! Sealing job requests at rest. A queued job must survive a restart, and running it again
//! needs its credentials; those never go into a job record in the clear. Each job row keeps
//! its request sealed with AES-256-GCM under a key that lives outside the database (a file,
//! or `NETPULSE_SEALING_KEY`), bound to the row's id so a blob copied to another row does
//! not open. A database dump alone reveals no secret.

use std::path::{Path, PathBuf};

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Environment variable holding the key (base64 of 32 bytes); it wins over the key file,
/// so several nodes or a container can share one key without a file.
pub const KEY_ENV: &str = "NETPULSE_SEALING_KEY";

const KEY_LEN: usize = 32;

/// Why the sealing key could not be loaded, or a sealed request could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The key file exists but cannot be read, or cannot be created.
    #[error("sealing key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The key is not base64 of 32 bytes.
    #[error(
        "sealing key from {from} is not base64 of 32 bytes; generate one with `head -c32 /dev/urandom | base64`"
    )]
    BadKey {
        /// Where it came from.
        from: String,
    },
    /// A sealed request did not open: another key, or a blob moved between rows.
    #[error(
        "the stored request does not open with this gateway's sealing key (was the key file replaced?)"
    )]
    Open,
    /// The system random generator failed.
    #[error("random generator failed")]
    Random,
}

/// Seals and opens job requests. Cheap to clone.
#[derive(Clone)]
pub struct Sealer {
    key: std::sync::Arc<RandomizedNonceKey>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// Loads the key from `NETPULSE_SEALING_KEY`, else from `path`, creating the file
    /// (mode 0600) with a fresh random key on first start.
    pub fn load(path: &Path) -> Result<Self, Error> {
        if let Ok(text) = std::env::var(KEY_ENV) {
            return Self::from_base64(&text, KEY_ENV);
        }
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; KEY_LEN];
                aws_lc_rs::rand::fill(&mut key).map_err(|_| Error::Random)?;
                write_private(path, STANDARD.encode(key).as_bytes()).map_err(|source| {
                    Error::KeyFile {
                        path: path.to_path_buf(),
                        source,
                    }
                })?;
                tracing::info!(file = %path.display(), "created the key that seals queued job requests at rest; keep it with the database");
                Self::from_bytes(&key, &path.display().to_string())
            }
            Err(source) => Err(Error::KeyFile {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    fn from_base64(text: &str, from: &str) -> Result<Self, Error> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| Error::BadKey {
            from: from.to_string(),
        })?;
        Self::from_bytes(&bytes, from)
    }

    fn from_bytes(bytes: &[u8], from: &str) -> Result<Self, Error> {
        if bytes.len() != KEY_LEN {
            return Err(Error::BadKey {
                from: from.to_string(),
            });
        }
        let key = RandomizedNonceKey::new(&AES_256_GCM, bytes).map_err(|_| Error::BadKey {
            from: from.to_string(),
        })?;
        Ok(Self {
            key: std::sync::Arc::new(key),
        })
    }

    /// Seals `plain` for the row `id`: base64 of nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, id: &str, plain: &str) -> Result<String, Error> {
        let mut buf = plain.as_bytes().to_vec();
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(id.as_bytes()), &mut buf)
            .map_err(|_| Error::Random)?;
        let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
        out.extend_from_slice(nonce.as_ref());
        out.extend_from_slice(&buf);
        Ok(STANDARD.encode(out))
    }

    /// Opens what [`Sealer::seal`] produced for the same `id`.
    pub fn open(&self, id: &str, sealed: &str) -> Result<String, Error> {
        let bytes = STANDARD.decode(sealed).map_err(|_| Error::Open)?;
        if bytes.len() < NONCE_LEN {
            return Err(Error::Open);
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Error::Open)?;
        let mut rest = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(id.as_bytes()), &mut rest)
            .map_err(|_| Error::Open)?;
        String::from_utf8(plain.to_vec()).map_err(|_| Error::Open)
    }
}

/// Writes a file only its owner can read, through a temp file and rename so a crash never
/// leaves half a key behind.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_binds_to_the_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k/sealing.key");
        let sealer = Sealer::load(&path).unwrap();
        let sealed = sealer.seal("job-1", r#"{"password":"hunter2"}"#).unwrap();
        assert!(!sealed.contains("hunter2"));
        assert_eq!(
            sealer.open("job-1", &sealed).unwrap(),
            r#"{"password":"hunter2"}"#
        );
        assert!(matches!(sealer.open("job-2", &sealed), Err(Error::Open)));
        // The same file gives the same key on the next start.
        let again = Sealer::load(&path).unwrap();
        assert!(again.open("job-1", &sealed).is_ok());
        // Another key does not open it.
        let other = Sealer::load(&dir.path().join("other.key")).unwrap();
        assert!(matches!(other.open("job-1", &sealed), Err(Error::Open)));
    }

    #[test]
    fn a_malformed_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.key");
        std::fs::write(&path, "not base64!").unwrap();
        let e = Sealer::load(&path).unwrap_err().to_string();
        assert!(e.contains("base64 of 32 bytes"), "{e}");
    }
}
