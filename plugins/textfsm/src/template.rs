//! The TextFSM template language: `Value` lines, then states made of `^regex -> Action` rules.
//!
//! Parsing follows Python textfsm's reader rule for rule, because real template libraries
//! depend on its quirks: values split on single spaces, a blank line ends the value block
//! and each state, rules start with one or two spaces or a tab, `$$` is a literal `$`, and
//! the action is whatever follows the *last* ` ->` on the line.

use std::collections::HashMap;

use regex_syntax::hir::{Hir, HirKind};

use crate::pyre::{self, Pattern};

/// Longest value or state name textfsm accepts.
const MAX_NAME_LEN: usize = 48;

/// A template that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {template}: line {line}: {message}")]
pub struct Error {
    /// Template name (usually its file name), so a library-wide load names the culprit.
    pub template: String,
    /// 1-based line in the template (0 when the problem is the template as a whole).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Value options; each changes how the value is kept between records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt {
    /// Keeps its last value across records until `Clearall`.
    Filldown,
    /// Marks the value as part of the record key (used to join multi-template results).
    Key,
    /// A record without this value is dropped.
    Required,
    /// Collects every match of the record into a list.
    List,
    /// Copies its value upwards into earlier records that lack it.
    Fillup,
}

impl Opt {
    fn parse(name: &str) -> Option<Opt> {
        Some(match name {
            "Filldown" => Opt::Filldown,
            "Key" => Opt::Key,
            "Required" => Opt::Required,
            "List" => Opt::List,
            "Fillup" => Opt::Fillup,
            _ => return None,
        })
    }
}

/// One `Value` declaration.
#[derive(Debug, Clone)]
pub struct ValueDef {
    /// Column name as written (records lower-case it).
    pub name: String,
    /// Options in declaration order; textfsm runs their hooks in this order.
    pub options: Vec<Opt>,
    /// The regex as declared, e.g. `(\S+)`.
    pub regex: String,
    /// For a `List` value whose regex has more than one group: the regex itself, matched
    /// against each captured item so its named groups become a dict item (textfsm's nested
    /// groups).
    pub nested: Option<Pattern>,
    /// Named groups of [`ValueDef::nested`] (group number and name), cached for the hot path.
    pub nested_names: Vec<(usize, String)>,
}

impl ValueDef {
    /// True when the value has `opt`.
    pub fn has(&self, opt: Opt) -> bool {
        self.options.contains(&opt)
    }
}

/// What happens to the input line after a rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineOp {
    /// Read the next line and start again at the top of the (possibly new) state.
    Next,
    /// Keep trying the following rules of this state on the same line.
    Continue,
    /// Stop parsing with an error.
    Error,
}

/// What happens to the record being built after a rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOp {
    /// Leave the record as it is.
    NoRecord,
    /// Emit the record (if well formed) and start a new one.
    Record,
    /// Clear values except `Filldown` ones.
    Clear,
    /// Clear every value, `Filldown` included.
    Clearall,
}

/// Where the FSM goes after a rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Stay in the current state.
    Stay,
    /// Go to the state with this index in [`Template::states`].
    State(usize),
    /// Stop reading input; no implicit record at the end.
    End,
    /// Stop reading input; the implicit end-of-input record still happens.
    Eof,
}

/// One `^regex -> Action` line.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule's regex after `${VAR}` substitution, anchored like `re.match`.
    pub pattern: Pattern,
    /// (group number, value index) for every named group that is a declared value.
    pub assigns: Vec<(usize, usize)>,
    /// Line operation.
    pub line_op: LineOp,
    /// Record operation.
    pub record_op: RecordOp,
    /// State transition.
    pub target: Target,
    /// For `Error "message"` (or `Error word`): the text after `Error`, quotes included.
    pub message: Option<String>,
    /// Line in the template, for error messages.
    pub line: usize,
}

/// A named list of rules.
#[derive(Debug, Clone)]
pub struct State {
    /// State name.
    pub name: String,
    /// Rules in order; the first that matches (and is not `Continue`) wins.
    pub rules: Vec<Rule>,
    /// All of the state's `regex`-engine rules in one set, so one pass over a line tells
    /// which rules can match instead of trying each in turn.
    pub prefilter: Option<Prefilter>,
}

