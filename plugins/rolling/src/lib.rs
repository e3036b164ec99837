//! The bundled `rolling` strategy plugin: waves of `batch_size` devices in request order; abort when a wave's failure ratio exceeds `max_failure_ratio`.
//! The planning itself lives in `netpulse-strategy-kit`; this crate adapts it to the WIT
//! `strategy` world.

/// The plugin's name, as bulk requests spell it in `strategy.name`.
pub const NAME: &str = "rolling";

// wit-bindgen's export glue is generated unsafe code; nothing else here is.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component {
    netpulse_strategy_kit::strategy_component!(super::NAME, netpulse_strategy_kit::rolling, false);
}
