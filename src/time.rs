//! The one time format every stored and shown timestamp uses: RFC 3339 in UTC with
//! microseconds and `Z`. Fixed width, so string order is time order in SQLite and
//! PostgreSQL text columns alike. A leaf: every module may use it.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// Now, formatted as stored.
pub fn now() -> String {
    format(Utc::now())
}

/// Formats an instant as stored.
pub fn format(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `ttl` after `at`, formatted as stored (for expiry columns); `None` past the calendar's
/// end (a bound the API keeps far away, but no value may make this panic).
pub fn after(at: DateTime<Utc>, ttl: Duration) -> Option<String> {
    chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|ttl| at.checked_add_signed(ttl))
        .map(format)
}

/// Reads a stored (or any RFC 3339) time back; `None` when it is not one.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_are_fixed_width_and_sort_as_time() {
        let early = Utc::now();
        let late = early + chrono::Duration::microseconds(1);
        let (a, b) = (format(early), format(late));
        assert_eq!(a.len(), b.len());
        assert!(a < b);
        assert!(a.ends_with('Z'));
        assert_eq!(parse(&a).unwrap(), early.with_nanosecond_truncated());
    }

    #[test]
    fn an_expiry_past_the_calendar_is_none() {
        assert!(after(Utc::now(), Duration::from_secs(u64::MAX)).is_none());
    }

    trait Truncate {
        fn with_nanosecond_truncated(self) -> Self;
    }
    impl Truncate for DateTime<Utc> {
        fn with_nanosecond_truncated(self) -> Self {
            use chrono::Timelike;
            self.with_nanosecond(self.nanosecond() / 1000 * 1000)
                .unwrap()
        }
    }
}
