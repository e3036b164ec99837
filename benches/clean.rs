//! Hot-path cost of cleaning device output: render + `command_output` of a typical ~2 KB
//! `show version`, with the bounded renderer (`netpulse::ssh::clean`) and the renderer as it
//! was before (`clean/before.rs`), in one run; plus the figures behind `clean::OFFLOAD_BYTES`
//! (64 KiB of plain lines and of lines that need the terminal played out, and a
//! `spawn_blocking` round trip).
//!
//! `cargo bench --bench clean`. Both renderers are compiled into this crate (`clean/before.rs`
//! and `clean/after.rs`, which includes `src/ssh/clean.rs`), so a quick optimised run needs
//! no release build of the dependencies:
//! `cargo rustc --profile dev --bench clean -- -C opt-level=3` then run the binary it names
//! with `--bench`.

use criterion::{Criterion, criterion_group, criterion_main};
use regex::Regex;
use std::hint::black_box;

#[path = "clean/after.rs"]
mod after;
#[path = "clean/before.rs"]
mod before;

use after::clean;

/// What a Cisco IOS device sends for `show version`: echo, ~2 KB of CRLF lines, prompt.
fn show_version() -> String {
    let mut raw = String::from("show version\r\n");
    raw.push_str("Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.2(4)E10, RELEASE SOFTWARE (fc2)\r\n");
    raw.push_str("Technical Support: http://www.cisco.com/techsupport\r\n");
    raw.push_str("Copyright (c) 1986-2020 by Cisco Systems, Inc.\r\n\r\n");
    while raw.len() < 2000 {
        raw.push_str(
            "ROM: Bootstrap program is C3750E boot loader, uptime is 1 year, 2 weeks, 3 days\r\n",
        );
    }
    raw.push_str("\r\nConfiguration register is 0xF\r\n\r\nR1#");
    raw
}

fn bench(c: &mut Criterion) {
    let prompt = Regex::new(r"^[\w.\-@/:]{1,63}(\([\w.\-@/:+]{0,32}\))?[>#]\s?$").expect("valid");
    let raw = show_version();
    assert_eq!(
        clean::command_output(&raw, "show version", &prompt, &[]),
        before::command_output(&raw, "show version", &prompt, &[]),
        "same output before and after"
    );
    let mut g = c.benchmark_group("clean_show_version_2k");
    g.bench_function("before", |b| {
        b.iter(|| before::command_output(black_box(&raw), "show version", &prompt, &[]))
    });
    g.bench_function("after", |b| {
        b.iter(|| clean::command_output(black_box(&raw), "show version", &prompt, &[]))
    });
    g.finish();
    let mut g = c.benchmark_group("render_show_version_2k");
    g.bench_function("before", |b| b.iter(|| before::render(black_box(&raw))));
    g.bench_function("after", |b| b.iter(|| clean::render(black_box(&raw))));
    g.finish();
    for (name, line) in [
        (
            "clean_64k_plain_lines",
            " ip address 10.0.0.1 255.255.255.0\r\n",
        ),
        (
            "clean_64k_terminal_lines",
            " ip address 10.0.0.1 255.255.255.0\x1b[K\r\n",
        ),
    ] {
        let mut big = String::from("show run\r\n");
        while big.len() < 64 * 1024 {
            big.push_str(line);
        }
        big.push_str("R1#");
        c.bench_function(name, |b| {
            b.iter(|| clean::command_output(black_box(&big), "show run", &prompt, &[]))
        });
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    c.bench_function("spawn_blocking_round_trip", |b| {
        b.to_async(&rt)
            .iter(|| async { tokio::task::spawn_blocking(|| black_box(1)).await })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
