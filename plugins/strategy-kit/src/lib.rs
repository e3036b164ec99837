//! Wave planning shared by the bundled strategy plugins. Pure functions over plain types, so
//! they are tested natively; each plugin crate only adapts them to the WIT `strategy` world.

use serde::Deserialize;

/// A device as the planner sees it (the WIT `device-ref`).
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// Position in the request's device list.
    pub index: u32,
    /// Site, when known.
    pub site: Option<String>,
}

/// A wave: device indexes and how many run at once (0 = all).
#[derive(Debug, Clone, PartialEq)]
pub struct Wave {
    /// Device indexes, in request order.
    pub devices: Vec<u32>,
    /// Concurrency within the wave.
    pub concurrency: u32,
}

/// What to do after a wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Next wave.
    Continue,
    /// Stop for good.
    Abort,
    /// Stop until resumed.
    Pause,
}

/// Parameters every bundled strategy understands (`strategy.params` of the bulk request).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Devices per wave (rolling, and canary after the canaries).
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
    /// Abort when a wave's failed/total exceeds this (0..1).
    #[serde(default = "default_max_failure_ratio")]
    pub max_failure_ratio: f64,
    /// Devices in the canary wave.
    #[serde(default = "default_canary_count")]
    pub canary_count: u32,
    /// Concurrency within a wave; 0 = the whole wave at once.
    #[serde(default)]
    pub concurrency: u32,
    /// Pause (instead of continuing) after the canary wave succeeds, for a human to look.
    #[serde(default)]
    pub pause_after_canary: bool,
}

fn default_batch_size() -> u32 {
    10
}
fn default_max_failure_ratio() -> f64 {
    0.0
}
fn default_canary_count() -> u32 {
    1
}

impl Params {
    /// Parses the request's params (`{}` or empty text means defaults); the error names the
    /// field at fault.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = if text.trim().is_empty() || text.trim() == "null" {
            "{}"
        } else {
            text
        };
        let params: Params =
            serde_json::from_str(text).map_err(|e| format!("strategy params: {e}"))?;
        if params.batch_size == 0 {
            return Err("strategy params: batch_size must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&params.max_failure_ratio) {
            return Err(format!(
                "strategy params: max_failure_ratio {} must be between 0 and 1",
                params.max_failure_ratio
            ));
        }
        Ok(params)
    }
}

/// Waves of `batch_size` in request order.
pub fn rolling(devices: &[Device], params: &Params) -> Vec<Wave> {
    devices
        .chunks(params.batch_size as usize)
        .map(|chunk| Wave {
            devices: chunk.iter().map(|d| d.index).collect(),
            concurrency: params.concurrency,
        })
        .collect()
}

/// `canary_count` devices first, then rolling waves over the rest.
pub fn canary(devices: &[Device], params: &Params) -> Vec<Wave> {
    let split = (params.canary_count as usize).min(devices.len());
    let (first, rest) = devices.split_at(split);
    let mut waves = Vec::new();
    if !first.is_empty() {
        waves.push(Wave {
            devices: first.iter().map(|d| d.index).collect(),
            concurrency: params.concurrency,
        });
    }
    waves.extend(rolling(rest, params));
    waves
}

/// One site at a time, sites in order of first appearance; devices without a site last.
/// Within a site, `batch_size` still bounds a wave.
pub fn by_site(devices: &[Device], params: &Params) -> Vec<Wave> {
    let mut sites: Vec<Option<String>> = Vec::new();
    for d in devices {
        if !sites.contains(&d.site) {
            sites.push(d.site.clone());
        }
    }
    // Devices with no site go last, as their own group.
    sites.sort_by_key(|s| s.is_none());
    sites
        .iter()
        .flat_map(|site| {
            let members: Vec<Device> = devices
                .iter()
                .filter(|d| &d.site == site)
                .cloned()
                .collect();
            rolling(&members, params)
        })
        .collect()
}

