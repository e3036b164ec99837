//! Parse cost through the Wasm plugin (warm instance) beside the same parser compiled
//! natively, on the same input: the price of the sandbox.
//!
//! - `cisco_ios show interfaces`: the bundled vendor plugin, on a fixture.
//! - the TextFSM engine over a corpus (`NETPULSE_CORPUS`, default `../shared/corpus`): the
//!   plugin through the host against the same crate's `Library` natively, doing the same work
//!   (index lookup, parse, JSON answer read back into a `Value` as the host does). Skipped
//!   when there is no corpus.
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netpulse::plugin::calls::{TEXTFSM, parse_with};
use netpulse_plugin_textfsm::Library;
use netpulse_plugin_textfsm::library::PLUGIN_RECHECK;
use serde_json::Value;

const SHOW_INTERFACES: &str = include_str!("../tests/fixtures/cisco_ios_show_interfaces.txt");

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = netpulse::config::Config::default();
    config.plugins.dir = dir.path().join("plugins").display().to_string();
    config.plugins.cache_dir = std::env::temp_dir()
        .join("netpulse-bench-wasm-cache")
        .display()
        .to_string();
    let host =
        netpulse::gateway::plugin_host(&config, dir.path(), netpulse::metrics::Metrics::new())
            .unwrap();
    let wasm = host
        .parse("cisco_ios", "cisco_ios", "show interfaces", SHOW_INTERFACES)
        .unwrap();
    let native =
        netpulse_plugin_cisco_ios::parse("cisco_ios", "show interfaces", SHOW_INTERFACES).unwrap();
    assert_eq!(wasm, native, "the plugin and the native build must agree");

    let mut group = c.benchmark_group("parse cisco_ios show interfaces");
    group.bench_function("native", |b| {
        b.iter(|| {
            netpulse_plugin_cisco_ios::parse("cisco_ios", "show interfaces", SHOW_INTERFACES)
                .unwrap()
        })
    });
    group.bench_function("wasm plugin (warm instance)", |b| {
        b.iter(|| {
            host.parse("cisco_ios", "cisco_ios", "show interfaces", SHOW_INTERFACES)
                .unwrap()
        })
    });
    group.finish();
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("NETPULSE_CORPUS").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus")),
        PathBuf::from,
    )
}

fn textfsm(c: &mut Criterion) {
    let corpus_dir = corpus_dir();
    let Ok(corpus) = netpulse::plugin::conformance::Corpus::load(&corpus_dir) else {
        eprintln!(
            "no corpus at {} (set NETPULSE_CORPUS): TextFSM benches skipped",
            corpus_dir.display()
        );
        return;
    };
    let templates = corpus_dir.join("templates");
    let cases: Vec<_> = corpus
        .cases
        .iter()
        .map(|case| (case, corpus.raw(case).unwrap()))
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let mut config = netpulse::config::Config::default();
    config.plugins.dir = dir.path().join("plugins").display().to_string();
    // A warm instance holding a whole template library, as `plugin conformance` sizes it.
    config.plugins.memory_limit_mb = 1024;
    config.plugins.call_timeout_ms = 10_000;
    config.parsing.template_dirs = vec![templates.display().to_string()];
    let host =
        netpulse::gateway::plugin_host(&config, dir.path(), netpulse::metrics::Metrics::new())
            .unwrap();
    let mut library = Library::with_dirs(vec![templates]).recheck_after(PLUGIN_RECHECK);
    let mut native = |platform: &str, command: &str, raw: &str| -> Value {
        let json = library.parse_json(platform, command, raw).unwrap();
        serde_json::from_str(&json).unwrap()
    };
    // The plugin itself, called as `plugin conformance` calls it (no command normalisation
    // by a vendor plugin first, which would be a second Wasm call).
    let snapshot = host.snapshot();
    let plugin = snapshot.by_name(TEXTFSM).unwrap();
    let wasm = |platform: &str, command: &str, raw: &str| -> Value {
        parse_with(plugin, platform, command, raw).unwrap()
    };
    for (case, raw) in &cases {
        let wasm = wasm(&case.platform, &case.command, raw);
        assert_eq!(
            wasm,
            native(&case.platform, &case.command, raw),
            "{}: the plugin and the native build must agree",
            case.raw.display()
        );
    }

    let mut group = c.benchmark_group(format!("parse textfsm corpus ({} cases)", cases.len()));
    // Elements are parses, so criterion reports parses per second.
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("native", |b| {
        b.iter(|| {
            for (case, raw) in &cases {
                std::hint::black_box(native(&case.platform, &case.command, raw));
            }
        })
    });
    group.bench_function("wasm plugin (warm instance)", |b| {
        b.iter(|| {
            for (case, raw) in &cases {
                std::hint::black_box(wasm(&case.platform, &case.command, raw));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench, textfsm);
criterion_main!(benches);