/// Lazy-DFA cache for a state's set: the union of a state's rules needs more DFA states than
/// one rule, and with the default cache the engine gives up and falls back to a slow NFA.
const PREFILTER_DFA_LIMIT: usize = 16 << 20;

/// A state's rules as byte regexes (Unicode off) over all of them at once, for ASCII lines,
/// built from the `regex` crate's engine directly so a parse keeps the search caches and
/// hits from line to line.
///
/// A line usually needs only its first matching rule, which one leftmost-first search over
/// all of them gives; only after a `Continue` rule matched are the later ones asked about,
/// and then one search of `set` tells every rule that matches.
#[derive(Debug, Clone)]
pub struct Prefilter {
    /// The rules' anchored ASCII-build patterns, every match reported (a `RegexSet`).
    pub set: regex_automata::meta::Regex,
    /// The same patterns made lazy (see [`lazy`]) and searched leftmost-first: the first of
    /// them that matches.
    pub(crate) first: First,
    /// For each rule, its index in `set`; `None` for rules the set cannot hold (fancy ones),
    /// which are always tried.
    pub slot: Vec<Option<usize>>,
}

impl Prefilter {
    /// Builds the set, or `None` when it would not pay (fewer than two rules) or not compile.
    fn build(rules: &[Rule]) -> Option<Prefilter> {
        use regex_automata::MatchKind;
        let mut patterns = Vec::new();
        let slot = rules
            .iter()
            .map(|r| {
                let hir = pyre::parse_ascii(r.pattern.ascii_pattern()?)?;
                patterns.push(trim_tail(&hir));
                Some(patterns.len() - 1)
            })
            .collect();
        if patterns.len() < 2 {
            return None;
        }
        let set = meta_many(
            &patterns,
            MatchKind::All,
            regex_automata::nfa::thompson::WhichCaptures::None,
        )?;
        let lazy: Vec<Hir> = patterns.iter().map(lazy).collect();
        let first = match first_tables(&lazy) {
            Some(tables) => First::Tables(tables),
            None => First::Lazy(lazy_first(&lazy)?),
        };
        Some(Prefilter { set, first, slot })
    }

    /// The index in `set` of the first rule that matches the ASCII `line`. `cache` is the
    /// lazy DFA's (made on first use); `warm` asks for a table to be read into the CPU's
    /// cache first (see [`crate::firstrule::FirstRule::warm`]).
    pub(crate) fn first_match(
        &self,
        line: &str,
        cache: &mut Option<regex_automata::meta::Cache>,
        warm: bool,
    ) -> Option<usize> {
        match &self.first {
            First::Tables(tables) => {
                if warm {
                    tables.iter().for_each(|(_, table)| table.warm());
                }
                // The groups are in rule order: the first group with a match has the rule.
                tables
                    .iter()
                    .find_map(|(offset, table)| Some(offset + table.first(line.as_bytes())?))
            }
            First::Lazy(re) => {
                let input = regex_automata::Input::new(line.as_bytes())
                    .anchored(regex_automata::Anchored::Yes);
                let cache = cache.get_or_insert_with(|| re.create_cache());
                re.search_half_with(cache, &input)
                    .map(|m| m.pattern().as_usize())
            }
        }
    }
}

/// How a state finds the first of its rules that matches a line.
#[derive(Debug, Clone)]
pub(crate) enum First {
    /// Determinized when the template compiles (see [`crate::firstrule`]), one table per
    /// group of consecutive rules, each with the index of its group's first rule.
    Tables(Vec<(usize, crate::firstrule::FirstRule)>),
    /// Too large for a table: the `regex` crate's lazy DFA over the same patterns.
    Lazy(regex_automata::meta::Regex),
}

/// Most rules one table covers. A DFA over many rules can have far more states than rules
/// (one per combination of rules still alive), and determinizing it costs in proportion:
/// whole, `cisco_ios_show_version`'s 21-rule state took a third of a second; in groups (and
/// under [`crate::firstrule`]'s size cap) no corpus template takes over about 70 ms, and a
/// line costs a few more table walks, most of which die within a few bytes.
const RULES_PER_TABLE: usize = 16;

