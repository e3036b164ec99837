//! What a device is, as plain values every layer may hold: where it is and how to log in
//! ([`Target`], [`Auth`], [`Secret`]), how its CLI behaves ([`ProfileSpec`]), and the one
//! keyed digest of its credentials ([`CredentialHasher`]). A leaf: it imports no other
//! module of the crate, so the API, the plugin host and the SSH client can share these
//! types without importing each other.

mod credential;
mod profile;
mod target;

pub use credential::{CredentialHasher, HASH_KEY_LEN};
pub use profile::ProfileSpec;
pub use target::{Auth, Secret, Target};
