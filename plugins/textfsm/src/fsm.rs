//! Running a template over text: the state machine and the value hooks.
//!
//! The behaviour is textfsm's, hook for hook, because real templates lean on its corners:
//! a group that did not take part in a match still assigns (an empty value), a record whose
//! values are all unset or empty lists is not emitted (but `Filldown` values count as set),
//! `Required` drops the record and clears it, options run in declaration order, and the
//! implicit record at end of input is skipped after `End` or when an `EOF` state exists.

use regex_automata::{Anchored, Input, PatternID, PatternSet};

use crate::pyre::{self, Slots};
use serde_json::Value;

use crate::record::{
    Field, Item, JsonCell, Record, Table, json_keys, push_json_list, push_json_string, record_keys,
    rows_to_json,
};
use crate::template::{LineOp, Opt, RecordOp, Target, Template};

/// Why a parse stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A rule with the `Error` action matched: the template says the input is not what it expects.
    #[error("template {template}: {message}. rule line: {rule_line}. input line: {input:?}")]
    Rule {
        /// Template name.
        template: String,
        /// `Error: "text"` from the rule, or `state error raised` without one.
        message: String,
        /// Line of the rule in the template.
        rule_line: usize,
        /// The input line that hit the rule.
        input: String,
    },
    /// A backtracking pattern gave up on a line.
    #[error("template {template}: {source}")]
    Regex {
        /// Template name.
        template: String,
        /// The engine's complaint.
        source: pyre::Error,
    },
}

/// Python's current `value.value`: unset, a string, or (after a record's save hook) a list.
/// Strings are slices of the parsed text, copied only when a table is made of the rows.
#[derive(Debug, Clone, Default)]
enum Cur<'t> {
    #[default]
    None,
    Str(&'t str),
    List(Vec<Item>),
}

impl<'t> Cur<'t> {
    fn is_truthy(&self) -> bool {
        match self {
            Cur::None => false,
            Cur::Str(s) => !s.is_empty(),
            Cur::List(l) => !l.is_empty(),
        }
    }

    fn from_opt(s: Option<&'t str>) -> Cur<'t> {
        s.map_or(Cur::None, Cur::Str)
    }
}

/// One cell of a row as the FSM builds it: text borrowed from the input.
#[derive(Debug)]
pub(crate) enum Cell<'t> {
    /// A plain value; empty when it never matched.
    Str(&'t str),
    /// A `List` value.
    List(Vec<Item>),
}

impl Cell<'_> {
    fn is_truthy(&self) -> bool {
        match self {
            Cell::Str(s) => !s.is_empty(),
            Cell::List(l) => !l.is_empty(),
        }
    }

    fn into_json(self) -> Value {
        match self {
            Cell::Str(s) => Value::String(s.to_string()),
            Cell::List(l) => Value::Array(l.into_iter().map(Item::into_json).collect()),
        }
    }

    fn into_field(self) -> Field {
        match self {
            Cell::Str(s) => Field::Str(s.to_string()),
            Cell::List(l) => Field::List(l),
        }
    }
}

impl JsonCell for Cell<'_> {
    fn write_json(&self, out: &mut String) {
        match self {
            Cell::Str(s) => push_json_string(out, s),
            Cell::List(items) => push_json_list(out, items),
        }
    }
}

/// Per-parse state of one value.
#[derive(Debug, Default)]
struct Slot<'t> {
    /// The value as textfsm's `value.value`.
    cur: Cur<'t>,
    /// `Filldown`'s remembered value.
    filldown: Option<&'t str>,
    /// `List`'s accumulated items.
    list: Vec<Item>,
}

/// One run of a template over one text.
struct Run<'a, 't> {
    tpl: &'a Template,
    slots: Vec<Slot<'t>>,
    rows: Vec<Vec<Cell<'t>>>,
}

/// Per state with a prefilter: search caches and what the current line matched.
struct SetScratch {
    /// Cache of [`crate::template::Prefilter::first`]'s lazy DFA, when it has one.
    first_cache: Option<regex_automata::meta::Cache>,
    /// Cache of [`crate::template::Prefilter::set`].
    all_cache: regex_automata::meta::Cache,
    /// The first set pattern the line matches (leftmost-first search).
    first: Option<usize>,
    /// Every set pattern the line matches, once needed (after a `Continue`).
    all: PatternSet,
    /// Whether `all` is for the current line.
    all_done: bool,
}

