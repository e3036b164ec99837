//! The bundled `rolling` strategy plugin: waves of `batch_size` devices in request order; abort when a wave's failure ratio exceeds `max_failure_ratio`.
//! The planning itself lives in `netpulse-strategy-kit`; this crate adapts it to the WIT
//! `strategy` world.

/// The plugin's name, as bulk requests spell it in `strategy.name`.
pub const NAME: &str = "rolling";

// wit-bindgen's export glue is generated unsafe code; nothing else here is.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component {
    wit_bindgen::generate!({ path: "../../wit", world: "strategy" });

    use netpulse::plugin::types::PluginKind;
    use netpulse_strategy_kit as kit;

    struct Plugin;

    export!(Plugin);

    impl Guest for Plugin {
        fn info() -> PluginInfo {
            PluginInfo {
                name: super::NAME.to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                kind: PluginKind::Strategy,
                platforms: Vec::new(),
                commands: Vec::new(),
            }
        }

        fn plan(devices: Vec<DeviceRef>, params: String) -> Result<Vec<Wave>, String> {
            let params = kit::Params::parse(&params)?;
            let devices: Vec<kit::Device> = devices
                .into_iter()
                .map(|d| kit::Device {
                    index: d.index,
                    site: d.site,
                })
                .collect();
            Ok(kit::rolling(&devices, &params)
                .into_iter()
                .map(|w| Wave {
                    devices: w.devices,
                    concurrency: w.concurrency,
                })
                .collect())
        }

        fn after_wave(summary: WaveSummary, params: String) -> Decision {
            // Params were validated by plan(); unreadable params here mean stop, not guess.
            let Ok(params) = kit::Params::parse(&params) else {
                return Decision::Abort;
            };
            match kit::judge(
                summary.wave,
                summary.succeeded,
                summary.failed,
                &params,
                false,
            ) {
                kit::Decision::Continue => Decision::Continue,
                kit::Decision::Abort => Decision::Abort,
                kit::Decision::Pause => Decision::Pause,
            }
        }
    }
}
