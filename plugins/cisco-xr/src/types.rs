//! Native mirrors of the WIT records, so the native API needs no Wasm bindings.

use std::fmt;

/// What a plugin is for (WIT `plugin-kind`); this crate is always a vendor plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Turns CLI text into JSON records only.
    Parser,
    /// A parser that also knows how to drive the platform's CLI session.
    Vendor,
    /// Plans bulk waves (never this crate; present so the mirror is complete).
    Strategy,
}

/// Who the plugin is (WIT `plugin-info`): shown by `GET /plugins`, used for routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// Unique plugin name; a dropped-in plugin of the same name replaces this one.
    pub name: String,
    /// Crate version, shown to operators.
    pub version: String,
    /// Always [`Kind::Vendor`] here.
    pub kind: Kind,
    /// Netmiko platform names this plugin serves.
    pub platforms: Vec<String>,
    /// Normalised command names that have a parser.
    pub commands: Vec<String>,
}

/// A question a device may ask mid-command and the reply it needs (WIT `prompt-answer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptAnswer {
    /// Rust `regex` matched against the tail of the output.
    pub pattern: String,
    /// Text sent back, without the line ending.
    pub answer: String,
}

/// How to drive one platform's interactive CLI (WIT `session-profile`); the gateway's SSH
/// client is generic and takes everything platform-specific from here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Prompt in any mode, matched against the last line.
    pub prompt_pattern: String,
    /// Privileged (`#`) prompt only, to tell whether `enable` is still needed.
    pub privileged_pattern: String,
    /// Configuration-mode prompts only.
    pub config_pattern: String,
    /// Pager prompt at the end of the output.
    pub pager_pattern: String,
    /// What to send to the pager for the next page.
    pub pager_continue: String,
    /// Command entering privileged mode; `None` where there is no such mode.
    pub enable_command: Option<String>,
    /// The enable password prompt.
    pub enable_password_pattern: String,
    /// Run first: switch paging off, widen the terminal.
    pub paging_off_commands: Vec<String>,
    /// Run after paging is off; a rejected one is only logged.
    pub setup_commands: Vec<String>,
    /// Enters configuration mode.
    pub config_enter: Option<String>,
    /// Leaves configuration mode.
    pub config_exit: Option<String>,
    /// Commits a candidate configuration; `None` where changes apply at once.
    pub commit_command: Option<String>,
    /// Persists the running configuration; `None` where commit persists.
    pub save_command: Option<String>,
    /// Mid-command questions and their answers.
    pub prompt_answers: Vec<PromptAnswer>,
    /// Output that marks a command as failed on the device.
    pub error_patterns: Vec<String>,
    /// Lines before the real output that are not part of it.
    pub noise_patterns: Vec<String>,
}

/// Why a parse produced no records (WIT `parse-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// No parser for this platform/command; the gateway may try another plugin.
    Unsupported(String),
    /// The output did not have the expected shape; the message says where.
    Malformed(String),
    /// A parser definition is itself broken (never produced by hand-written parsers).
    Template(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Unsupported(m) => write!(f, "unsupported: {m}"),
            ParseError::Malformed(m) => write!(f, "malformed output: {m}"),
            ParseError::Template(m) => write!(f, "broken parser definition: {m}"),
        }
    }
}

impl std::error::Error for ParseError {}
