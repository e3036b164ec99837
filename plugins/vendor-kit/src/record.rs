//! Accumulates parsed records with the semantics ntc-templates' records have, so every
//! parser produces the same rows, in the same order, with the same empty-value rules.
//!
//! A record is a fixed set of fields. A plain field is cleared after each record; a
//! `filldown` field keeps its value for the following records (a slot number above the
//! cards in it); a `list` field collects every value seen; a `required` field must be
//! non-empty for the record to be kept. A record whose fields were never set is dropped.
//!
//! Shared by the vendor plugin crates, so each parser follows one set of record rules.

use regex::{Captures, Regex};
use serde_json::{Map, Value};

/// A regex compiled once, on first use, and shared by every later call: a fresh Wasm
/// instance pays for compiling only the patterns of the parser it actually runs.
#[macro_export]
macro_rules! re {
    ($pattern:expr) => {{
        static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            // Invariant: the pattern is a string literal covered by the unit tests, so it compiles.
            regex::Regex::new($pattern).expect("regex literal compiles")
        });
        &*RE
    }};
}
pub use crate::re;

/// How one field of a record behaves between records.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Output key (lower-case, as in ntc-templates).
    pub name: &'static str,
    /// Collects every assigned value instead of keeping the last one.
    pub list: bool,
    /// Keeps its value after a record is emitted.
    pub filldown: bool,
    /// A record with this field empty is not emitted.
    pub required: bool,
}

/// A plain field: one value, cleared after every record.
pub const fn plain(name: &'static str) -> Field {
    Field {
        name,
        list: false,
        filldown: false,
        required: false,
    }
}

/// A field that must be set for the record to be kept.
pub const fn required(name: &'static str) -> Field {
    Field {
        name,
        list: false,
        filldown: false,
        required: true,
    }
}

/// A field collecting a list of values.
pub const fn list(name: &'static str) -> Field {
    Field {
        name,
        list: true,
        filldown: false,
        required: false,
    }
}

/// A field kept across records until overwritten.
pub const fn filldown(name: &'static str) -> Field {
    Field {
        name,
        list: false,
        filldown: true,
        required: false,
    }
}

/// The value of one field while a record is being built.
#[derive(Clone, Debug)]
enum Cell {
    /// Never assigned (or assigned from a group that did not take part in the match).
    Unset,
    /// Assigned, possibly to the empty string.
    Text(String),
    /// A list field's values so far.
    List(Vec<String>),
}

/// Builds the output rows of one parse.
pub struct Records {
    /// The record layout; the order is irrelevant to the JSON (keys are sorted).
    fields: &'static [Field],
    /// The record under construction.
    current: Vec<Cell>,
    /// Values kept for `filldown` fields after a record.
    kept: Vec<Cell>,
    /// Records emitted so far, in output order.
    rows: Vec<Value>,
}

impl Records {
    /// Starts an empty set of records with the given layout.
    pub fn new(fields: &'static [Field]) -> Self {
        let empty = fields.iter().map(Self::empty_cell).collect::<Vec<_>>();
        Records {
            fields,
            current: empty.clone(),
            kept: empty,
            rows: Vec::new(),
        }
    }

    fn empty_cell(field: &Field) -> Cell {
        if field.list {
            Cell::List(Vec::new())
        } else {
            Cell::Unset
        }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Sets a field; `None` stands for an optional group that did not match, which
    /// clears the field as it does in TextFSM. Unknown names are ignored.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let Some(i) = self.index(name) else { return };
        let field = self.fields[i];
        if field.list {
            if let (Some(v), Cell::List(items)) = (value, &mut self.current[i]) {
                items.push(v.to_string());
            }
        } else {
            self.current[i] = match value {
                Some(v) => Cell::Text(v.to_string()),
                None => Cell::Unset,
            };
        }
        if field.filldown {
            self.kept[i] = self.current[i].clone();
        }
    }

    /// Assigns every named group of `re` found in `caps` to the field of the same name.
    pub fn assign(&mut self, re: &Regex, caps: &Captures<'_>) {
        for name in re.capture_names().flatten() {
            self.set(name, caps.name(name).map(|m| m.as_str()));
        }
    }

    /// Assigns the named groups of `re` when it matches `line`; whether it did.
    pub fn assign_match(&mut self, re: &Regex, line: &str) -> bool {
        match re.captures(line) {
            Some(c) => {
                self.assign(re, &c);
                true
            }
            None => false,
        }
    }

    /// Assigns the named groups of the first of `rules` that matches `line` (the order
    /// settles lines more than one rule would take); whether one did.
    pub fn assign_first_match(&mut self, rules: &[&Regex], line: &str) -> bool {
        rules.iter().any(|re| self.assign_match(re, line))
    }

