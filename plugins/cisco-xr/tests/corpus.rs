//! Checks the parsers against the ntc-templates corpus (real device outputs with their
//! expected records). Needs the corpus, which is not in the repository:
//!
//! `NETPULSE_CORPUS=/path/to/corpus cargo test -p netpulse-plugin-cisco-xr --test corpus -- --nocapture`
//!
//! Unset, the test says it is skipped; set to a missing directory, it fails.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The platforms of the manifest this plugin answers for.
const PLATFORMS: &[&str] = &["cisco_xr"];

#[test]
fn corpus() {
    let Some(dir) = std::env::var_os("NETPULSE_CORPUS") else {
        println!(
            "SKIPPED: NETPULSE_CORPUS is unset; set it to the corpus directory to run this check"
        );
        return;
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.is_dir(),
        "NETPULSE_CORPUS={} is not a directory",
        dir.display()
    );
    let manifest: Value = read_json(&dir.join("manifest.json"));
    let commands = netpulse_plugin_cisco_xr::info().commands;
    let (mut passed, mut failed) = (0, 0);
    for case in manifest["cases"]
        .as_array()
        .expect("manifest has a cases array")
    {
        let platform = case["platform"].as_str().unwrap_or_default();
        let command = case["command"].as_str().unwrap_or_default();
        if !PLATFORMS.contains(&platform) || !commands.iter().any(|c| c == command) {
            continue;
        }
        let raw_path = dir.join(case["raw"].as_str().expect("case has raw"));
        let yml_path = dir.join(case["yml"].as_str().expect("case has yml"));
        let raw = std::fs::read_to_string(&raw_path).expect("raw file readable");
        let yml = std::fs::read_to_string(&yml_path).expect("yml file readable");
        let expected: Value = serde_saphyr::from_str(&yml).expect("yml parses");
        let expected = expected["parsed_sample"].clone();
        let got = netpulse_plugin_cisco_xr::parse(platform, command, &raw);
        match got {
            Ok(got) if got == expected => passed += 1,
            Ok(got) => {
                failed += 1;
                println!(
                    "FAIL {}: {}",
                    raw_path.display(),
                    first_difference(&expected, &got)
                );
            }
            Err(e) => {
                failed += 1;
                println!("FAIL {}: error {e}", raw_path.display());
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    assert!(passed + failed > 0, "no corpus cases for {PLATFORMS:?}");
    assert_eq!(
        failed, 0,
        "{failed} corpus cases differ (run with --nocapture for details)"
    );
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Where `got` first departs from `expected`: record count, or the first differing field.
fn first_difference(expected: &Value, got: &Value) -> String {
    let (Some(e), Some(g)) = (expected.as_array(), got.as_array()) else {
        return format!("expected {expected}, got {got}");
    };
    for (i, (er, gr)) in e.iter().zip(g).enumerate() {
        if er != gr {
            let keys = er.as_object().into_iter().flat_map(|o| o.keys());
            for k in keys.chain(gr.as_object().into_iter().flat_map(|o| o.keys())) {
                if er.get(k) != gr.get(k) {
                    return format!(
                        "record {i} field {k}: expected {}, got {}",
                        er.get(k).unwrap_or(&Value::Null),
                        gr.get(k).unwrap_or(&Value::Null)
                    );
                }
            }
        }
    }
    format!("expected {} records, got {}", e.len(), g.len())
}
