//! One module per command; each turns CLI text into the records ntc-templates produces.
//!
//! Every parser scans lines top to bottom with anchored regexes compiled once
//! ([`std::sync::LazyLock`]), fills a record struct whose field names are ntc-templates' keys
//! and pushes it when the next record starts or the output ends. Absent fields stay `""` (or
//! `[]` for multi-valued ones), exactly as ntc-templates reports them.

use regex::{Captures, Regex};
use serde::Serialize;

use crate::ParseError;

/// Lazily compiled regex statics, one per pattern literal.
macro_rules! regexes {
    ($($name:ident = $pat:literal;)*) => {
        $(static $name: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| super::re($pat));)*
        /// Forces every regex of the module, so a broken literal fails the unit tests.
        #[cfg(test)]
        fn compile_all() { $(std::sync::LazyLock::force(&$name);)* }
    };
}

mod admin_show_inventory;
mod show_ip_interface_brief;
mod show_lldp_neighbors;
mod show_version;

/// A parser: output text in, records out.
type ParserFn = fn(&str) -> Result<serde_json::Value, ParseError>;

/// Normalised command → parser. Also the command list of `info()`. XR prints the same
/// inventory format with and without `admin`.
const TABLE: &[(&str, ParserFn)] = &[
    ("show version", |o| to_json(show_version::parse(o))),
    ("show inventory", |o| {
        to_json(admin_show_inventory::parse(o))
    }),
    ("admin show inventory", |o| {
        to_json(admin_show_inventory::parse(o))
    }),
    ("show ip interface brief", |o| {
        to_json(show_ip_interface_brief::parse(o))
    }),
    ("show lldp neighbors", |o| {
        to_json(show_lldp_neighbors::parse(o))
    }),
];

/// Full, normalised names of the commands this plugin parses.
pub const COMMANDS: &[&str] = &[
    "show version",
    "show inventory",
    "admin show inventory",
    "show ip interface brief",
    "show lldp neighbors",
];

/// Runs the parser for an already-normalised `command`.
pub fn parse(command: &str, output: &str) -> Result<serde_json::Value, ParseError> {
    match TABLE.iter().find(|(name, _)| *name == command) {
        Some((_, parser)) => parser(output),
        None => Err(ParseError::Unsupported(format!(
            "no cisco_xr parser for command {command:?} (parsers: {COMMANDS:?})"
        ))),
    }
}

/// Serialises a parser's records; a derive-generated `Serialize` of strings cannot fail,
/// but the error is still reported rather than unwrapped.
fn to_json<T: Serialize>(
    records: Result<Vec<T>, ParseError>,
) -> Result<serde_json::Value, ParseError> {
    serde_json::to_value(records?)
        .map_err(|e| ParseError::Malformed(format!("records did not serialise: {e}")))
}

/// Compiles a regex literal from this crate's source.
///
/// Panics only if a literal is broken; every literal is exercised by the unit tests, so a
/// broken one fails `cargo test` rather than a device request.
fn re(pattern: &str) -> Regex {
    #[allow(clippy::expect_used)] // invariant: source literals, covered by tests (see above)
    Regex::new(pattern).expect("regex literal in parser source compiles")
}

/// The output's lines without their `\r` (devices send CRLF).
fn lines(output: &str) -> impl Iterator<Item = &str> {
    output.lines().map(|l| l.trim_end_matches('\r'))
}

/// The text of capture group `i`, or `""` when the group did not take part in the match
/// (ntc-templates reports a non-participating group as an empty value).
fn cap(c: &Captures<'_>, i: usize) -> String {
    c.get(i)
        .map_or_else(String::new, |m| m.as_str().to_string())
}
