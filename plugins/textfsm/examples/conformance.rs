//! Runs the device-output corpus through the native engine and compares with the expected
//! records, using the host's own corpus runner (`src/plugin/conformance.rs`).
//!
//! ```text
//! cargo run --release -p netpulse-plugin-textfsm --example conformance -- CORPUS_DIR \
//!     [--index | --as-plugin | --json] [--platform P]... [--command C]... [--bench N]
//! ```
//!
//! By default each case is parsed with the templates its manifest entry lists (chained ones
//! joined on their keys); `--index` instead looks the template up through
//! `CORPUS_DIR/templates/index`, the way the plugin does. `--as-plugin` runs exactly the
//! plugin's code natively: a [`Library`] over `CORPUS_DIR/templates` with the plugin's
//! recheck window, records serialised to JSON and read back as the host does, so set beside
//! `netpulse plugin conformance --engine textfsm --bench` it prices the sandbox alone.
//! `--json` parses with the manifest's templates like the default but writes the records as
//! JSON text, the form the plugin hands the gateway; the check reads the text back, and the
//! bench times the text alone.
//! `--bench N` then times N passes (rate per CPU second where Linux reports it).

#[path = "../../../src/plugin/conformance.rs"]
#[allow(dead_code)]
mod conformance;

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;

use netpulse_plugin_textfsm::library::PLUGIN_RECHECK;
use netpulse_plugin_textfsm::{CliTable, Library, Record, Template, parse_chain, parse_chain_json};
use serde_json::Value;

use conformance::{Case, Corpus, Filter};

/// A parser as the corpus runner calls it.
type ParseFn = Box<dyn FnMut(&Case, &str) -> Result<Value, String>>;

/// Command-line options.
struct Args {
    corpus: PathBuf,
    index: bool,
    as_plugin: bool,
    json: bool,
    filter: Filter,
    bench: Option<usize>,
}

fn args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut corpus = None;
    let mut index = false;
    let mut as_plugin = false;
    let mut json = false;
    let mut filter = Filter::default();
    let mut bench = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--index" => index = true,
            "--as-plugin" => as_plugin = true,
            "--json" => json = true,
            "--platform" => filter
                .platforms
                .push(it.next().ok_or("--platform needs a value")?),
            "--command" => filter
                .commands
                .push(it.next().ok_or("--command needs a value")?),
            "--bench" => {
                let n = it.next().ok_or("--bench needs a count")?;
                bench = Some(n.parse().map_err(|_| format!("bad --bench count {n:?}"))?);
            }
            _ if corpus.is_none() && !a.starts_with('-') => corpus = Some(PathBuf::from(a)),
            _ => return Err(format!("unexpected argument {a:?}")),
        }
    }
    Ok(Args {
        corpus: corpus.ok_or(
            "usage: conformance CORPUS_DIR [--index | --as-plugin | --json] [--platform P] [--command C] [--bench N]",
        )?,
        index,
        as_plugin,
        json,
        filter,
        bench,
    })
}

/// Parses a case with the templates its manifest lists, compiling each file once.
struct ByManifest {
    dir: PathBuf,
    cache: HashMap<PathBuf, Arc<Template>>,
    chains: HashMap<usize, Vec<Arc<Template>>>,
}

impl ByManifest {
    fn new(corpus: &Path) -> ByManifest {
        ByManifest {
            dir: corpus.to_path_buf(),
            cache: HashMap::new(),
            chains: HashMap::new(),
        }
    }

    /// The records as JSON text, as the plugin writes them.
    fn parse_json(&mut self, case: &Case, raw: &str) -> Result<String, String> {
        let chain = self.chain(case)?;
        let refs: Vec<&Template> = chain.iter().map(Arc::as_ref).collect();
        parse_chain_json(&refs, raw).map_err(|e| e.to_string())
    }

    fn parse(&mut self, case: &Case, raw: &str) -> Result<Vec<Record>, String> {
        let chain = self.chain(case)?;
        let refs: Vec<&Template> = chain.iter().map(Arc::as_ref).collect();
        parse_chain(&refs, raw).map_err(|e| e.to_string())
    }

