//! The WebAssembly component: WIT bindings and the `vendor` world's exports, each a thin
//! conversion around the native API so the native and Wasm builds parse identically.

netpulse_vendor_kit::vendor_component!();
