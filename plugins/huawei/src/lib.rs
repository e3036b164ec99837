//! NetPulse's bundled vendor plugin for Huawei VRP.
//!
//! The same code serves two hosts: built for `wasm32-wasip2` it is a component of the
//! `vendor` world in `wit/netpulse.wit`; built natively it is a plain library, so the
//! gateway can benchmark and test the parsers without a Wasm runtime. The routing,
//! dispatch, device-error check and export glue are `netpulse-vendor-kit`'s; this crate
//! holds what is VRP's own:
//!
//! - [`VENDOR`] — the plugin's names, its device-error line and where its parts are.
//! - `profile` — how the gateway drives a VRP CLI session.
//! - `normalize` — the command vocabulary, for one spelling per command.
//! - `parsers` — CLI text to ntc-templates-compatible JSON records, one module per command,
//!   built with the kit's `record` rules.

mod normalize;
mod parsers;
mod profile;
use netpulse_vendor_kit::record;

pub use netpulse_vendor_kit::types::{self, Info, ParseError, PluginKind, Profile, PromptAnswer};

netpulse_vendor_kit::vendor_plugin! {
    /// VRP, also under the names scrapli and ntc-templates use (`huawei_vrp`) and the
    /// netmiko-style `huawei_vrpv8`, whose profile commits (design §4).
    name: "huawei",
    platforms: ["huawei"],
    aliases: ["huawei_vrp", "huawei_vrpv8"],
    // VRP answers a rejected command with `Error: ...` (after a caret line) instead of
    // output.
    device_error: r"^\s*Error:\s*[A-Z]",
    device_error_sample: "         ^\nError: Unrecognized command found at '^' position.\n",
}
