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
    /// The key file can be read by its group or by others: a key anyone on the host can
    /// read protects nothing, so the gateway does not start with it.
    #[error(
        "sealing key file {path} has mode {mode:04o}: group and others must have no access; run `chmod 600 {path}`"
    )]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
}

/// HKDF `info` for the cache's credential-hash key: each use of the sealing key gets its own
/// subkey, so the cache key reveals nothing about the sealing key and the other way round.
const CACHE_HMAC_INFO: &[u8] = b"netpulse cache credential hmac v1";

/// Seals and opens job requests. Cheap to clone.
#[derive(Clone)]
pub struct Sealer {
    key: std::sync::Arc<RandomizedNonceKey>,
    /// The cache's credential-hash key, derived from the sealing key at load: it lives
    /// where the sealing key lives (outside the database), so a database or Redis dump
    /// alone cannot be tested against a password list.
    cache_hmac_key: [u8; KEY_LEN],
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
            Ok(text) => {
                refuse_exposed(path)?;
                Self::from_base64(&text, &path.display().to_string())
            }
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
            cache_hmac_key: derive(bytes, CACHE_HMAC_INFO),
        })
    }

    /// The key the cache hashes request credentials with (see [`crate::cache::CredentialHasher`]).
    pub fn cache_hmac_key(&self) -> [u8; KEY_LEN] {
        self.cache_hmac_key
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

/// HKDF-SHA256 of the sealing key for one purpose (`info`).
fn derive(key: &[u8], info: &[u8]) -> [u8; KEY_LEN] {
    use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
    struct Len;
    impl KeyType for Len {
        fn len(&self) -> usize {
            KEY_LEN
        }
    }
    let mut out = [0u8; KEY_LEN];
    let prk = Salt::new(HKDF_SHA256, b"netpulse").extract(key);
    // expand fails only when the length exceeds 255 hash lengths; 32 bytes is one.
    match prk.expand(&[info], Len).and_then(|okm| okm.fill(&mut out)) {
        Ok(()) => out,
        Err(_) => unreachable!("HKDF-SHA256 expands to 32 bytes"),
    }
}

/// Refuses a key file its group or others may access (unix permission bits).
fn refuse_exposed(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|source| Error::KeyFile {
            path: path.to_path_buf(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(Error::Exposed {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    Ok(())
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
    fn a_key_file_others_can_read_is_refused_naming_file_and_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sealing.key");
        let first = Sealer::load(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Sealer::load(&path).unwrap_err().to_string();
        assert!(e.contains(&path.display().to_string()), "{e}");
        assert!(e.contains("0644"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let again = Sealer::load(&path).unwrap();
        // The cache key follows the sealing key: same file, same key; another file, another.
        assert_eq!(first.cache_hmac_key(), again.cache_hmac_key());
        let other = Sealer::load(&dir.path().join("other.key")).unwrap();
        assert_ne!(first.cache_hmac_key(), other.cache_hmac_key());
    }

    #[test]
    fn a_malformed_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.key");
        std::fs::write(&path, "not base64!").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let e = Sealer::load(&path).unwrap_err().to_string();
        assert!(e.contains("base64 of 32 bytes"), "{e}");
    }
}
