//! Generated bindings for the three plugin worlds of `wit/netpulse.wit`, each alone in its
//! module so generated code never mixes with logic (as Spin does).
#![allow(missing_docs)]

/// The `parser` world: info + parse.
pub mod parser {
    wasmtime::component::bindgen!({ path: "wit", world: "parser" });
}

/// The `vendor` world: parser + profile + normalize-command.
pub mod vendor {
    wasmtime::component::bindgen!({ path: "wit", world: "vendor" });
}

/// The `strategy` world: info + plan + after-wave.
pub mod strategy {
    wasmtime::component::bindgen!({ path: "wit", world: "strategy" });
}
