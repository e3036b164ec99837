//! Compiles the host's corpus runner (`src/plugin/conformance.rs`) here too, so its unit
//! tests run with this crate's tests and the example that includes it stays in sync.

#[path = "../../../src/plugin/conformance.rs"]
#[allow(dead_code)]
mod conformance;
