//! The circuit breaker in front of L2: after a failure the level is skipped for a while, so
//! an outage costs one deadline, not one per request; then exactly one request probes, and
//! its success closes the circuit again. Warnings are rate-limited to one per interval.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Least time between two warnings: an outage logs once per interval, not per request.
const WARN_INTERVAL: Duration = Duration::from_secs(30);

/// Lock-free breaker state and the counters `/system/stats` shows.
pub struct Circuit {
    /// Names the guarded service in logs.
    name: String,
    /// How long the level is skipped after a failure.
    open_for: Duration,
    /// Origin of the millisecond clock below (atomics cannot hold an `Instant`).
    epoch: Instant,
    /// Milliseconds since `epoch` until which calls are skipped; 0 while closed.
    open_until: AtomicU64,
    /// Set while the one probe after an open period is in flight.
    probing: AtomicBool,
    /// Whether the last attempt succeeded.
    available: AtomicBool,
    /// Attempts that failed or timed out.
    errors: AtomicU64,
    /// Calls skipped while open.
    skipped: AtomicU64,
    /// Milliseconds since `epoch` of the last warning; 0 before the first.
    last_warn: AtomicU64,
}

impl Circuit {
    /// A closed circuit that opens for `open_for` after each failure.
    pub fn new(name: impl Into<String>, open_for: Duration) -> Self {
        Self {
            name: name.into(),
            open_for,
            epoch: Instant::now(),
            open_until: AtomicU64::new(0),
            probing: AtomicBool::new(false),
            available: AtomicBool::new(true),
            errors: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            last_warn: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        // +1 so that 0 can mean "never" in the atomics.
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    /// Whether a call may go ahead: always while closed; while open, no until the period
    /// ends, then yes for exactly one probe. A refusal is counted as skipped.
    pub fn admit(&self) -> bool {
        let until = self.open_until.load(Ordering::Acquire);
        let admitted = until == 0
            || (self.now_ms() >= until
                && self
                    .probing
                    .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok());
        if !admitted {
            self.skipped.fetch_add(1, Ordering::Relaxed);
        }
        admitted
    }

    /// Records a successful call: closes the circuit.
    pub fn succeeded(&self) {
        if self.open_until.swap(0, Ordering::AcqRel) != 0 {
            tracing::info!(service = %self.name, "reachable again; resumed");
        }
        self.probing.store(false, Ordering::Release);
        self.available.store(true, Ordering::Release);
    }

    /// Records a failed call (`what` failed with `error`): opens the circuit.
    pub fn failed(&self, what: &str, error: &str) {
        let errors = self.errors.fetch_add(1, Ordering::Relaxed) + 1;
        self.available.store(false, Ordering::Release);
        let now = self.now_ms();
        let open_ms = u64::try_from(self.open_for.as_millis()).unwrap_or(u64::MAX / 2);
        self.open_until
            .store(now.saturating_add(open_ms), Ordering::Release);
        self.probing.store(false, Ordering::Release);
        let last = self.last_warn.load(Ordering::Relaxed);
        let interval = WARN_INTERVAL.as_millis() as u64;
        let due = last == 0 || now.saturating_sub(last) >= interval;
        if due
            && self
                .last_warn
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                service = %self.name,
                operation = what,
                %error,
                skip_for = ?self.open_for,
                errors,
                "unavailable; skipped for a while, requests go on without it"
            );
        }
    }

    /// Attempts that failed or timed out since start.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Calls skipped while the circuit was open, since start.
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// Whether the last attempt succeeded.
    pub fn available(&self) -> bool {
        self.available.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_on_failure_then_lets_one_probe_through() {
        let circuit = Circuit::new("test", Duration::from_millis(30));
        assert!(circuit.admit());
        circuit.failed("get", "refused");
        assert!(!circuit.available());
        assert!(!circuit.admit(), "open: skipped");
        std::thread::sleep(Duration::from_millis(40));
        assert!(circuit.admit(), "the probe");
        assert!(!circuit.admit(), "only one probe at a time");
        circuit.succeeded();
        assert!(circuit.admit() && circuit.available());
        assert_eq!((circuit.errors(), circuit.skipped()), (1, 2));
    }
}
