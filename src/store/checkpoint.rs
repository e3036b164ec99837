//! SQLite WAL checkpoints off the job writer's path. By default SQLite checkpoints inside the
//! commit that crosses 1,000 WAL pages: that commit then copies every page to the database
//! file and fsyncs it, stalling every job waiting on that group commit (a quarter of the
//! database thread's time under load, and the p99). Here a second connection copies the WAL
//! passively a few times a second, beside the writer, and the writer's own checkpoint stays
//! only as a bound on the WAL's size, with almost nothing left for it to copy.

use std::sync::Weak;
use std::time::Duration;

use sqlx::{AnyConnection, Connection, Executor};

/// WAL pages after which a commit checkpoints itself (64 MiB at 4 KiB pages): the bound on
/// the WAL while the background checkpointer cannot catch up with a steady write load.
pub(super) const WRITER_AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// How often the background checkpoint runs.
const INTERVAL: Duration = Duration::from_millis(200);

/// Starts checkpointing the database at `url` while `alive` can be upgraded (that is, while a
/// clone of the store exists). A failure to connect or to checkpoint is logged; the writer's
/// own checkpoint then still keeps the WAL bounded.
pub(super) fn start(url: String, alive: Weak<()>) {
    tokio::spawn(async move {
        let mut conn = match AnyConnection::connect(&url).await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "cannot open the WAL checkpoint connection; SQLite checkpoints in its commits");
                return;
            }
        };
        let mut ticks = tokio::time::interval(INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if alive.upgrade().is_none() {
                break;
            }
            // PASSIVE never waits for the writer or readers: it copies what it can.
            if let Err(e) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                tracing::debug!(error = %e, "background WAL checkpoint failed");
            }
        }
        let _ = conn.close().await;
    });
}
