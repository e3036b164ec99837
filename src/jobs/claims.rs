//! Which jobs this process has queued and which it is running: the authority a worker and a
//! cancel agree on. With it a worker can take a job and go to the device without waiting
//! for its `started` write to commit (one database round trip less per job), and a cancel
//! still never succeeds for a job that a worker has taken.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Queued,
    Running,
}

/// What a cancel found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// Queued here; the claim is gone, so no worker will run it. Record the cancel.
    Queued,
    /// A worker here has taken it.
    Running,
    /// Not held by this process (ended, unknown, or queued before a restart not yet
    /// recovered): the store decides.
    Elsewhere,
}

/// The claims, keyed by job id.
#[derive(Debug, Default)]
pub(super) struct Claims(Mutex<HashMap<String, State>>);

impl Claims {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, State>> {
        // Every critical section is a single map operation: a panic cannot leave it torn.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A job entered the queue.
    pub(super) fn queue(&self, id: &str) {
        self.lock().insert(id.to_string(), State::Queued);
    }

    /// A worker takes the job; `false` when it was canceled while queued.
    pub(super) fn start(&self, id: &str) -> bool {
        match self.lock().get_mut(id) {
            Some(state @ State::Queued) => {
                *state = State::Running;
                true
            }
            _ => false,
        }
    }

    /// The job left the worker (ended, or skipped).
    pub(super) fn end(&self, id: &str) {
        self.lock().remove(id);
    }

    /// A cancel asks; a queued claim is removed in the same step, so a worker can no longer
    /// take the job.
    pub(super) fn cancel(&self, id: &str) -> Found {
        let mut claims = self.lock();
        match claims.get(id) {
            Some(State::Running) => Found::Running,
            Some(State::Queued) => {
                claims.remove(id);
                Found::Queued
            }
            None => Found::Elsewhere,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canceled_job_cannot_be_started_and_a_started_one_cannot_be_canceled() {
        let claims = Claims::default();
        claims.queue("a");
        claims.queue("b");
        assert_eq!(claims.cancel("a"), Found::Queued);
        assert!(!claims.start("a"));
        assert!(claims.start("b"));
        assert_eq!(claims.cancel("b"), Found::Running);
        claims.end("b");
        assert_eq!(claims.cancel("b"), Found::Elsewhere);
        assert_eq!(claims.cancel("never"), Found::Elsewhere);
    }
}
