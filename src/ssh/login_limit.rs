//! Logins that spare the network: a bound on the SSH logins in flight across this gateway
//! process (`connection_pool.max_concurrent_logins`) and on the rate they start at
//! (`connection_pool.login_rate`).
//!
//! A login reaches more than its device: the TACACS+ or RADIUS server behind a fleet answers
//! every one, and a fleet-wide bulk would otherwise start `max_size` logins in one instant.
//! A login is in flight from its TCP connect until its session is ready for a first command
//! (authenticated and, for the CLI driver, the prompt seen, enable and paging-off done): the
//! whole time the device and its AAA server are busy with it.
//!
//! A login first takes a slot (a FIFO semaphore of `max_concurrent_logins` permits), then,
//! holding it, its turn in a paced schedule (one start every `1 / login_rate` seconds). The
//! slot comes first so that starts stay paced even when many slots free at once, and so that
//! the schedule never runs further ahead than `max_concurrent_logins` turns. Both waits end
//! at the caller's deadline with an error naming the limit, never in a hang. Dropping a
//! waiting login (a cancelled or timed-out job) gives back everything it held; a turn it had
//! reserved is lost, which only makes the pace gentler.
//!
//! The bounds hold per process: gateways on several nodes behind one AAA server each bring
//! their own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::Error;
use crate::config::ConnectionPool;
use crate::config::validate::{MAX_CONCURRENT_LOGINS, MAX_LOGIN_RATE, MIN_LOGIN_RATE};
use crate::metrics::Metrics;

/// The limits in force; a reload replaces them ([`LoginLimit::apply`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoginSettings {
    /// Logins in flight at once (`connection_pool.max_concurrent_logins`).
    pub max_concurrent: usize,
    /// Logins started per second (`connection_pool.login_rate`); `None` is unlimited.
    pub rate: Option<f64>,
}

impl From<&ConnectionPool> for LoginSettings {
    fn from(p: &ConnectionPool) -> Self {
        Self {
            max_concurrent: p.max_concurrent_logins,
            rate: p.login_rate,
        }
    }
}

impl Default for LoginSettings {
    fn default() -> Self {
        Self::from(&ConnectionPool::default())
    }
}

impl LoginSettings {
    /// Within the bounds the config enforces, so a value that skipped validation (a test, a
    /// caller bug) can neither overflow the semaphore nor make a pace of no time or forever.
    fn bounded(self) -> Self {
        Self {
            max_concurrent: self.max_concurrent.clamp(1, MAX_CONCURRENT_LOGINS),
            rate: self
                .rate
                .map(|r| if r.is_nan() { MAX_LOGIN_RATE } else { r })
                .map(|r| r.clamp(MIN_LOGIN_RATE, MAX_LOGIN_RATE)),
        }
    }

    /// Time between two login starts under `rate`.
    fn interval(rate: f64) -> Duration {
        // `rate` is bounded above, so this is a finite, positive number of seconds.
        Duration::from_secs_f64(1.0 / rate)
    }
}

/// How many logins wait and how many are in flight, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginFigures {
    /// Logins waiting for a slot or for their turn.
    pub waiting: usize,
    /// Logins between TCP connect and a ready session.
    pub in_flight: usize,
}

/// The gateway-wide login limiter. Cheap to clone; clones share the limits and counts.
#[derive(Clone)]
pub struct LoginLimit {
    inner: Arc<Inner>,
}

struct Inner {
    /// One permit per login that may be in flight. Permits taken are forgotten at once and
    /// given back by [`Inner::release_slot`], which knows about slots a shrink took away.
    slots: Semaphore,
    state: Mutex<State>,
    /// Logins waiting in [`LoginLimit::acquire`], however far they got.
    waiting: AtomicUsize,
    /// Logins holding a [`LoginPermit`].
    in_flight: AtomicUsize,
    /// Where each login's duration is observed; `None` outside a gateway (tests, tools).
    metrics: Option<Metrics>,
}

struct State {
    settings: LoginSettings,
    /// Slots a shrink took away while they were in use: the next ones released are
    /// dropped instead of given back, until the semaphore matches the new bound.
    owed: usize,
    /// When the next login may start under `settings.rate`.
    next_turn: Option<Instant>,
}

/// Which limit a login waited for, named in its timeout.
enum Limit {
    Slots(usize),
    Rate(f64),
}

impl Default for LoginLimit {
    fn default() -> Self {
        Self::new(LoginSettings::default(), None)
    }
}

impl LoginLimit {
    /// A limiter with `settings`; each login's duration goes to `metrics` when given.
    pub fn new(settings: LoginSettings, metrics: Option<Metrics>) -> Self {
        let settings = settings.bounded();
        Self {
            inner: Arc::new(Inner {
                slots: Semaphore::new(settings.max_concurrent),
                state: Mutex::new(State {
                    settings,
                    owed: 0,
                    next_turn: None,
                }),
                waiting: AtomicUsize::new(0),
                in_flight: AtomicUsize::new(0),
                metrics,
            }),
        }
    }

