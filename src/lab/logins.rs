//! Logins in progress, counted on the device side, so tests can check a client's login limit
//! against what the devices saw rather than what the client says it did.
//!
//! A connection is logging in from the moment it is accepted until its shell sends the
//! first prompt (after the login delay, banners and login quirks), or until its first exec
//! request, or until it closes, whichever comes first. For an exec client this counts a
//! little longer than the client's own login (which ends at authentication), never shorter.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Lab-wide login counts.
#[derive(Debug, Default)]
pub struct Logins {
    /// Connections logging in now.
    now: AtomicUsize,
    /// The most seen logging in at once since the lab started.
    most: AtomicUsize,
}

impl Logins {
    /// Counts a login that starts now; it ends when [`Span::end`] is called or the span dropped.
    pub fn begin(self: &Arc<Self>) -> Arc<Span> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        Arc::new(Span {
            logins: self.clone(),
            ended: AtomicBool::new(false),
        })
    }

    /// Connections logging in now.
    pub fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }

    /// The most logging in at once since the lab started.
    pub fn most(&self) -> usize {
        self.most.load(Ordering::SeqCst)
    }
}

/// One connection's login; shared by the connection and its channels, ended once.
#[derive(Debug)]
pub struct Span {
    logins: Arc<Logins>,
    ended: AtomicBool,
}

impl Span {
    /// The login is over (first prompt sent, exec requested); later calls do nothing.
    pub fn end(&self) {
        if !self.ended.swap(true, Ordering::SeqCst) {
            self.logins.now.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        self.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_count_once_and_keep_the_most() {
        let logins = Arc::new(Logins::default());
        let a = logins.begin();
        let b = logins.begin();
        assert_eq!((logins.now(), logins.most()), (2, 2));
        a.end();
        a.end();
        assert_eq!(logins.now(), 1, "ending twice counts once");
        drop(a);
        drop(b);
        assert_eq!((logins.now(), logins.most()), (0, 2));
    }
}
