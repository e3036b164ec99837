//! Test plugin `spin`: loops forever in parse, to prove the call deadline.
#![cfg(target_arch = "wasm32")]
#![allow(missing_docs, unsafe_code)]

include!("../../common.rs");

impl Guest for Plugin {
    fn info() -> PluginInfo {
        describe("test-spin", "1.0.0")
    }

    fn parse(_platform: String, _command: String, output: String) -> Result<String, ParseError> {
        let mut n: u64 = output.len() as u64;
        loop {
            n = std::hint::black_box(n.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
}
