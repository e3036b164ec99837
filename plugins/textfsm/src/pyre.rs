//! Python `re` syntax, as written in TextFSM templates, translated for Rust.
//!
//! Templates are written for Python's `re` module. Most of that syntax means the same in
//! the `regex` crate, but a few constructs differ (`\Z`, a `[` inside a class, a lone `{`,
//! `\<`), and a few are not supported by `regex` at all (look-around, backreferences,
//! possessive quantifiers). This module rewrites the first kind and routes the second kind
//! to `fancy-regex`, a backtracking engine that matches like Python does. Anything neither
//! engine can express is an [`Error`] naming the construct, so a broken template fails
//! loudly instead of silently matching something else.

use crate::linematch::Outcome;

/// Parses a pattern as its ASCII build reads it (Unicode off, matching bytes), for the
/// engines built from the syntax tree: the compact matcher and the per-state rule tables.
pub(crate) fn parse_ascii(pattern: &str) -> Option<regex_syntax::hir::Hir> {
    let syntax = regex_automata::util::syntax::Config::new()
        .unicode(false)
        .utf8(false);
    regex_automata::util::syntax::parse_with(pattern, &syntax).ok()
}

/// Bigger than the `regex` default: templates expand `${VAR}`s into long Unicode-class
/// patterns, and a refused template is worse than a slower compile.
pub(crate) const SIZE_LIMIT: usize = 64 << 20;

/// Backtracking bound for `fancy-regex`, so a pathological template cannot hang a parse.
const BACKTRACK_LIMIT: usize = 1_000_000;

/// Why a Python pattern could not be turned into a Rust matcher.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Valid Python, but neither `regex` nor `fancy-regex` can express it.
    #[error("unsupported regex construct {construct} in {pattern:?}")]
    Unsupported {
        /// The construct as written (`\N{...}`, `(?(1)...)`, a flag).
        construct: String,
        /// The whole pattern, so the reader can find it in the template.
        pattern: String,
    },
    /// The pattern is not a valid regular expression (for Python either, as far as we can tell).
    #[error("invalid regex {pattern:?}: {message}")]
    Invalid {
        /// The whole pattern as written in the template.
        pattern: String,
        /// What the compiler said.
        message: String,
    },
    /// A `fancy-regex` pattern gave up on a line (backtrack limit).
    #[error("regex {pattern:?} gave up on input: {message}")]
    Runtime {
        /// The pattern that gave up.
        pattern: String,
        /// What the engine said.
        message: String,
    },
}

/// A Python pattern rewritten in Rust syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    /// The pattern in Rust syntax.
    pub pattern: String,
    /// True when the pattern needs the backtracking engine (look-around, backreferences,
    /// atomic groups, possessive quantifiers).
    pub fancy: bool,
    /// True when the pattern turns on verbose mode, where a `#` comment runs to the end of
    /// the line (so a wrapper must close on a new line).
    pub verbose: bool,
}

/// Rewrites Python `re` syntax into the syntax of the `regex` crate (or `fancy-regex`).
pub fn translate(py: &str) -> Result<Translated, Error> {
    Translator {
        chars: py.chars().collect(),
        pattern: py,
        out: String::with_capacity(py.len() + 8),
        fancy: false,
        verbose: false,
    }
    .run()
}

/// Scanner state for one translation.
struct Translator<'a> {
    /// The pattern as characters, for look-ahead by index.
    chars: Vec<char>,
    /// The original, for error messages.
    pattern: &'a str,
    /// The Rust pattern being built.
    out: String,
    /// Set when a construct needs `fancy-regex`.
    fancy: bool,
    /// Set when a `(?x)` flag appears.
    verbose: bool,
}

