//! Builds the bundled plugins (and the hostile test plugins) for `wasm32-wasip2` as part of
//! the normal `cargo build`, so nobody has a separate command to remember. The host embeds
//! the bundled components; tests find the hostile ones through `NETPULSE_TEST_PLUGINS`.
//!
//! The nested cargo gets its own target directory: sharing the outer one deadlocks on
//! cargo's build lock (design §5).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Bundled plugins: crate directory under `plugins/` (the component is `netpulse_plugin_<dir>.wasm`).
const BUNDLED: &[&str] = &[
    "cisco-ios",
    "cisco-nxos",
    "cisco-xr",
    "arista-eos",
    "juniper-junos",
    "huawei",
    "textfsm",
    "rolling",
    "canary",
    "by-site",
];

/// Test-only plugins under `tests/plugins/` (the component is `netpulse_test_<dir>.wasm`).
const TEST_PLUGINS: &[&str] = &[
    "spin",
    "hog",
    "panic",
    "bad-json",
    "wrong-world",
    "echo-v1",
    "echo-v2",
    "bad-strategy",
    "sleeper",
];

/// The guests' target. rust-toolchain.toml names it, but rustup adds a named target only when
/// it installs the toolchain: a machine that already had 1.95.0 builds without it.
const GUEST_TARGET: &str = "wasm32-wasip2";

fn main() {
    ensure_guest_target();
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=plugins");
    println!("cargo:rerun-if-changed=wit");
    println!("cargo:rerun-if-changed=tests/plugins");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    let target_root = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { manifest.join(p) })
        .unwrap_or_else(|| manifest.join("target"));
    let plugin_target = target_root.join("plugins");

    let mut packages: Vec<String> = BUNDLED
        .iter()
        .map(|p| format!("netpulse-plugin-{p}"))
        .collect();
    let test_plugins: Vec<&str> = TEST_PLUGINS
        .iter()
        .copied()
        .filter(|p| {
            manifest
                .join("tests/plugins")
                .join(p)
                .join("Cargo.toml")
                .exists()
        })
        .collect();
    packages.extend(test_plugins.iter().map(|p| format!("netpulse-test-{p}")));

    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(&manifest)
        .args([
            "build",
            "--release",
            "--target",
            GUEST_TARGET,
            "--target-dir",
        ])
        .arg(&plugin_target);
    for p in &packages {
        cmd.args(["-p", p]);
    }
    // The outer build's settings (flags for the host target, profile, jobserver-unrelated
    // variables) must not leak into the guest build.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        let keep = key == "CARGO_HOME" || key == "CARGO_MAKEFLAGS" || key == "CARGO_NET_OFFLINE";
        if (key.starts_with("CARGO_") && !keep)
            || key.starts_with("RUSTC")
            || key == "RUSTFLAGS"
            || key == "RUSTDOCFLAGS"
            || key == "TARGET"
            || key == "HOST"
            || key == "OPT_LEVEL"
            || key == "PROFILE"
            || key == "DEBUG"
            || key == "OUT_DIR"
        {
            cmd.env_remove(&key);
        }
    }
    // Guests ship stripped: line tables and symbols multiply a component's size (and so its
    // compile time) several times over.
    cmd.env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true");
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("run cargo for the plugins: {e}"));
    if !status.success() {
        panic!(
            "building the bundled plugins for wasm32-wasip2 failed ({status}); \
             is the target installed? `rustup target add wasm32-wasip2`"
        );
    }

    let out_dir = target_root.join("plugins/wasm32-wasip2/release");
    let mut generated = String::from(
        "/// Bundled plugin components, embedded in the binary: (crate directory, component bytes).\n\
         pub const BUNDLED: &[(&str, &[u8])] = &[\n",
    );
    for p in BUNDLED {
        let file = out_dir.join(format!("netpulse_plugin_{}.wasm", p.replace('-', "_")));
        assert!(file.exists(), "missing built plugin {}", file.display());
        generated.push_str(&format!(
            "    ({p:?}, include_bytes!({:?})),\n",
            path_str(&file)
        ));
    }
    generated.push_str("];\n");
    let dest = PathBuf::from(env("OUT_DIR")).join("bundled_plugins.rs");
    std::fs::write(&dest, generated).unwrap_or_else(|e| panic!("write {}: {e}", dest.display()));
    println!(
        "cargo:rustc-env=NETPULSE_TEST_PLUGINS={}",
        path_str(&out_dir)
    );
}

/// Installs the guest target into the building toolchain when it is missing, so a fresh
/// machine's first `cargo run` works; without rustup, says which command is needed.
fn ensure_guest_target() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(sysroot) = &sysroot
        && Path::new(sysroot)
            .join("lib/rustlib")
            .join(GUEST_TARGET)
            .exists()
    {
        return;
    }
    println!(
        "cargo:warning=the {GUEST_TARGET} target is missing: running `rustup target add {GUEST_TARGET}` to build the bundled plugins"
    );
    let mut add = Command::new("rustup");
    add.args(["target", "add", GUEST_TARGET]);
    // Under a rust-toolchain.toml, rustup tells the build which toolchain it is.
    if let Ok(toolchain) = std::env::var("RUSTUP_TOOLCHAIN") {
        add.args(["--toolchain", &toolchain]);
    }
    match add.status() {
        Ok(status) if status.success() => {}
        Ok(status) => panic!(
            "`rustup target add {GUEST_TARGET}` failed ({status}); the bundled plugins need that target: run it by hand and build again"
        ),
        Err(e) => panic!(
            "the {GUEST_TARGET} target is not installed and rustup could not be run ({e}): install the {GUEST_TARGET} target for this Rust toolchain (with rustup: `rustup target add {GUEST_TARGET}`)"
        ),
    }
}

fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| panic!("cargo sets {key}"))
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
