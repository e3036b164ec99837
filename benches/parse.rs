//! Parse cost through the Wasm plugin (warm instance) beside the same parser compiled
//! natively, on the same input: the price of the sandbox.
//!
//! - `cisco_ios show interfaces`: the bundled vendor plugin, on a fixture.
//! - the TextFSM engine over a corpus (`NETPULSE_CORPUS`, default `../shared/corpus`): the
//!   plugin through the host against the same crate's `Library` natively, doing the same work
//!   (index lookup, parse, JSON answer read back into a `Value` as the host does). Skipped
//!   when there is no corpus. Before criterion's timings it prints the ratio from passes of
//!   the two taken in turn on this thread's CPU clock (`NETPULSE_PAIRED_PASSES`, default 50),
//!   which a busy machine skews far less.
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

    // Criterion times one side after the other, so a busy machine can favour either; passes
    // taken in turn and timed on this thread's CPU clock give the steadier ratio.
    let rounds: usize = std::env::var("NETPULSE_PAIRED_PASSES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    let (mut native_s, mut wasm_s) = (0.0, 0.0);
    for _ in 0..rounds {
        let start = thread_seconds();
        for (case, raw) in &cases {
            std::hint::black_box(native(&case.platform, &case.command, raw));
        }
        let middle = thread_seconds();
        for (case, raw) in &cases {
            std::hint::black_box(wasm(&case.platform, &case.command, raw));
        }
        let end = thread_seconds();
        native_s += middle - start;
        wasm_s += end - middle;
    }
    let parses = (rounds * cases.len()) as f64;
    println!(
        "textfsm corpus, {rounds} passes each in turn, per CPU second: native {:.0} parses/s, \
         wasm plugin {:.0} parses/s, plugin/native {:.2}x",
        parses / native_s,
        parses / wasm_s,
        wasm_s / native_s
    );

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

/// CPU time of this thread (Linux), else wall time since the first call.
fn thread_seconds() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(
            || {
                START
                    .get_or_init(std::time::Instant::now)
                    .elapsed()
                    .as_secs_f64()
            },
            |ns| ns / 1e9,
        )
}

criterion_group!(benches, bench, textfsm);
criterion_main!(benches);