/// Tables for `patterns` in groups of consecutive rules, a group halved when its table
/// would be too large; `None` when a single rule's would be.
fn first_tables(patterns: &[Hir]) -> Option<Vec<(usize, crate::firstrule::FirstRule)>> {
    let mut tables = Vec::new();
    let mut start = 0;
    while start < patterns.len() {
        let mut len = (patterns.len() - start).min(RULES_PER_TABLE);
        loop {
            if let Some(table) = crate::firstrule::FirstRule::build(&patterns[start..start + len]) {
                tables.push((start, table));
                start += len;
                break;
            }
            if len == 1 {
                return None;
            }
            len /= 2;
        }
    }
    Some(tables)
}

/// The lazy DFA that answers for states whose table would be too large.
fn lazy_first(lazy: &[Hir]) -> Option<regex_automata::meta::Regex> {
    meta_many(
        lazy,
        regex_automata::MatchKind::LeftmostFirst,
        // Offsets (and so which pattern matched) need the implicit groups.
        regex_automata::nfa::thompson::WhichCaptures::Implicit,
    )
}

/// Several ASCII-build patterns in one byte regex, configured as
/// `regex::bytes::RegexSetBuilder` does with `unicode(false)`, with the caller's match kind.
fn meta_many(
    patterns: &[Hir],
    kind: regex_automata::MatchKind,
    captures: regex_automata::nfa::thompson::WhichCaptures,
) -> Option<regex_automata::meta::Regex> {
    use regex_automata::meta;
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .match_kind(kind)
                .utf8_empty(false)
                .which_captures(captures)
                .nfa_size_limit(Some(pyre::SIZE_LIMIT))
                .hybrid_cache_capacity(PREFILTER_DFA_LIMIT),
        )
        .build_many_from_hir(patterns)
        .ok()
}

/// The pattern without what follows its last required part: for "does it match at the start
/// of the line?" a trailing `.*`, `(.*)`, `\s*` or `,*` changes nothing (whatever precedes it
/// matched, it can match the empty string), but in a set searched for every pattern that
/// matches it keeps the search in a matching state to the end of the line.
fn trim_tail(hir: &Hir) -> Hir {
    // Matches the empty string wherever it is tried: it can be empty and looks at nothing.
    let optional =
        |h: &Hir| h.properties().minimum_len() == Some(0) && h.properties().look_set().is_empty();
    match hir.kind() {
        HirKind::Concat(items) => {
            let keep = items.len() - items.iter().rev().take_while(|h| optional(h)).count();
            let mut items = items[..keep].to_vec();
            if let Some(last) = items.pop() {
                items.push(trim_tail(&last));
            }
            Hir::concat(items)
        }
        HirKind::Capture(cap) => trim_tail(&cap.sub),
        _ => hir.clone(),
    }
}

/// The pattern with every repetition lazy. Whether a pattern matches at the start of a line,
/// and so which of a set's patterns is the first to match there, does not depend on
/// greediness; but once the first pattern has matched, a leftmost-first search over lazy
/// patterns stops as soon as no earlier pattern can still match, instead of extending the
/// match (a `\S+` to the end of its word) for an end that is never used.
fn lazy(hir: &Hir) -> Hir {
    use regex_syntax::hir::{Capture, Repetition};
    match hir.kind() {
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            greedy: false,
            sub: Box::new(lazy(&rep.sub)),
            ..rep.clone()
        }),
        HirKind::Capture(cap) => Hir::capture(Capture {
            sub: Box::new(lazy(&cap.sub)),
            ..cap.clone()
        }),
        HirKind::Concat(items) => Hir::concat(items.iter().map(lazy).collect()),
        HirKind::Alternation(alts) => Hir::alternation(alts.iter().map(lazy).collect()),
        _ => hir.clone(),
    }
}

/// Per-parse working memory (capture slots, set caches and hits), kept with the template
/// between parses so a parse does not allocate it afresh.
#[derive(Default)]
pub(crate) struct ScratchPool(std::sync::Mutex<Vec<crate::fsm::Scratch>>);

