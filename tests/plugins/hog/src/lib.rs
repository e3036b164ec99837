//! Test plugin `hog`: allocates without bound in parse, to prove the memory cap.
#![cfg(target_arch = "wasm32")]
#![allow(missing_docs, unsafe_code)]

include!("../../common.rs");

impl Guest for Plugin {
    fn info() -> PluginInfo {
        describe("test-hog", "1.0.0")
    }

    fn parse(_platform: String, _command: String, output: String) -> Result<String, ParseError> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![output.len() as u8; 1 << 20]);
            std::hint::black_box(&hoard);
        }
    }
}
