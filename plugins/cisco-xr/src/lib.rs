//! Cisco IOS-XR vendor plugin for NetPulse.
//!
//! Built twice from the same source: as a `wasm32-wasip2` component exporting the WIT world
//! `vendor` (see `wit/netpulse.wit`), and natively as an rlib so the host can benchmark and test
//! the very same parsers without a Wasm runtime. The routing, dispatch and export glue are
//! `netpulse-vendor-kit`'s; this crate holds what is IOS-XR's own:
//!
//! - [`VENDOR`] — the plugin's names and where its parts are.
//! - `profile` — how to drive an IOS-XR CLI session: prompts, pager, config, commit, errors.
//! - `normalize` — IOS-XR's `show` keywords (and `admin`), folding `adm sh inv` into one canonical spelling.
//! - `parsers` — one module per supported command, each producing ntc-templates' records.

// Tests may unwrap: a panic there is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod normalize;
mod parsers;
mod profile;

pub use netpulse_vendor_kit::types::{self, Info, ParseError, PluginKind, Profile, PromptAnswer};

netpulse_vendor_kit::vendor_plugin! {
    /// Routers running IOS-XR (classic and XR7).
    name: "cisco_xr",
    platforms: ["cisco_xr"],
}
