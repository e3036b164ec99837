//! Long-lived sessions, pooled per device under a global cap.
//!
//! deadpool pools one kind of object per pool and has no global cap with cross-device
//! eviction, so this is the thin layer it lacks: per-device slots bounded by
//! `max_connections_per_device` (grown and shrunk adaptively), a global cap `max_size` where
//! a waiter gets the least-recently-used idle session of another device closed for it, a
//! reaper for idle sessions and keepalive nudges, and per-device backoff after an
//! authentication failure ([`super::backoff`]) so a wrong password cannot become a
//! connection storm.
//!
//! Counters taken for a caller (`connecting`, `waiters`) are held by drop guards: a job that
//! times out or is cancelled mid-acquire gives them back like one that finishes.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::Error;
use super::backoff::Backoff;
use super::pool_stats::Counters;
pub use super::pool_stats::Stats;
pub use super::session::{Key, Session, credential_digest};

/// Live-tunable pool bounds (config reload changes them without a restart).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Sessions across all devices.
    pub max_size: usize,
    /// Idle sessions kept warm even when unused.
    pub min_size: usize,
    /// Sessions per device.
    pub per_device: usize,
    /// Idle time after which a session is closed.
    pub max_idle: Duration,
    /// Interval of keepalive nudges on idle CLI sessions.
    pub keepalive: Duration,
    /// Wait for a slot before giving up (becomes the job's queue time).
    pub acquire_timeout: Duration,
    /// Adaptive sizing on/off.
    pub adaptive: bool,
    /// Grow a device's cap above this utilisation when requests wait.
    pub expand_above: f64,
    /// Shrink a device's cap below this utilisation.
    pub shrink_below: f64,
}

struct Idle {
    session: Session,
    since: Instant,
}

#[derive(Default)]
struct Device {
    idle: VecDeque<Idle>,
    active: usize,
    connecting: usize,
    waiters: usize,
    /// Adaptive cap, between 1 and `per_device`.
    cap: usize,
    last_used: Option<Instant>,
}

impl Device {
    fn open(&self) -> usize {
        self.idle.len() + self.active + self.connecting
    }
}

struct State {
    devices: HashMap<Key, Device>,
    settings: Settings,
}

impl State {
    fn total(&self) -> usize {
        self.devices.values().map(Device::open).sum()
    }
}

/// The session pool. Cheap to clone.
#[derive(Clone)]
pub struct Pool {
    state: Arc<Mutex<State>>,
    freed: Arc<Notify>,
    counters: Arc<Counters>,
    backoff: Backoff,
}

/// A session lent out. Give it back with [`Lease::release`] (healthy) or drop it
/// (discarded): after any error the session must never be reused.
pub struct Lease {
    pool: Pool,
    key: Key,
    session: Option<Session>,
    /// Whether the session came from the pool rather than a new connection.
    pub reused: bool,
    /// Time spent connecting (zero when reused).
    pub connect_time: Duration,
    /// Time spent waiting for a slot.
    pub wait_time: Duration,
}

/// What to do about a slot, decided under the lock.
enum Step {
    Reuse(Session),
    Connect,
    Evict(Session),
    Wait,
}

/// A `connecting` count taken for one caller; given back when dropped, however the
/// caller's future ends.
struct Connecting<'a> {
    pool: &'a Pool,
    key: &'a Key,
}

impl Drop for Connecting<'_> {
    fn drop(&mut self) {
        let mut state = self.pool.lock();
        if let Some(device) = state.devices.get_mut(self.key) {
            device.connecting = device.connecting.saturating_sub(1);
        }
        drop(state);
        self.pool.freed.notify_one();
    }
}

/// Whether one caller is counted in its device's `waiters`; uncounts it when dropped.
struct Waiting<'a> {
    pool: &'a Pool,
    key: &'a Key,
    counted: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.counted
            && let Some(device) = self.pool.lock().devices.get_mut(self.key)
        {
            device.waiters = device.waiters.saturating_sub(1);
        }
    }
}

