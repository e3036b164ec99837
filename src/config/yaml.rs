//! YAML text → a JSON value tree plus the line of every key, so validation can report each
//! error with its key path and line (serde alone stops at the first error and forgets where).

use std::collections::HashMap;

use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};
use serde_json::{Map, Number, Value};

/// A parsed document: the value tree and `key path → 1-based line`.
#[derive(Debug, Default)]
pub struct Document {
    /// The document as JSON values (what serde checks the schema against).
    pub value: Value,
    /// Line of each mapping key and sequence item, by dotted path (`inventory[0].host`).
    pub lines: HashMap<String, usize>,
}

impl Document {
    /// Line of `path`, or of its nearest ancestor that has one.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let mut current = path;
        loop {
            if let Some(line) = self.lines.get(current) {
                return Some(*line);
            }
            let cut = current.rfind(['.', '['])?;
            current = &current[..cut];
        }
    }
}

/// Parses YAML text. An empty file is an empty mapping (every default applies).
pub fn parse(text: &str) -> Result<Document, String> {
    let docs = MarkedYamlOwned::load_from_str(text).map_err(|e| e.to_string())?;
    let mut doc = Document::default();
    doc.value = match docs.into_iter().next() {
        Some(root) => convert(&root, "", &mut doc.lines)?,
        None => Value::Object(Map::new()),
    };
    if doc.value.is_null() {
        doc.value = Value::Object(Map::new());
    }
    Ok(doc)
}

fn convert(
    node: &MarkedYamlOwned,
    path: &str,
    lines: &mut HashMap<String, usize>,
) -> Result<Value, String> {
    Ok(match &node.data {
        YamlDataOwned::Value(scalar) => scalar_value(scalar),
        YamlDataOwned::Representation(text, _, _) => Value::String(text.clone()),
        YamlDataOwned::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                lines.insert(item_path.clone(), item.span.start.line());
                out.push(convert(item, &item_path, lines)?);
            }
            Value::Array(out)
        }
        YamlDataOwned::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map.iter() {
                let key_text = match &key.data {
                    YamlDataOwned::Value(scalar) => scalar_text(scalar),
                    _ => {
                        return Err(format!(
                            "line {}: mapping keys must be plain scalars",
                            key.span.start.line()
                        ));
                    }
                };
                let key_path = if path.is_empty() {
                    key_text.clone()
                } else {
                    format!("{path}.{key_text}")
                };
                lines.insert(key_path.clone(), key.span.start.line());
                out.insert(key_text, convert(value, &key_path, lines)?);
            }
            Value::Object(out)
        }
        YamlDataOwned::Tagged(_, inner) => convert(inner, path, lines)?,
        YamlDataOwned::Alias(_) => {
            return Err(format!(
                "line {}: YAML aliases are not supported in the config",
                node.span.start.line()
            ));
        }
        YamlDataOwned::BadValue => Value::Null,
    })
}

fn scalar_value(scalar: &ScalarOwned) -> Value {
    match scalar {
        ScalarOwned::Null => Value::Null,
        ScalarOwned::Boolean(b) => Value::Bool(*b),
        ScalarOwned::Integer(i) => Value::Number((*i).into()),
        ScalarOwned::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ScalarOwned::String(s) => Value::String(s.clone()),
    }
}

fn scalar_text(scalar: &ScalarOwned) -> String {
    match scalar_value(scalar) {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_list_items_have_their_own_line() {
        let doc = parse("a: 1\nsecurity:\n  allowed_targets: [10.0.0.0/8, bad]\n").expect("yaml");
        assert_eq!(doc.line_of("security.allowed_targets[1]"), Some(3));
    }

    #[test]
    fn records_lines_of_nested_keys() {
        let doc =
            parse("server:\n  listen: \"127.0.0.1:1\"\ninventory:\n  - name: a\n    host: b\n")
                .expect("valid yaml");
        assert_eq!(doc.lines.get("server.listen"), Some(&2));
        assert_eq!(doc.lines.get("inventory[0].host"), Some(&5));
        assert_eq!(doc.line_of("server.listen.nothing"), Some(2));
        assert_eq!(doc.value["server"]["listen"], "127.0.0.1:1");
    }

    #[test]
    fn empty_file_is_empty_mapping() {
        assert!(parse("").expect("empty is valid").value.is_object());
        assert!(
            parse("# only a comment\n")
                .expect("valid")
                .value
                .is_object()
        );
    }
}
