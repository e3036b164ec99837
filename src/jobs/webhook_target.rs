//! Where a webhook may go, and how many deliveries may be under way.
//!
//! A webhook URL is chosen by whoever holds an API key, and the gateway connects to it from
//! inside the network: without a rule it would probe link-local services (the cloud metadata
//! endpoint hands out credentials), or post into its own API. The destination is resolved
//! and every address checked at submit (a 422) and again before each delivery attempt, since
//! a name can resolve elsewhere later; the attempt then connects to the address it checked,
//! never to the name.
//!
//! The rule, per address (IPv4-mapped IPv6 checked as the IPv4 address it carries):
//! 1. the gateway's own listener (address and port) is refused, always;
//! 2. among the `webhooks.allow` / `webhooks.deny` entries containing it, the most specific
//!    decides, deny winning a tie;
//! 3. with none: link-local (169.254.0.0/16, fe80::/10), the metadata addresses in
//!    [`METADATA`] and unspecified / multicast / broadcast addresses are refused, anything
//!    else is allowed (loopback relays are a normal set-up).
//!
//! Deliveries are bounded: at most [`MAX_IN_FLIGHT`] connect at once and at most
//! [`MAX_PENDING`] wait or run; past that a delivery is dropped, logged and counted
//! (`netpulse_webhooks_dropped_total`), so a burst of jobs answered by the cache cannot
//! spawn unbounded tasks.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::webhook::{Invalid, Webhook};
use crate::config::Config;
use crate::config::cidr::{Cidr, canonical};
use crate::metrics::Metrics;

/// Deliveries connecting or waiting for an answer at once: enough for a burst of batch ends,
/// few enough that dead receivers cannot take a large share of the descriptors.
pub const MAX_IN_FLIGHT: usize = 64;

/// Deliveries running or queued for a slot. Each holds only its webhook and the job id until
/// it runs, so this bounds memory as well as tasks.
pub const MAX_PENDING: usize = 4096;

/// Longest wait for a name to resolve; the system resolver has its own retries.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Most addresses of one name that are checked (and tried): a name with more is unusual and
/// checking them all would only cost time.
const MAX_ADDRESSES: usize = 16;

/// Cloud metadata endpoints outside link-local: AWS IPv6, Alibaba Cloud.
pub const METADATA: &[&str] = &["fd00:ec2::254/128", "100.100.100.200/32"];

/// Why a destination was refused, or could not be resolved.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The allow / deny lists and the gateway's own listener.
#[derive(Debug, Default)]
struct Policy {
    allow: Vec<Cidr>,
    deny: Vec<Cidr>,
    /// From `server.listen`, and the address actually bound.
    own: Vec<SocketAddr>,
}

impl Policy {
    fn from_config(config: &Config, bound: &[SocketAddr]) -> Self {
        // The lists were validated with the config; an entry that does not parse is skipped.
        let parse = |list: &[String]| list.iter().filter_map(|c| Cidr::parse(c).ok()).collect();
        let mut own: Vec<SocketAddr> = config.server.listen.parse().into_iter().collect();
        own.extend_from_slice(bound);
        Self {
            allow: parse(&config.webhooks.allow),
            deny: parse(&config.webhooks.deny),
            own,
        }
    }

    fn check(&self, addr: SocketAddr) -> Result<(), Refused> {
        let ip = canonical(addr.ip());
        if self.own.iter().any(|own| is_own(*own, ip, addr.port())) {
            return Err(Refused(format!("{addr} is the gateway's own API listener")));
        }
        let best = |list: &[Cidr]| {
            list.iter()
                .filter(|c| c.contains(ip))
                .max_by_key(|c| c.prefix())
                .copied()
        };
        match (best(&self.allow), best(&self.deny)) {
            (allow, Some(deny)) if allow.is_none_or(|a| a.prefix() <= deny.prefix()) => {
                Err(Refused(format!("{addr} is in webhooks.deny ({deny})")))
            }
            (Some(_), _) => Ok(()),
            _ => match reserved(ip) {
                Some(kind) => Err(Refused(format!(
                    "{addr} is {kind}; list it in webhooks.allow to deliver there"
                ))),
                None => Ok(()),
            },
        }
    }
}