impl SetScratch {
    /// Whether set pattern `i` matches the line at `line`.
    fn matched(&mut self, set: &regex_automata::meta::Regex, line: &str, i: usize) -> bool {
        match self.first {
            None => false,
            Some(f) if i <= f => i == f,
            Some(_) => {
                if !self.all_done {
                    self.all.clear();
                    let input = Input::new(line.as_bytes()).anchored(Anchored::Yes);
                    set.which_overlapping_matches_with(&mut self.all_cache, &input, &mut self.all);
                    self.all_done = true;
                }
                self.all.contains(PatternID::new_unchecked(i))
            }
        }
    }
}

/// Working memory of a parse, kept with the template between parses (see
/// [`Template::parse_text`]).
pub struct Scratch {
    /// Capture slots per state and rule, made on a rule's first match.
    caps: Vec<Vec<Option<Slots>>>,
    /// Per state with a prefilter: its search cache and the set of rules that matched.
    sets: Vec<Option<SetScratch>>,
}

impl Scratch {
    fn new(tpl: &Template) -> Scratch {
        Scratch {
            caps: tpl
                .states
                .iter()
                .map(|s| s.rules.iter().map(|_| None).collect())
                .collect(),
            sets: tpl
                .states
                .iter()
                .map(|s| {
                    s.prefilter.as_ref().map(|p| SetScratch {
                        first_cache: None,
                        all_cache: p.set.create_cache(),
                        first: None,
                        all: PatternSet::new(p.set.pattern_len()),
                        all_done: false,
                    })
                })
                .collect(),
        }
    }
}

impl Template {
    /// Parses `text` into a table, like textfsm's `ParseText` (with end-of-input handling).
    pub fn parse_text(&self, text: &str) -> Result<Table, Error> {
        let rows = self.rows(text)?;
        Ok(Table {
            header: self.header(),
            rows: rows
                .into_iter()
                .map(|row| row.into_iter().map(Cell::into_field).collect())
                .collect(),
        })
    }

    /// [`Template::parse_text`]'s records as JSON text, the same as
    /// `Table::to_json`, written from the parsed text without copying values first.
    pub fn parse_json(&self, text: &str) -> Result<String, Error> {
        let rows = self.rows(text)?;
        let keys = self.json_keys.get_or_init(|| json_keys(&self.header()));
        Ok(rows_to_json(keys, &rows))
    }

    /// [`Template::parse_text`]'s records (`Table::into_records`), made without a table in
    /// between; the records share the template's key list.
    pub fn parse_records(&self, text: &str) -> Result<Vec<Record>, Error> {
        let rows = self.rows(text)?;
        let (keys, cols) = self.record_keys.get_or_init(|| record_keys(&self.header()));
        Ok(rows
            .into_iter()
            .map(|mut row| {
                let values = cols
                    .iter()
                    .map(|col| std::mem::replace(&mut row[*col], Cell::Str("")).into_json())
                    .collect();
                Record::new(std::sync::Arc::clone(keys), values)
            })
            .collect())
    }

