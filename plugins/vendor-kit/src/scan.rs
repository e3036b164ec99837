//! Reading device output line by line, for the parsers that fill typed record structs
//! (the Cisco crates): lines without their `\r`, the rows under a table's header, and the
//! text of a capture group with ntc-templates' empty value for a group that did not match.

use regex::{Captures, Regex};

/// Regex statics compiled on first use, one per pattern literal, plus a unit test that
/// compiles every one of them, so a broken literal fails `cargo test` rather than a device
/// request.
#[macro_export]
macro_rules! regexes {
    ($($name:ident = $pat:literal;)*) => {
        $(static $name: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| $crate::scan::compile($pat));)*

        #[cfg(test)]
        #[test]
        fn every_regex_compiles() {
            $(std::sync::LazyLock::force(&$name);)*
        }
    };
}

/// Compiles a regex literal from a parser's source.
///
/// Panics only if a literal is broken; [`regexes!`] tests every literal it declares, so a
/// broken one fails `cargo test` rather than a device request.
pub fn compile(pattern: &str) -> Regex {
    #[allow(clippy::expect_used)] // invariant: source literals, covered by tests (see above)
    Regex::new(pattern).expect("regex literal in parser source compiles")
}

/// The output's lines without their `\r` (devices send CRLF).
pub fn lines(output: &str) -> impl Iterator<Item = &str> {
    output.lines().map(|l| l.trim_end_matches('\r'))
}

/// The lines after the first one `header` matches (none without a header): the rows of a
/// table whose preamble (legends, counters) could otherwise pass for rows.
pub fn under<'a>(
    lines: impl Iterator<Item = &'a str>,
    header: &Regex,
) -> impl Iterator<Item = &'a str> {
    lines.skip_while(|l| !header.is_match(l)).skip(1)
}

/// The text of capture group `i`, or `""` when the group did not take part in the match
/// (ntc-templates reports a non-participating group as an empty value).
pub fn cap(c: &Captures<'_>, i: usize) -> String {
    c.get(i)
        .map_or_else(String::new, |m| m.as_str().to_string())
}

/// Ends the typed record under construction: takes it, leaving a default one, and keeps
/// it only when its `key` field is set, so text before the first heading or row makes no
/// record.
pub fn flush<R: Default>(out: &mut Vec<R>, r: &mut R, key: fn(&R) -> &str) {
    let done = std::mem::take(r);
    if !key(&done).is_empty() {
        out.push(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_under_the_header_without_cr() {
        let header = compile(r"^Port\s+Name");
        let out = "legend: 1\r\nPort  Name\r\nEt1   a\r\nEt2   b\r\n";
        assert_eq!(
            under(lines(out), &header).collect::<Vec<_>>(),
            ["Et1   a", "Et2   b"]
        );
        assert_eq!(under(lines("no header\n"), &header).count(), 0);
        let c = compile(r"^(a)(b)?").captures("a").expect("matches");
        assert_eq!((cap(&c, 1), cap(&c, 2)), ("a".to_string(), String::new()));
    }
}