/// Whether `ip:port` reaches the listener bound at `own`.
fn is_own(own: SocketAddr, ip: IpAddr, port: u16) -> bool {
    if own.port() != port {
        return false;
    }
    let own_ip = canonical(own.ip());
    if own_ip.is_unspecified() {
        // Bound to every address: any address of this host reaches it. Binding a UDP socket
        // to an address succeeds only for a local one (no packet is sent).
        return ip.is_loopback()
            || ip.is_unspecified()
            || std::net::UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok();
    }
    own_ip == ip || ip.is_unspecified()
}

/// The kind of an address refused by default, if it is one.
fn reserved(ip: IpAddr) -> Option<&'static str> {
    if METADATA
        .iter()
        .filter_map(|c| Cidr::parse(c).ok())
        .any(|c| c.contains(ip))
    {
        return Some("a cloud metadata address");
    }
    match ip {
        IpAddr::V4(v4) => reserved_v4(v4),
        IpAddr::V6(v6) => {
            if (v6.segments()[0] & 0xffc0) == 0xfe80 {
                return Some("a link-local address");
            }
            if v6.is_unspecified() || v6.is_multicast() {
                return Some("not a unicast address");
            }
            // NAT64 (64:ff9b::/96) carries an IPv4 address a gateway translates to.
            let s = v6.segments();
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|x| *x == 0) {
                let o = v6.octets();
                return reserved_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            }
            None
        }
    }
}

fn reserved_v4(v4: Ipv4Addr) -> Option<&'static str> {
    if v4.is_link_local() {
        Some("a link-local address (169.254.0.0/16, where cloud metadata lives)")
    } else if v4.octets()[0] == 0 || v4.is_multicast() || v4.is_broadcast() {
        Some("not a unicast address")
    } else {
        None
    }
}

/// Webhook destinations and delivery slots, shared by every job and batch. Cheap to clone.
#[derive(Clone)]
pub struct Deliveries {
    inner: Arc<Inner>,
}

struct Inner {
    policy: RwLock<Arc<Policy>>,
    /// Addresses the API listener was bound to (kept across reloads).
    bound: RwLock<Vec<SocketAddr>>,
    config: RwLock<Arc<Config>>,
    slots: Arc<Semaphore>,
    pending: AtomicUsize,
    metrics: Metrics,
}

impl std::fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deliveries(..)")
    }
}

impl Deliveries {
    /// The policy of `config` (`webhooks.*`, `server.listen`).
    pub fn new(config: Arc<Config>, metrics: Metrics) -> Self {
        let policy = Policy::from_config(&config, &[]);
        Self {
            inner: Arc::new(Inner {
                policy: RwLock::new(Arc::new(policy)),
                bound: RwLock::new(Vec::new()),
                config: RwLock::new(config),
                slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
                pending: AtomicUsize::new(0),
                metrics,
            }),
        }
    }

    /// Applies a reloaded config's lists.
    pub fn apply(&self, config: Arc<Config>) {
        *write(&self.inner.config) = config;
        self.rebuild();
    }

    /// Records the address the API listener is bound to (its port may have been 0).
    pub fn listening_on(&self, addr: SocketAddr) {
        write(&self.inner.bound).push(addr);
        self.rebuild();
    }

    fn rebuild(&self) {
        let config = read(&self.inner.config).clone();
        let bound = read(&self.inner.bound).clone();
        *write(&self.inner.policy) = Arc::new(Policy::from_config(&config, &bound));
    }