    /// The records' rows, with the working memory borrowed from the template's pool.
    fn rows<'t>(&self, text: &'t str) -> Result<Vec<Vec<Cell<'t>>>, Error> {
        let mut scratch = self.scratch.take().unwrap_or_else(|| Scratch::new(self));
        let result = self.run(text, &mut scratch);
        self.scratch.put(scratch);
        result
    }

    fn run<'t>(&self, text: &'t str, scratch: &mut Scratch) -> Result<Vec<Vec<Cell<'t>>>, Error> {
        let mut run = Run {
            tpl: self,
            slots: self.values.iter().map(|_| Slot::default()).collect(),
            rows: Vec::new(),
        };
        let mut state = self.start;
        let mut stopped = None;
        // States whose rule table this parse has warmed (see `FirstRule::warm`), one bit
        // per state index modulo 64: a template with more states only skips some warm-ups.
        let mut warmed = 0u64;
        'lines: for line in split_lines(text) {
            let st = &self.states[state];
            // The set is an ASCII build: other lines try every rule.
            let mut hits = match (&st.prefilter, scratch.sets[state].as_mut()) {
                (Some(p), Some(ss)) if line.is_ascii() => {
                    let bit = 1u64 << (state % 64);
                    ss.first = p.first_match(line, &mut ss.first_cache, warmed & bit == 0);
                    warmed |= bit;
                    ss.all_done = false;
                    Some((p, ss))
                }
                _ => None,
            };
            for (ri, rule) in st.rules.iter().enumerate() {
                // Known from the set: a miss is skipped, and a hit that assigns nothing
                // (headers, blank lines) needs no second search for captures.
                let known = match hits.as_mut() {
                    Some((p, ss)) => p.slot[ri].map(|i| ss.matched(&p.set, line, i)),
                    None => None,
                };
                match known {
                    Some(false) => continue,
                    Some(true) if rule.assigns.is_empty() => {}
                    _ => {
                        let slots =
                            scratch.caps[state][ri].get_or_insert_with(|| rule.pattern.slots());
                        let hit = if known == Some(true) {
                            rule.pattern.captures_matched(line, slots)
                        } else {
                            rule.pattern.captures(line, slots)
                        }
                        .map_err(|source| Error::Regex {
                            template: self.name.clone(),
                            source,
                        })?;
                        if !hit {
                            continue;
                        }
                        for &(group, vi) in &rule.assigns {
                            let val = slots.get(group).map(|(a, b)| &line[a..b]);
                            run.assign(vi, val);
                        }
                    }
                }
                match rule.record_op {
                    RecordOp::NoRecord => {}
                    RecordOp::Record => run.append_record(),
                    RecordOp::Clear => run.clear(),
                    RecordOp::Clearall => run.clear_all(),
                }
                match rule.line_op {
                    LineOp::Continue => continue,
                    LineOp::Error => {
                        return Err(Error::Rule {
                            template: self.name.clone(),
                            message: match &rule.message {
                                Some(m) => format!("error: {m}"),
                                None => "state error raised".to_string(),
                            },
                            rule_line: rule.line,
                            input: line.to_string(),
                        });
                    }
                    LineOp::Next => {}
                }
                match rule.target {
                    Target::Stay => {}
                    Target::State(s) => state = s,
                    Target::End | Target::Eof => {
                        stopped = Some(rule.target);
                        break 'lines;
                    }
                }
                break;
            }
        }
        if stopped != Some(Target::End) && !self.has_eof_state {
            run.append_record();
        }
        Ok(run.rows)
    }
}

impl<'t> Run<'_, 't> {
    /// textfsm's `AssignVar` and the options' `OnAssignVar` hooks, in declaration order.
    fn assign(&mut self, vi: usize, val: Option<&'t str>) {
        let def = &self.tpl.values[vi];
        let slot = &mut self.slots[vi];
        slot.cur = Cur::from_opt(val);
        for opt in &def.options {
            match opt {
                Opt::Filldown => slot.filldown = val,
                Opt::Fillup => {
                    if let Some(v) = val.filter(|v| !v.is_empty()) {
                        for row in self.rows.iter_mut().rev() {
                            if row[vi].is_truthy() {
                                break;
                            }
                            row[vi] = Cell::Str(v);
                        }
                    }
                }
                Opt::List => {
                    let item = match (&def.nested, val) {
                        (Some(nested), Some(v)) => nested_item(nested, &def.nested_names, v),
                        _ => None,
                    };
                    slot.list.push(item.unwrap_or_else(|| match val {
                        Some(v) => Item::Str(v.to_string()),
                        None => Item::Null,
                    }));
                }
                Opt::Key | Opt::Required => {}
            }
        }
    }

    /// textfsm's `_AppendRecord`: save hooks, the all-empty check, then clear.
    fn append_record(&mut self) {
        if self.slots.is_empty() {
            return;
        }
        for (def, slot) in self.tpl.values.iter().zip(self.slots.iter_mut()) {
            for opt in &def.options {
                match opt {
                    Opt::Required if !slot.cur.is_truthy() => {
                        self.clear();
                        return;
                    }
                    Opt::List => slot.cur = Cur::List(slot.list.clone()),
                    _ => {}
                }
            }
        }
        let all_empty = self.slots.iter().all(|s| match &s.cur {
            Cur::None => true,
            Cur::List(l) => l.is_empty(),
            Cur::Str(_) => false,
        });
        if all_empty {
            return;
        }
        // Taking the values is safe: `clear` below resets every one of them anyway.
        let row = self
            .slots
            .iter_mut()
            .map(|s| match std::mem::take(&mut s.cur) {
                Cur::None => Cell::Str(""),
                Cur::Str(v) => Cell::Str(v),
                Cur::List(l) => Cell::List(l),
            })
            .collect();
        self.rows.push(row);
        self.clear();
    }

    /// `Clear`: unset every value, then `Filldown` restores and `List` (unless `Filldown`) empties.
    fn clear(&mut self) {
        for (def, slot) in self.tpl.values.iter().zip(self.slots.iter_mut()) {
            slot.cur = Cur::None;
            for opt in &def.options {
                match opt {
                    Opt::Filldown => slot.cur = Cur::from_opt(slot.filldown),
                    Opt::List if !def.has(Opt::Filldown) => slot.list.clear(),
                    _ => {}
                }
            }
        }
    }

    /// `Clearall`: unset every value and forget `Filldown` and `List` state.
    fn clear_all(&mut self) {
        for (def, slot) in self.tpl.values.iter().zip(self.slots.iter_mut()) {
            slot.cur = Cur::None;
            for opt in &def.options {
                match opt {
                    Opt::Filldown => slot.filldown = None,
                    Opt::List => slot.list.clear(),
                    _ => {}
                }
            }
        }
    }
}