    /// The current text of a field ("" when unset or a list).
    pub fn get(&self, name: &str) -> &str {
        match self.index(name).map(|i| &self.current[i]) {
            Some(Cell::Text(s)) => s,
            _ => "",
        }
    }

    /// Emits the current record (unless it is empty or misses a required field), then
    /// clears it, keeping `filldown` fields.
    pub fn record(&mut self) {
        let all_unset = self.current.iter().all(|c| match c {
            Cell::Unset => true,
            Cell::List(items) => items.is_empty(),
            Cell::Text(_) => false,
        });
        let missing_required = self.fields.iter().zip(&self.current).any(|(f, c)| {
            f.required
                && match c {
                    Cell::Unset => true,
                    Cell::Text(s) => s.is_empty(),
                    Cell::List(items) => items.is_empty(),
                }
        });
        if !all_unset && !missing_required {
            let mut row = Map::new();
            for (f, c) in self.fields.iter().zip(&self.current) {
                let v = match c {
                    Cell::Unset => Value::String(String::new()),
                    Cell::Text(s) => Value::String(s.clone()),
                    Cell::List(items) => {
                        Value::Array(items.iter().cloned().map(Value::String).collect())
                    }
                };
                row.insert(f.name.to_string(), v);
            }
            self.rows.push(Value::Object(row));
        }
        self.clear();
    }

    /// Clears the record under construction, keeping `filldown` fields.
    pub fn clear(&mut self) {
        for (i, f) in self.fields.iter().enumerate() {
            self.current[i] = if f.filldown {
                self.kept[i].clone()
            } else {
                Self::empty_cell(f)
            };
        }
    }

    /// Clears every field, `filldown` ones included.
    pub fn clear_all(&mut self) {
        for (i, f) in self.fields.iter().enumerate() {
            self.current[i] = Self::empty_cell(f);
            self.kept[i] = Self::empty_cell(f);
        }
    }

    /// Ends the parse: the record under construction is emitted like any other.
    pub fn finish(mut self) -> Vec<Value> {
        self.record();
        self.rows
    }

    /// Ends the parse dropping the record under construction (for formats whose last
    /// line always closes a record explicitly).
    pub fn finish_discarding(self) -> Vec<Value> {
        self.rows
    }
}

/// Parses a table of one-line rows: every one of `lines` that `row` matches is one record
/// (callers leave out what would pass for a row, such as a preamble above the header:
/// see [`crate::scan::under`]).
pub fn rows<'a>(
    fields: &'static [Field],
    lines: impl IntoIterator<Item = &'a str>,
    row: &Regex,
) -> Vec<Value> {
    let mut records = Records::new(fields);
    for line in lines {
        if records.assign_match(row, line) {
            records.record();
        }
    }
    records.finish()
}

/// Parses output made of blocks, one record each: a line `block_start` matches closes the
/// record before it, and every line assigns the first of `rules` that matches it.
pub fn blocks<'a>(
    fields: &'static [Field],
    lines: impl IntoIterator<Item = &'a str>,
    block_start: &Regex,
    rules: &[&Regex],
) -> Vec<Value> {
    let mut records = Records::new(fields);
    for line in lines {
        if block_start.is_match(line) {
            records.record();
        }
        records.assign_first_match(rules, line);
    }
    records.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        required("name"),
        filldown("slot"),
        list("ports"),
        plain("state"),
    ];

    fn compile(pattern: &str) -> Regex {
        Regex::new(pattern).expect("literal compiles")
    }

    #[test]
    fn rules_rows_and_record_semantics() {
        let slot = compile(r"^slot (?P<slot>\d+)");
        let port = compile(r"^  port (?P<ports>\S+)");
        let name = compile(r"^(?P<name>\w+) is (?P<state>\w+)?");
        let mut records = Records::new(FIELDS);
        for line in [
            "slot 1",
            "a is up",
            "  port p1",
            "  port p2",
            "b is ",
            "slot 2",
            "is down",
        ] {
            if name.is_match(line) {
                records.record();
            }
            records.assign_first_match(&[&slot, &port, &name], line);
        }
        let rows = records.finish();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0]["ports"], serde_json::json!(["p1", "p2"]));
        assert_eq!(rows[0]["slot"], "1");
        assert_eq!(
            (rows[1]["name"].as_str(), rows[1]["state"].as_str()),
            (Some("b"), Some(""))
        );
        assert!(!records_match(&name, "  port p3"));
    }

    fn records_match(re: &Regex, line: &str) -> bool {
        Records::new(FIELDS).assign_match(re, line)
    }

    #[test]
    fn one_record_per_matching_row() {
        let row = compile(r"^(?P<name>\w+)\s+(?P<state>up|down)$");
        let rows = rows(FIELDS, "Name State\na up\n--- ----\nb down\n".lines(), &row);
        let names: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
        assert_eq!(names, ["a", "b"]);
    }
}
