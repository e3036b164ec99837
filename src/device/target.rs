//! Who to connect to, and the secrets to log in with, wrapped so they cannot leak through
//! `Debug`, `Display` or serde.

use std::fmt;

/// A secret string (password, enable secret, private key). Its `Debug` prints `<redacted>`
/// and it has no `Display` and no `Serialize`, so it cannot reach a log line or a response.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that sends it to the device.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How to log in.
#[derive(Clone, Debug)]
pub enum Auth {
    /// Password authentication.
    Password(Secret),
    /// Public-key authentication with an OpenSSH or PEM private key (text).
    Key {
        /// The private key text.
        pem: Secret,
        /// Passphrase when the key is encrypted.
        passphrase: Option<Secret>,
    },
}

/// A device to connect to. Identified by host and port (and the connect address when it
/// differs), never by the host string alone.
#[derive(Clone, Debug)]
pub struct Target {
    /// The device's name or address, as the request gave it; used for known_hosts.
    pub host: String,
    /// SSH port.
    pub port: u16,
    /// Address to connect to when it differs from `host` (NetPulse's `ip`).
    pub connect_addr: Option<String>,
    /// Login name.
    pub username: String,
    /// Credentials.
    pub auth: Auth,
}

impl Target {
    /// `host:port`, as every error names the device.
    pub fn label(&self) -> String {
        match &self.connect_addr {
            Some(addr) if addr != &self.host => format!("{}:{} ({addr})", self.host, self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }

    /// The address the TCP connection goes to.
    pub fn dial_host(&self) -> &str {
        self.connect_addr.as_deref().unwrap_or(&self.host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let target = Target {
            host: "r1".into(),
            port: 22,
            connect_addr: None,
            username: "admin".into(),
            auth: Auth::Password(Secret::new("hunter2")),
        };
        let text = format!("{target:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("<redacted>"));
    }
}
