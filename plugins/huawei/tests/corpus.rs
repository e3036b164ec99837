//! Checks the parsers against the ntc-templates corpus (real device outputs with their
//! expected records). The corpus is not part of the repository, so the test runs only
//! when `NETPULSE_CORPUS` names it:
//!
//! ```text
//! NETPULSE_CORPUS=/work/shared/corpus cargo test -p netpulse-plugin-huawei --test corpus -- --nocapture
//! ```

use serde_json::{Map, Value};
use std::path::Path;

/// The corpus's name for this plugin's platform (ntc-templates naming).
const CORPUS_PLATFORM: &str = "huawei_vrp";
/// The platform name passed to `parse`.
const PLATFORM: &str = "huawei";
/// Share of cases that must pass; the plugin's acceptance bar.
const PASS_BAR: f64 = 0.9;

#[test]
fn corpus() {
    let Some(root) = std::env::var_os("NETPULSE_CORPUS") else {
        println!("corpus check skipped: NETPULSE_CORPUS is not set");
        return;
    };
    let root = Path::new(&root);
    assert!(
        root.is_dir(),
        "NETPULSE_CORPUS={} is not a directory",
        root.display()
    );
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("manifest.json")).expect("read manifest.json"),
    )
    .expect("manifest.json is JSON");
    let commands = netpulse_plugin_huawei::info().commands;
    let (mut passed, mut failed) = (0usize, 0usize);
    for case in manifest["cases"].as_array().expect("manifest has cases") {
        let command = case["command"].as_str().unwrap_or_default();
        if case["platform"] != CORPUS_PLATFORM || !commands.iter().any(|c| c == command) {
            continue;
        }
        let raw_path = root.join(case["raw"].as_str().expect("raw path"));
        let yml_path = root.join(case["yml"].as_str().expect("yml path"));
        let raw = std::fs::read_to_string(&raw_path).expect("read raw");
        let expected = parse_expected(&std::fs::read_to_string(&yml_path).expect("read yml"));
        let outcome = match netpulse_plugin_huawei::parse(PLATFORM, command, &raw) {
            Ok(Value::Array(rows)) => first_difference(&expected, &rows),
            Ok(other) => Some(format!("not an array: {other}")),
            Err(e) => Some(format!("error: {e}")),
        };
        match outcome {
            None => passed += 1,
            Some(diff) => {
                failed += 1;
                println!("FAIL {command} {}: {diff}", raw_path.display());
            }
        }
    }
    println!("{CORPUS_PLATFORM}: {passed} passed, {failed} failed");
    assert!(
        passed + failed > 0,
        "no corpus cases found for {CORPUS_PLATFORM}"
    );
    let ratio = passed as f64 / (passed + failed) as f64;
    assert!(
        ratio >= PASS_BAR,
        "pass rate {ratio:.2} is below {PASS_BAR}"
    );
}

/// Describes the first way `got` differs from `expected`, or `None` when they agree.
fn first_difference(expected: &[Map<String, Value>], got: &[Value]) -> Option<String> {
    for (i, want) in expected.iter().enumerate() {
        let Some(have) = got.get(i) else {
            return Some(format!(
                "record {i} missing (got {} records, want {})",
                got.len(),
                expected.len()
            ));
        };
        for (key, value) in want {
            if have.get(key) != Some(value) {
                return Some(format!(
                    "record {i} field {key}: got {}, want {value}",
                    have.get(key)
                        .map_or("nothing".to_string(), |v| v.to_string())
                ));
            }
        }
        if let Some(extra) = have
            .as_object()
            .and_then(|obj| obj.keys().find(|k| !want.contains_key(*k)))
        {
            return Some(format!("record {i} has unexpected field {extra}"));
        }
    }
    (got.len() > expected.len()).then(|| {
        format!(
            "{} extra records, first: {}",
            got.len() - expected.len(),
            got[expected.len()]
        )
    })
}

/// Reads the small YAML subset the corpus uses: `parsed_sample:` followed by a list of
/// maps whose values are double-quoted strings, `[]`, or lists of double-quoted strings.
fn parse_expected(text: &str) -> Vec<Map<String, Value>> {
    let mut rows: Vec<Map<String, Value>> = Vec::new();
    let mut open_list: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed == "---" || trimmed.starts_with("parsed_sample") {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if let Some(item) = trimmed.strip_prefix("- ") {
            if indent <= 2 && (item.contains(": ") || item.ends_with(':')) {
                rows.push(Map::new());
                open_list = entry(rows.last_mut().expect("just pushed"), item);
                continue;
            }
            if let (Some(key), Some(row)) = (&open_list, rows.last_mut())
                && let Some(Value::Array(items)) = row.get_mut(key)
            {
                items.push(Value::String(unquote(item)));
            }
            continue;
        }
        if let Some(row) = rows.last_mut() {
            open_list = entry(row, trimmed);
        }
    }
    rows
}

/// Adds one `key: value` entry; returns the key when it opens a list.
fn entry(row: &mut Map<String, Value>, item: &str) -> Option<String> {
    let (key, value) = item.split_once(':').expect("yaml entry has a colon");
    let value = value.trim();
    if value.is_empty() || value == "[]" {
        row.insert(key.to_string(), Value::Array(Vec::new()));
        return Some(key.to_string());
    }
    row.insert(key.to_string(), Value::String(unquote(value)));
    None
}

/// Strips YAML double quotes and resolves the escapes the corpus uses.
fn unquote(s: &str) -> String {
    let s = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s);
    s.replace("\\\"", "\"").replace("\\\\", "\\")
}
