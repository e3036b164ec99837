// Shared by the parser-world test plugins: the `info()` every one answers, so each can be
// loaded, and only its `parse` misbehaves.
wit_bindgen::generate!({ path: "../../../wit", world: "parser" });

use netpulse::plugin::types::PluginKind;

struct Plugin;

export!(Plugin);

fn describe(name: &str, version: &str) -> PluginInfo {
    PluginInfo {
        name: name.to_string(),
        version: version.to_string(),
        kind: PluginKind::Parser,
        platforms: Vec::new(),
        commands: vec!["show test".to_string()],
    }
}
