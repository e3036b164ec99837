//! A config push on an interactive session: the vendor's config mode, its commit, and the
//! stop-at-first-error rule (design §4). Its own file because change workflows (candidate
//! diffs, commit-confirmed, rollback) grow here, not in the reader.

use std::time::Duration;

use super::Error;
use super::interactive::{CliSession, CommandOutput};

impl CliSession {
    /// Applies config lines: enter config mode, stop at the first error (then leave config
    /// mode), commit where the platform needs it, and save only when asked.
    pub async fn push_config(
        &mut self,
        lines: &[String],
        save: bool,
        limit: Duration,
    ) -> Result<Vec<CommandOutput>, Error> {
        let mut results = Vec::with_capacity(lines.len() + 3);
        let profile = self.profile.clone();
        if let Some(enter) = &profile.config_enter {
            let out = self.run(enter, limit).await?;
            if out.error.is_some() {
                results.push(out);
                return Ok(results);
            }
        }
        let mut failed = false;
        for line in lines {
            let out = self.run(line, limit).await?;
            failed = out.error.is_some();
            results.push(out);
            if failed {
                break;
            }
        }
        if !failed && let Some(commit) = &profile.commit {
            let out = self.run(commit, limit).await?;
            failed = out.error.is_some();
            results.push(out);
        }
        if let Some(exit) = &profile.config_exit {
            let out = self.run(exit, limit).await?;
            if let Some(error) = &out.error {
                tracing::warn!(target: "netpulse::ssh", device = %self.conn.label, %error, "leaving config mode reported an error");
            }
        }
        if save
            && !failed
            && let Some(save_command) = &profile.save
        {
            results.push(self.run(save_command, limit).await?);
        }
        Ok(results)
    }
}
