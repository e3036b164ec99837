//! What the vendor plugin crates share: ntc-style record building ([`record`]), command
//! abbreviation expansion ([`normalize`]), the native
//! mirrors of the WIT records ([`types`]), and the component glue ([`vendor_component!`]),
//! so each crate holds only its profile, normalisation and parsers.

pub mod normalize;
pub mod record;
pub mod types;

/// Expands, inside a vendor plugin crate built for wasm32, to the WIT bindings of the
/// `vendor` world and their exports, each a thin conversion around the crate's native
/// `info`, `parse`, `profile` and `normalize_command` (re-exported types at the crate root),
/// so the native and Wasm builds parse identically. The crate must depend on `wit-bindgen`
/// and sit in `plugins/<name>/` (the WIT path is relative to it).
// `crate::` is meant to name the calling plugin crate: its native API is what the exports
// wrap.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! vendor_component {
    () => {
        wit_bindgen::generate!({ path: "../../wit", world: "vendor" });

        use netpulse::plugin::types::{
            ParseError as WitParseError, PluginKind as WitKind, PromptAnswer as WitAnswer,
        };

        /// The type the generated bindings export.
        struct Plugin;

        impl Guest for Plugin {
            fn info() -> PluginInfo {
                let info = crate::info();
                PluginInfo {
                    name: info.name,
                    version: info.version,
                    kind: match info.kind {
                        crate::PluginKind::Parser => WitKind::Parser,
                        crate::PluginKind::Vendor => WitKind::Vendor,
                        crate::PluginKind::Strategy => WitKind::Strategy,
                    },
                    platforms: info.platforms,
                    commands: info.commands,
                }
            }

            fn parse(platform: String, command: String, output: String) -> Result<String, WitParseError> {
                match crate::parse(&platform, &command, &output) {
                    Ok(value) => Ok(value.to_string()),
                    Err(crate::ParseError::Unsupported(m)) => Err(WitParseError::Unsupported(m)),
                    Err(crate::ParseError::Malformed(m)) => Err(WitParseError::Malformed(m)),
                    Err(crate::ParseError::Template(m)) => Err(WitParseError::Template(m)),
                }
            }

            fn profile(platform: String) -> SessionProfile {
                let p = crate::profile(&platform);
                SessionProfile {
                    prompt_pattern: p.prompt_pattern,
                    privileged_pattern: p.privileged_pattern,
                    config_pattern: p.config_pattern,
                    pager_pattern: p.pager_pattern,
                    pager_continue: p.pager_continue,
                    enable_command: p.enable_command,
                    enable_password_pattern: p.enable_password_pattern,
                    paging_off_commands: p.paging_off_commands,
                    setup_commands: p.setup_commands,
                    config_enter: p.config_enter,
                    config_exit: p.config_exit,
                    commit_command: p.commit_command,
                    save_command: p.save_command,
                    prompt_answers: p
                        .prompt_answers
                        .into_iter()
                        .map(|a| WitAnswer {
                            pattern: a.pattern,
                            answer: a.answer,
                        })
                        .collect(),
                    error_patterns: p.error_patterns,
                    noise_patterns: p.noise_patterns,
                }
            }

            fn normalize_command(platform: String, command: String) -> String {
                crate::normalize_command(&platform, &command)
            }
        }

        export!(Plugin);
    };
}
