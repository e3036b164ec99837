//! The bundled `canary` strategy plugin: `canary_count` devices first (any failure aborts; `pause_after_canary` pauses for a human), then rolling waves.
//! The planning itself lives in `netpulse-strategy-kit`; this crate adapts it to the WIT
//! `strategy` world.

/// The plugin's name, as bulk requests spell it in `strategy.name`.
pub const NAME: &str = "canary";

// wit-bindgen's export glue is generated unsafe code; nothing else here is.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component {
    netpulse_strategy_kit::strategy_component!(super::NAME, netpulse_strategy_kit::canary, true);
}
