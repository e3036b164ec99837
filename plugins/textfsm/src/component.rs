//! The WebAssembly component: WIT bindings and the `parser` world's exports, a thin layer
//! over [`crate::library::Library`] reading the directories the host preopens at
//! `/templates/0`, `/templates/1`, …

wit_bindgen::generate!({ path: "../../wit", world: "parser" });

use std::cell::RefCell;

use netpulse::plugin::types::{ParseError as WitParseError, PluginKind as WitKind};

use crate::clitable::Error;
use crate::library::{Library, PLUGIN_RECHECK};

/// Guest path under which the host mounts `parsing.template_dirs[i]` as `/templates/{i}`.
const TEMPLATE_ROOT: &str = "/templates";

thread_local! {
    /// One library per instance: templates are compiled once and kept while the instance is
    /// warm, and re-read only when their files change. Each file operation is a WASI call the
    /// host serves on a blocking thread pool, so files are looked at once per
    /// [`PLUGIN_RECHECK`] rather than on every parse.
    static LIBRARY: RefCell<Library> =
        RefCell::new(Library::numbered(TEMPLATE_ROOT).recheck_after(PLUGIN_RECHECK));
}

/// The type the generated bindings export.
struct Plugin;

impl Guest for Plugin {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "textfsm".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            kind: WitKind::Parser,
            platforms: Vec::new(),
            commands: Vec::new(),
        }
    }

    fn parse(platform: String, command: String, output: String) -> Result<String, WitParseError> {
        // Straight to JSON text: no maps (nor, for one template, a table) built only to be
        // serialised.
        let json = LIBRARY.with(|lib| lib.borrow_mut().parse_json(&platform, &command, &output));
        match json {
            Ok(json) => Ok(json),
            Err(Error::NoTemplate { platform, command }) => Err(WitParseError::Unsupported(
                format!("no template for {platform} / {command}"),
            )),
            Err(Error::Parse(e)) => Err(WitParseError::Malformed(e.to_string())),
            Err(e) => Err(WitParseError::Template(e.to_string())),
        }
    }
}

export!(Plugin);
