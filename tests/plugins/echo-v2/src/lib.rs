//! Test plugin `echo-v2`: version 2 of a well-behaved parser, for hot-swap tests.
#![cfg(target_arch = "wasm32")]
#![allow(missing_docs, unsafe_code)]

include!("../../common.rs");

impl Guest for Plugin {
    fn info() -> PluginInfo {
        describe("echo", "2.0.0")
    }

    fn parse(_platform: String, _command: String, output: String) -> Result<String, ParseError> {
        Ok(format!(
            "[{{\"version\": \"2\", \"length\": \"{}\"}}]",
            output.len()
        ))
    }
}
