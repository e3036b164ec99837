//! Parser conformance against a corpus of real device outputs and their expected records.
//!
//! `netpulse plugin conformance --corpus DIR [--engine textfsm|bundled]` runs every case of
//! `DIR/manifest.json` through a parser and reports, one line per mismatch, the case file and
//! the first difference, ending with `N passed, M failed`. The runner does not know which
//! engine it drives: the caller hands it a closure from a case and its raw output to the
//! parsed JSON, so the same corpus judges the TextFSM engine, the bundled vendor plugins, or
//! anything else. It depends only on std, serde_json, saphyr and thiserror, so it can also be
//! compiled into a plugin's own example (`#[path]`) without the rest of the host.
//!
//! Corpus layout (see the corpus README): `manifest.json` holds
//! `{"cases": [{platform, command, raw, yml, templates}]}` with paths relative to the corpus
//! directory; each `.yml` holds `parsed_sample:`, a list of records whose values are strings
//! or lists of strings, keys in lower case.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Why a corpus could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A corpus file could not be read.
    #[error("read {path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `manifest.json` is not the expected JSON.
    #[error("manifest {path}: {source}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// An expected-records `.yml` is not YAML or lacks `parsed_sample`.
    #[error("expected records {path}: {message}")]
    Expected {
        /// The `.yml` file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// One corpus case: a command's raw output on one platform and the records it should give.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// Netmiko platform name (`cisco_ios`), passed to the parser.
    pub platform: String,
    /// Full command (`show version`), passed to the parser.
    pub command: String,
    /// Raw output file, relative to the corpus directory.
    pub raw: PathBuf,
    /// Expected records (`parsed_sample`), relative to the corpus directory.
    pub yml: PathBuf,
    /// Template files (relative to the corpus directory) that produce the expected records,
    /// for engines that take templates directly instead of through an index.
    #[serde(default)]
    pub templates: Vec<PathBuf>,
}

/// The manifest's shape on disk.
#[derive(Deserialize)]
struct Manifest {
    cases: Vec<Case>,
}

/// A loaded manifest.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The corpus directory; case paths are relative to it.
    pub dir: PathBuf,
    /// Cases in manifest order.
    pub cases: Vec<Case>,
}

/// Restricts a run to some platforms and/or commands; empty lists accept everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Platforms to keep (exact names).
    pub platforms: Vec<String>,
    /// Commands to keep (exact, full commands).
    pub commands: Vec<String>,
}

impl Filter {
    /// True when the case is in scope.
    pub fn accepts(&self, case: &Case) -> bool {
        (self.platforms.is_empty() || self.platforms.contains(&case.platform))
            && (self.commands.is_empty() || self.commands.contains(&case.command))
    }
}

/// Result of a conformance run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Cases whose records matched.
    pub passed: usize,
    /// Cases that mismatched, failed to parse, or whose files could not be read.
    pub failed: usize,
    /// One line per failure: `case-file: first difference`.
    pub failures: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.failures {
            writeln!(f, "{line}")?;
        }
        write!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}

/// Timing of repeated passes over the corpus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bench {
    /// Parser calls made (cases × iterations).
    pub parses: usize,
    /// Wall time for all of them, files already in memory.
    pub elapsed: Duration,
    /// CPU time of this thread over the same span, where the OS tells it (Linux); on a busy
    /// machine it is the fairer figure, since wall time also counts waiting for a core.
    pub cpu: Option<Duration>,
}

