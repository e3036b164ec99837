//! Passwords for the client: from the environment or a prompt, never from a file it reads.

use std::io::IsTerminal;

use anyhow::Context;

/// Asks for `what` on the terminal (without echo) when one is attached; `None` otherwise, so
/// scripts without a terminal fail on the device's refusal instead of hanging on a prompt.
pub fn ask(what: &str) -> anyhow::Result<Option<String>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let answer = rpassword::prompt_password(format!("{what}: "))
        .with_context(|| format!("read the {what} from the terminal"))?;
    Ok(Some(answer))
}
