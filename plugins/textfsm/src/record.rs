//! Parse results: a table of rows as textfsm builds it, and the JSON records NetPulse returns.
//!
//! The table keeps textfsm's shape (a header plus positional rows) because chained templates
//! are merged column-wise on it; [`Table::into_records`] then turns it into ntc-templates'
//! `parse_output` shape: one JSON object per row with lower-case keys.

use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// One parsed record: lower-case column name to a string or a list.
///
/// Every record of one parse has the same columns, so the names are kept once and shared
/// (as the dicts of ntc's `dict(zip(keys, row))` share their key objects): a record costs
/// its values alone, not a map of copied names. It reads like a JSON object — [`Record::get`],
/// indexing by name, [`Record::iter`] in key order — and serialises as one.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Sorted, without duplicates; shared by the records of one parse.
    keys: Arc<[String]>,
    /// One per key, in the same order.
    values: Vec<Value>,
}

impl Record {
    /// A record of `keys` (sorted, without duplicates) and one value each.
    pub(crate) fn new(keys: Arc<[String]>, values: Vec<Value>) -> Record {
        debug_assert_eq!(keys.len(), values.len());
        Record { keys, values }
    }

    /// The value of column `key` (lower-case), if the template has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let i = self.keys.binary_search_by(|k| k.as_str().cmp(key)).ok()?;
        self.values.get(i)
    }

    /// Column names and values, in key order (the order of the JSON object).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.keys.iter().map(String::as_str).zip(&self.values)
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the template declares no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The record as a JSON object (copying the names).
    pub fn into_map(self) -> Map<String, Value> {
        self.keys.iter().cloned().zip(self.values).collect()
    }
}

impl From<Record> for Value {
    fn from(record: Record) -> Value {
        Value::Object(record.into_map())
    }
}

/// Like indexing a JSON object held in a [`Value`]: a missing column reads as `null`.
impl std::ops::Index<&str> for Record {
    type Output = Value;

    fn index(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// One item of a `List` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// The captured text.
    Str(String),
    /// The value's group did not take part in the match (Python appends `None`).
    Null,
    /// The named groups of a `List` value with nested groups (Python appends a dict).
    Groups(Vec<(String, Option<String>)>),
}

/// One cell of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// A plain value; empty when it never matched.
    Str(String),
    /// A `List` value.
    List(Vec<Item>),
}

impl Field {
    /// Python truthiness: empty strings and empty lists are false.
    pub fn is_truthy(&self) -> bool {
        match self {
            Field::Str(s) => !s.is_empty(),
            Field::List(l) => !l.is_empty(),
        }
    }

    fn into_json(self) -> Value {
        match self {
            Field::Str(s) => Value::String(s),
            Field::List(items) => Value::Array(items.into_iter().map(Item::into_json).collect()),
        }
    }
}

impl Item {
    pub(crate) fn into_json(self) -> Value {
        match self {
            Item::Str(s) => Value::String(s),
            Item::Null => Value::Null,
            Item::Groups(groups) => Value::Object(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, v.map_or(Value::Null, Value::String)))
                    .collect(),
            ),
        }
    }
}

/// Error raised when chained templates cannot be joined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot join chained template results: unknown key column '{0}'")]
pub struct JoinError(pub String);

/// Rows of one parse, in textfsm's column order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column names as declared in the template(s).
    pub header: Vec<String>,
    /// One row per record, aligned with `header`.
    pub rows: Vec<Vec<Field>>,
}

