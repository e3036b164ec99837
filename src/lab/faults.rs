//! Faults on demand (design §7, contract): any client can type `lab sleep MS`, `lab hang`, `lab drop` or
//! `lab flood KB` at any prompt of any platform to make the device misbehave the way real ones do.

use std::time::Duration;

/// Longest `lab sleep`: a test that wants longer wants `lab hang`.
pub const MAX_SLEEP_MS: u64 = 600_000;
/// Largest `lab flood`: 64 MiB is far past any real `show tech`, and still fits in memory.
pub const MAX_FLOOD_KB: usize = 64 * 1024;
/// How much `lab drop` prints before it cuts the connection; it stops half-way, so a client sees a
/// partial output, not a clean end.
pub const DROP_OUTPUT_KB: usize = 32;

/// A fault the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer (just the prompt) after this long.
    Sleep(Duration),
    /// Never answer again on this channel; the connection stays up.
    Hang,
    /// Print half of a long output, then close the connection.
    Drop,
    /// Print this many KiB of output.
    Flood(usize),
}

/// Parses a `lab ...` line: `None` when the line is not a lab command at all, `Some(Err)` with the usage
/// text when it is one but malformed.
pub fn parse(line: &str) -> Option<Result<Fault, String>> {
    let mut words = line.split_whitespace();
    if words.next() != Some("lab") {
        return None;
    }
    let usage = || "% lab: usage: lab sleep MS | lab hang | lab drop | lab flood KB\n".to_string();
    let verb = words.next().unwrap_or("");
    let arg = words.next();
    if words.next().is_some() {
        return Some(Err(usage()));
    }
    Some(match (verb, arg) {
        ("sleep", Some(ms)) => match ms.parse::<u64>() {
            Ok(ms) if ms <= MAX_SLEEP_MS => Ok(Fault::Sleep(Duration::from_millis(ms))),
            _ => Err(format!(
                "% lab: sleep takes milliseconds, at most {MAX_SLEEP_MS}\n"
            )),
        },
        ("hang", None) => Ok(Fault::Hang),
        ("drop", None) => Ok(Fault::Drop),
        ("flood", Some(kb)) => match kb.parse::<usize>() {
            Ok(kb) if kb <= MAX_FLOOD_KB => Ok(Fault::Flood(kb)),
            _ => Err(format!(
                "% lab: flood takes kilobytes, at most {MAX_FLOOD_KB}\n"
            )),
        },
        _ => Err(usage()),
    })
}

/// `kb` KiB of numbered 64-byte lines (counting the CRLF the shell adds), so a client can check nothing
/// was lost or duplicated.
pub fn flood_text(kb: usize) -> String {
    let lines = kb * 1024 / 64;
    let mut s = String::with_capacity(lines * 63);
    for n in 1..=lines {
        // 10 digits + 52 more characters; the shell's CRLF makes it 64 bytes on the wire.
        s.push_str(&format!(
            "{n:010} lab flood 0123456789abcdefghijklmnopqrstuvwxyzABCDE\n"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lab_commands() {
        assert_eq!(parse("show version"), None);
        assert_eq!(
            parse("lab sleep 250"),
            Some(Ok(Fault::Sleep(Duration::from_millis(250))))
        );
        assert_eq!(parse("lab hang"), Some(Ok(Fault::Hang)));
        assert_eq!(parse("lab flood 4"), Some(Ok(Fault::Flood(4))));
        assert!(matches!(parse("lab flood x"), Some(Err(_))));
        assert!(matches!(parse("lab"), Some(Err(_))));
    }

    #[test]
    fn flood_lines_are_64_bytes_with_crlf() {
        let t = flood_text(1);
        assert_eq!(t.lines().count(), 16);
        assert!(t.lines().all(|l| l.len() + 2 == 64));
    }
}
