//! NetPulse's TextFSM engine: runs TextFSM templates (such as an ntc-templates checkout) the
//! way Python's textfsm does, natively and as a WebAssembly `parser` plugin.
//!
//! - [`pyre`] translates the templates' Python regex syntax for Rust (`regex`, or
//!   `fancy-regex` for look-around and backreferences) and says clearly what it cannot.
//! - [`template`] reads a template: `Value` declarations, states and `^regex -> Action` rules.
//! - [`fsm`] runs a template over text with textfsm's exact record semantics.
//! - [`record`] holds the result table, joins chained templates, and emits JSON records.
//! - [`clitable`] reads the `index` file that maps platform and command to templates.
//! - [`library`] finds templates in one or more directories and reloads edited files.
//! - `component` (wasm32 only) exports the `parser` world: templates come from read-only
//!   directories the host preopens at `/templates/0`, `/templates/1`, …

pub mod clitable;
mod firstrule;
pub mod fsm;
pub mod library;
mod linematch;
pub mod pyre;
pub mod record;
pub mod template;

// The generated export glue is FFI and needs `unsafe`; no hand-written code does.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component;

pub use clitable::{CliTable, Index, parse_chain, parse_chain_json, parse_chain_table};
pub use library::Library;
pub use record::{Record, Table};
pub use template::Template;

/// Parses `text` with one template and returns ntc-templates-style records.
pub fn parse(template: &Template, text: &str) -> Result<Vec<Record>, fsm::Error> {
    template.parse_records(text)
}