impl ScratchPool {
    pub(crate) fn take(&self) -> Option<crate::fsm::Scratch> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
    }

    pub(crate) fn put(&self, scratch: crate::fsm::Scratch) {
        let mut pool = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // One per thread parsing with the template at once is plenty.
        if pool.len() < 8 {
            pool.push(scratch);
        }
    }
}

impl Clone for ScratchPool {
    fn clone(&self) -> Self {
        ScratchPool::default()
    }
}

impl std::fmt::Debug for ScratchPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScratchPool")
    }
}

/// A parsed, compiled TextFSM template, ready to parse any number of texts.
#[derive(Debug, Clone)]
pub struct Template {
    /// Name used in error messages (the file name for templates loaded from disk).
    pub name: String,
    /// Values in declaration order: the record's columns.
    pub values: Vec<ValueDef>,
    /// States except `End` (which textfsm drops); an empty `EOF` state is kept.
    pub states: Vec<State>,
    /// Index of `Start` in [`Template::states`].
    pub start: usize,
    /// An explicit `EOF` state suppresses the implicit record at end of input.
    pub has_eof_state: bool,
    /// Working memory for parses, reused.
    pub(crate) scratch: ScratchPool,
    /// The records' key list (shared by every record of every parse) and the column of each
    /// key, made once.
    pub(crate) record_keys: std::sync::OnceLock<(std::sync::Arc<[String]>, Vec<usize>)>,
    /// The same keys quoted for JSON text.
    pub(crate) json_keys: std::sync::OnceLock<Vec<(String, usize)>>,
}

impl Template {
    /// Parses and compiles a template; `name` is only used in error messages.
    pub fn parse(name: &str, text: &str) -> Result<Template, Error> {
        Parser {
            name,
            lines: text.lines().enumerate(),
        }
        .run()
    }

    /// Names of the `Key` values, which join the records of chained templates.
    pub fn keys(&self) -> Vec<String> {
        self.values
            .iter()
            .filter(|v| v.has(Opt::Key))
            .map(|v| v.name.clone())
            .collect()
    }

    /// Column names in order, as declared.
    pub fn header(&self) -> Vec<String> {
        self.values.iter().map(|v| v.name.clone()).collect()
    }
}

/// Reader state while parsing one template.
struct Parser<'a, I> {
    /// Template name for errors.
    name: &'a str,
    /// Remaining lines with their 0-based numbers.
    lines: I,
}

/// Python's `^\s*#`.
fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Python's `^\w+$` for state names.
fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