    /// Resolves `hook`'s host and checks every address: the addresses to connect to, in
    /// the resolver's order.
    pub async fn resolve(&self, hook: &Webhook) -> Result<Vec<SocketAddr>, Refused> {
        let lookup = tokio::net::lookup_host(hook.authority.as_str());
        let addrs: Vec<SocketAddr> = match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
            Ok(Ok(addrs)) => addrs.take(MAX_ADDRESSES).collect(),
            Ok(Err(e)) => {
                return Err(Refused(format!("cannot resolve {}: {e}", hook.authority)));
            }
            Err(_) => {
                return Err(Refused(format!(
                    "{} did not resolve within {}s",
                    hook.authority,
                    RESOLVE_TIMEOUT.as_secs()
                )));
            }
        };
        if addrs.is_empty() {
            return Err(Refused(format!("{} has no address", hook.authority)));
        }
        let policy = read(&self.inner.policy).clone();
        // One refused address refuses the name: a resolver answering with a metadata address
        // among good ones is not to be trusted with the order.
        for addr in &addrs {
            policy.check(*addr)?;
        }
        Ok(addrs)
    }

    /// The submit-time check: a 422 naming `webhook.url` and why.
    pub async fn admit(&self, hook: &Webhook) -> Result<(), Invalid> {
        self.resolve(hook).await.map(drop).map_err(|e| Invalid {
            field: "url",
            message: e.0,
        })
    }

    /// Runs `delivery` when a slot is free, or drops it (logged and counted) when
    /// [`MAX_PENDING`] are already waiting or running. `what` names it in the log.
    pub fn dispatch(&self, what: &str, delivery: impl Future<Output = ()> + Send + 'static) {
        let inner = &self.inner;
        if inner
            .pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_PENDING).then_some(n + 1)
            })
            .is_err()
        {
            inner.metrics.webhook_dropped();
            tracing::warn!(%what, max_pending = MAX_PENDING, "webhook dropped: too many deliveries pending");
            return;
        }
        let pending = Pending(self.inner.clone());
        let slots = inner.slots.clone();
        tokio::spawn(async move {
            let _pending = pending;
            // The semaphore is never closed, so acquiring only waits.
            let Ok(_slot) = slots.acquire_owned().await else {
                return;
            };
            delivery.await;
        });
    }

    /// Deliveries waiting or running now.
    pub fn pending(&self) -> usize {
        self.inner.pending.load(Ordering::Relaxed)
    }
}

/// The submit-time check of a bulk's webhooks: the batch's and each device's, each distinct
/// destination resolved once.
pub(super) async fn admit_bulk(
    targets: &Deliveries,
    bulk: &super::batch::BulkSubmission,
) -> Result<(), Invalid> {
    let mut seen = std::collections::HashSet::new();
    let hooks = bulk
        .webhook
        .iter()
        .map(|(hook, _)| hook)
        .chain(bulk.devices.iter().filter_map(|d| d.spec.webhook.as_ref()));
    for hook in hooks {
        if seen.insert(hook.authority.as_str()) {
            targets.admit(hook).await?;
        }
    }
    Ok(())
}

/// Delivers the ended job `id` to `hook` under the bound, and records the outcome on the job.
pub(super) fn announce_job(deps: &super::Deps, id: &str, hook: Webhook) {
    let (store, targets, id) = (deps.store.clone(), deps.webhooks.clone(), id.to_string());
    deps.webhooks.dispatch(&format!("job {id}"), async move {
        let job = match store.get_job(&id).await {
            Ok(Some(row)) => super::Job::from_row(&row),
            _ => return,
        };
        let body = serde_json::to_value(&job).unwrap_or_default();
        let outcome = hook.deliver(&body, &targets).await;
        if let Err(e) = store.set_job_webhook(&id, &outcome.to_string()).await {
            tracing::warn!(job_id = %id, error = %e, "cannot record the webhook outcome");
        }
    });
}

/// Delivers the ended batch `id` (its JSON, `body`) to `hook` under the bound, and records
/// the outcome on the batch.
pub(super) fn announce_batch(
    store: crate::store::Store,
    targets: &Deliveries,
    id: &str,
    hook: Webhook,
    body: serde_json::Value,
) {
    let (recheck, id) = (targets.clone(), id.to_string());
    targets.dispatch(&format!("batch {id}"), async move {
        let outcome = hook.deliver(&body, &recheck).await;
        if let Err(e) = store.set_batch_webhook(&id, &outcome.to_string()).await {
            tracing::warn!(batch_id = %id, error = %e, "cannot record the webhook outcome");
        }
    });
}

