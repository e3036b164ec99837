//! The command-line client (`netpulse exec | bulk | jobs | batch`): talks to a running
//! gateway over its HTTP API, as NetPulse's `netpulse-cli` does, so an operator needs no curl.
//!
//! It is CLI code: errors are `anyhow` with context, printed once by `main`. The gateway's
//! address and key come from `--url`/`--api-key` or `NETPULSE_URL`/`NETPULSE_API_KEY`.

pub mod bulk;
pub mod exec;
pub mod http;
pub mod jobs;
mod password;
pub mod table;

pub use bulk::BulkArgs;
pub use exec::ExecArgs;
pub use jobs::{BatchArgs, JobsArgs};
