//! A vendor plugin as data: its names, its parsers, its normalisation and its profile.
//! The kit answers the four calls of the WIT `vendor` world (`info`, `parse`, `profile`,
//! `normalize-command`) from one [`Vendor`], so every vendor crate routes, rejects and
//! reports the same way and holds only what is its own.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use crate::types::{Info, ParseError, PluginKind, Profile};

/// A parser: the output of one command in, ntc-templates-compatible records out.
pub type Parser = fn(&str) -> Result<Vec<Value>, ParseError>;

/// How many leading non-blank lines may hold a device error message.
const ERROR_LINES: usize = 3;

/// Everything the kit needs to serve one vendor plugin.
pub struct Vendor {
    /// Unique plugin name; a dropped-in plugin with the same name replaces the bundled one.
    pub name: &'static str,
    /// Crate version, shown to operators (`env!("CARGO_PKG_VERSION")` of the vendor crate).
    pub version: &'static str,
    /// Netmiko platform names listed in `info().platforms`, which the gateway routes by.
    pub platforms: &'static [&'static str],
    /// Other names of the platforms a caller may use (NAPALM's `eos`, ntc-templates'
    /// `huawei_vrp`); accepted by `parse` but not listed, see design §4.
    pub aliases: &'static [&'static str],
    /// Full, normalised command name → parser, in the order `info().commands` lists them.
    pub parsers: &'static [(&'static str, Parser)],
    /// Folds a typed command into its one canonical spelling (the platform never changes
    /// a vendor's vocabulary).
    pub normalize: fn(&str) -> String,
    /// The session profile for a served platform.
    pub profile: fn(&str) -> Profile,
    /// A line that, among the first few non-blank ones, means the device rejected the
    /// command; parsing it as an empty table would hide the failure. `None` for vendors
    /// whose parsers never mistake an error for output.
    pub device_error: Option<LazyLock<Regex>>,
}

impl Vendor {
    /// Describes the plugin, so the gateway can route requests to it.
    pub fn info(&self) -> Info {
        Info {
            name: self.name.to_string(),
            version: self.version.to_string(),
            kind: PluginKind::Vendor,
            platforms: self.platforms.iter().map(|p| p.to_string()).collect(),
            commands: self.commands().map(str::to_string).collect(),
        }
    }

    /// Full, normalised names of the commands with a parser.
    pub fn commands(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.parsers.iter().map(|(command, _)| *command)
    }

    /// Whether `platform` names a platform of this plugin, canonically or by an alias
    /// (case and surrounding space do not matter).
    pub fn serves(&self, platform: &str) -> bool {
        let p = platform.trim();
        self.platforms
            .iter()
            .chain(self.aliases)
            .any(|name| p.eq_ignore_ascii_case(name))
    }

    /// The canonical spelling of `command`, used for cache keys and parser lookup.
    pub fn normalize_command(&self, _platform: &str, command: &str) -> String {
        (self.normalize)(command)
    }

    /// The session profile for `platform`.
    pub fn profile(&self, platform: &str) -> Profile {
        (self.profile)(platform)
    }

    /// Parses `output` of `command` into a JSON array of records with ntc-templates' field
    /// names. The command is normalised first, so `sh ver` finds the `show version` parser.
    pub fn parse(&self, platform: &str, command: &str, output: &str) -> Result<Value, ParseError> {
        if !self.serves(platform) {
            return Err(ParseError::Unsupported(format!(
                "platform {platform:?} is not served by the {} plugin (serves {})",
                self.name,
                self.platforms.join(", ")
            )));
        }
        let command = self.normalize_command(platform, command);
        let Some((_, parser)) = self.parsers.iter().find(|(name, _)| *name == command) else {
            return Err(ParseError::Unsupported(format!(
                "no {} parser for command {command:?}; known: {}",
                self.name,
                self.commands().collect::<Vec<_>>().join(", ")
            )));
        };
        if let Some(error) = &self.device_error {
            reject_device_error(error, &command, output)?;
        }
        parser(output).map(Value::Array)
    }
}

/// Fails with the line when one of the first non-blank lines of `output` is a device
/// error. Only the head is looked at: the message comes first (after at most a caret
/// line), and a later line that looks like one is part of real output (`Error: 0` in VRP
/// counters).
fn reject_device_error(error: &Regex, command: &str, output: &str) -> Result<(), ParseError> {
    let head = output
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .take(ERROR_LINES);
    for (n, line) in head {
        if error.is_match(line) {
            return Err(ParseError::Malformed(format!(
                "{command}: line {}: device error instead of output: {:?}",
                n + 1,
                line.trim()
            )));
        }
    }
    Ok(())
}

/// Turns a typed parser's records into the JSON a [`Parser`] returns. A derive-generated
/// `Serialize` of strings cannot fail, but the error is still reported rather than
/// unwrapped.
pub fn to_json<T: Serialize>(records: Vec<T>) -> Result<Vec<Value>, ParseError> {
    records
        .into_iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(|e| ParseError::Malformed(format!("records did not serialise: {e}")))
}