impl Translator<'_> {
    fn unsupported(&self, construct: impl Into<String>) -> Error {
        Error::Unsupported {
            construct: construct.into(),
            pattern: self.pattern.to_string(),
        }
    }

    fn invalid(&self, message: impl Into<String>) -> Error {
        Error::Invalid {
            pattern: self.pattern.to_string(),
            message: message.into(),
        }
    }

    fn run(mut self) -> Result<Translated, Error> {
        let mut i = 0;
        while i < self.chars.len() {
            let c = self.chars[i];
            match c {
                '\\' => i = self.escape(i, false)?,
                '[' => i = self.class(i)?,
                '{' => match self.quantifier(i) {
                    Some((end, text)) => {
                        self.out.push_str(&text);
                        i = self.possessive(end);
                    }
                    None => {
                        // Python reads a `{` that does not start a repetition as a literal.
                        self.out.push_str("\\{");
                        i += 1;
                    }
                },
                '}' | ']' => {
                    self.out.push('\\');
                    self.out.push(c);
                    i += 1;
                }
                '(' => i = self.group(i)?,
                '*' | '+' | '?' => {
                    self.out.push(c);
                    i = self.possessive(i + 1);
                }
                _ => {
                    self.out.push(c);
                    i += 1;
                }
            }
        }
        Ok(Translated {
            pattern: self.out,
            fancy: self.fancy,
            verbose: self.verbose,
        })
    }

    /// After a quantifier: a lazy `?` is common to both; a `+` makes it possessive.
    fn possessive(&mut self, i: usize) -> usize {
        match self.chars.get(i) {
            Some('?') => {
                self.out.push('?');
                i + 1
            }
            Some('+') => {
                self.fancy = true;
                self.out.push('+');
                i + 1
            }
            _ => i,
        }
    }

    /// `{m}`, `{m,n}`, `{m,}`, `{,n}` (Python's lower bound defaults to 0), or `None` when the
    /// brace is a literal. Returns the index after the `}` and the Rust text.
    fn quantifier(&self, start: usize) -> Option<(usize, String)> {
        let mut i = start + 1;
        let digits = |i: &mut usize| {
            let from = *i;
            while self.chars.get(*i).is_some_and(char::is_ascii_digit) {
                *i += 1;
            }
            self.chars[from..*i].iter().collect::<String>()
        };
        if self.chars.get(i) == Some(&'}') {
            return None;
        }
        let lo = digits(&mut i);
        let text = if self.chars.get(i) == Some(&',') {
            i += 1;
            let hi = digits(&mut i);
            let lo = if lo.is_empty() { "0".to_string() } else { lo };
            format!("{{{lo},{hi}}}")
        } else {
            if lo.is_empty() {
                return None;
            }
            format!("{{{lo}}}")
        };
        (self.chars.get(i) == Some(&'}')).then_some((i + 1, text))
    }

    /// A character class: Python takes `[`, `&&`, `--` and `~~` literally inside one,
    /// where Rust would read nesting or set operations.
    fn class(&mut self, start: usize) -> Result<usize, Error> {
        let mut i = start + 1;
        self.out.push('[');
        if self.chars.get(i) == Some(&'^') {
            self.out.push('^');
            i += 1;
        }
        let first = i;
        loop {
            let Some(&c) = self.chars.get(i) else {
                return Err(self.invalid("unterminated character set"));
            };
            match c {
                ']' if i != first => {
                    self.out.push(']');
                    return Ok(i + 1);
                }
                '\\' => {
                    i = self.escape(i, true)?;
                    continue;
                }
                '[' | ']' | '&' | '~' => {
                    self.out.push('\\');
                    self.out.push(c);
                }
                '-' if self.chars.get(i + 1) == Some(&'-')
                    || self.chars.get(i.wrapping_sub(1)) == Some(&'-') =>
                {
                    self.out.push_str("\\-");
                }
                _ => self.out.push(c),
            }
            i += 1;
        }
    }

    /// An escape at `i` (the backslash); returns the index after it.
    fn escape(&mut self, i: usize, in_class: bool) -> Result<usize, Error> {
        let Some(&c) = self.chars.get(i + 1) else {
            return Err(self.invalid("bad escape (end of pattern)"));
        };
        let mut next = i + 2;
        match c {
            'Z' if !in_class => self.out.push_str("\\z"),
            'A' | 'b' | 'B' if !in_class => {
                self.out.push('\\');
                self.out.push(c);
            }
            // Inside a class Python's `\b` is a backspace.
            'b' => self.out.push_str("\\x08"),
            'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'n' | 't' | 'r' | 'f' | 'v' | 'a' => {
                self.out.push('\\');
                self.out.push(c);
            }
            'x' => {
                let hex = self.hex_digits(next, 2)?;
                self.out.push_str(&format!("\\x{{{hex}}}"));
                next += 2;
            }
            'u' | 'U' => {
                let width = if c == 'u' { 4 } else { 8 };
                let hex = self.hex_digits(next, width)?;
                self.out.push_str(&format!("\\x{{{hex}}}"));
                next += width;
            }
            '0' => {
                // Octal escape: `\0` and up to two more octal digits.
                let mut value = 0u32;
                let mut n = 0;
                while n < 2
                    && self
                        .chars
                        .get(next)
                        .is_some_and(|d| ('0'..='7').contains(d))
                {
                    value = value * 8 + self.chars[next].to_digit(8).unwrap_or(0);
                    next += 1;
                    n += 1;
                }
                self.out.push_str(&format!("\\x{{{value:x}}}"));
            }
            '1'..='9' if !in_class => {
                // A backreference: only the backtracking engine has those.
                self.fancy = true;
                self.out.push('\\');
                self.out.push(c);
                if self.chars.get(next).is_some_and(char::is_ascii_digit) {
                    self.out.push(self.chars[next]);
                    next += 1;
                }
            }
            'N' => return Err(self.unsupported("\\N{...}")),
            c if c.is_ascii_alphanumeric() => {
                return Err(self.invalid(format!("bad escape \\{c}")));
            }
            // Python's `\<` is a literal `<`; in Rust it would be a word boundary.
            '<' | '>' => self.out.push(c),
            ' ' => self.out.push_str("\\x20"),
            c => {
                let mut buf = [0u8; 4];
                self.out.push_str(&regex::escape(c.encode_utf8(&mut buf)));
            }
        }
        Ok(next)
    }

    fn hex_digits(&self, from: usize, width: usize) -> Result<String, Error> {
        let digits: String = self.chars.iter().skip(from).take(width).collect();
        if digits.len() == width && digits.chars().all(|d| d.is_ascii_hexdigit()) {
            Ok(digits)
        } else {
            Err(self.invalid("incomplete hexadecimal escape"))
        }
    }

    /// An opening parenthesis and whatever `(?...)` extension follows it.
    fn group(&mut self, i: usize) -> Result<usize, Error> {
        if self.chars.get(i + 1) != Some(&'?') {
            self.out.push('(');
            return Ok(i + 1);
        }
        let rest: String = self.chars[i + 2..].iter().take(3).collect();
        let copy = |t: &mut Self, n: usize| {
            let s: String = t.chars[i..i + n].iter().collect();
            t.out.push_str(&s);
            i + n
        };
        if rest.starts_with("P<") || rest.starts_with(':') {
            return Ok(copy(self, 2));
        }
        if rest.starts_with("P=")
            || rest.starts_with('=')
            || rest.starts_with('!')
            || rest.starts_with('>')
        {
            self.fancy = true;
            return Ok(copy(self, 2));
        }
        if rest.starts_with("<=") || rest.starts_with("<!") {
            self.fancy = true;
            return Ok(copy(self, 4));
        }
        if rest.starts_with('<') {
            return Ok(copy(self, 2));
        }
        if rest.starts_with('#') {
            // A comment group: dropped.
            let close = self.chars[i..]
                .iter()
                .position(|&c| c == ')')
                .ok_or_else(|| self.invalid("missing ), unterminated comment"))?;
            return Ok(i + close + 1);
        }
        if rest.starts_with('(') {
            return Err(self.unsupported("conditional group (?(...)...)"));
        }
        // Inline flags: `(?imsx)`, `(?i:...)`, `(?-i:...)`.
        let mut j = i + 2;
        let mut flags = String::new();
        while let Some(&c) = self.chars.get(j) {
            if c == ')' || c == ':' {
                break;
            }
            match c {
                'i' | 'm' | 's' | 'x' | 'u' | '-' => flags.push(c),
                'a' | 'L' => return Err(self.unsupported(format!("flag (?{c})"))),
                _ => return Err(self.invalid(format!("unknown extension ?{c}"))),
            }
            j += 1;
        }
        if self.chars.get(j).is_none() {
            return Err(self.invalid("missing ), unterminated flags"));
        }
        if flags.split('-').next().is_some_and(|on| on.contains('x')) {
            self.verbose = true;
        }
        Ok(copy(self, j - i + 1))
    }
}

