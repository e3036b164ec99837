//! Test plugin `wrong-world`: exports a world that is not netpulse's, to prove the loader
//! refuses it with a clear reason.
#![cfg(target_arch = "wasm32")]
#![allow(missing_docs, unsafe_code)]

wit_bindgen::generate!({ path: "wit", world: "wrong" });

struct Plugin;

export!(Plugin);

impl Guest for Plugin {
    fn run(input: String) -> u32 {
        input.len() as u32
    }
}
