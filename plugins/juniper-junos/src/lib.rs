//! NetPulse's bundled vendor plugin for Juniper Junos.
//!
//! The same code serves two hosts: built for `wasm32-wasip2` it is a component of the
//! `vendor` world in `wit/netpulse.wit`; built natively it is a plain library, so the
//! gateway can benchmark and test the parsers without a Wasm runtime. The routing,
//! dispatch, device-error check and export glue are `netpulse-vendor-kit`'s; this crate
//! holds what is Junos's own:
//!
//! - [`VENDOR`] — the plugin's names, its device-error line and where its parts are.
//! - `profile` — how the gateway drives a Junos CLI session.
//! - `normalize` — the command vocabulary, for one spelling per command.
//! - `parsers` — CLI text to ntc-templates-compatible JSON records, one module per command,
//!   built with the kit's `record` rules.

mod normalize;
mod parsers;
mod profile;
use netpulse_vendor_kit::record;

pub use netpulse_vendor_kit::types::{self, Info, ParseError, PluginKind, Profile, PromptAnswer};

netpulse_vendor_kit::vendor_plugin! {
    /// Junos, also under NAPALM's name `junos` and as `juniper` (design §4).
    name: "juniper_junos",
    platforms: ["juniper_junos"],
    aliases: ["junos", "juniper"],
    // Junos answers a rejected command with `syntax error` / `unknown command` /
    // `error:` instead of output.
    device_error: r"^\s*(?:syntax error|unknown command|error:|.* is ambiguous\.?$|No valid completions)",
    device_error_sample: "         ^\nunknown command.\n",
}
