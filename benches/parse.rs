//! Parse cost through the Wasm plugin (warm instance) beside the same parser compiled
//! natively, on the same input: the price of the sandbox.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};

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

criterion_group!(benches, bench);
criterion_main!(benches);
