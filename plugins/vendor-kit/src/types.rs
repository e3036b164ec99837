//! Plain Rust mirrors of the WIT records, so native callers need no bindings.

/// What kind of plugin this is (WIT `plugin-kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluginKind {
    /// Turns CLI text into JSON records.
    Parser,
    /// A parser that also knows how to drive a platform's CLI session.
    Vendor,
    /// Plans bulk waves (never this crate; kept so the mirror is complete).
    Strategy,
}

/// Who the plugin is (WIT `plugin-info`); shown by `GET /plugins` and used for routing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Info {
    /// Unique plugin name; a dropped-in plugin with the same name replaces this one.
    pub name: String,
    /// Crate version, shown to operators.
    pub version: String,
    /// Always [`PluginKind::Vendor`] here.
    pub kind: PluginKind,
    /// Netmiko platform names served.
    pub platforms: Vec<String>,
    /// Full, normalised command names with a parser.
    pub commands: Vec<String>,
}

/// Why a parse produced no records (WIT `parse-error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// No parser for this platform/command; the gateway may try another plugin.
    Unsupported(String),
    /// The output did not have the expected shape; the message says where.
    Malformed(String),
    /// A parser definition is broken (never produced by hand-written parsers).
    Template(String),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Unsupported(m) => write!(f, "unsupported: {m}"),
            ParseError::Malformed(m) => write!(f, "malformed output: {m}"),
            ParseError::Template(m) => write!(f, "broken template: {m}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// A question a command may ask and the reply it needs (WIT `prompt-answer`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PromptAnswer {
    /// Rust `regex` matched against the tail of the output.
    pub pattern: String,
    /// Reply sent, without the line ending.
    pub answer: String,
}

/// How to drive the platform's interactive CLI (WIT `session-profile`); see the WIT doc
/// comments for how the gateway's SSH session uses each field. The default is a profile
/// with every field empty, for a vendor to fill in what its CLI has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Prompt at the end of the output in any mode.
    pub prompt_pattern: String,
    /// Privileged prompt only; empty without an enable mode.
    pub privileged_pattern: String,
    /// Configuration-mode prompts only.
    pub config_pattern: String,
    /// Pager prompt at the end of the output.
    pub pager_pattern: String,
    /// Sent to the pager to get the next page.
    pub pager_continue: String,
    /// Command entering privileged mode, if the platform has one.
    pub enable_command: Option<String>,
    /// Enable password prompt.
    pub enable_password_pattern: String,
    /// Commands run first to switch paging off and widen the terminal.
    pub paging_off_commands: Vec<String>,
    /// Other setup commands; a rejected one is logged, not fatal.
    pub setup_commands: Vec<String>,
    /// Command entering configuration mode.
    pub config_enter: Option<String>,
    /// Command leaving configuration mode.
    pub config_exit: Option<String>,
    /// Command committing a candidate configuration, if changes do not apply at once.
    pub commit_command: Option<String>,
    /// Command saving the running configuration, if commit does not persist it.
    pub save_command: Option<String>,
    /// Questions a command may ask mid-output and their answers.
    pub prompt_answers: Vec<PromptAnswer>,
    /// Regexes marking a command's output as a device error.
    pub error_patterns: Vec<String>,
    /// Regexes for lines before the real output that are not part of it.
    pub noise_patterns: Vec<String>,
}

impl Profile {
    /// Every regex the profile carries (empty ones left out), for checking that each
    /// compiles.
    pub fn patterns(&self) -> impl Iterator<Item = &str> {
        [
            &self.prompt_pattern,
            &self.privileged_pattern,
            &self.config_pattern,
            &self.pager_pattern,
            &self.enable_password_pattern,
        ]
        .into_iter()
        .chain(&self.error_patterns)
        .chain(&self.noise_patterns)
        .chain(self.prompt_answers.iter().map(|a| &a.pattern))
        .map(String::as_str)
        .filter(|p| !p.is_empty())
    }
}