/// A compiled pattern that matches only at the start of its input, like Python's `re.match`.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// The `regex` crate: linear time, used whenever the syntax allows.
    Std(Box<StdPattern>),
    /// `fancy-regex`, for patterns with look-around, backreferences or possessive quantifiers.
    Fancy(Box<fancy_regex::Regex>),
}

/// A `regex`-crate pattern in two builds. Device output is nearly always ASCII, and on ASCII
/// text `\s`, `\w`, `\d`, `.`, `\b` and case folding mean the same with Unicode off, while
/// the automata are far smaller and faster; so ASCII lines use a byte regex compiled without
/// Unicode, and only a non-ASCII line needs (and first compiles) the Unicode build.
#[derive(Debug, Clone)]
pub struct StdPattern {
    /// The anchored Rust pattern.
    source: String,
    /// The ASCII build; `None` when the pattern needs Unicode mode (`\p{..}`).
    ascii: Option<regex::bytes::Regex>,
    /// The Unicode build, compiled on first use (or up front when there is no ASCII build).
    unicode: std::sync::OnceLock<Result<regex::Regex, Error>>,
    /// The pattern as written, for error messages.
    python: String,
    /// The compact matcher for ASCII lines (see [`crate::linematch`]); `None` when the
    /// pattern has a construct it does not cover.
    compact: Option<crate::linematch::Program>,
    /// Capture engines for an ASCII line already known to match when the compact matcher
    /// cannot answer, built on first use.
    exact: std::sync::OnceLock<Option<Exact>>,
}

