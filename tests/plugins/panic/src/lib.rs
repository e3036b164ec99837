//! Test plugin `panic`: panics in parse, to prove a trap fails only that call.
#![cfg(target_arch = "wasm32")]
#![allow(missing_docs, unsafe_code)]

include!("../../common.rs");

impl Guest for Plugin {
    fn info() -> PluginInfo {
        describe("test-panic", "1.0.0")
    }

    fn parse(_platform: String, _command: String, output: String) -> Result<String, ParseError> {
        panic!(
            "test-panic plugin was asked to parse {} bytes",
            output.len()
        )
    }
}
