//! NetPulse's bundled vendor plugin for Arista EOS.
//!
//! The same code serves two hosts: built for `wasm32-wasip2` it is a component of the
//! `vendor` world in `wit/netpulse.wit`; built natively it is a plain library, so the
//! gateway can benchmark and test the parsers without a Wasm runtime. The routing,
//! dispatch, device-error check and export glue are `netpulse-vendor-kit`'s; this crate
//! holds what is EOS's own:
//!
//! - [`VENDOR`] — the plugin's names, its device-error line and where its parts are.
//! - `profile` — how the gateway drives an EOS CLI session.
//! - `normalize` — the command vocabulary, for one spelling per command.
//! - `parsers` — CLI text to ntc-templates-compatible JSON records, one module per command,
//!   built with the kit's `record` rules.

mod normalize;
mod parsers;
mod profile;
use netpulse_vendor_kit::record;

pub use netpulse_vendor_kit::types::{self, Info, ParseError, PluginKind, Profile, PromptAnswer};

netpulse_vendor_kit::vendor_plugin! {
    /// EOS, also under NAPALM's name `eos` (design §4).
    name: "arista_eos",
    platforms: ["arista_eos"],
    aliases: ["eos"],
    // EOS reports a rejected command with a `% ...` line instead of output.
    device_error: r"^\s*% ?(Invalid input|Incomplete command|Ambiguous command|Unavailable command|Error|Authorization denied)",
    device_error_sample: "         ^\n% Invalid input (at token 1: 'verson')\n",
}
