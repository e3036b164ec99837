//! The bundled `by-site` strategy plugin: one site at a time (sites in order of first appearance), `batch_size` bounding each wave.
//! The planning itself lives in `netpulse-strategy-kit`; this crate adapts it to the WIT
//! `strategy` world.

/// The plugin's name, as bulk requests spell it in `strategy.name`.
pub const NAME: &str = "by-site";

// wit-bindgen's export glue is generated unsafe code; nothing else here is.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component {
    netpulse_strategy_kit::strategy_component!(super::NAME, netpulse_strategy_kit::by_site, false);
}
