//! Test plugin `sleeper`: sleeps in parse (a clock wait in the host), to prove the sandbox
//! links no clock: the call must fail at once instead of outliving its deadline.
#![cfg(target_arch = "wasm32")]
#![allow(missing_docs, unsafe_code)]

include!("../../common.rs");

impl Guest for Plugin {
    fn info() -> PluginInfo {
        describe("test-sleeper", "1.0.0")
    }

    fn parse(_platform: String, _command: String, _output: String) -> Result<String, ParseError> {
        // On wasm32-wasip2 this is `wasi:clocks/monotonic-clock.subscribe-duration` and a
        // blocking poll: a host wait no epoch deadline interrupts.
        std::thread::sleep(std::time::Duration::from_secs(600));
        Ok("[]".into())
    }
}
