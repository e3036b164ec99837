//! Cache micro-benchmarks: L1 get and put through the public facade, and an L2 hit against
//! the Redis named by `NETPULSE_TEST_REDIS` (skipped, with a note, when it is not set).
//!
//! `cargo bench --bench cache`; the L2 section also prints per-operation p50/p99, since the
//! target (L2 hit p50 < 1 ms) is about single reads, not criterion's batch means.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use netpulse::cache::{Cache, CredentialHasher, Entry, Key, Level, Settings};
use netpulse::config::Database;
use netpulse::store::Store;

/// A realistic `show version` output size.
const OUTPUT_BYTES: usize = 2048;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

async fn cache(
    max_size: usize,
    redis_url: Option<String>,
    namespace: &str,
) -> (Cache, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::connect(&Database {
        url,
        ..Database::default()
    })
    .await
    .expect("sqlite store");
    let settings = Settings {
        ttl: Duration::from_secs(3600),
        max_size,
        redis_url,
    };
    (
        Cache::new(settings, store, namespace, CredentialHasher::random())
            .await
            .expect("cache"),
        dir,
    )
}

fn key(cache: &Cache, command: &str) -> Key {
    Key {
        host: "10.0.0.1".into(),
        port: 22,
        device_type: "cisco_ios".into(),
        command: command.into(),
        credential: cache.credential_hasher().hash("admin", "admin"),
    }
}

fn entry() -> Entry {
    Entry::new(
        "x".repeat(OUTPUT_BYTES),
        Some(serde_json::json!([{"version": "15.2"}])),
    )
}

fn l1(c: &mut Criterion) {
    let rt = runtime();
    let (cache, _dir) = rt.block_on(cache(1000, None, "bench"));
    let k = key(&cache, "show version");
    rt.block_on(cache.put(&k, &entry(), None));
    c.bench_function("l1_get_hit", |b| {
        b.to_async(&rt).iter(|| async {
            let hit = cache.get(&k).await;
            debug_assert!(matches!(hit, Some((_, Level::L1))));
            hit
        })
    });
    c.bench_function("l1_get_miss_l3_miss", |b| {
        let missing = key(&cache, "show nothing");
        b.to_async(&rt).iter(|| cache.get(&missing))
    });
    // put writes every level; with L2 off that is L1 plus one SQLite upsert.
    let value = entry();
    c.bench_function("put_l1_and_l3_sqlite", |b| {
        b.to_async(&rt).iter(|| cache.put(&k, &value, None))
    });
}

fn l2(c: &mut Criterion) {
    let Ok(url) = std::env::var("NETPULSE_TEST_REDIS") else {
        eprintln!("NETPULSE_TEST_REDIS not set: L2 benchmark skipped");
        return;
    };
    let rt = runtime();
    let namespace = format!("bench{}", std::process::id());
    let (writer, _dw) = rt.block_on(cache(1000, Some(url.clone()), &namespace));
    // L1 holds one entry and the reads alternate two keys, so every read misses L1 and is
    // answered by Redis (then promoted, evicting the other key): the L2 hit path as served.
    let (reader, _dr) = rt.block_on(cache(1, Some(url), &namespace));
    let keys = [key(&writer, "show version"), key(&writer, "show inventory")];
    for k in &keys {
        rt.block_on(writer.put(k, &entry(), None));
    }
    let mut turn = 0usize;
    c.bench_function("l2_get_hit", |b| {
        b.to_async(&rt).iter(|| {
            turn += 1;
            reader.get(&keys[turn % 2])
        })
    });

    let mut samples: Vec<Duration> = Vec::with_capacity(5000);
    rt.block_on(async {
        for i in 0..5000 {
            let started = Instant::now();
            let hit = reader.get(&keys[i % 2]).await;
            samples.push(started.elapsed());
            assert!(
                matches!(hit, Some((_, Level::L2))),
                "expected an L2 hit, got {hit:?}"
            );
        }
    });
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    println!(
        "l2_get_hit per-read latency over {} reads: p50 {:?}, p99 {:?}, max {:?}",
        samples.len(),
        at(0.50),
        at(0.99),
        at(1.0)
    );
    println!("l2 stats: {:?}", reader.stats());
}

criterion_group!(benches, l1, l2);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
