//! Test plugin `bad-json`: returns invalid JSON, to prove malformed returns are caught.
#![cfg(target_arch = "wasm32")]
#![allow(missing_docs, unsafe_code)]

include!("../../common.rs");

impl Guest for Plugin {
    fn info() -> PluginInfo {
        describe("test-bad-json", "1.0.0")
    }

    fn parse(_platform: String, _command: String, output: String) -> Result<String, ParseError> {
        Ok(format!("{{not json: {}", output.len()))
    }
}
