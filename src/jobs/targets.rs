//! `security.allowed_targets` applied: which addresses a job may connect to. The API asks at
//! submit (403 naming the rule) and the runner asks again just before it connects, because a
//! name's addresses may change between the two; the connection then goes to the address that
//! was checked, so a DNS answer that changes in between cannot redirect it.
//!
//! A rule is a CIDR block or a hostname glob ([`Rule`]). A name matching a glob is allowed
//! whatever it resolves to; any other target is resolved (within [`RESOLVE_TIMEOUT`]) and
//! every address it resolves to must be inside a CIDR rule. An empty list allows everything
//! and resolves nothing, so the default costs the hot path nothing.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::config::cidr::canonical;
use crate::config::targets::Rule;
use crate::ssh::Target;

/// Longest a name resolution for the check may take: a resolver that does not answer within
/// it would not let the connection start in time either.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Most addresses of one name checked: every one must be allowed, and a name with more is
/// not a device.
const MAX_ADDRESSES: usize = 64;

/// Why a target was refused; the message names the rule (`security.allowed_targets`) and
/// the address at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The allow-list in force, replaced whole on a config reload. Cheap to clone.
#[derive(Clone, Default)]
pub struct AllowedTargets {
    rules: Arc<RwLock<Arc<Vec<Rule>>>>,
}

impl AllowedTargets {
    /// A list from config entries; entries that do not parse are skipped (the config
    /// validator refuses them before they get here).
    pub fn new(entries: &[String]) -> Self {
        let list = Self::default();
        list.set(entries);
        list
    }

    /// Replaces the list (live reload).
    pub fn set(&self, entries: &[String]) {
        let rules: Vec<Rule> = entries.iter().filter_map(|e| Rule::parse(e).ok()).collect();
        *self
            .rules
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(rules);
    }

    fn current(&self) -> Arc<Vec<Rule>> {
        self.rules
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Whether any rule is set (otherwise every target is allowed).
    pub fn is_active(&self) -> bool {
        !self.current().is_empty()
    }

    /// Checks where `target` connects. `Ok(None)`: allowed, dial as the target says (no list,
    /// or a name a glob allows). `Ok(Some(addr))`: allowed, dial exactly `addr`, the address
    /// that was checked.
    pub async fn check(&self, target: &Target) -> Result<Option<SocketAddr>, Refused> {
        let rules = self.current();
        if rules.is_empty() {
            return Ok(None);
        }
        let host = target.dial_host();
        if rules.iter().any(|r| r.allows_name(host)) {
            return Ok(None);
        }
        let addresses = resolve(host, target.port).await.map_err(|why| {
            Refused(format!(
                "security.allowed_targets: cannot check {host}: {why}; the target is refused"
            ))
        })?;
        for addr in &addresses {
            if !rules.iter().any(|r| r.allows_ip(addr.ip())) {
                let ip = canonical(addr.ip());
                let via = if host.parse::<IpAddr>().is_ok() {
                    String::new()
                } else {
                    format!(" ({host} resolves to it)")
                };
                return Err(Refused(format!(
                    "security.allowed_targets: {ip}{via} is outside every rule ({}); the target is refused",
                    list(&rules)
                )));
            }
        }
        Ok(addresses.first().copied())
    }
}

fn list(rules: &[Rule]) -> String {
    rules
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The addresses `host` resolves to (an address literal is itself, without a lookup).
async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let found = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| {
            format!(
                "name resolution took longer than {}s",
                RESOLVE_TIMEOUT.as_secs()
            )
        })?
        .map_err(|e| format!("the name does not resolve ({e})"))?;
    let addresses: Vec<SocketAddr> = found.take(MAX_ADDRESSES + 1).collect();
    if addresses.is_empty() {
        return Err("the name resolves to no address".into());
    }
    if addresses.len() > MAX_ADDRESSES {
        return Err(format!(
            "the name resolves to more than {MAX_ADDRESSES} addresses"
        ));
    }
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh::{Auth, Secret};

    fn target(host: &str) -> Target {
        Target {
            host: host.into(),
            port: 22,
            connect_addr: None,
            username: "u".into(),
            auth: Auth::Password(Secret::new("p")),
        }
    }

    #[tokio::test]
    async fn empty_list_allows_without_resolving() {
        let list = AllowedTargets::default();
        assert_eq!(list.check(&target("no-such-name.invalid")).await, Ok(None));
    }

    #[tokio::test]
    async fn addresses_are_checked_and_refusals_name_the_rule() {
        let list = AllowedTargets::new(&["127.0.0.0/8".into(), "*.lab".into()]);
        assert!(
            list.check(&target("127.0.0.1"))
                .await
                .expect("allowed")
                .is_some()
        );
        assert_eq!(list.check(&target("r1.lab")).await, Ok(None));
        let refused = list
            .check(&target("169.254.169.254"))
            .await
            .expect_err("refused");
        assert!(refused.0.contains("security.allowed_targets"), "{refused}");
        assert!(refused.0.contains("169.254.169.254"), "{refused}");
        let mapped = list
            .check(&target("::ffff:10.0.0.1"))
            .await
            .expect_err("v4 in v6");
        assert!(mapped.0.contains("10.0.0.1"), "{mapped}");
        let unresolved = list.check(&target("no-such-name.invalid")).await;
        assert!(unresolved.is_err());
        list.set(&[]);
        assert_eq!(list.check(&target("169.254.169.254")).await, Ok(None));
    }
}