/// A `List` item with nested named groups becomes a dict of them (`None` when the value's
/// own regex does not match its captured text, or has no named groups).
fn nested_item(nested: &crate::pyre::Pattern, names: &[(usize, String)], v: &str) -> Option<Item> {
    if names.is_empty() {
        return None;
    }
    let mut slots = nested.slots();
    if !nested.captures(v, &mut slots).ok()? {
        return None;
    }
    Some(Item::Groups(
        names
            .iter()
            .map(|(g, n)| (n.clone(), slots.get(*g).map(|(a, b)| v[a..b].to_string())))
            .collect(),
    ))
}

/// Python's `str.splitlines()`: every Unicode line boundary, no trailing empty line.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let mut i = pos;
        // Eight bytes at a time past plain ASCII text: every line boundary is a control
        // byte (< 0x20) or starts a multi-byte character (>= 0x80).
        while let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let x = u64::from_le_bytes(word);
            const ONES: u64 = u64::from_le_bytes([0x01; 8]);
            const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
            // A high bit set for any byte below 0x20 (the classic "has less than" test, which
            // may also flag bytes >= 0x80, wanted here anyway) or any byte >= 0x80.
            if (x.wrapping_sub(ONES * 0x20) & !x & HIGH) | (x & HIGH) != 0 {
                break;
            }
            i += 8;
        }
        while i < bytes.len() {
            let b = bytes[i];
            let brk = match b {
                b'\n' | 0x0b | 0x0c | 0x1c | 0x1d | 0x1e => 1,
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    }
                }
                // U+0085 is C2 85; U+2028 / U+2029 are E2 80 A8 / A9.
                0xc2 if bytes.get(i + 1) == Some(&0x85) => 2,
                0xe2 if bytes.get(i + 1) == Some(&0x80)
                    && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)) =>
                {
                    3
                }
                _ => 0,
            };
            if brk > 0 {
                pos = i + brk;
                return Some(&text[start..i]);
            }
            i += 1;
        }
        pos = bytes.len();
        Some(&text[start..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitlines_like_python() {
        let v: Vec<&str> = split_lines("a\r\nb\rc\n\nd\u{2028}e\n").collect();
        assert_eq!(v, ["a", "b", "c", "", "d", "e"]);
        assert_eq!(split_lines("").count(), 0);
        // Boundaries anywhere in and past the eight-byte stride, after tabs and non-ASCII.
        let text = "0123456789abcdef\r\n\tx\u{0b}0123456\u{85}é1234567\u{2029}01234567";
        let v: Vec<&str> = split_lines(text).collect();
        assert_eq!(
            v,
            ["0123456789abcdef", "\tx", "0123456", "é1234567", "01234567"]
        );
    }

    /// Python's `splitlines`, one character at a time.
    fn reference(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let end = match c {
                '\r' if chars.peek().map(|&(_, n)| n) == Some('\n') => {
                    chars.next();
                    i + 2
                }
                '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}'
                | '\u{2028}' | '\u{2029}' => i + c.len_utf8(),
                _ => continue,
            };
            out.push(&text[start..i]);
            start = end;
        }
        if start < text.len() {
            out.push(&text[start..]);
        }
        out
    }

    #[test]
    fn splitlines_matches_a_char_by_char_reference() {
        let alphabet = [
            "a",
            "b",
            " ",
            "\t",
            "\n",
            "\r",
            "\r\n",
            "\u{0b}",
            "\u{1e}",
            "\u{1f}",
            "é",
            "\u{85}",
            "\u{2028}",
            "\u{2030}",
            "0123456789",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            let mut text = String::new();
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            for _ in 0..(seed >> 58) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                text.push_str(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            assert_eq!(
                split_lines(&text).collect::<Vec<_>>(),
                reference(&text),
                "{text:?}"
            );
        }
    }
}