/// The engines `regex` itself falls back on to find captures, run directly: when a rule set
/// has already said the line matches, `regex`'s first pass (a DFA scan to find where the
/// match ends) is work thrown away.
#[derive(Debug, Clone)]
struct Exact {
    /// Linear and fast, for the patterns that are one-pass (no ambiguity in where a group
    /// starts or ends).
    onepass: Option<regex_automata::dfa::onepass::DFA>,
    /// For the others: leftmost-first backtracking, bounded by a visited set.
    backtrack: regex_automata::nfa::thompson::backtrack::BoundedBacktracker,
}

impl Exact {
    /// Built from the ASCII build's pattern with the ASCII build's settings.
    fn build(source: &str) -> Option<Exact> {
        use regex_automata::dfa::onepass;
        use regex_automata::nfa::thompson::{self, backtrack::BoundedBacktracker};
        use regex_automata::util::syntax;
        let nfa = thompson::Compiler::new()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(
                thompson::Config::new()
                    .utf8(false)
                    .nfa_size_limit(Some(SIZE_LIMIT)),
            )
            .build(source)
            .ok()?;
        let onepass = onepass::Builder::new()
            .configure(onepass::Config::new().size_limit(Some(SIZE_LIMIT)))
            .build_from_nfa(nfa.clone())
            .ok();
        let backtrack = BoundedBacktracker::new_from_nfa(nfa).ok()?;
        Some(Exact { onepass, backtrack })
    }
}

/// Per-rule state of [`Exact`]'s engines.
#[derive(Debug)]
struct ExactSlots {
    caps: regex_automata::util::captures::Captures,
    onepass: Option<regex_automata::dfa::onepass::Cache>,
    backtrack: regex_automata::nfa::thompson::backtrack::Cache,
}