impl Pool {
    /// An empty pool with `settings`.
    pub fn new(settings: Settings) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                devices: HashMap::new(),
                settings,
            })),
            freed: Arc::new(Notify::new()),
            counters: Arc::new(Counters::default()),
            backoff: Backoff::default(),
        }
    }

    /// The per-device login backoff; every login to a device (pooled or `/device/test`)
    /// goes through it.
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies new bounds live; sessions above a lowered cap close as they come back.
    pub fn apply(&self, settings: Settings) {
        self.lock().settings = settings;
        self.freed.notify_waiters();
    }

    /// Lends a session for `key`: an idle one when there is one, else a new one from
    /// `connect` when the per-device and global caps allow, else waits up to the acquire
    /// timeout. A waiter at the global cap gets another device's least-recently-used idle
    /// session closed for it.
    pub async fn acquire<F, Fut>(&self, key: &Key, connect: F) -> Result<Lease, Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Session, Error>>,
    {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let limit = self.lock().settings.acquire_timeout;
        let deadline = started + limit;
        let mut waiting = Waiting {
            pool: self,
            key,
            counted: false,
        };
        loop {
            let notified = self.freed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let step = self.decide(key, &mut waiting.counted);
            match step {
                Step::Reuse(session) => {
                    self.counters.reused.fetch_add(1, Ordering::Relaxed);
                    return Ok(self.lease(key, session, true, Duration::ZERO, started.elapsed()));
                }
                Step::Evict(victim) => {
                    self.counters.evictions.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(device = %key.host, "closing another device's idle session to make room");
                    // Awaited (it is bounded): the device side never sees more than
                    // `max_size` connections at once.
                    victim.close().await;
                    continue;
                }
                Step::Connect => {
                    let slot = Connecting { pool: self, key };
                    let wait = started.elapsed();
                    let connect_started = Instant::now();
                    let result = connect().await;
                    return self.connected(slot, result, connect_started.elapsed(), wait);
                }
                Step::Wait => {
                    if tokio::time::timeout_at(deadline.into(), notified)
                        .await
                        .is_err()
                    {
                        return Err(Error::Timeout {
                            target: format!("{}:{}", key.host, key.port),
                            what: "waiting for a free session".into(),
                            secs: limit.as_secs_f64(),
                        });
                    }
                }
            }
        }
    }

    /// Picks the next step for `key` under the lock. `waiting` says whether the caller is
    /// counted in the device's `waiters`; it is uncounted here whenever the step is not a wait.
    fn decide(&self, key: &Key, waiting: &mut bool) -> Step {
        let mut state = self.lock();
        let settings = state.settings.clone();
        let total = state.total();
        let device = state.devices.entry(key.clone()).or_insert_with(|| Device {
            cap: if settings.adaptive {
                1
            } else {
                settings.per_device
            },
            ..Device::default()
        });
        // Most recently returned first: it is the warmest, and the rest can age out.
        while let Some(idle) = device.idle.pop_back() {
            if idle.session.is_broken() {
                continue;
            }
            device.active += 1;
            device.last_used = Some(Instant::now());
            if std::mem::take(waiting) {
                device.waiters = device.waiters.saturating_sub(1);
            }
            return Step::Reuse(idle.session);
        }
        let cap = device.cap.min(settings.per_device).max(1);
        let open = device.open();
        let can_grow = settings.adaptive
            && device.cap < settings.per_device
            && (device.waiters > 0 || open >= cap)
            && utilization(device.active + device.connecting, cap) > settings.expand_above;
        if open >= cap && can_grow {
            device.cap += 1;
            self.counters.grows.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(device = %key.host, cap = device.cap, "pool grows");
        }
        let cap = device.cap.min(settings.per_device).max(1);
        if open < cap {
            if total < settings.max_size {
                device.connecting += 1;
                device.last_used = Some(Instant::now());
                if std::mem::take(waiting) {
                    device.waiters = device.waiters.saturating_sub(1);
                }
                return Step::Connect;
            }
            // Global cap reached: close the least-recently-used idle session elsewhere.
            if let Some(victim) = take_lru_idle(&mut state, key) {
                return Step::Evict(victim);
            }
        }
        let device = state.devices.entry(key.clone()).or_default();
        if !*waiting {
            device.waiters += 1;
            *waiting = true;
        }
        Step::Wait
    }

    /// Turns the `connecting` slot into an active session, or gives it back on failure.
    fn connected(
        &self,
        slot: Connecting<'_>,
        result: Result<Session, Error>,
        connect_time: Duration,
        wait: Duration,
    ) -> Result<Lease, Error> {
        let key = slot.key;
        match result {
            Ok(session) => {
                // The slot becomes `active` under one lock, so the total never dips.
                std::mem::forget(slot);
                let mut state = self.lock();
                let device = state.devices.entry(key.clone()).or_default();
                device.connecting = device.connecting.saturating_sub(1);
                device.active += 1;
                drop(state);
                self.counters.connects.fetch_add(1, Ordering::Relaxed);
                self.counters
                    .wait_micros
                    .fetch_add(wait.as_micros() as u64, Ordering::Relaxed);
                Ok(self.lease(key, session, false, connect_time, wait))
            }
            Err(e) => {
                drop(slot);
                Err(e)
            }
        }
    }

    fn lease(
        &self,
        key: &Key,
        session: Session,
        reused: bool,
        connect_time: Duration,
        wait_time: Duration,
    ) -> Lease {
        Lease {
            pool: self.clone(),
            key: key.clone(),
            session: Some(session),
            reused,
            connect_time,
            wait_time,
        }
    }

    fn give_back(&self, key: &Key, session: Option<Session>) {
        let mut state = self.lock();
        let per_device = state.settings.per_device;
        let max_size = state.settings.max_size;
        let keep_none = state.settings.max_idle.is_zero();
        let total = state.total();
        let device = state.devices.entry(key.clone()).or_default();
        device.active = device.active.saturating_sub(1);
        let mut to_close = None;
        if let Some(session) = session {
            let cap = per_device.min(device.cap).max(1);
            // max_idle_time 0 means "never keep a session": connect per command.
            if session.is_broken() || device.open() >= cap || total > max_size || keep_none {
                to_close = Some(session);
            } else {
                device.idle.push_back(Idle {
                    session,
                    since: Instant::now(),
                });
            }
        }
        drop(state);
        self.freed.notify_one();
        if let Some(session) = to_close {
            spawn_close(session);
        }
    }

    /// Figures for stats and metrics.
    pub fn stats(&self) -> Stats {
        let state = self.lock();
        let mut s = Stats::default();
        for d in state.devices.values() {
            s.total += d.open();
            s.active += d.active + d.connecting;
            s.idle += d.idle.len();
            s.waiters += d.waiters;
            if d.open() > 0 || d.waiters > 0 {
                s.devices += 1;
            }
        }
        s.utilization = utilization(s.total, state.settings.max_size);
        drop(state);
        let c = &self.counters;
        s.requests = c.requests.load(Ordering::Relaxed);
        s.reused = c.reused.load(Ordering::Relaxed);
        s.connects = c.connects.load(Ordering::Relaxed);
        s.evictions = c.evictions.load(Ordering::Relaxed);
        s.grows = c.grows.load(Ordering::Relaxed);
        s.shrinks = c.shrinks.load(Ordering::Relaxed);
        s.wait_seconds = c.wait_micros.load(Ordering::Relaxed) as f64 / 1e6;
        s
    }

    /// One reaper pass: close sessions idle past `max_idle` (keeping `min_size` warm, most
    /// recently used devices first), shrink under-used devices, nudge the rest so device
    /// exec-timeouts never close them. Returns how many sessions it closed.
    pub async fn reap(&self) -> usize {
        let now = Instant::now();
        let mut closing = Vec::new();
        let mut nudging = Vec::new();
        {
            let mut state = self.lock();
            let settings = state.settings.clone();
            let mut idle_total: usize = state.devices.values().map(|d| d.idle.len()).sum();
            // Oldest-used devices first, so the warm `min_size` stay with the recent ones.
            let mut keys: Vec<(Option<Instant>, Key)> = state
                .devices
                .iter()
                .map(|(k, d)| (d.last_used, k.clone()))
                .collect();
            keys.sort_by_key(|(t, _)| *t);
            for (_, key) in keys {
                let Some(device) = state.devices.get_mut(&key) else {
                    continue;
                };
                let mut keep = VecDeque::with_capacity(device.idle.len());
                for idle in device.idle.drain(..) {
                    let expired = now.duration_since(idle.since) >= settings.max_idle;
                    if idle.session.is_broken() || (expired && idle_total > settings.min_size) {
                        idle_total = idle_total.saturating_sub(1);
                        closing.push(idle.session);
                    } else {
                        keep.push_back(idle);
                    }
                }
                device.idle = keep;
                if settings.adaptive
                    && device.cap > 1
                    && utilization(device.active, device.cap) < settings.shrink_below
                    && device.waiters == 0
                {
                    device.cap -= 1;
                    self.counters.shrinks.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(device = %key.host, cap = device.cap, "pool shrinks");
                    if device.open() > device.cap
                        && let Some(oldest) = device.idle.pop_front()
                    {
                        closing.push(oldest.session);
                    }
                }
                let due: Vec<usize> = device
                    .idle
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| now.duration_since(i.since) >= settings.keepalive)
                    .map(|(n, _)| n)
                    .collect();
                for n in due.into_iter().rev() {
                    if let Some(idle) = device.idle.remove(n) {
                        nudging.push((key.clone(), idle));
                    }
                }
            }
            state.devices.retain(|_, d| d.open() > 0 || d.waiters > 0);
        }
        let closed = closing.len();
        // Closes run on their own (each bounded): one device that stopped reading must not
        // hold the reaper, or the nudges of every other device behind it.
        for session in closing {
            spawn_close(session);
        }
        // Nudges run together, each bounded by HOUSEKEEPING_TIMEOUT, no lock held.
        let mut nudges = tokio::task::JoinSet::new();
        for (key, mut idle) in nudging {
            nudges.spawn(async move {
                let alive = idle.session.nudge().await;
                (key, idle, alive)
            });
        }
        while let Some(done) = nudges.join_next().await {
            let Ok((key, mut idle, alive)) = done else {
                continue;
            };
            if alive {
                idle.since = Instant::now();
                let mut state = self.lock();
                state.devices.entry(key).or_default().idle.push_back(idle);
            } else {
                spawn_close(idle.session);
            }
        }
        if closed > 0 {
            self.freed.notify_waiters();
        }
        closed
    }

    /// Runs [`Pool::reap`] every `every` until the returned handle is aborted.
    pub fn spawn_reaper(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let pool = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                pool.reap().await;
            }
        })
    }
}

