//! Defaults that follow the key they depend on.
//!
//! Some keys are only meaningful relative to another (`min_size` ≤ `max_size`, an alert
//! threshold on the queue ≤ the queue's bound). A fixed default for one of them would make a
//! file that sets only the other contradict a value its author never wrote: `worker.queue_size:
//! 100` alone would be refused because the threshold's default, 800, is above it. So before
//! the cross-key rules run, a key the file leaves unset moves to a value that agrees with the
//! keys the file did set. Only two values the user wrote themselves can then conflict, and the
//! rules in `validate` report that.

use super::schema::Config;
use super::yaml::Document;

/// Share of `worker.queue_size` at which the queue alert fires when no threshold is written.
const QUEUE_ALERT_SHARE: f64 = 0.8;

/// Moves every unset key that depends on another key to a value consistent with it.
pub(super) fn follow(doc: &Document, c: &mut Config) {
    let set = |path: &str| doc.lines.contains_key(path);

    let p = &mut c.connection_pool;
    // The global cap yields to per-device and warm counts the user asked for, and they in
    // turn shrink to fit a cap the user set.
    if !set("connection_pool.max_size") {
        p.max_size = p.max_size.max(p.min_size).max(p.max_connections_per_device);
    }
    if !set("connection_pool.min_size") {
        p.min_size = p.min_size.min(p.max_size);
    }
    if !set("connection_pool.max_connections_per_device") {
        p.max_connections_per_device = p.max_connections_per_device.min(p.max_size);
    }
    let a = &mut p.adaptive;
    if a.shrink_below >= a.expand_above {
        if !set("connection_pool.adaptive.shrink_below") {
            a.shrink_below = a.expand_above / 2.0;
        } else if !set("connection_pool.adaptive.expand_above") {
            a.expand_above = (a.shrink_below + 1.0) / 2.0;
        }
    }

    let queue_size = &mut c.worker.queue_size;
    let threshold = &mut c.monitoring.thresholds.worker_queue_size;
    if !set("monitoring.thresholds.worker_queue_size") {
        // Rounded down, and at least one queued job, so a tiny queue still has an alert.
        *threshold = ((*queue_size as f64 * QUEUE_ALERT_SHARE) as usize).max(1);
    } else if !set("worker.queue_size") && *threshold > *queue_size {
        // A threshold above the default bound means the user expects that many queued jobs.
        *queue_size = *threshold;
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Error};
    use std::path::Path;

    fn load_str(text: &str) -> Result<Config, Error> {
        crate::config::from_str(text, Path::new("test.yaml"))
    }

    #[test]
    fn queue_threshold_follows_the_queue_size() {
        let c = load_str("worker: { queue_size: 100 }\n").expect("valid");
        assert_eq!(c.monitoring.thresholds.worker_queue_size, 80);
        let c = load_str("worker: { queue_size: 1 }\n").expect("valid");
        assert_eq!(c.monitoring.thresholds.worker_queue_size, 1);
        let c =
            load_str("monitoring: { thresholds: { worker_queue_size: 5000 } }\n").expect("valid");
        assert_eq!(c.worker.queue_size, 5000);
        // The defaults themselves are unchanged: 800 of 1000.
        let c = load_str("").expect("valid");
        assert_eq!(c.monitoring.thresholds.worker_queue_size, 800);
        assert_eq!(c.worker.queue_size, 1000);
    }

    #[test]
    fn pool_counts_follow_the_cap() {
        let c = load_str("connection_pool: { max_size: 4 }\n").expect("valid");
        assert_eq!(c.connection_pool.min_size, 4);
        assert_eq!(c.connection_pool.max_connections_per_device, 4);
        let c = load_str("connection_pool: { min_size: 80 }\n").expect("valid");
        assert_eq!(c.connection_pool.max_size, 80);
        let c = load_str("connection_pool: { adaptive: { expand_above: 0.2 } }\n").expect("valid");
        assert!(c.connection_pool.adaptive.shrink_below < 0.2);
        let c = load_str("connection_pool: { adaptive: { shrink_below: 0.9 } }\n").expect("valid");
        assert!(c.connection_pool.adaptive.expand_above > 0.9);
    }

    #[test]
    fn two_written_values_still_conflict() {
        let e = load_str(
            "worker: { queue_size: 10 }\nmonitoring: { thresholds: { worker_queue_size: 800 } }\n",
        )
        .expect_err("both written");
        assert!(
            e.to_string().contains(
                "monitoring.thresholds.worker_queue_size: 800 is above worker.queue_size 10"
            ),
            "{e}"
        );
        let e =
            load_str("connection_pool: { max_size: 4, min_size: 5 }\n").expect_err("both written");
        assert!(
            e.to_string()
                .contains("connection_pool.min_size: 5 is above max_size 4"),
            "{e}"
        );
    }
}