impl StdPattern {
    fn unicode(&self) -> Result<&regex::Regex, Error> {
        self.unicode
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.source)
                    .size_limit(SIZE_LIMIT)
                    .build()
                    .map_err(|e| Error::Invalid {
                        pattern: self.python.clone(),
                        message: e.to_string(),
                    })
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Reusable capture slots, so matching a line allocates nothing after the first match.
#[derive(Debug, Default)]
pub struct Slots {
    /// Slots of the ASCII build.
    ascii: Option<regex::bytes::CaptureLocations>,
    /// Slots of the Unicode build.
    unicode: Option<regex::CaptureLocations>,
    /// Group spans copied out of a `fancy-regex` match.
    fancy: Vec<Option<(usize, usize)>>,
    /// Captures and caches of the [`Exact`] engines.
    exact: Option<ExactSlots>,
    /// Slots and stack of the compact matcher.
    compact: crate::linematch::Scratch,
    /// Which engine filled the slots at the last successful match.
    last: Engine,
}

/// The engine behind the last match.
#[derive(Debug, Default, Clone, Copy)]
enum Engine {
    #[default]
    Ascii,
    Unicode,
    Fancy,
    Exact,
    Compact,
}

impl Slots {
    /// Byte span of capture group `i` in the last successful match.
    pub fn get(&self, i: usize) -> Option<(usize, usize)> {
        match self.last {
            Engine::Ascii => self.ascii.as_ref()?.get(i),
            Engine::Unicode => self.unicode.as_ref()?.get(i),
            Engine::Fancy => self.fancy.get(i).copied().flatten(),
            Engine::Exact => {
                let span = self.exact.as_ref()?.caps.get_group(i)?;
                Some((span.start, span.end))
            }
            Engine::Compact => self.compact.get(i),
        }
    }
}

impl Pattern {
    /// Compiles a Python pattern so that it matches at the start of the text only.
    pub fn new_match(py: &str) -> Result<Pattern, Error> {
        let t = translate(py)?;
        let close = if t.verbose { "\n)" } else { ")" };
        let anchored = format!("^(?:{}{close}", t.pattern);
        let invalid = |message: String| Error::Invalid {
            pattern: py.to_string(),
            message,
        };
        if t.fancy {
            return fancy_regex::RegexBuilder::new(&anchored)
                .backtrack_limit(BACKTRACK_LIMIT)
                .delegate_size_limit(SIZE_LIMIT)
                .build()
                .map(|re| Pattern::Fancy(Box::new(re)))
                .map_err(|e| invalid(e.to_string()));
        }
        let ascii = regex::bytes::RegexBuilder::new(&anchored)
            .unicode(false)
            .size_limit(SIZE_LIMIT)
            .build()
            .ok();
        let compact = ascii
            .as_ref()
            .and_then(|_| crate::linematch::Program::new(&parse_ascii(&anchored)?));
        let p = StdPattern {
            source: anchored,
            ascii,
            unicode: std::sync::OnceLock::new(),
            python: py.to_string(),
            compact,
            exact: std::sync::OnceLock::new(),
        };
        if p.ascii.is_none() {
            // No ASCII build: the Unicode one is the only check that the pattern is valid.
            p.unicode()?;
        }
        Ok(Pattern::Std(Box::new(p)))
    }

    /// The anchored Rust pattern of the ASCII build, for building sets; `None` for patterns
    /// a byte set cannot hold.
    pub fn ascii_pattern(&self) -> Option<&str> {
        match self {
            Pattern::Std(p) => p.ascii.as_ref().map(|re| re.as_str()),
            Pattern::Fancy(_) => None,
        }
    }

    /// Number of capture groups, not counting the whole match (Python's `groups`).
    pub fn groups(&self) -> usize {
        match self {
            // The ASCII build has the same groups; the Unicode one is compiled only when a
            // pattern has no ASCII build (or a line needs it), not to count groups.
            Pattern::Std(p) => match &p.ascii {
                Some(re) => re.captures_len() - 1,
                None => p.unicode().map_or(0, |re| re.captures_len() - 1),
            },
            Pattern::Fancy(re) => re.captures_len() - 1,
        }
    }

