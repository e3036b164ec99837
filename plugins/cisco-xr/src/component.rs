//! The WIT boundary: generated bindings for world `vendor`, converting the native types.
//! Kept alone so generated code never mixes with parsing logic.

wit_bindgen::generate!({ path: "../../wit", world: "vendor" });

use netpulse::plugin::types::{PluginKind, PromptAnswer};

/// The exported component.
struct Plugin;

impl Guest for Plugin {
    fn info() -> PluginInfo {
        let i = crate::info();
        PluginInfo {
            name: i.name,
            version: i.version,
            kind: match i.kind {
                crate::Kind::Parser => PluginKind::Parser,
                crate::Kind::Vendor => PluginKind::Vendor,
                crate::Kind::Strategy => PluginKind::Strategy,
            },
            platforms: i.platforms,
            commands: i.commands,
        }
    }

    fn parse(platform: String, command: String, output: String) -> Result<String, ParseError> {
        match crate::parse(&platform, &command, &output) {
            Ok(value) => Ok(value.to_string()),
            Err(crate::ParseError::Unsupported(m)) => Err(ParseError::Unsupported(m)),
            Err(crate::ParseError::Malformed(m)) => Err(ParseError::Malformed(m)),
            Err(crate::ParseError::Template(m)) => Err(ParseError::Template(m)),
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
                .map(|a| PromptAnswer {
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