impl<'a, I: Iterator<Item = (usize, &'a str)>> Parser<'a, I> {
    fn err(&self, line: usize, message: impl Into<String>) -> Error {
        Error {
            template: self.name.to_string(),
            line,
            message: message.into(),
        }
    }

    fn run(mut self) -> Result<Template, Error> {
        let values = self.values()?;
        let var_map: HashMap<&str, String> = values
            .iter()
            .map(|v| (v.name.as_str(), format!("(?P<{}>{}", v.name, &v.regex[1..])))
            .collect();
        // Raw states first: targets may point forward.
        let mut raw: Vec<(String, usize, Vec<RawRule>)> = Vec::new();
        while let Some(state) = self.state(&raw, &var_map)? {
            raw.push(state);
        }
        let index_of = |name: &str| raw.iter().position(|(n, _, _)| n == name);
        let start = index_of("Start").ok_or_else(|| self.err(0, "missing state 'Start'"))?;
        for name in ["End", "EOF"] {
            if let Some(i) = index_of(name)
                && !raw[i].2.is_empty()
            {
                return Err(self.err(raw[i].1, format!("non-empty '{name}' state")));
            }
        }
        let mut states = Vec::with_capacity(raw.len());
        let kept: Vec<&str> = raw
            .iter()
            .map(|(n, _, _)| n.as_str())
            .filter(|n| *n != "End")
            .collect();
        for (name, _, rules) in &raw {
            if name == "End" {
                continue;
            }
            let mut compiled = Vec::with_capacity(rules.len());
            for r in rules {
                let target = match r.new_state.as_deref() {
                    _ if r.line_op == LineOp::Error => Target::Stay,
                    None => Target::Stay,
                    Some("End") => Target::End,
                    Some("EOF") => Target::Eof,
                    Some(s) => match kept.iter().position(|k| *k == s) {
                        Some(i) => Target::State(i),
                        None => {
                            return Err(self.err(
                                r.line,
                                format!("state '{s}' not found, referenced in state '{name}'"),
                            ));
                        }
                    },
                };
                let assigns = r
                    .pattern
                    .names()
                    .into_iter()
                    .filter_map(|(group, n)| {
                        values
                            .iter()
                            .position(|v| v.name == n)
                            .map(|vi| (group, vi))
                    })
                    .collect();
                compiled.push(Rule {
                    pattern: r.pattern.clone(),
                    assigns,
                    line_op: r.line_op,
                    record_op: r.record_op,
                    target,
                    message: (r.line_op == LineOp::Error)
                        .then(|| r.new_state.clone())
                        .flatten(),
                    line: r.line,
                });
            }
            states.push(State {
                name: name.clone(),
                prefilter: Prefilter::build(&compiled),
                rules: compiled,
            });
        }
        let start = kept.iter().position(|k| *k == raw[start].0).unwrap_or(0);
        let has_eof_state = kept.contains(&"EOF");
        Ok(Template {
            name: self.name.to_string(),
            values,
            states,
            start,
            has_eof_state,
            scratch: ScratchPool::default(),
            record_keys: std::sync::OnceLock::new(),
            json_keys: std::sync::OnceLock::new(),
        })
    }

    /// The value block: up to the first blank line.
    fn values(&mut self) -> Result<Vec<ValueDef>, Error> {
        let mut values: Vec<ValueDef> = Vec::new();
        while let Some((n, line)) = self.lines.next() {
            let n = n + 1;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if is_comment(line) {
                continue;
            }
            if let Some(decl) = line.strip_prefix("Value ") {
                let value = self.value(n, decl)?;
                if values.iter().any(|v| v.name == value.name) {
                    return Err(self.err(
                        n,
                        format!("duplicate declarations for Value '{}'", value.name),
                    ));
                }
                values.push(value);
            } else if values.is_empty() {
                return Err(self.err(n, "no Value definitions found"));
            } else {
                return Err(self.err(n, "expected blank line after last Value entry"));
            }
        }
        Ok(values)
    }

    /// One `Value [options] NAME (regex)` line, after the `Value ` prefix.
    fn value(&self, n: usize, decl: &str) -> Result<ValueDef, Error> {
        // textfsm splits on single spaces, so `Value  X` has an empty token: keep that.
        let tokens: Vec<&str> = decl.split(' ').collect();
        if tokens.len() < 2 {
            return Err(self.err(n, "expect at least 3 tokens on line"));
        }
        let (options, name, regex) = if tokens[1].starts_with('(') {
            (Vec::new(), tokens[0], tokens[1..].join(" "))
        } else {
            let mut options = Vec::new();
            for o in tokens[0].split(',') {
                let opt =
                    Opt::parse(o).ok_or_else(|| self.err(n, format!("unknown option \"{o}\"")))?;
                if options.contains(&opt) {
                    return Err(self.err(n, format!("duplicate option \"{o}\"")));
                }
                options.push(opt);
            }
            (options, tokens[1], tokens[2..].join(" "))
        };
        if name.chars().count() > MAX_NAME_LEN {
            return Err(self.err(n, format!("invalid Value name '{name}' or name too long")));
        }
        if !(regex.starts_with('(') && regex.ends_with(')'))
            || regex.matches('(').count() != regex.matches(')').count()
        {
            return Err(self.err(
                n,
                format!("Value '{regex}' must be contained within a '()' pair"),
            ));
        }
        let (nested, nested_names) = if options.contains(&Opt::List) {
            let p = Pattern::new_match(&regex).map_err(|e| self.err(n, e.to_string()))?;
            if p.groups() > 1 {
                let names = p.names();
                (Some(p), names)
            } else {
                (None, Vec::new())
            }
        } else {
            (None, Vec::new())
        };
        Ok(ValueDef {
            name: name.to_string(),
            options,
            regex,
            nested,
            nested_names,
        })
    }

    /// The next state (name line, then rules up to a blank line), or `None` at the end.
    fn state(
        &mut self,
        seen: &[(String, usize, Vec<RawRule>)],
        var_map: &HashMap<&str, String>,
    ) -> Result<Option<(String, usize, Vec<RawRule>)>, Error> {
        let (name, at) = loop {
            let Some((n, line)) = self.lines.next() else {
                return Ok(None);
            };
            let line = line.trim_end();
            if line.is_empty() || is_comment(line) {
                continue;
            }
            let n = n + 1;
            if !is_word(line)
                || line.chars().count() > MAX_NAME_LEN
                || [
                    "Continue", "Next", "Error", "Clear", "Clearall", "Record", "NoRecord",
                ]
                .contains(&line)
            {
                return Err(self.err(n, format!("invalid state name: '{line}'")));
            }
            if seen.iter().any(|(s, _, _)| s == line) {
                return Err(self.err(n, format!("duplicate state name: '{line}'")));
            }
            break (line.to_string(), n);
        };
        let mut rules = Vec::new();
        while let Some((n, line)) = self.lines.next() {
            let n = n + 1;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if is_comment(line) {
                continue;
            }
            if !(line.starts_with(" ^") || line.starts_with("  ^") || line.starts_with("\t^")) {
                return Err(self.err(n, "missing white space or carat ('^') before rule"));
            }
            rules.push(self.rule(n, line.trim(), var_map)?);
        }
        Ok(Some((name, at, rules)))
    }

    /// One rule line, already stripped.
    fn rule(
        &self,
        n: usize,
        line: &str,
        var_map: &HashMap<&str, String>,
    ) -> Result<RawRule, Error> {
        let (regex_src, action) = split_action(line);
        let regex = if var_map.is_empty() {
            regex_src.to_string()
        } else {
            substitute(regex_src, var_map)
                .map_err(|m| self.err(n, format!("{m} in '{regex_src}'")))?
        };
        let pattern = Pattern::new_match(&regex).map_err(|e| match e {
            pyre::Error::Unsupported { .. } => self.err(n, e.to_string()),
            _ => self.err(n, format!("invalid regular expression '{regex}': {e}")),
        })?;
        let (line_op, record_op, new_state) = match action {
            None => (LineOp::Next, RecordOp::NoRecord, None),
            Some(action) => parse_action(action)
                .ok_or_else(|| self.err(n, format!("badly formatted rule '{line}'")))?,
        };
        if line_op == LineOp::Continue && new_state.is_some() {
            return Err(self.err(
                n,
                format!(
                    "action 'Continue' with new state {} specified",
                    new_state.as_deref().unwrap_or("")
                ),
            ));
        }
        if line_op != LineOp::Error
            && let Some(s) = &new_state
            && !s.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            return Err(self.err(n, "alphanumeric characters only in state names"));
        }
        Ok(RawRule {
            pattern,
            line_op,
            record_op,
            new_state,
            line: n,
        })
    }
}