fn take_lru_idle(state: &mut State, except: &Key) -> Option<Session> {
    let (key, pos) = state
        .devices
        .iter()
        .filter(|(k, _)| *k != except)
        .flat_map(|(k, d)| {
            d.idle
                .iter()
                .enumerate()
                .map(move |(i, idle)| (k, i, idle.since))
        })
        .min_by_key(|(_, _, since)| *since)
        .map(|(k, i, _)| (k.clone(), i))?;
    state
        .devices
        .get_mut(&key)
        .and_then(|d| d.idle.remove(pos))
        .map(|idle| idle.session)
}

/// Closes `session` on its own task (each close is bounded by
/// [`super::write::HOUSEKEEPING_TIMEOUT`]); nothing to do once the runtime is gone.
fn spawn_close(session: Session) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(session.close());
    }
}

fn utilization(used: usize, cap: usize) -> f64 {
    if cap == 0 {
        1.0
    } else {
        used as f64 / cap as f64
    }
}

impl Lease {
    /// The session, for running commands.
    pub fn session(&mut self) -> &mut Session {
        // Invariant: `session` is only taken by `release`/`discard`, which consume the lease.
        self.session
            .as_mut()
            .expect("a lease holds its session until released")
    }

    /// Returns a healthy session to the pool for reuse.
    pub fn release(mut self) {
        let session = self.session.take();
        self.pool.give_back(&self.key, session);
    }

    /// Closes the session instead of returning it (after any error).
    pub fn discard(mut self) {
        if let Some(session) = self.session.take() {
            spawn_close(session);
        }
        self.pool.give_back(&self.key, None);
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Dropped without release (an error path or a cancelled job): never reuse it.
        if let Some(session) = self.session.take() {
            spawn_close(session);
            self.pool.give_back(&self.key, None);
        }
    }
}
