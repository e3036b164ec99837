//! Login backoff per device: after an authentication failure, no new login to that device
//! (host, port, connect address) for a while, growing with each failure.
//!
//! Keyed by the device, never by the credentials: keyed by a credential digest, a caller
//! trying a new password each time (`POST /device/test` in a loop) would meet a fresh entry
//! every time and could guess at line rate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{Error, Target};

/// Longest a device is left alone after repeated authentication failures.
pub const MAX_AUTH_BACKOFF: Duration = Duration::from_secs(60);
/// Devices remembered at once. Entries expire `MAX_AUTH_BACKOFF` after their backoff ends,
/// so this only binds when a caller fails logins to this many devices within a minute;
/// then the entry whose backoff ends first is forgotten.
pub const MAX_TRACKED_DEVICES: usize = 65_536;

/// Where a login goes: what one backoff entry covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceId {
    /// Device host.
    pub host: String,
    /// Device port.
    pub port: u16,
    /// Connect address when it differs from the host.
    pub connect_addr: Option<String>,
}

impl DeviceId {
    /// The device `target` logs in to.
    pub fn of(target: &Target) -> Self {
        Self {
            host: target.host.clone(),
            port: target.port,
            connect_addr: target.connect_addr.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    until: Instant,
}

/// The backoff table. Cheap to clone; clones share it.
#[derive(Clone, Default)]
pub struct Backoff {
    devices: Arc<Mutex<HashMap<DeviceId, Entry>>>,
}

impl Backoff {
    fn lock(&self) -> MutexGuard<'_, HashMap<DeviceId, Entry>> {
        self.devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err` (an authentication error, as the device's last answer was) while `device` is
    /// backed off.
    pub fn check(&self, device: &DeviceId, user: &str) -> Result<(), Error> {
        let now = Instant::now();
        match self.lock().get(device) {
            Some(e) if now < e.until => Err(Error::Auth {
                target: format!("{}:{}", device.host, device.port),
                user: user.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Records how a login to `device` ended: an authentication failure lengthens its
    /// backoff, a success clears it, anything else leaves it alone.
    pub fn record<T>(&self, device: &DeviceId, result: &Result<T, Error>) {
        match result {
            Ok(_) => {
                self.lock().remove(device);
            }
            Err(Error::Auth { user, .. }) => {
                let now = Instant::now();
                let mut map = self.lock();
                if map.len() >= MAX_TRACKED_DEVICES && !map.contains_key(device) {
                    prune(&mut map, now);
                }
                let entry = map.entry(device.clone()).or_insert(Entry {
                    failures: 0,
                    until: now,
                });
                entry.failures = entry.failures.saturating_add(1);
                let backoff = Duration::from_secs(1 << entry.failures.min(6)).min(MAX_AUTH_BACKOFF);
                entry.until = now + backoff;
                tracing::warn!(target: "netpulse::ssh", device = %device.host, port = device.port, %user, backoff_secs = backoff.as_secs(), "authentication failed; backing off this device");
            }
            Err(_) => {}
        }
    }

    /// Runs `login` unless `device` is backed off, and records how it ended.
    pub async fn guard<T>(
        &self,
        device: &DeviceId,
        user: &str,
        login: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        self.check(device, user)?;
        let result = login.await;
        self.record(device, &result);
        result
    }

    /// Devices currently tracked (for tests and stats).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no device is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Forgets entries long expired; if the table is still full, the one ending first.
fn prune(map: &mut HashMap<DeviceId, Entry>, now: Instant) {
    map.retain(|_, e| e.until + MAX_AUTH_BACKOFF > now);
    if map.len() >= MAX_TRACKED_DEVICES
        && let Some(first) = map
            .iter()
            .min_by_key(|(_, e)| e.until)
            .map(|(k, _)| k.clone())
    {
        map.remove(&first);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn auth_error() -> Result<(), Error> {
        Err(Error::Auth {
            target: "r1:22".into(),
            user: "admin".into(),
        })
    }

    #[test]
    fn a_failure_backs_off_the_device_whatever_the_password() {
        let b = Backoff::default();
        let id = DeviceId {
            host: "r1".into(),
            port: 22,
            connect_addr: None,
        };
        assert!(b.check(&id, "admin").is_ok());
        b.record(&id, &auth_error());
        assert!(matches!(b.check(&id, "other"), Err(Error::Auth { .. })));
        let other_port = DeviceId {
            port: 2222,
            ..id.clone()
        };
        assert!(
            b.check(&other_port, "admin").is_ok(),
            "another device is not affected"
        );
        b.record(&id, &Ok(()));
        assert!(
            b.check(&id, "admin").is_ok(),
            "a success clears the backoff"
        );
    }
}