    /// Named groups with their group numbers, in pattern order.
    pub fn names(&self) -> Vec<(usize, String)> {
        let names: Vec<Option<String>> = match self {
            Pattern::Std(p) => match &p.ascii {
                Some(re) => re.capture_names().map(|n| n.map(str::to_string)).collect(),
                None => p.unicode().map_or_else(
                    |_| Vec::new(),
                    |re| re.capture_names().map(|n| n.map(str::to_string)).collect(),
                ),
            },
            Pattern::Fancy(re) => re.capture_names().map(|n| n.map(str::to_string)).collect(),
        };
        names
            .into_iter()
            .enumerate()
            .filter_map(|(i, n)| n.map(|n| (i, n)))
            .collect()
    }

    /// Fresh capture slots for this pattern.
    pub fn slots(&self) -> Slots {
        Slots::default()
    }

    /// Matches at the start of `text`, filling `slots`; false when it does not match.
    pub fn captures(&self, text: &str, slots: &mut Slots) -> Result<bool, Error> {
        match self {
            Pattern::Std(p) => {
                if let Some(re) = &p.ascii
                    && text.is_ascii()
                {
                    if let Some(compact) = &p.compact {
                        if !compact.may_start(text.as_bytes()) {
                            return Ok(false);
                        }
                        match compact.exec(text.as_bytes(), &mut slots.compact) {
                            Outcome::Match => {
                                slots.last = Engine::Compact;
                                return Ok(true);
                            }
                            Outcome::NoMatch => return Ok(false),
                            Outcome::GaveUp => {}
                        }
                    }
                    let locs = slots.ascii.get_or_insert_with(|| re.capture_locations());
                    slots.last = Engine::Ascii;
                    return Ok(re.captures_read(locs, text.as_bytes()).is_some());
                }
                let re = p.unicode()?;
                let locs = slots.unicode.get_or_insert_with(|| re.capture_locations());
                slots.last = Engine::Unicode;
                Ok(re.captures_read(locs, text).is_some())
            }
            Pattern::Fancy(re) => {
                let caps = re.captures(text).map_err(|e| Error::Runtime {
                    pattern: re.as_str().to_string(),
                    message: e.to_string(),
                })?;
                let Some(caps) = caps else { return Ok(false) };
                slots.fancy.clear();
                slots
                    .fancy
                    .extend((0..caps.len()).map(|i| caps.get(i).map(|m| (m.start(), m.end()))));
                slots.last = Engine::Fancy;
                Ok(true)
            }
        }
    }

    /// [`Pattern::captures`] for a line the caller already knows this pattern matches (from
    /// a rule set over its ASCII build): the same answer, found without first scanning for
    /// the match.
    pub fn captures_matched(&self, text: &str, slots: &mut Slots) -> Result<bool, Error> {
        use regex_automata::{Anchored, Input};
        let Pattern::Std(p) = self else {
            return self.captures(text, slots);
        };
        if p.ascii.is_none() || !text.is_ascii() {
            return self.captures(text, slots);
        }
        if let Some(compact) = &p.compact {
            // A no-match contradicts the set that sent the line here; let `regex` decide
            // that, as it does when the matcher gives up.
            if compact.exec(text.as_bytes(), &mut slots.compact) == Outcome::Match {
                slots.last = Engine::Compact;
                return Ok(true);
            }
        }
        let exact = p.exact.get_or_init(|| Exact::build(&p.source));
        let Some(exact) = exact else {
            return self.captures(text, slots);
        };
        let onepass = exact.onepass.as_ref();
        if onepass.is_none() && text.len() > exact.backtrack.max_haystack_len() {
            return self.captures(text, slots);
        }
        let s = slots.exact.get_or_insert_with(|| ExactSlots {
            caps: match onepass {
                Some(dfa) => dfa.create_captures(),
                None => exact.backtrack.create_captures(),
            },
            onepass: onepass.map(|dfa| dfa.create_cache()),
            backtrack: exact.backtrack.create_cache(),
        });
        let input = Input::new(text.as_bytes()).anchored(Anchored::Yes);
        let searched = match (onepass, s.onepass.as_mut()) {
            (Some(dfa), Some(cache)) => dfa.try_search(cache, &input, &mut s.caps),
            _ => exact
                .backtrack
                .try_search(&mut s.backtrack, &input, &mut s.caps),
        };
        if searched.is_err() {
            return self.captures(text, slots);
        }
        slots.last = Engine::Exact;
        Ok(s.caps.is_match())
    }