    /// The case's templates, resolved once per case (as the Python bench does up front) and
    /// each compiled on first use.
    fn chain(&mut self, case: &Case) -> Result<&[Arc<Template>], String> {
        // The corpus outlives every call, so a case's address names it.
        let key = std::ptr::from_ref(case) as usize;
        if !self.chains.contains_key(&key) {
            let chain = self.compile(case)?;
            self.chains.insert(key, chain);
        }
        Ok(&self.chains[&key])
    }

    fn compile(&mut self, case: &Case) -> Result<Vec<Arc<Template>>, String> {
        let mut chain = Vec::with_capacity(case.templates.len());
        for rel in &case.templates {
            let t = match self.cache.get(rel) {
                Some(t) => Arc::clone(t),
                None => {
                    let path = self.dir.join(rel);
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("read {}: {e}", path.display()))?;
                    let name = rel.file_name().map_or_else(
                        || rel.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    let t = Arc::new(Template::parse(&name, &text).map_err(|e| e.to_string())?);
                    self.cache.insert(rel.clone(), Arc::clone(&t));
                    t
                }
            };
            chain.push(t);
        }
        Ok(chain)
    }
}

/// The records as the check reads them (a JSON array); when timed, the records themselves
/// are the result, dropped here as a caller would drop them, not rebuilt as JSON maps.
fn records_value(records: Vec<Record>, checking: bool) -> Value {
    if checking {
        Value::Array(records.into_iter().map(Value::from).collect())
    } else {
        drop(std::hint::black_box(records));
        Value::Null
    }
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let corpus = match Corpus::load(&args.corpus) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // Whether the corpus is being checked (rather than timed): timed parses keep their result
    // in the form the engine made it instead of converting it for the check.
    let checking = Rc::new(Cell::new(true));
    let mut parse: ParseFn = if args.as_plugin {
        let mut lib =
            Library::with_dirs(vec![args.corpus.join("templates")]).recheck_after(PLUGIN_RECHECK);
        Box::new(move |case: &Case, raw: &str| {
            let json = lib
                .parse_json(&case.platform, &case.command, raw)
                .map_err(|e| e.to_string())?;
            // The plugin's answer crosses the boundary as JSON text, which the host reads back.
            serde_json::from_str(&json).map_err(|e| e.to_string())
        })
    } else if args.index {
        let mut table = match CliTable::load(args.corpus.join("templates")) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let checking = Rc::clone(&checking);
        Box::new(move |case: &Case, raw: &str| {
            let records = table
                .parse(&case.platform, &case.command, raw)
                .map_err(|e| e.to_string())?;
            Ok(records_value(records, checking.get()))
        })
    } else if args.json {
        let mut by = ByManifest::new(&args.corpus);
        let checking = Rc::clone(&checking);
        Box::new(move |case: &Case, raw: &str| {
            let json = by.parse_json(case, raw)?;
            if checking.get() {
                serde_json::from_str(&json).map_err(|e| e.to_string())
            } else {
                // Timed: the text is the result; wrapping it moves it without a copy.
                Ok(Value::String(json))
            }
        })
    } else {
        let mut by = ByManifest::new(&args.corpus);
        let checking = Rc::clone(&checking);
        Box::new(move |case: &Case, raw: &str| {
            Ok(records_value(by.parse(case, raw)?, checking.get()))
        })
    };
    let report = corpus.run(&args.filter, &mut parse);
    checking.set(false);
    println!("{report}");
    if let Some(n) = args.bench {
        match corpus.bench(&args.filter, n, &mut parse) {
            Ok(b) => println!(
                "netpulse textfsm (native): {:.0} parses/s ({} parses, {:.3}s wall, {:.0} parses/s of wall time)",
                b.cpu_rate().unwrap_or_else(|| b.rate()),
                b.parses,
                b.elapsed.as_secs_f64(),
                b.rate()
            ),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
