//! Field rules every request passes before it becomes a job: how long a job may wait, run
//! and be kept, and that commands and hosts are single tokens of text. A value outside them
//! is a 422 naming the field and the bound, never arithmetic that could overflow later.

use std::time::Duration;

use super::ApiError;

/// Longest `ttl` (seconds a job may wait in the queue): a day, as NetPulse allows. A queued
/// job holds a queue slot, so its wait must end.
pub const MAX_TTL_SECS: u64 = 86_400;
/// Longest `execution_timeout` (seconds a started job may run): a day, as NetPulse allows.
pub const MAX_EXECUTION_TIMEOUT_SECS: f64 = 86_400.0;
/// Longest `result_ttl` (seconds a result is kept): a week, as NetPulse allows.
pub const MAX_RESULT_TTL_SECS: u64 = 604_800;
/// Longest `cache.ttl` a request may ask for; the configured `cache.ttl` caps it again.
pub const MAX_CACHE_TTL_SECS: u64 = 604_800;
/// Longest `?wait`: a client cannot pin a connection (and a waiter) for longer.
pub const MAX_WAIT_SECS: f64 = 300.0;
/// Longest `connection_args.timeout`: a connect that takes longer than an hour is not one.
pub const MAX_CONNECT_TIMEOUT_SECS: f64 = 3600.0;
/// Longest host: a DNS name is at most 253 characters.
pub const MAX_HOST_LEN: usize = 253;

fn invalid(message: String) -> ApiError {
    ApiError::Invalid(message)
}

/// Whole seconds at most `max`, as a duration.
pub fn whole_secs(field: &str, value: Option<u64>, max: u64) -> Result<Option<Duration>, ApiError> {
    match value {
        Some(v) if v > max => Err(invalid(format!(
            "{field}: {v} is above the maximum of {max} seconds"
        ))),
        v => Ok(v.map(Duration::from_secs)),
    }
}

/// Seconds above 0 and at most `max` (finite by construction: JSON has no NaN or infinity,
/// and `?wait` is parsed here too).
pub fn positive_secs(field: &str, value: f64, max: f64) -> Result<Duration, ApiError> {
    if !(value > 0.0 && value <= max) {
        return Err(invalid(format!(
            "{field}: {value} must be above 0 and at most {max} seconds"
        )));
    }
    Duration::try_from_secs_f64(value)
        .map_err(|_| invalid(format!("{field}: {value} is not a number of seconds")))
}

/// `?wait=SECONDS`: absent, empty or 0 = answer at once; otherwise a number above 0 and at
/// most [`MAX_WAIT_SECS`].
pub fn wait(text: Option<&str>) -> Result<Option<Duration>, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let value: f64 = text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| invalid(format!("wait: {text:?} is not a number of seconds")))?;
    if value == 0.0 {
        return Ok(None);
    }
    positive_secs("wait", value, MAX_WAIT_SECS).map(Some)
}

/// The first control character in `text`, if any.
fn control(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control())
}

/// A show command is one line the CLI runs as typed: CR or LF would make it several (a config
/// change smuggled into a show job), NUL and other control characters (Ctrl-Z leaves config
/// mode, Tab completes, ESC starts a sequence) change what the CLI does with it.
pub fn command(field: &str, text: &str) -> Result<(), ApiError> {
    match control(text) {
        None => Ok(()),
        Some(c) => Err(invalid(format!(
            "{field}: holds control character U+{:04X}; a command is one line of text (give each command its own list entry)",
            u32::from(c)
        ))),
    }
}

/// Config text may hold several lines: split on LF (a CR before the LF is dropped), blank
/// lines skipped; inside a line the same rule as [`command`] holds.
pub fn config_lines(field: &str, text: &str, out: &mut Vec<String>) -> Result<(), ApiError> {
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line).trim_end();
        if line.trim().is_empty() {
            continue;
        }
        command(field, line)?;
        out.push(line.to_string());
    }
    Ok(())
}

/// A host (or `ip`) is one token: it is dialled, and written into known_hosts, where a
/// space, comma or newline would make one line say something about other hosts (or break
/// the file). Letters, digits and `. - _ : %` cover names, IPv4, IPv6 and zone ids.
pub fn host(field: &str, text: &str) -> Result<(), ApiError> {
    if text.is_empty() {
        return Err(invalid(format!("{field}: required")));
    }
    if text.len() > MAX_HOST_LEN {
        return Err(invalid(format!(
            "{field}: {} bytes, at most {MAX_HOST_LEN}",
            text.len()
        )));
    }
    match text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%')))
    {
        None => Ok(()),
        Some(c) => Err(invalid(format!(
            "{field}: holds {}; a host is one token of letters, digits and . - _ : %",
            describe(c)
        ))),
    }
}

fn describe(c: char) -> String {
    if c.is_whitespace() {
        format!("whitespace (U+{:04X})", u32::from(c))
    } else if c.is_control() {
        format!("control character U+{:04X}", u32::from(c))
    } else {
        format!("{c:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_parses_bounds_and_refuses_junk() {
        assert_eq!(wait(None).expect("none"), None);
        assert_eq!(wait(Some("0")).expect("zero"), None);
        assert_eq!(
            wait(Some("1.5")).expect("ok"),
            Some(Duration::from_millis(1500))
        );
        for bad in ["NaN", "inf", "-1", "301", "abc", "1e309"] {
            let err = wait(Some(bad)).expect_err(bad);
            assert!(err.to_string().starts_with("wait:"), "{err}");
        }
        assert!(
            wait(Some("301"))
                .expect_err("max")
                .to_string()
                .contains("300")
        );
    }

    #[test]
    fn commands_are_one_line_and_config_splits() {
        assert!(command("command", "show ver").is_ok());
        for bad in ["show ver\nconf t", "a\rb", "a\0b", "a\x1ab", "a\tb"] {
            assert!(command("command", bad).is_err(), "{bad:?}");
        }
        let mut out = Vec::new();
        config_lines("config", "hostname a\r\n\r\n interface x \nexit", &mut out).expect("ok");
        assert_eq!(out, ["hostname a", " interface x", "exit"]);
        assert!(config_lines("config", "a\0", &mut Vec::new()).is_err());
        assert!(config_lines("config", "a\rb\n", &mut Vec::new()).is_err());
    }

    #[test]
    fn hosts_are_single_tokens() {
        for good in ["r1.lab", "10.0.0.1", "::1", "fe80::1%eth0", "core_1"] {
            assert!(host("h", good).is_ok(), "{good}");
        }
        for bad in ["a b", "a\nb", "a,b", "a\0", "", "[::1]", "a#b"] {
            assert!(host("h", bad).is_err(), "{bad:?}");
        }
        assert!(host("h", &"a".repeat(254)).is_err());
    }
}
