//! How to drive a platform's CLI, as the plain strings a vendor plugin returns. The SSH
//! side compiles it (`ssh::SessionProfile`); the plugin host builds it. Neither imports the
//! other: this value is what passes between them.

/// A session profile as text, mirroring the WIT `session-profile` record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileSpec {
    /// Prompt regex for any mode, matched against the last line.
    pub prompt_pattern: String,
    /// Privileged-prompt regex; empty for platforms without enable.
    pub privileged_pattern: String,
    /// Config-mode prompt regex.
    pub config_pattern: String,
    /// Pager prompt regex.
    pub pager_pattern: String,
    /// Keys sent to a pager prompt.
    pub pager_continue: String,
    /// Command entering privileged mode.
    pub enable_command: Option<String>,
    /// Regex of the enable password prompt.
    pub enable_password_pattern: String,
    /// Paging-off and width commands.
    pub paging_off_commands: Vec<String>,
    /// Other setup commands.
    pub setup_commands: Vec<String>,
    /// Enter configuration mode.
    pub config_enter: Option<String>,
    /// Leave configuration mode.
    pub config_exit: Option<String>,
    /// Commit a candidate configuration.
    pub commit_command: Option<String>,
    /// Save the running configuration.
    pub save_command: Option<String>,
    /// (question regex, answer) pairs.
    pub prompt_answers: Vec<(String, String)>,
    /// Device-error regexes.
    pub error_patterns: Vec<String>,
    /// Regexes of noise lines before the output.
    pub noise_patterns: Vec<String>,
}