/// The shared judgement: abort when the wave's failure ratio exceeds `max_failure_ratio`.
/// A canary wave (wave 0 of `canary`) aborts on any failure, and may pause when asked.
pub fn judge(wave: u32, succeeded: u32, failed: u32, params: &Params, is_canary: bool) -> Decision {
    let total = succeeded + failed;
    if is_canary && wave == 0 {
        if failed > 0 {
            return Decision::Abort;
        }
        return if params.pause_after_canary {
            Decision::Pause
        } else {
            Decision::Continue
        };
    }
    if total > 0 && f64::from(failed) / f64::from(total) > params.max_failure_ratio {
        Decision::Abort
    } else {
        Decision::Continue
    }
}

/// Expands, inside a strategy plugin crate built for wasm32, to the WIT bindings of the
/// `strategy` world and their exports: `plan` runs `$plan` (one of [`rolling`], [`canary`],
/// [`by_site`]) over the request's devices and `after-wave` runs [`judge`] (`$canary`: wave 0
/// is a canary wave). The crate must depend on `wit-bindgen` and sit in `plugins/<name>/`.
#[macro_export]
macro_rules! strategy_component {
    ($name:expr, $plan:path, $canary:expr) => {
        wit_bindgen::generate!({ path: "../../wit", world: "strategy" });

        use netpulse::plugin::types::PluginKind;
        use $crate as kit;

        struct Plugin;

        export!(Plugin);

        impl Guest for Plugin {
            fn info() -> PluginInfo {
                PluginInfo {
                    name: $name.to_string(),
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
                Ok($plan(&devices, &params)
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
                    $canary,
                ) {
                    kit::Decision::Continue => Decision::Continue,
                    kit::Decision::Abort => Decision::Abort,
                    kit::Decision::Pause => Decision::Pause,
                }
            }
        }
    };
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn devices(sites: &[Option<&str>]) -> Vec<Device> {
        sites
            .iter()
            .enumerate()
            .map(|(i, s)| Device {
                index: i as u32,
                site: s.map(String::from),
            })
            .collect()
    }

    fn params(text: &str) -> Params {
        Params::parse(text).expect("valid params")
    }

    #[test]
    fn rolling_keeps_request_order() {
        let waves = rolling(&devices(&[None; 5]), &params(r#"{"batch_size": 2}"#));
        let lists: Vec<Vec<u32>> = waves.into_iter().map(|w| w.devices).collect();
        assert_eq!(lists, vec![vec![0, 1], vec![2, 3], vec![4]]);
    }

    #[test]
    fn canary_first_then_rolling() {
        let waves = canary(
            &devices(&[None; 6]),
            &params(r#"{"canary_count": 1, "batch_size": 3}"#),
        );
        let lists: Vec<Vec<u32>> = waves.into_iter().map(|w| w.devices).collect();
        assert_eq!(lists, vec![vec![0], vec![1, 2, 3], vec![4, 5]]);
    }

    #[test]
    fn by_site_groups_sites_in_first_appearance_order() {
        let d = devices(&[Some("par"), Some("lon"), None, Some("par"), Some("lon")]);
        let waves = by_site(&d, &params(r#"{"batch_size": 10}"#));
        let lists: Vec<Vec<u32>> = waves.into_iter().map(|w| w.devices).collect();
        assert_eq!(lists, vec![vec![0, 3], vec![1, 4], vec![2]]);
    }

    #[test]
    fn judge_ratio_and_canary() {
        let p = params(r#"{"max_failure_ratio": 0.25}"#);
        assert_eq!(judge(1, 3, 1, &p, false), Decision::Continue);
        assert_eq!(judge(1, 2, 2, &p, false), Decision::Abort);
        assert_eq!(judge(0, 0, 1, &p, true), Decision::Abort);
        assert_eq!(
            judge(0, 1, 0, &params(r#"{"pause_after_canary": true}"#), true),
            Decision::Pause
        );
    }

    #[test]
    fn bad_params_named() {
        assert!(
            Params::parse(r#"{"batch_size": 0}"#)
                .unwrap_err()
                .contains("batch_size")
        );
        assert!(
            Params::parse(r#"{"bogus": 1}"#)
                .unwrap_err()
                .contains("bogus")
        );
        assert!(
            Params::parse(r#"{"max_failure_ratio": 2}"#)
                .unwrap_err()
                .contains("max_failure_ratio")
        );
    }
}