    /// Applies reloaded limits. A larger bound frees slots at once; a smaller one takes
    /// free slots away now and the rest as logins in flight end (none is interrupted).
    pub fn apply(&self, settings: LoginSettings) {
        let settings = settings.bounded();
        let inner = &self.inner;
        let mut state = inner.lock();
        let (old, new) = (state.settings.max_concurrent, settings.max_concurrent);
        if new > old {
            let repaid = (new - old).min(state.owed);
            state.owed -= repaid;
            inner.slots.add_permits(new - old - repaid);
        } else if new < old {
            let taken = inner.slots.forget_permits(old - new);
            state.owed += old - new - taken;
        }
        state.settings = settings;
    }

    /// The limits in force.
    pub fn settings(&self) -> LoginSettings {
        self.inner.lock().settings
    }

    /// Logins waiting and in flight now.
    pub fn figures(&self) -> LoginFigures {
        LoginFigures {
            waiting: self.inner.waiting.load(Ordering::Relaxed),
            in_flight: self.inner.in_flight.load(Ordering::Relaxed),
        }
    }

    /// Waits for a slot and then for a turn, until `deadline`; the login to `target`
    /// (`host:port`, for the error) is in flight while the returned permit lives. Cancel-safe.
    pub async fn acquire(
        &self,
        target: &str,
        deadline: std::time::Instant,
    ) -> Result<LoginPermit, Error> {
        let started = Instant::now();
        let deadline = Instant::from_std(deadline);
        let _waiting = Count::up(&self.inner.waiting);
        // The semaphore is never closed, so `Ok(Err(_))` cannot come; were it closed, no
        // slot could come before the deadline either.
        let Ok(Ok(permit)) = tokio::time::timeout_at(deadline, self.inner.slots.acquire()).await
        else {
            return Err(self.timed_out(target, started, deadline));
        };
        permit.forget();
        let slot = Slot(self.inner.clone());
        let turn = {
            let mut state = self.inner.lock();
            match state.settings.rate {
                None => None,
                Some(rate) => {
                    let now = Instant::now();
                    let turn = state.next_turn.map_or(now, |t| t.max(now));
                    if turn > deadline {
                        drop(state);
                        return Err(error(target, started, deadline, Limit::Rate(rate)));
                    }
                    let next = turn.checked_add(LoginSettings::interval(rate));
                    state.next_turn = Some(next.unwrap_or(turn));
                    Some(turn)
                }
            }
        };
        if let Some(turn) = turn {
            tokio::time::sleep_until(turn).await;
        }
        self.inner.in_flight.fetch_add(1, Ordering::Relaxed);
        Ok(LoginPermit {
            _slot: slot,
            started: Instant::now(),
        })
    }

    fn timed_out(&self, target: &str, started: Instant, deadline: Instant) -> Error {
        let max = self.inner.lock().settings.max_concurrent;
        error(target, started, deadline, Limit::Slots(max))
    }
}

/// The timeout of a login that waited for `limit` from `started` to `deadline`.
fn error(target: &str, started: Instant, deadline: Instant, limit: Limit) -> Error {
    let what = match limit {
        Limit::Slots(max) => format!(
            "waiting for a login slot (all {max} of connection_pool.max_concurrent_logins in flight)"
        ),
        Limit::Rate(rate) => format!(
            "waiting for a login turn (connection_pool.login_rate: {rate} per second; the next turn comes after the deadline)"
        ),
    };
    Error::Timeout {
        target: target.to_string(),
        what,
        secs: deadline.saturating_duration_since(started).as_secs_f64(),
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn release_slot(&self) {
        let mut state = self.lock();
        if state.owed > 0 {
            state.owed -= 1;
        } else {
            self.slots.add_permits(1);
        }
    }
}

/// A slot taken from the semaphore, given back when dropped.
struct Slot(Arc<Inner>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.release_slot();
    }
}

/// One counted waiter, uncounted when dropped (also when the wait is cancelled).
struct Count<'a>(&'a AtomicUsize);