/// A rule before its target state is resolved.
struct RawRule {
    pattern: Pattern,
    line_op: LineOp,
    record_op: RecordOp,
    new_state: Option<String>,
    line: usize,
}

/// Splits `regex -> action` at the last whitespace-then-`->` (textfsm's greedy
/// `(.*)(\s->(.*))`); the regex keeps any other trailing whitespace.
fn split_action(line: &str) -> (&str, Option<&str>) {
    let bytes = line.as_bytes();
    let mut i = line.len();
    while let Some(pos) = line[..i].rfind("->") {
        if pos > 0
            && line[..pos]
                .chars()
                .next_back()
                .is_some_and(char::is_whitespace)
        {
            let ws = line[..pos].chars().next_back().map_or(1, char::len_utf8);
            return (&line[..pos - ws], Some(&line[pos + 2..]));
        }
        i = pos;
        if i == 0 || bytes.is_empty() {
            break;
        }
    }
    (line, None)
}

/// Parses the text after `->`: `[ LineOp[.RecordOp] | RecordOp ] [NewState | "message"]`,
/// with the same three alternatives, in the same order, as textfsm.
fn parse_action(action: &str) -> Option<(LineOp, RecordOp, Option<String>)> {
    let line_op = |s: &str| match s {
        "Continue" => Some(LineOp::Continue),
        "Next" => Some(LineOp::Next),
        "Error" => Some(LineOp::Error),
        _ => None,
    };
    let record_op = |s: &str| match s {
        "Clear" => Some(RecordOp::Clear),
        "Clearall" => Some(RecordOp::Clearall),
        "Record" => Some(RecordOp::Record),
        "NoRecord" => Some(RecordOp::NoRecord),
        _ => None,
    };
    // The new state is `\w+` or a double-quoted string running to the end.
    let new_state = |rest: &str| -> Option<Option<String>> {
        if rest.is_empty() {
            return Some(None);
        }
        let trimmed = rest.trim_start();
        if trimmed.len() == rest.len() {
            return None;
        }
        let ok = (trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"'))
            || is_word(trimmed);
        ok.then(|| Some(trimmed.to_string()))
    };
    let body = action.trim_start();
    if body.len() < action.len() {
        let (op, rest) = body.split_at(body.find(char::is_whitespace).unwrap_or(body.len()));
        let (first, second) = match op.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (op, None),
        };
        if let Some(l) = line_op(first) {
            let r = match second {
                None => Some(RecordOp::NoRecord),
                Some(b) => record_op(b),
            };
            if let (Some(r), Some(ns)) = (r, new_state(rest)) {
                return Some((l, r, ns));
            }
        }
        if second.is_none()
            && let (Some(r), Some(ns)) = (record_op(first), new_state(rest))
        {
            return Some((LineOp::Next, r, ns));
        }
    }
    new_state(action).map(|ns| (LineOp::Next, RecordOp::NoRecord, ns))
}