impl Bench {
    /// Parser calls per second of wall time.
    pub fn rate(&self) -> f64 {
        self.parses as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Parser calls per second of CPU time, when known.
    pub fn cpu_rate(&self) -> Option<f64> {
        self.cpu
            .map(|cpu| self.parses as f64 / cpu.as_secs_f64().max(1e-9))
    }
}

/// CPU time consumed by the calling thread so far (Linux `schedstat`, nanoseconds).
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

impl Corpus {
    /// Reads `dir/manifest.json`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Corpus, Error> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join("manifest.json");
        let text = read(&path)?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|source| Error::Manifest { path, source })?;
        Ok(Corpus {
            dir,
            cases: manifest.cases,
        })
    }

    /// The case's raw device output.
    pub fn raw(&self, case: &Case) -> Result<String, Error> {
        read(&self.dir.join(&case.raw))
    }

    /// The case's expected records, as a JSON array.
    pub fn expected(&self, case: &Case) -> Result<Value, Error> {
        let path = self.dir.join(&case.yml);
        let text = read(&path)?;
        parse_expected(&text).map_err(|message| Error::Expected { path, message })
    }

    /// Runs every accepted case through `parse` and compares with the expected records.
    /// A case whose files cannot be read counts as failed, so a broken corpus is visible.
    pub fn run<F>(&self, filter: &Filter, mut parse: F) -> Report
    where
        F: FnMut(&Case, &str) -> Result<Value, String>,
    {
        let mut report = Report::default();
        for case in self.cases.iter().filter(|c| filter.accepts(c)) {
            let outcome = self
                .raw(case)
                .and_then(|raw| Ok((raw, self.expected(case)?)))
                .map_err(|e| e.to_string())
                .and_then(|(raw, expected)| {
                    let actual = parse(case, &raw).map_err(|e| format!("parse failed: {e}"))?;
                    compare(&expected, &actual)
                });
            match outcome {
                Ok(()) => report.passed += 1,
                Err(why) => {
                    report.failed += 1;
                    report
                        .failures
                        .push(format!("{}: {why}", case.yml.display()));
                }
            }
        }
        report
    }

    /// Times `iterations` passes of `parse` over the accepted cases, outputs preloaded, results
    /// ignored (run [`Corpus::run`] for correctness).
    pub fn bench<F>(&self, filter: &Filter, iterations: usize, mut parse: F) -> Result<Bench, Error>
    where
        F: FnMut(&Case, &str) -> Result<Value, String>,
    {
        let inputs: Vec<(&Case, String)> = self
            .cases
            .iter()
            .filter(|c| filter.accepts(c))
            .map(|c| Ok((c, self.raw(c)?)))
            .collect::<Result<_, Error>>()?;
        // One untimed pass first: the rate is of parsing, with every template already
        // compiled (a TextFSM template is compiled on first use and kept).
        for (case, raw) in &inputs {
            let _ = std::hint::black_box(parse(case, raw));
        }
        let cpu_start = thread_cpu_time();
        let start = Instant::now();
        for _ in 0..iterations {
            for (case, raw) in &inputs {
                // Errors are part of the work measured; correctness is `run`'s business.
                let _ = std::hint::black_box(parse(case, raw));
            }
        }
        let elapsed = start.elapsed();
        let cpu = thread_cpu_time()
            .zip(cpu_start)
            .map(|(end, start)| end.saturating_sub(start));
        Ok(Bench {
            parses: inputs.len() * iterations,
            elapsed,
            cpu,
        })
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads `parsed_sample` from an expected-records YAML document.
pub fn parse_expected(text: &str) -> Result<Value, String> {
    let docs = Yaml::load_from_str(text).map_err(|e| e.to_string())?;
    let doc = docs.into_iter().next().ok_or("empty document")?;
    let Yaml::Mapping(map) = doc else {
        return Err("top level is not a mapping".to_string());
    };
    let sample = map
        .into_iter()
        .find(|(k, _)| yaml_key(k).as_deref() == Some("parsed_sample"))
        .map(|(_, v)| v)
        .ok_or("no parsed_sample key")?;
    match to_json(sample) {
        Value::Null => Ok(Value::Array(Vec::new())),
        v @ Value::Array(_) => Ok(v),
        _ => Err("parsed_sample is not a list".to_string()),
    }
}

fn yaml_key(y: &Yaml<'_>) -> Option<String> {
    match to_json(y.clone()) {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// YAML to JSON. Scalars become strings (parsers only produce strings, so an unquoted `10`
/// in a sample means `"10"`); `~`/empty becomes null.
fn to_json(y: Yaml<'_>) -> Value {
    match y {
        Yaml::Value(Scalar::String(s)) => Value::String(s.into_owned()),
        Yaml::Value(Scalar::Null) => Value::Null,
        Yaml::Value(Scalar::Boolean(b)) => Value::String(b.to_string()),
        Yaml::Value(Scalar::Integer(i)) => Value::String(i.to_string()),
        Yaml::Value(Scalar::FloatingPoint(f)) => Value::String(f.to_string()),
        Yaml::Representation(s, _, _) => Value::String(s.into_owned()),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => {
            let obj: Map<String, Value> = map
                .into_iter()
                .filter_map(|(k, v)| yaml_key(&k).map(|k| (k, to_json(v))))
                .collect();
            Value::Object(obj)
        }
        Yaml::Tagged(_, inner) => to_json(*inner),
        Yaml::Alias(_) | Yaml::BadValue => Value::Null,
    }
}

/// Compares expected and actual records: same count and order, same keys, same values.
/// Returns the first difference in words.
pub fn compare(expected: &Value, actual: &Value) -> Result<(), String> {
    let (Some(exp), Some(act)) = (expected.as_array(), actual.as_array()) else {
        return Err(format!("expected a list of records, got {}", short(actual)));
    };
    for (i, (e, a)) in exp.iter().zip(act).enumerate() {
        let (Some(e), Some(a)) = (e.as_object(), a.as_object()) else {
            return Err(format!(
                "record {i}: expected {}, got {}",
                short(&exp[i]),
                short(&act[i])
            ));
        };
        if let Some(k) = e.keys().find(|k| !a.contains_key(*k)) {
            return Err(format!("record {i}: missing key {k:?}"));
        }
        if let Some(k) = a.keys().find(|k| !e.contains_key(*k)) {
            return Err(format!("record {i}: unexpected key {k:?}"));
        }
        for (k, ev) in e {
            let av = &a[k];
            if ev != av {
                return Err(format!(
                    "record {i}: key {k:?}: expected {}, got {}",
                    short(ev),
                    short(av)
                ));
            }
        }
    }
    if exp.len() != act.len() {
        return Err(format!("expected {} records, got {}", exp.len(), act.len()));
    }
    Ok(())
}

/// A value for a one-line message, cut at a readable length.
fn short(v: &Value) -> String {
    const MAX: usize = 120;
    let s = v.to_string();
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A two-case corpus in a temp dir: one case the toy parser gets right, one it gets wrong.
    fn corpus() -> (tempfile::TempDir, Corpus) {
        let dir = tempfile::tempdir().expect("temp dir");
        let w = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("has parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        };
        w(
            "manifest.json",
            r#"{"cases": [
              {"platform": "p", "command": "show a", "raw": "t/a.raw", "yml": "t/a.yml", "templates": ["x.textfsm"]},
              {"platform": "q", "command": "show b", "raw": "t/b.raw", "yml": "t/b.yml", "templates": []}
            ]}"#,
        );
        w("t/a.raw", "name one\nname two\n");
        w(
            "t/a.yml",
            "---\nparsed_sample:\n  - name: \"one\"\n    tags: []\n  - name: \"two, folded\\\n      \\ line\"\n    tags:\n      - \"x\"\n",
        );
        w("t/b.raw", "anything\n");
        w("t/b.yml", "---\nparsed_sample:\n  - name: 'b'\n");
        let corpus = Corpus::load(dir.path()).expect("loads");
        (dir, corpus)
    }

    fn toy(case: &Case, raw: &str) -> Result<Value, String> {
        if case.platform == "q" {
            return Ok(json!([{"name": "B"}]));
        }
        let names: Vec<&str> = raw.lines().map(|l| l.trim_start_matches("name ")).collect();
        Ok(json!([
            {"name": names[0], "tags": []},
            {"name": format!("{}, folded line", names[1]), "tags": ["x"]}
        ]))
    }

    #[test]
    fn yaml_subset_reads_folded_and_empty_values() {
        let (_dir, corpus) = corpus();
        let expected = corpus.expected(&corpus.cases[0]).expect("yaml");
        assert_eq!(expected[1]["name"], "two, folded line");
        assert_eq!(expected[0]["tags"], json!([]));
    }

    #[test]
    fn report_names_the_case_and_first_difference() {
        let (_dir, corpus) = corpus();
        let report = corpus.run(&Filter::default(), toy);
        assert_eq!((report.passed, report.failed), (1, 1));
        let text = report.to_string();
        assert!(
            text.contains("t/b.yml: record 0: key \"name\": expected \"b\", got \"B\""),
            "{text}"
        );
        assert!(text.ends_with("1 passed, 1 failed"), "{text}");
    }

    #[test]
    fn filter_and_bench() {
        let (_dir, corpus) = corpus();
        let only_p = Filter {
            platforms: vec!["p".into()],
            commands: vec![],
        };
        assert_eq!(corpus.run(&only_p, toy).to_string(), "1 passed, 0 failed");
        let bench = corpus.bench(&only_p, 3, toy).expect("bench");
        assert_eq!(bench.parses, 3);
        assert!(bench.rate() > 0.0);
    }

    #[test]
    fn compare_reports_count_and_keys() {
        assert!(
            compare(&json!([{"a": "1"}]), &json!([]))
                .expect_err("count")
                .contains("expected 1 records")
        );
        assert!(
            compare(&json!([{"a": "1"}]), &json!([{"b": "1"}]))
                .expect_err("key")
                .contains("missing key")
        );
        assert!(compare(&json!([]), &json!([])).is_ok());
    }

    #[test]
    fn missing_corpus_is_an_error() {
        assert!(Corpus::load("/nonexistent/corpus").is_err());
    }
}