/// Expands, in a vendor crate, to the crate's [`Vendor`] static `VENDOR` and its crate-level
/// API answered from it: the native functions `info`, `profile`, `normalize_command` and
/// `parse` (what the host's benches and tests call without a Wasm runtime), the WIT export
/// glue of the `vendor` world in a module `component` (wasm32 only), and unit tests that
/// hold for every vendor: the spellings normalise, each listed command is already
/// normalised, unknown commands and platforms are declined, every parser takes empty
/// output, every profile pattern compiles, and the `device_error_sample` (what the device
/// prints for a rejected command) is reported as malformed output naming its line.
///
/// The crate lays out its own parts by convention: `parsers::PARSERS` (the command table),
/// `normalize::VOCABULARY` (a [`crate::normalize::Vocabulary`]) with, for its tests,
/// `normalize::SPELLINGS` (typed and canonical commands), and `profile::profile`. It must
/// depend on `wit-bindgen` for wasm32, `regex` and `serde_json`, and sit in
/// `plugins/<name>/` (the WIT path is relative to it).
///
/// ```text
/// netpulse_vendor_kit::vendor_plugin! {
///     /// Why this plugin serves these platforms.
///     name: "arista_eos",
///     platforms: ["arista_eos"],
///     aliases: ["eos"],
///     device_error: r"^\s*% ?(Invalid input|Incomplete command)",
///     device_error_sample: "% Invalid input (at token 1: 'verson')\n",
/// }
/// ```
#[macro_export]
macro_rules! vendor_plugin {
    (
        $(#[$doc:meta])*
        name: $name:literal,
        platforms: [$($platform:literal),+ $(,)?],
        $(aliases: [$($alias:literal),* $(,)?],)?
        $(device_error: $error:literal, device_error_sample: $sample:literal,)?
    ) => {
        $(#[$doc])*
        pub static VENDOR: $crate::Vendor = $crate::Vendor {
            name: $name,
            version: env!("CARGO_PKG_VERSION"),
            platforms: &[$($platform),+],
            aliases: &[$($($alias),*)?],
            parsers: parsers::PARSERS,
            normalize: |command| $crate::normalize::Vocabulary::normalize(&normalize::VOCABULARY, command),
            profile: profile::profile,
            device_error: $crate::__device_error!($($error)?),
        };

        $crate::__vendor_api!(VENDOR, [$($sample)?]);
    };
}

/// The `device_error` field of [`vendor_plugin!`]: compiled on first use, or none.
#[doc(hidden)]
#[macro_export]
macro_rules! __device_error {
    () => {
        None
    };
    ($error:literal) => {
        Some(std::sync::LazyLock::new(|| $crate::scan::compile($error)))
    };
}

/// The native API, export glue and tests of [`vendor_plugin!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __vendor_api {
    ($vendor:ident, [$($sample:literal)?]) => {
        /// Describes the plugin, so the gateway can route requests to it.
        pub fn info() -> $crate::types::Info {
            $vendor.info()
        }

        /// The session profile for `platform`.
        pub fn profile(platform: &str) -> $crate::types::Profile {
            $vendor.profile(platform)
        }

        /// The canonical spelling of `command`, used for cache keys and parser lookup.
        pub fn normalize_command(platform: &str, command: &str) -> String {
            $vendor.normalize_command(platform, command)
        }

        /// Parses `output` of `command` into a JSON array of ntc-templates-compatible
        /// records; the command is normalised first, so `sh ver` finds `show version`.
        pub fn parse(
            platform: &str,
            command: &str,
            output: &str,
        ) -> Result<serde_json::Value, $crate::types::ParseError> {
            $vendor.parse(platform, command, output)
        }

        // wit-bindgen's export glue is generated FFI and needs `unsafe`; nothing else does.
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code)]
        mod component {
            $crate::vendor_component!(super::$vendor);
        }

        #[cfg(test)]
        mod vendor_checks {
            use super::$vendor;
            use $crate::types::ParseError;

            #[test]
            fn spellings_normalise() {
                for (typed, canonical) in super::normalize::SPELLINGS {
                    assert_eq!($vendor.normalize_command("", typed), *canonical, "{typed:?}");
                }
            }

            #[test]
            fn listed_commands_are_normalised_and_parse_empty_output() {
                let platform = $vendor.platforms[0];
                for command in $vendor.commands() {
                    assert_eq!($vendor.normalize_command(platform, command), command);
                    match $vendor.parse(platform, command, "") {
                        Ok(records) => assert_eq!(records, serde_json::json!([]), "{command}"),
                        Err(e) => panic!("{command}: {e}"),
                    }
                }
            }

            #[test]
            fn unknown_commands_and_platforms_are_declined() {
                let platform = $vendor.platforms[0];
                assert!(matches!(
                    $vendor.parse(platform, "frobnicate now", ""),
                    Err(ParseError::Unsupported(_))
                ));
                let first = $vendor.commands().next().unwrap_or_default();
                assert!(matches!(
                    $vendor.parse("not_a_platform", first, ""),
                    Err(ParseError::Unsupported(_))
                ));
            }

            #[test]
            fn device_errors_are_malformed_output() {
                let samples: &[&str] = &[$($sample)?];
                let platform = $vendor.platforms[0];
                let first = $vendor.commands().next().unwrap_or_default();
                for sample in samples {
                    match $vendor.parse(platform, first, sample) {
                        Err(ParseError::Malformed(m)) => assert!(m.contains("line "), "{m}"),
                        other => panic!("{sample:?}: expected malformed, got {other:?}"),
                    }
                }
            }

            #[test]
            fn every_profile_pattern_compiles() {
                for platform in $vendor.platforms.iter().chain($vendor.aliases) {
                    for pattern in $vendor.profile(platform).patterns() {
                        if let Err(e) = regex::Regex::new(pattern) {
                            panic!("{platform}: {pattern:?}: {e}");
                        }
                    }
                }
            }
        }
    };
}