impl Table {
    /// Adds the columns of `other` that this table lacks, the way clitable chains templates:
    /// each row takes the values of the first row of `other` whose `keys` columns are equal
    /// (or, without keys, the row at the same position); unmatched rows get empty strings
    /// and rows of `other` that match nothing are dropped.
    pub fn extend(&mut self, other: &Table, keys: &[String]) -> Result<(), JoinError> {
        let mut key_cols = Vec::with_capacity(keys.len());
        for k in keys {
            let mine = self.column(k).ok_or_else(|| JoinError(k.clone()))?;
            key_cols.push((mine, other.column(k)));
        }
        let new_cols: Vec<(usize, String)> = other
            .header
            .iter()
            .enumerate()
            .filter(|(_, h)| !self.header.contains(h))
            .map(|(i, h)| (i, h.clone()))
            .collect();
        if new_cols.is_empty() {
            return Ok(());
        }
        let width = self.header.len();
        self.header.extend(new_cols.iter().map(|(_, h)| h.clone()));
        for row in &mut self.rows {
            row.extend(new_cols.iter().map(|_| Field::Str(String::new())));
        }
        if keys.is_empty() {
            for (row, theirs) in self.rows.iter_mut().zip(&other.rows) {
                for (j, (i, _)) in new_cols.iter().enumerate() {
                    row[width + j] = theirs[*i].clone();
                }
            }
            return Ok(());
        }
        for row in &mut self.rows {
            let found = other.rows.iter().find(|theirs| {
                key_cols.iter().all(|(mine, their_col)| match their_col {
                    Some(c) => row[*mine] == theirs[*c],
                    // Python would raise on the missing column; no row can match it.
                    None => false,
                })
            });
            if let Some(theirs) = found {
                for (j, (i, _)) in new_cols.iter().enumerate() {
                    row[width + j] = theirs[*i].clone();
                }
            }
        }
        Ok(())
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The rows as JSON objects with lower-case keys (ntc-templates' `parse_output`).
    pub fn into_records(self) -> Vec<Record> {
        let (keys, cols) = record_keys(&self.header);
        self.rows
            .into_iter()
            .map(|mut row| {
                let values = cols
                    .iter()
                    .map(|c| take(&mut row[*c]).into_json())
                    .collect();
                Record::new(Arc::clone(&keys), values)
            })
            .collect()
    }

    /// The same records as [`Table::into_records`] written straight to JSON text (objects
    /// with sorted keys, as serde_json writes a [`Record`]), without building the maps.
    pub fn to_json(&self) -> String {
        rows_to_json(&json_keys(&self.header), &self.rows)
    }
}

/// Record keys in the order a JSON object holds them (sorted), each with its column; of two
/// columns whose names lower-case alike the later one wins, as when a map is built pair by
/// pair.
pub(crate) fn key_order(header: &[String]) -> Vec<(String, usize)> {
    let mut order: Vec<(String, usize)> = header
        .iter()
        .enumerate()
        .map(|(col, h)| (h.to_lowercase(), col))
        .collect();
    order.sort();
    order.dedup_by(|later, earlier| {
        if later.0 == earlier.0 {
            earlier.1 = later.1;
            true
        } else {
            false
        }
    });
    order
}

/// The record keys of a table with this header (shared by its records) and the column of
/// each.
pub(crate) fn record_keys(header: &[String]) -> (Arc<[String]>, Vec<usize>) {
    let (keys, cols): (Vec<String>, Vec<usize>) = key_order(header).into_iter().unzip();
    (keys.into(), cols)
}

/// The record keys of a table with this header, in order, as quoted JSON strings, each with
/// its column (what [`rows_to_json`] takes).
pub(crate) fn json_keys(header: &[String]) -> Vec<(String, usize)> {
    key_order(header)
        .into_iter()
        .map(|(k, col)| (json_string(&k), col))
        .collect()
}

/// A cell that can write itself as a JSON value.
pub(crate) trait JsonCell {
    fn write_json(&self, out: &mut String);
}

impl JsonCell for Field {
    fn write_json(&self, out: &mut String) {
        match self {
            Field::Str(v) => push_json_string(out, v),
            Field::List(items) => push_json_list(out, items),
        }
    }
}

/// Rows as a JSON array of objects, with `keys` from [`json_keys`].
pub(crate) fn rows_to_json<C: JsonCell>(keys: &[(String, usize)], rows: &[Vec<C>]) -> String {
    let mut out = String::with_capacity(
        2 + rows.len() * (2 + keys.iter().map(|(k, _)| k.len() + 4).sum::<usize>()),
    );
    out.push('[');
    for (r, row) in rows.iter().enumerate() {
        if r > 0 {
            out.push(',');
        }
        out.push('{');
        for (i, (key, col)) in keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(key);
            out.push(':');
            row[*col].write_json(&mut out);
        }
        out.push('}');
    }
    out.push(']');
    out
}

/// A `List` value's items as a JSON array (rare enough to go through serde_json).
pub(crate) fn push_json_list(out: &mut String, items: &[Item]) {
    let value = Value::Array(items.iter().cloned().map(Item::into_json).collect());
    out.push_str(&value.to_string());
}

fn take(field: &mut Field) -> Field {
    std::mem::replace(field, Field::Str(String::new()))
}

/// `s` as a JSON string literal, quotes included.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_string(&mut out, s);
    out
}