    /// True when the pattern matches at the start of `text` (no captures needed).
    pub fn is_match(&self, text: &str) -> Result<bool, Error> {
        match self {
            Pattern::Std(p) => match &p.ascii {
                Some(re) if text.is_ascii() => Ok(re.is_match(text.as_bytes())),
                _ => Ok(p.unicode()?.is_match(text)),
            },
            Pattern::Fancy(re) => re.is_match(text).map_err(|e| Error::Runtime {
                pattern: re.as_str().to_string(),
                message: e.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust(py: &str) -> String {
        translate(py).expect("translates").pattern
    }

    fn matches(py: &str, text: &str) -> Option<String> {
        let p = Pattern::new_match(py).expect("compiles");
        let mut slots = p.slots();
        p.captures(text, &mut slots).expect("runs").then(|| {
            slots
                .get(0)
                .map(|(a, b)| text[a..b].to_string())
                .unwrap_or_default()
        })
    }

    #[test]
    fn python_only_spellings_are_rewritten() {
        assert_eq!(rust(r"foo\Z"), r"foo\z");
        assert_eq!(rust(r"[[a]"), r"[\[a]");
        assert_eq!(rust(r"a{,3}"), r"a{0,3}");
        assert_eq!(rust(r"a{x}"), r"a\{x\}");
        assert_eq!(rust(r"\<a\>"), r"<a>");
        assert_eq!(rust(r"[a&&b]"), r"[a\&\&b]");
        assert_eq!(rust(r"(?#note)x"), r"x");
    }

    #[test]
    fn match_is_anchored_at_start_only() {
        assert_eq!(matches(r"ab", "abc").as_deref(), Some("ab"));
        assert_eq!(matches(r"b", "abc"), None);
        assert_eq!(matches(r"a|b", "bc").as_deref(), Some("b"));
        assert_eq!(matches(r"x$", "x").as_deref(), Some("x"));
    }

    #[test]
    fn lookaround_and_backreferences_use_the_backtracker() {
        assert!(translate(r"(?!foo)\w+").expect("ok").fancy);
        assert_eq!(matches(r"(?!foo)\w+", "foo"), None);
        assert_eq!(matches(r"(?!foo)\w+", "bar").as_deref(), Some("bar"));
        assert_eq!(matches(r"(?P<a>\w)(?P=a)", "xx").as_deref(), Some("xx"));
        assert_eq!(matches(r"(?<=a)b|a\-b", "a-b").as_deref(), Some("a-b"));
        assert_eq!(matches(r"a++b", "aab").as_deref(), Some("aab"));
    }

    #[test]
    fn non_ascii_lines_use_unicode_classes() {
        assert_eq!(matches(r"\w+", "héllo").as_deref(), Some("héllo"));
        assert_eq!(matches(r"\w+", "hello").as_deref(), Some("hello"));
        assert_eq!(matches(r"(?i)straße", "STRASSE"), None);
        assert_eq!(matches(r"[éà]+x", "éàx").as_deref(), Some("éàx"));
        assert_eq!(matches(r"[éà]+x", "ax"), None);
    }

    #[test]
    fn untranslatable_constructs_are_named() {
        let err = translate(r"(?(1)a|b)").expect_err("conditional");
        assert!(err.to_string().contains("conditional"), "{err}");
        assert!(matches!(translate(r"\q"), Err(Error::Invalid { .. })));
        assert!(matches!(
            translate(r"(?a)x"),
            Err(Error::Unsupported { .. })
        ));
        assert!(Pattern::new_match(r"(unclosed").is_err());
    }
}
