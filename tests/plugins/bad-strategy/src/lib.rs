//! Test plugin `test-bad-strategy`: a strategy that misbehaves the way `params.mode` asks
//! (`twice`, `range`, `empty`, `trap`, `spin`, `trap-after`), to prove a bad plan or a
//! trapping strategy fails the batch before any device is touched.
#![cfg(target_arch = "wasm32")]
#![allow(missing_docs, unsafe_code)]

wit_bindgen::generate!({ path: "../../../wit", world: "strategy" });

use netpulse::plugin::types::PluginKind;

struct Plugin;

export!(Plugin);

fn mode(params: &str) -> String {
    // Just enough JSON reading for `{"mode": "..."}`.
    params
        .split("\"mode\"")
        .nth(1)
        .and_then(|rest| rest.split('"').nth(1))
        .unwrap_or("")
        .to_string()
}

impl Guest for Plugin {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "test-bad-strategy".to_string(),
            version: "1.0.0".to_string(),
            kind: PluginKind::Strategy,
            platforms: Vec::new(),
            commands: Vec::new(),
        }
    }

    fn plan(devices: Vec<DeviceRef>, params: String) -> Result<Vec<Wave>, String> {
        let all: Vec<u32> = devices.iter().map(|d| d.index).collect();
        let n = all.len() as u32;
        match mode(&params).as_str() {
            "twice" => Ok(vec![
                Wave {
                    devices: all.clone(),
                    concurrency: 0,
                },
                Wave {
                    devices: vec![0],
                    concurrency: 0,
                },
            ]),
            "range" => Ok(vec![Wave {
                devices: vec![n + 5],
                concurrency: 0,
            }]),
            "empty" => Ok(vec![
                Wave {
                    devices: Vec::new(),
                    concurrency: 0,
                },
                Wave {
                    devices: all,
                    concurrency: 0,
                },
            ]),
            "refuse" => Err("this strategy refuses every batch".to_string()),
            "trap" => panic!("test-bad-strategy traps in plan"),
            "spin" => {
                let mut x: u64 = 0;
                loop {
                    x = x.wrapping_add(1);
                    std::hint::black_box(x);
                }
            }
            // One device per wave, so after-wave is asked between them.
            _ => Ok(all
                .into_iter()
                .map(|i| Wave {
                    devices: vec![i],
                    concurrency: 1,
                })
                .collect()),
        }
    }

    fn after_wave(_summary: WaveSummary, params: String) -> Decision {
        if mode(&params) == "trap-after" {
            panic!("test-bad-strategy traps in after-wave");
        }
        Decision::Continue
    }
}
