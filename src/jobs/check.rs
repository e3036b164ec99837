//! `POST /device/test`: connect, log in, see the prompt, leave — synchronously, outside the
//! queue, on a session of its own (never the pool's), through the same allow-list check and
//! login path a job takes.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::{JobSpec, Jobs, runner};
use crate::ssh::{self, pool::Session};

/// What reaching the device showed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "driver", rename_all = "lowercase")]
pub enum Reached {
    /// An exec channel ran `true`.
    Exec {
        /// `true`'s exit status (absent when the server sent none).
        exit_status: Option<u32>,
        /// Milliseconds to connect and authenticate.
        connect_ms: f64,
    },
    /// The interactive CLI reached its prompt.
    Cli {
        /// Whether the session is in privileged (enable) mode.
        privileged: bool,
        /// Milliseconds to connect, authenticate and see the prompt.
        connect_ms: f64,
    },
}

/// The test's result: how long it took, and what it reached or why it could not.
#[derive(Debug, Clone)]
pub struct DeviceCheck {
    /// From the start of the connect to the close.
    pub latency: Duration,
    /// What the device showed, or the error (secrets never appear in it).
    pub outcome: Result<Reached, String>,
}

impl Jobs {
    /// Logs in to the spec's device and leaves. The spec's work is not run.
    pub async fn check_device(&self, spec: &JobSpec) -> DeviceCheck {
        let started = Instant::now();
        let deps = self.deps();
        let outcome: Result<Reached, ssh::Error> = async {
            let deadline = started + spec.execution_timeout;
            match runner::open_session(deps, spec, deadline).await? {
                Session::Exec(conn) => {
                    let connect_ms = conn.connect_time.as_secs_f64() * 1000.0;
                    let out = ssh::exec::run(&conn, "true", deps.connector.connect_timeout).await;
                    Session::Exec(conn).close().await;
                    Ok(Reached::Exec {
                        exit_status: out?.exit_status,
                        connect_ms,
                    })
                }
                Session::Cli(session) => {
                    let connect_ms = session.connect_time().as_secs_f64() * 1000.0;
                    let privileged = session.is_privileged();
                    session.close().await;
                    Ok(Reached::Cli {
                        privileged,
                        connect_ms,
                    })
                }
            }
        }
        .await;
        DeviceCheck {
            latency: started.elapsed(),
            outcome: outcome.map_err(|e| e.to_string()),
        }
    }
}
