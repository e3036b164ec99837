//! A job's status: the words stored in the `status` column and shown by the API, one enum
//! so no code compares them as string literals.

use std::fmt;

/// Where a job is in its life: queued → started → finished | failed, or canceled while
/// queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// Accepted, waiting for a worker.
    Queued,
    /// A worker is running it.
    Started,
    /// Every command succeeded.
    Finished,
    /// Something failed; `result.error` says what.
    Failed,
    /// Canceled while queued.
    Canceled,
}

impl JobStatus {
    /// Every status, in life order.
    pub const ALL: [JobStatus; 5] = [
        Self::Queued,
        Self::Started,
        Self::Finished,
        Self::Failed,
        Self::Canceled,
    ];

    /// The stored and shown word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Started => "started",
            Self::Finished => "finished",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
        }
    }

    /// The status a stored word names; `None` for any other word.
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == word)
    }

    /// Whether a job in this status has ended (it will not change again).
    pub fn is_done(self) -> bool {
        matches!(self, Self::Finished | Self::Failed | Self::Canceled)
    }

    /// The words of [`JobStatus::ALL`], for error messages listing what exists.
    pub fn known() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back() {
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(JobStatus::parse("done"), None);
    }
}