/// Appends `s` as a JSON string literal, escaped as serde_json escapes it.
pub(crate) fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time while none needs escaping (device output rarely has any).
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if !needs_escape(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// True when one of the eight bytes may need escaping: a control byte, `"` or `\`
/// (false positives only cost the byte-by-byte path).
fn needs_escape(x: u64) -> bool {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    (below_space
        | zero_byte(x ^ (ONES * u64::from(b'"')))
        | zero_byte(x ^ (ONES * u64::from(b'\\'))))
        != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Field {
        Field::Str(v.to_string())
    }

    #[test]
    fn records_share_keys_and_read_like_json_objects() {
        let t = Table {
            header: vec!["Name".into(), "Id".into()],
            rows: vec![vec![s("a"), s("1")], vec![s("b"), s("2")]],
        };
        let recs = t.into_records();
        assert!(
            Arc::ptr_eq(&recs[0].keys, &recs[1].keys),
            "one key list per parse"
        );
        assert_eq!(recs[1].get("name"), Some(&Value::from("b")));
        assert_eq!(recs[1].get("Name"), None, "keys are lower-case");
        assert_eq!(recs[0]["missing"], Value::Null);
        let pairs: Vec<(&str, &Value)> = recs[0].iter().collect();
        assert_eq!(
            pairs,
            [("id", &Value::from("1")), ("name", &Value::from("a"))]
        );
        assert_eq!(
            Value::from(recs[0].clone()),
            serde_json::json!({"id": "1", "name": "a"})
        );
        assert_eq!(
            serde_json::to_string(&recs).expect("serialises"),
            r#"[{"id":"1","name":"a"},{"id":"2","name":"b"}]"#
        );
    }

    #[test]
    fn extend_joins_on_keys_and_drops_unmatched() {
        let mut a = Table {
            header: vec!["ID".into(), "NAME".into()],
            rows: vec![vec![s("1"), s("one")], vec![s("2"), s("two")]],
        };
        let b = Table {
            header: vec!["ID".into(), "PORTS".into()],
            rows: vec![vec![s("2"), s("p2")], vec![s("3"), s("p3")]],
        };
        a.extend(&b, &["ID".to_string()]).expect("joins");
        let recs = a.into_records();
        assert_eq!(recs[0]["ports"], "");
        assert_eq!(recs[1]["ports"], "p2");
        assert_eq!(recs.len(), 2);
    }

    #[test]
    fn extend_without_keys_is_positional() {
        let mut a = Table {
            header: vec!["A".into()],
            rows: vec![vec![s("1")], vec![s("2")]],
        };
        let b = Table {
            header: vec!["B".into()],
            rows: vec![vec![s("x")]],
        };
        a.extend(&b, &[]).expect("joins");
        assert_eq!(a.rows[0][1], s("x"));
        assert_eq!(a.rows[1][1], s(""));
    }

    #[test]
    fn json_text_is_what_serde_json_writes_for_the_records() {
        let t = Table {
            header: vec![
                "Name".into(),
                "b".into(),
                "NAME".into(),
                "Items".into(),
                "a".into(),
            ],
            rows: vec![
                vec![
                    s("x\"y\\z\n\t\u{1}\u{7f}é and a longer tail \" past eight bytes \\ é\u{1f}"),
                    s(""),
                    s("later"),
                    Field::List(vec![
                        Item::Str("i".into()),
                        Item::Null,
                        Item::Groups(vec![("z".into(), None), ("a".into(), Some("v".into()))]),
                    ]),
                    s("/"),
                ],
                vec![s("1"), s("2"), s("3"), Field::List(Vec::new()), s("4")],
            ],
        };
        let expected = serde_json::to_string(&t.clone().into_records()).expect("serialises");
        assert_eq!(t.to_json(), expected);
        assert_eq!(t.clone().into_records()[0]["name"], "later");
        let empty = Table {
            header: vec!["A".into()],
            rows: Vec::new(),
        };
        assert_eq!(empty.to_json(), "[]");
    }

    #[test]
    fn string_escaping_matches_serde_json() {
        let alphabet = [
            "a", " ", "\"", "\\", "\n", "\u{0}", "\u{1f}", "\u{7f}", "é", "/", "01234567",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            let mut text = String::new();
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            for _ in 0..(seed >> 58) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                text.push_str(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let expected = serde_json::to_string(&text).expect("serialises");
            assert_eq!(json_string(&text), expected, "{text:?}");
        }
    }
}
