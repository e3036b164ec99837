//! Cache warming (`cache.warm`): `hosts` (inventory names) × `commands` at start and every
//! `interval` seconds when above zero, as ordinary jobs — so through the pool, the queue's
//! bound and the workers' concurrency — each refreshing its cache entry. Failures are
//! recorded on their jobs and logged, never fatal.

use std::time::Duration;

use super::Jobs;
use crate::config::watch::Live;

impl Jobs {
    /// Starts warming; the task runs until the runtime ends, or once when
    /// `cache.warm.interval` is 0.
    pub fn spawn_cache_warming(&self, live: Live) -> tokio::task::JoinHandle<()> {
        let jobs = self.clone();
        tokio::spawn(async move {
            loop {
                let config = live.current();
                let warm = &config.cache.warm;
                for host in &warm.hosts {
                    for command in &warm.commands {
                        if let Err(error) = jobs.warm_one(host, command).await {
                            tracing::warn!(device = %host, %command, %error, "cache warming skipped");
                        }
                    }
                }
                if warm.interval == 0 {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(warm.interval)).await;
            }
        })
    }

    /// Submits one warming job: the request an operator would send, validated the same way
    /// (the service's rebuild, with the config in force).
    async fn warm_one(&self, host: &str, command: &str) -> Result<(), String> {
        let body = serde_json::json!({
            "device": host,
            "command": command,
            "parsing": {"name": "auto"},
            "cache": {"enabled": true, "refresh": true},
        })
        .to_string();
        let mut spec = (self.deps().rebuild)(&body)?;
        // Nothing to keep across a restart: the next start warms again.
        spec.source = None;
        self.submit(spec)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
