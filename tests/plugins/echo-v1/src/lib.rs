//! Test plugin `echo-v1`: version 1 of a well-behaved parser, for hot-swap tests.
#![cfg(target_arch = "wasm32")]
#![allow(missing_docs, unsafe_code)]

include!("../../common.rs");

impl Guest for Plugin {
    fn info() -> PluginInfo {
        describe("echo", "1.0.0")
    }

    fn parse(_platform: String, _command: String, output: String) -> Result<String, ParseError> {
        Ok(format!(
            "[{{\"version\": \"1\", \"length\": \"{}\"}}]",
            output.len()
        ))
    }
}