/// The WIT bindings of the `vendor` world and their exports, each a thin conversion
/// around the [`Vendor`] `$vendor`, so the native and Wasm builds answer identically.
/// Used by [`vendor_plugin!`] inside its `component` module.
#[macro_export]
macro_rules! vendor_component {
    ($vendor:path) => {
        wit_bindgen::generate!({ path: "../../wit", world: "vendor" });

        use netpulse::plugin::types::{
            ParseError as WitParseError, PluginKind as WitKind, PromptAnswer as WitAnswer,
        };
        use $crate::types as native;

        /// The type the generated bindings export.
        struct Plugin;

        impl Guest for Plugin {
            fn info() -> PluginInfo {
                let info = $vendor.info();
                PluginInfo {
                    name: info.name,
                    version: info.version,
                    kind: match info.kind {
                        native::PluginKind::Parser => WitKind::Parser,
                        native::PluginKind::Vendor => WitKind::Vendor,
                        native::PluginKind::Strategy => WitKind::Strategy,
                    },
                    platforms: info.platforms,
                    commands: info.commands,
                }
            }

            fn parse(
                platform: String,
                command: String,
                output: String,
            ) -> Result<String, WitParseError> {
                match $vendor.parse(&platform, &command, &output) {
                    Ok(value) => Ok(value.to_string()),
                    Err(native::ParseError::Unsupported(m)) => Err(WitParseError::Unsupported(m)),
                    Err(native::ParseError::Malformed(m)) => Err(WitParseError::Malformed(m)),
                    Err(native::ParseError::Template(m)) => Err(WitParseError::Template(m)),
                }
            }

            fn profile(platform: String) -> SessionProfile {
                let p = $vendor.profile(&platform);
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
                $vendor.normalize_command(&platform, &command)
            }
        }

        export!(Plugin);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_record(output: &str) -> Result<Vec<Value>, ParseError> {
        Ok(vec![Value::String(output.to_string())])
    }

    static TOY: Vendor = Vendor {
        name: "toy",
        version: "1.0.0",
        platforms: &["toy_os"],
        aliases: &["toy"],
        parsers: &[("show thing", one_record)],
        normalize: |c| c.split_whitespace().collect::<Vec<_>>().join(" "),
        profile: |_| Profile::default(),
        device_error: Some(LazyLock::new(|| {
            Regex::new(r"^% Bad").expect("literal compiles")
        })),
    };

    #[test]
    fn routes_by_platform_and_alias_and_normalises() {
        assert_eq!(
            TOY.parse(" TOY ", "show   thing", "x").ok(),
            Some(Value::Array(vec![Value::String("x".into())]))
        );
        assert!(TOY.serves("toy_os"));
        let Err(ParseError::Unsupported(m)) = TOY.parse("other", "show thing", "") else {
            panic!("a foreign platform is declined");
        };
        assert!(m.contains("toy_os"), "{m}");
        let Err(ParseError::Unsupported(m)) = TOY.parse("toy", "show other", "") else {
            panic!("an unknown command is declined");
        };
        assert!(m.contains("known: show thing"), "{m}");
        assert_eq!(TOY.info().commands, vec!["show thing".to_string()]);
        assert_eq!(TOY.info().platforms, vec!["toy_os".to_string()]);
    }

    #[test]
    fn device_error_in_the_head_only() {
        match TOY.parse("toy", "show thing", "   ^\n% Bad input\n") {
            Err(ParseError::Malformed(m)) => assert!(m.contains("line 2"), "{m}"),
            other => panic!("expected malformed, got {other:?}"),
        }
        assert!(
            TOY.parse("toy", "show thing", "a\nb\nc\n% Bad but late\n")
                .is_ok()
        );
    }

    #[test]
    fn typed_records_become_objects() {
        #[derive(Serialize)]
        struct Row {
            b: &'static str,
            a: &'static str,
        }
        let rows = to_json(vec![Row { b: "2", a: "1" }]).expect("serialises");
        assert_eq!(rows, vec![serde_json::json!({"a": "1", "b": "2"})]);
    }
}