impl<'a> Count<'a> {
    fn up(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Count<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A login in flight: hold it from the TCP connect until the session is ready. Dropping it
/// ends the login, observes its duration and frees its slot.
pub struct LoginPermit {
    _slot: Slot,
    started: Instant,
}

impl Drop for LoginPermit {
    fn drop(&mut self) {
        // Runs before `_slot` is dropped: the count falls before another login can start.
        let inner = &self._slot.0;
        inner.in_flight.fetch_sub(1, Ordering::Relaxed);
        if let Some(metrics) = &inner.metrics {
            metrics.ssh_login(self.started.elapsed().as_secs_f64());
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn limit(max_concurrent: usize, rate: Option<f64>) -> LoginLimit {
        LoginLimit::new(
            LoginSettings {
                max_concurrent,
                rate,
            },
            None,
        )
    }

    fn after(d: Duration) -> std::time::Instant {
        (Instant::now() + d).into_std()
    }

    /// Runs `n` logins on `limit`, each holding its permit for `hold`, and returns the most
    /// seen in flight at once and the (virtual) instants they started at.
    async fn logins(limit: &LoginLimit, n: usize, hold: Duration) -> (usize, Vec<Instant>) {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..n {
            let (limit, in_flight, most) = (limit.clone(), in_flight.clone(), most.clone());
            tasks.spawn(async move {
                let permit = limit
                    .acquire("r1:22", after(Duration::from_secs(3600)))
                    .await
                    .unwrap();
                let started = Instant::now();
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(hold).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                drop(permit);
                started
            });
        }
        let mut starts = Vec::new();
        while let Some(started) = tasks.join_next().await {
            starts.push(started.unwrap());
        }
        starts.sort();
        (most.load(Ordering::SeqCst), starts)
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_in_flight_than_the_bound() {
        let limit = limit(3, None);
        let (most, starts) = logins(&limit, 20, Duration::from_millis(50)).await;
        assert_eq!(starts.len(), 20, "every login got its slot");
        assert_eq!(most, 3, "three at once, never more");
        assert_eq!(limit.figures(), LoginFigures::default(), "all given back");
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_paces_starts() {
        // Permits are dropped at once, so only the rate holds logins back.
        let limit = limit(100, Some(10.0));
        let (_, starts) = logins(&limit, 35, Duration::ZERO).await;
        assert_eq!(starts.len(), 35);
        for (i, first) in starts.iter().enumerate() {
            let window = starts[i..]
                .iter()
                .take_while(|t| **t < *first + Duration::from_secs(1))
                .count();
            assert!(window <= 10, "{window} logins started within one second");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_smaller_bound_applies_as_logins_end() {
        let limit = limit(4, None);
        let held: Vec<_> = hold(&limit, 4).await;
        limit.apply(LoginSettings {
            max_concurrent: 2,
            rate: None,
        });
        drop(held);
        let (most, _) = logins(&limit, 10, Duration::from_millis(10)).await;
        assert_eq!(most, 2);
        limit.apply(LoginSettings {
            max_concurrent: 5,
            rate: None,
        });
        let (most, _) = logins(&limit, 20, Duration::from_millis(10)).await;
        assert_eq!(most, 5);
    }

    async fn hold(limit: &LoginLimit, n: usize) -> Vec<LoginPermit> {
        let mut held = Vec::new();
        for _ in 0..n {
            held.push(
                limit
                    .acquire("r1:22", after(Duration::from_secs(1)))
                    .await
                    .unwrap(),
            );
        }
        held
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_names_the_limit() {
        let limit = limit(1, None);
        let held = hold(&limit, 1).await;
        let Err(e) = limit.acquire("r2:22", after(Duration::from_secs(2))).await else {
            panic!("the only slot is held");
        };
        let text = e.to_string();
        assert!(
            text.contains("login slot (all 1 of connection_pool.max_concurrent_logins in flight) on r2:22 timed out"),
            "{text}"
        );
        assert_eq!(e.kind(), "timeout");
        assert_eq!(limit.figures().waiting, 0);
        drop(held);
        assert_eq!(limit.figures().in_flight, 0);

        let limit = self::limit(10, Some(0.5));
        let first = limit.acquire("r1:22", after(Duration::from_secs(1))).await;
        assert!(first.is_ok(), "the first turn is now");
        let Err(e) = limit.acquire("r1:22", after(Duration::from_secs(1))).await else {
            panic!("the next turn is two seconds away");
        };
        assert!(
            e.to_string()
                .contains("connection_pool.login_rate: 0.5 per second"),
            "{e}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_wait_gives_everything_back() {
        let limit = limit(1, None);
        let held = hold(&limit, 1).await;
        let waiter = {
            let limit = limit.clone();
            tokio::spawn(async move {
                limit
                    .acquire("r1:22", after(Duration::from_secs(3600)))
                    .await
                    .map(|_| ())
            })
        };
        while limit.figures().waiting == 0 {
            tokio::task::yield_now().await;
        }
        waiter.abort();
        assert!(waiter.await.unwrap_err().is_cancelled());
        assert_eq!(limit.figures().waiting, 0);
        drop(held);
        let again = limit.acquire("r1:22", after(Duration::from_secs(1))).await;
        assert!(again.is_ok(), "the slot came back");
    }

    #[test]
    fn settings_out_of_bounds_are_bounded() {
        let s = LoginSettings {
            max_concurrent: 0,
            rate: Some(f64::NAN),
        }
        .bounded();
        assert_eq!(s.max_concurrent, 1);
        assert_eq!(s.rate, Some(MAX_LOGIN_RATE));
        let s = LoginSettings {
            max_concurrent: usize::MAX,
            rate: Some(-1.0),
        }
        .bounded();
        assert_eq!(s.max_concurrent, MAX_CONCURRENT_LOGINS);
        assert_eq!(s.rate, Some(MIN_LOGIN_RATE));
    }
}