/// Releases a pending place however the delivery task ends.
struct Pending(Arc<Inner>);

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A poisoned lock still holds a whole value here (every writer replaces it at once).
fn read<T: Clone>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn policy(allow: &[&str], deny: &[&str]) -> Policy {
        let mut config = Config::default();
        config.server.listen = "127.0.0.1:9000".into();
        config.webhooks.allow = allow.iter().map(|s| s.to_string()).collect();
        config.webhooks.deny = deny.iter().map(|s| s.to_string()).collect();
        Policy::from_config(&config, &["0.0.0.0:9100".parse().unwrap()])
    }

    fn ok(p: &Policy, addr: &str) -> bool {
        p.check(addr.parse().unwrap()).is_ok()
    }

    #[test]
    fn the_default_refuses_link_local_metadata_and_the_gateway_itself() {
        let p = policy(&[], &[]);
        assert!(ok(&p, "127.0.0.1:8080"), "loopback relays stay allowed");
        assert!(ok(&p, "10.1.2.3:80"));
        assert!(ok(&p, "[::1]:8080"));
        for refused in [
            "169.254.169.254:80",
            "[::ffff:169.254.169.254]:80",
            "[fe80::1]:80",
            "[febf::1]:80",
            "[fd00:ec2::254]:80",
            "100.100.100.200:80",
            "[64:ff9b::a9fe:a9fe]:80",
            "0.0.0.0:80",
            "[::]:80",
            "224.0.0.1:80",
            "127.0.0.1:9000",
            "[::ffff:127.0.0.1]:9000",
            "127.0.0.1:9100",
            "[::1]:9100",
        ] {
            assert!(!ok(&p, refused), "{refused} should be refused");
        }
        let why = p.check("169.254.169.254:80".parse().unwrap()).unwrap_err();
        assert!(why.0.contains("webhooks.allow"), "{why}");
    }

    #[tokio::test]
    async fn deliveries_past_the_bound_are_dropped_and_counted() {
        let metrics = Metrics::new();
        let deliveries = Deliveries::new(Arc::new(Config::default()), metrics.clone());
        let gate = Arc::new(tokio::sync::Notify::new());
        let (done_tx, mut done) = tokio::sync::mpsc::unbounded_channel();
        for i in 0..MAX_PENDING + 10 {
            let (gate, done_tx) = (gate.clone(), done_tx.clone());
            let notified = gate.notified_owned();
            deliveries.dispatch(&format!("job {i}"), async move {
                notified.await;
                let _ = done_tx.send(());
            });
        }
        assert_eq!(deliveries.pending(), MAX_PENDING);
        assert!(
            metrics
                .render()
                .contains("netpulse_webhooks_dropped_total 10"),
            "{}",
            metrics.render()
        );
        gate.notify_waiters();
        for _ in 0..MAX_PENDING {
            tokio::time::timeout(Duration::from_secs(30), done.recv())
                .await
                .unwrap()
                .unwrap();
        }
        for _ in 0..1000 {
            if deliveries.pending() == 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(deliveries.pending(), 0, "every place is released");
    }

    #[test]
    fn the_most_specific_entry_decides_and_deny_wins_a_tie() {
        let p = policy(&["169.254.10.0/24"], &["10.0.0.0/8", "127.0.0.0/8"]);
        assert!(ok(&p, "169.254.10.5:80"), "allow re-opens link-local");
        assert!(!ok(&p, "169.254.11.5:80"));
        assert!(!ok(&p, "10.9.9.9:80"));
        assert!(!ok(&p, "127.0.0.1:8080"));
        let p = policy(&["10.1.0.0/16"], &["10.0.0.0/8"]);
        assert!(ok(&p, "10.1.2.3:80"), "the longer prefix wins");
        assert!(!ok(&p, "10.2.0.1:80"));
        let p = policy(&["10.0.0.0/8"], &["10.0.0.0/8"]);
        assert!(!ok(&p, "10.2.0.1:80"), "deny wins a tie");
        let p = policy(&["127.0.0.0/8"], &[]);
        assert!(
            !ok(&p, "127.0.0.1:9000"),
            "allow never re-opens the gateway itself"
        );
    }
}
