//! How much output a device may send for one job, across all of the job's commands.
//!
//! A device is untrusted: a per-command cap alone lets a job of many commands gather many
//! times that much. The job runner hands the session one [`OutputBudget`] per job; every
//! read checks against what is left, and past it the job fails and the session is dropped
//! (it still holds the flood's unread bytes).

use super::Error;

/// Output one session read may gather when no job set a budget (login banner, setup
/// commands while the session opens): the same as `worker.max_output_bytes`'s default.
pub const SESSION_DEFAULT_BYTES: u64 = 64 * 1024 * 1024;

/// Bytes of device output a job may still receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputBudget {
    limit: u64,
    used: u64,
    /// What the limit is called for operators (a config key), named in the error.
    name: &'static str,
}

impl OutputBudget {
    /// A job's budget: `limit` bytes for all its commands, named after the config key
    /// `worker.max_output_bytes` in the error.
    pub fn per_job(limit: u64) -> Self {
        Self {
            limit,
            used: 0,
            name: "worker.max_output_bytes",
        }
    }

    /// The budget of a session outside any job.
    pub fn session_default() -> Self {
        Self {
            limit: SESSION_DEFAULT_BYTES,
            used: 0,
            name: "the session's output limit",
        }
    }

    /// Bytes still allowed.
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }

    /// `Err` when `pending` more bytes (not yet charged) would go past the limit.
    pub fn check(&self, pending: usize) -> Result<(), Error> {
        if pending as u64 > self.remaining() {
            Err(self.exceeded())
        } else {
            Ok(())
        }
    }

    /// Counts `bytes` as received; `Err` when that goes past the limit.
    pub fn charge(&mut self, bytes: usize) -> Result<(), Error> {
        self.check(bytes)?;
        self.used = self.used.saturating_add(bytes as u64);
        Ok(())
    }

    /// The error for output past this budget.
    pub fn exceeded(&self) -> Error {
        Error::OutputLimit {
            name: self.name,
            limit: self.limit,
        }
    }
}

impl Default for OutputBudget {
    fn default() -> Self {
        Self::session_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn charges_add_up_across_commands() {
        let mut b = OutputBudget::per_job(10);
        b.charge(6).unwrap();
        assert!(b.check(4).is_ok());
        let e = b.charge(5).unwrap_err();
        assert_eq!(
            e.to_string(),
            "output over worker.max_output_bytes (10 bytes)"
        );
        assert_eq!(e.kind(), "output_limit");
        assert_eq!(b.remaining(), 4, "a refused charge is not counted");
    }
}
