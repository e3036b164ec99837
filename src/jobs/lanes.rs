//! The worker queue: two lanes, so one huge bulk cannot starve single execs.
//!
//! Single execs wait in the `exec` lane, bulk jobs (fed wave by wave by their batch runner)
//! in the `bulk` lane. A free worker takes from `exec` first, except that when both lanes
//! wait, every [`EXEC_PER_BULK`]th pick goes to `bulk`, and bulk jobs never occupy more than
//! the bulk share of the workers (all but a quarter): a single exec always finds a worker
//! soon, and a bulk still progresses under a steady stream of execs.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

/// Exec picks in a row before a waiting bulk job gets one.
pub const EXEC_PER_BULK: u32 = 3;

/// Which lane a job waited in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Single execs.
    Exec,
    /// Jobs of bulk batches.
    Bulk,
}

struct State<T> {
    exec: VecDeque<T>,
    bulk: VecDeque<T>,
    exec_streak: u32,
    bulk_running: usize,
}

/// Both lanes and the signal that work arrived.
pub struct Lanes<T> {
    state: Mutex<State<T>>,
    work: Notify,
}

impl<T> Default for Lanes<T> {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                exec: VecDeque::new(),
                bulk: VecDeque::new(),
                exec_streak: 0,
                bulk_running: 0,
            }),
            work: Notify::new(),
        }
    }
}

/// Workers bulk jobs may hold at once out of `workers`.
pub fn bulk_share(workers: usize) -> usize {
    workers.saturating_sub((workers / 4).max(1)).max(1)
}

impl<T> Lanes<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues `item` at the back of `lane` and wakes a worker.
    pub fn push(&self, lane: Lane, item: T) {
        {
            let mut state = self.lock();
            match lane {
                Lane::Exec => state.exec.push_back(item),
                Lane::Bulk => state.bulk.push_back(item),
            }
        }
        self.work.notify_one();
    }

    /// The next job for a worker, by the rule above; `None` when nothing may run now.
    pub fn take(&self, bulk_cap: usize) -> Option<(T, Lane)> {
        let mut state = self.lock();
        let bulk_may = !state.bulk.is_empty() && state.bulk_running < bulk_cap;
        let picked = if bulk_may && (state.exec.is_empty() || state.exec_streak >= EXEC_PER_BULK) {
            state.exec_streak = 0;
            state.bulk_running += 1;
            state.bulk.pop_front().map(|item| (item, Lane::Bulk))
        } else {
            let item = state.exec.pop_front().map(|item| (item, Lane::Exec));
            if item.is_some() && bulk_may {
                state.exec_streak += 1;
            }
            item
        };
        let more =
            !state.exec.is_empty() || (!state.bulk.is_empty() && state.bulk_running < bulk_cap);
        drop(state);
        if picked.is_some() && more {
            // Pass the wake-up on: several jobs may be waiting for several idle workers.
            self.work.notify_one();
        }
        picked
    }

    /// Waits for the next job a worker may run.
    pub async fn next(&self, bulk_cap: impl Fn() -> usize) -> (T, Lane) {
        loop {
            let notified = self.work.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(picked) = self.take(bulk_cap()) {
                return picked;
            }
            notified.await;
        }
    }

    /// A bulk job ended: its worker slot in the bulk share is free again.
    pub fn bulk_done(&self) {
        {
            let mut state = self.lock();
            state.bulk_running = state.bulk_running.saturating_sub(1);
        }
        self.work.notify_one();
    }

    /// Wakes one worker (a worker leaving passes on a wake-up it may have consumed).
    pub fn wake(&self) {
        self.work.notify_one();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn exec_goes_first_but_bulk_is_never_starved() {
        let lanes = Lanes::default();
        for i in 0..6 {
            lanes.push(Lane::Exec, format!("e{i}"));
            lanes.push(Lane::Bulk, format!("b{i}"));
        }
        let order: Vec<String> = (0..8)
            .filter_map(|_| lanes.take(10))
            .map(|(j, _)| j)
            .collect();
        assert_eq!(order, ["e0", "e1", "e2", "b0", "e3", "e4", "e5", "b1"]);
    }

    #[test]
    fn bulk_stays_within_its_share_of_workers() {
        let lanes = Lanes::default();
        for i in 0..5 {
            lanes.push(Lane::Bulk, i);
        }
        let cap = bulk_share(4);
        assert_eq!(cap, 3);
        let taken: Vec<_> = (0..5).filter_map(|_| lanes.take(cap)).collect();
        assert_eq!(
            taken.len(),
            3,
            "a quarter of the workers stays free for execs"
        );
        lanes.push(Lane::Exec, 99);
        assert_eq!(lanes.take(cap).map(|(j, _)| j), Some(99));
        lanes.bulk_done();
        assert_eq!(lanes.take(cap), Some((3, Lane::Bulk)));
        assert_eq!(bulk_share(1), 1);
    }
}