/// Python's `string.Template.substitute`: `$$` is `$`, `$NAME` and `${NAME}` are
/// replaced, and any other `$` is an error (which is why templates write `$$` for end of line).
fn substitute(text: &str, vars: &HashMap<&str, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len() * 2);
    let mut rest = text;
    let ident_len = |s: &str| {
        let mut chars = s.char_indices();
        match chars.next() {
            Some((_, c)) if c.is_ascii_alphabetic() || c == '_' => {}
            _ => return 0,
        }
        chars
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
            .map_or(s.len(), |(i, _)| i)
    };
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
            continue;
        }
        let (name, tail) = if let Some(braced) = after.strip_prefix('{') {
            let len = ident_len(braced);
            if len == 0 || !braced[len..].starts_with('}') {
                return Err("invalid placeholder".to_string());
            }
            (&braced[..len], &braced[len + 1..])
        } else {
            let len = ident_len(after);
            if len == 0 {
                return Err("invalid placeholder ('$' must be written '$$')".to_string());
            }
            (&after[..len], &after[len..])
        };
        let value = vars
            .get(name)
            .ok_or_else(|| format!("duplicate or invalid variable substitution '{name}'"))?;
        out.push_str(value);
        rest = tail;
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_grammar_matches_textfsm() {
        assert_eq!(
            parse_action(" Next.Record"),
            Some((LineOp::Next, RecordOp::Record, None))
        );
        assert_eq!(
            parse_action(" Record Foo"),
            Some((LineOp::Next, RecordOp::Record, Some("Foo".into())))
        );
        assert_eq!(
            parse_action(" Foo"),
            Some((LineOp::Next, RecordOp::NoRecord, Some("Foo".into())))
        );
        assert_eq!(
            parse_action(" Error \"bad line\""),
            Some((
                LineOp::Error,
                RecordOp::NoRecord,
                Some("\"bad line\"".into())
            ))
        );
        assert_eq!(
            parse_action(" Continue.Clearall"),
            Some((LineOp::Continue, RecordOp::Clearall, None))
        );
        assert_eq!(parse_action("Record"), None);
        assert_eq!(parse_action(" Next.Bogus"), None);
    }

    #[test]
    fn split_uses_the_last_arrow_after_whitespace() {
        assert_eq!(split_action("^a->b -> Record"), ("^a->b", Some(" Record")));
        assert_eq!(split_action("^a  -> Record"), ("^a ", Some(" Record")));
        assert_eq!(split_action("^a->b"), ("^a->b", None));
    }

    #[test]
    fn substitution_follows_string_template() {
        let vars: HashMap<&str, String> = [("A", "(?P<A>x)".to_string())].into_iter().collect();
        assert_eq!(
            substitute("^${A} $A$$", &vars).as_deref(),
            Ok("^(?P<A>x) (?P<A>x)$")
        );
        assert!(substitute("^a$", &vars).is_err());
        assert!(substitute("^${B}", &vars).is_err());
    }

    /// The first rule of a state that matches a line, by trying each rule's own regex.
    fn first_by_rules(state: &State, line: &str) -> Option<usize> {
        state
            .rules
            .iter()
            .position(|r| r.pattern.is_match(line).expect("runs"))
    }

    #[test]
    fn lazy_set_finds_the_first_matching_rule() {
        let tpl = Template::parse(
            "t",
            "Value A (\\S+)\nValue B (.*)\n\nStart\n  ^\\s+Hardware\\s+is\\s+${A}\n  ^\\s*${A}\\s+is\\s+${B}\n  ^${A}\\s+\\d+\n  ^\\s+${B},\\s+x\n  ^.*rate\\s+${A}\n  ^(ab|a)c?\n  ^\\s*$$\n",
        )
        .expect("compiles");
        let state = &tpl.states[tpl.start];
        let p = state.prefilter.as_ref().expect("has a set");
        assert!(
            matches!(p.first, First::Tables(_)),
            "small enough for a table"
        );
        // The lazy DFA, which answers for larger states, over the same patterns.
        let lazy_patterns: Vec<Hir> = state
            .rules
            .iter()
            .map(|r| {
                let hir =
                    pyre::parse_ascii(r.pattern.ascii_pattern().expect("ascii")).expect("parses");
                lazy(&trim_tail(&hir))
            })
            .collect();
        let by_lazy_dfa = Prefilter {
            set: p.set.clone(),
            first: First::Lazy(lazy_first(&lazy_patterns).expect("builds")),
            slot: p.slot.clone(),
        };
        for line in [
            "  Hardware is Eth",
            "Gi0/1 is up",
            "",
            "  Hardware was",
            "Gi0/1 12",
            "  a, b, x",
            "  5 minute input rate 10 bits",
            "   ",
            "nothing",
            "abc",
            "ac",
        ] {
            let want = first_by_rules(state, line);
            assert_eq!(p.first_match(line, &mut None, true), want, "{line:?}");
            assert_eq!(
                by_lazy_dfa.first_match(line, &mut None, false),
                want,
                "{line:?}"
            );
        }
    }

    #[test]
    fn rules_in_several_tables_still_answer_in_rule_order() {
        let mut text = String::from("Value A (\\S+)\n\nStart\n");
        for i in 0..18 {
            text.push_str(&format!("  ^a{i}\\b\n"));
        }
        text.push_str("  ^a1${A}\n  ^.\n");
        let tpl = Template::parse("t", &text).expect("compiles");
        let state = &tpl.states[tpl.start];
        let p = state.prefilter.as_ref().expect("has a set");
        let First::Tables(tables) = &p.first else {
            panic!("expected tables");
        };
        assert!(tables.len() >= 2, "20 rules need more than one table");
        for line in ["a1 z", "a17", "a16 x", "a1x", "zzz", "a", ""] {
            let want = first_by_rules(state, line);
            assert_eq!(p.first_match(line, &mut None, true), want, "{line:?}");
        }
    }

    #[test]
    fn set_patterns_lose_only_tails_that_always_match() {
        let hir = |p: &str| pyre::parse_ascii(p).expect("parses");
        let trimmed = |p: &str| trim_tail(&hir(p));
        assert_eq!(trimmed(r"^(?:a\s+(?P<X>.*))"), hir(r"^a\s+"));
        assert_eq!(trimmed(r"^(?:a(?P<X>\S+),*\s*)"), hir(r"^a\S+"));
        assert_eq!(trimmed(r"^(?:.*)"), hir(r"^"));
        // `$` and `\b` look at the text, so they and what precedes them stay.
        assert_eq!(trimmed(r"^(?:a.*$)"), hir(r"^a.*$"));
        assert_eq!(trimmed(r"^(?:a\s*\b)"), hir(r"^a\s*\b"));
        // Alternatives are left alone.
        assert_eq!(trimmed(r"^(?:a.*|b)"), hir(r"^(?:a.*|b)"));
    }
}
