//! The house's shape, kept by a test: which top-level module may import which (the arrows
//! of `docs/architecture.md`), and no file in `src/` over 600 lines before its tests. Reads
//! `src/` as text: every `crate::module` path outside comments counts as an import.
//!
//! `cargo test --test architecture -- --nocapture` prints the graph and the largest files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lines a file in `src/` may have before its `#[cfg(test)]` module.
const MAX_FILE_LINES: usize = 600;

/// What each top-level module may import. Anything not listed is refused; a new module
/// must be added here (and to docs/architecture.md) with its arrows.
const ALLOWED: &[(&str, &[&str])] = &[
    // Leaves: plain values and the one time format.
    ("time", &[]),
    ("device", &[]),
    ("metrics", &[]),
    ("config", &["time"]),
    // The engines below the job service.
    ("store", &["config", "metrics", "time"]),
    ("cache", &["store", "config", "metrics", "time", "device"]),
    ("ssh", &["config", "metrics", "time", "device"]),
    ("plugin", &["store", "config", "metrics", "time", "device"]),
    // The job service and the API over it.
    (
        "jobs",
        &[
            "cache", "ssh", "plugin", "store", "config", "metrics", "time", "device",
        ],
    ),
    (
        "api",
        &["jobs", "plugin", "config", "metrics", "time", "device"],
    ),
    // Wiring and the process.
    (
        "gateway",
        &[
            "api", "jobs", "cache", "ssh", "plugin", "store", "config", "metrics", "time", "device",
        ],
    ),
    (
        "serve",
        &[
            "gateway", "api", "jobs", "plugin", "config", "metrics", "lab", "time", "device",
        ],
    ),
    // Outside the gateway: the HTTP client and the test equipment share nothing with it.
    ("client", &[]),
    ("lab", &["config", "time"]),
    ("lib", &[]),
    ("main", &[]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code before the file's test module, without comment lines.
fn code_of(text: &str) -> (usize, String) {
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or("");
    let lines = before_tests.trim_end().lines().count();
    let code: Vec<&str> = before_tests
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    (lines, code.join("\n"))
}

/// Top-level modules named by `crate::name` paths, including `crate::{a, b::c}` groups.
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // Names at depth one of the brace group.
            let mut depth = 1;
            let mut name = String::new();
            let mut at_start = true;
            for ch in group.chars() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    c if c.is_whitespace() && name.is_empty() => {}
                    ',' if depth == 1 => {
                        if !name.is_empty() {
                            found.insert(std::mem::take(&mut name));
                        }
                        at_start = true;
                    }
                    c if depth == 1 && at_start && (c.is_alphanumeric() || c == '_') => {
                        name.push(c)
                    }
                    _ if depth == 1 && at_start && !name.is_empty() => {
                        found.insert(std::mem::take(&mut name));
                        at_start = false;
                    }
                    _ => {}
                }
            }
            if !name.is_empty() {
                found.insert(name);
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
        rest = after;
    }
    found
}

/// The top-level module a file belongs to (`src/jobs/batch/run.rs` → `jobs`).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src()).expect("under src");
    let first = rel.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

struct House {
    /// module → module → files with the arrow.
    arrows: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// file → lines before its tests.
    sizes: Vec<(usize, String)>,
}

fn survey() -> House {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut arrows: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut sizes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read a source file");
        let (lines, code) = code_of(&text);
        let rel = file
            .strip_prefix(src())
            .expect("under src")
            .display()
            .to_string();
        sizes.push((lines, rel.clone()));
        let from = module_of(&file);
        for to in imports(&code) {
            if to != from {
                arrows
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(rel.clone());
            }
        }
    }
    sizes.sort_by(|a, b| b.cmp(a));
    House { arrows, sizes }
}

#[test]
fn modules_import_only_what_their_layer_allows() {
    let house = survey();
    println!("module graph (from → to):");
    for (from, tos) in &house.arrows {
        let names: Vec<&str> = tos.keys().map(String::as_str).collect();
        println!("  {from} → {}", names.join(", "));
    }
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut wrong = Vec::new();
    for (from, tos) in &house.arrows {
        let Some(may) = allowed.get(from.as_str()) else {
            wrong.push(format!(
                "module {from} is not in tests/architecture.rs's ALLOWED table"
            ));
            continue;
        };
        for (to, files) in tos {
            if !may.contains(&to.as_str()) {
                let files: Vec<&str> = files.iter().map(String::as_str).collect();
                wrong.push(format!("{from} → {to} (in {})", files.join(", ")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows the house does not allow:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn the_allowed_arrows_have_no_loop() {
    // Depth-first over the table: a loop between modules would make "one way" meaningless.
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    fn visit<'a>(
        at: &'a str,
        allowed: &BTreeMap<&'a str, &'a [&'a str]>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(at) {
            return;
        }
        assert!(!path.contains(&at), "loop: {} → {at}", path.join(" → "));
        path.push(at);
        for next in allowed.get(at).copied().unwrap_or_default() {
            visit(next, allowed, path, done);
        }
        path.pop();
        done.insert(at);
    }
    let mut done = BTreeSet::new();
    for module in allowed.keys() {
        visit(module, &allowed, &mut Vec::new(), &mut done);
    }
}

#[test]
fn no_source_file_is_over_the_limit_before_its_tests() {
    let house = survey();
    println!("largest files (lines before #[cfg(test)]):");
    for (lines, file) in house.sizes.iter().take(8) {
        println!("  {lines:5} {file}");
    }
    let over: Vec<String> = house
        .sizes
        .iter()
        .filter(|(lines, _)| *lines > MAX_FILE_LINES)
        .map(|(lines, file)| format!("{file}: {lines}"))
        .collect();
    assert!(
        over.is_empty(),
        "files over {MAX_FILE_LINES} lines before their tests: {}",
        over.join(", ")
    );
}

#[test]
fn the_import_reader_sees_groups_and_ignores_comments() {
    let (_, code) = code_of(
        "use crate::{jobs::Job, ssh, store::{A, B}};\n// use crate::api;\nlet x = crate::time::now();\n#[cfg(test)]\nuse crate::lab;",
    );
    let found: Vec<String> = imports(&code).into_iter().collect();
    assert_eq!(found, ["jobs", "ssh", "store", "time"]);
}
