//! SQLite WAL checkpoints off the job writer's path.
//!
//! By default SQLite checkpoints inside the commit that crosses 1,000 WAL pages: that commit
//! copies every page to the database file and fsyncs it, stalling every job waiting on that
//! group commit. Here a thread of its own copies the WAL passively a few times a second,
//! beside the writer.
//!
//! Copying is not enough: the WAL only starts over (and stops growing) when a write begins
//! while every frame has been copied, and under a steady load the writer always commits
//! again before a pass ends. The WAL then grew to the writer's own bound, whose checkpoint
//! stalled every waiting job for 40–70 ms a few times a second (the p99 of cache hits was
//! 45 ms on disk, 3 ms without checkpoints). So once the WAL is long, the checkpointer holds
//! the writer between two batches ([`Gate`]) for a last pass over the few frames written
//! since its previous one; the writer's next commit then starts the WAL over.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Duration;

use rusqlite::Connection;

/// WAL pages after which a commit checkpoints itself (256 MiB at 4 KiB pages): only a
/// bound for when the checkpointer cannot run.
pub(super) const WRITER_AUTOCHECKPOINT_PAGES: u32 = 65_536;

/// WAL pages past which the checkpointer makes the WAL start over (64 MiB at 4 KiB pages).
/// Each restart holds the writer for one short pass, so it is not done more often than a
/// busy gateway fills this much.
const RESTART_PAGES: i64 = 16_384;

/// Copy-and-sync rounds at most before the writer is held (see [`restart`]).
const SETTLE_ROUNDS: usize = 8;

/// WAL pages (1 MiB) added during a round, at most, for the writer to be held next.
const SETTLED_PAGES: i64 = 256;

/// How often the background checkpoint runs.
const INTERVAL: Duration = Duration::from_millis(200);

/// Where the checkpointer holds the job writer: between two of its batches, never inside
/// one.
#[derive(Debug, Default)]
pub(super) struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    /// The checkpointer wants the writer to wait.
    held: bool,
    /// The writer is inside a batch.
    writing: bool,
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, GateState> {
        // Two flags cannot be left half-updated: keep going after a panic elsewhere.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The writer, before a batch: waits while the gate is held, then marks the batch
    /// begun until the returned guard drops.
    pub(super) fn enter(&self) -> Passage<'_> {
        let mut state = self.lock();
        while state.held {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        state.writing = true;
        Passage(self)
    }

    /// The checkpointer: stops the writer at its next batch and waits for the current one
    /// to end; the writer goes on when the guard drops.
    fn hold(&self) -> Held<'_> {
        let mut state = self.lock();
        state.held = true;
        while state.writing {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        Held(self)
    }
}

/// A batch in progress (see [`Gate::enter`]).
pub(super) struct Passage<'a>(&'a Gate);

impl Drop for Passage<'_> {
    fn drop(&mut self) {
        self.0.lock().writing = false;
        self.0.changed.notify_all();
    }
}

/// The writer held (see [`Gate::hold`]).
struct Held<'a>(&'a Gate);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.lock().held = false;
        self.0.changed.notify_all();
    }
}

/// Starts checkpointing the database file at `path` while `alive` can be upgraded (that is,
/// while a clone of the store exists). A failure to open or to checkpoint is logged; the
/// writer's own checkpoint then still keeps the WAL bounded.
pub(super) fn start(path: PathBuf, gate: Arc<Gate>, synchronous: &'static str, alive: Weak<()>) {
    let spawned = std::thread::Builder::new()
        .name("netpulse-db-checkpoint".into())
        .spawn(move || {
            let conn = match super::sqlite_writer::open(&path, synchronous) {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot open the WAL checkpoint connection; SQLite checkpoints in its commits");
                    return;
                }
            };
            // Only for fsync: a pass that does not reach the WAL's end (the writer committed
            // meanwhile) leaves its copies unsynced, and the pass under the hold would then
            // flush all of them (20–25 ms of the writer held, measured).
            let file = std::fs::File::open(&path);
            loop {
                std::thread::sleep(INTERVAL);
                if alive.upgrade().is_none() {
                    break;
                }
                match passive(&conn) {
                    Ok((pages, _)) if pages > RESTART_PAGES => restart(&conn, &file, &gate, pages),
                    Ok(_) => {}
                    Err(e) => tracing::debug!(error = %e, "background WAL checkpoint failed"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the WAL checkpoint thread; SQLite checkpoints in its commits");
    }
}

/// Makes the WAL start over, holding the writer as briefly as it can: `pages` is the WAL's
/// length after the pass that found it long.
///
/// Each round first copies what the writer added during the previous one, then makes the
/// copies durable, so the rounds shrink until one adds only a few milliseconds of frames.
/// Only then is the writer held, for a pass that has just those to sync and copy. Held after
/// a single flush, that pass took 19–41 ms on a disk where the flush took 50–80 ms (the
/// writer kept committing meanwhile), and every job waiting on the writer waited as long.
fn restart(conn: &Connection, file: &std::io::Result<std::fs::File>, gate: &Gate, mut pages: i64) {
    let mut rounds = 0;
    for _ in 0..SETTLE_ROUNDS {
        rounds += 1;
        let Ok((now, _)) = passive(conn) else { break };
        let added = now - pages;
        pages = now;
        sync(file);
        if added <= SETTLED_PAGES {
            break;
        }
    }
    let held = gate.hold();
    let started = std::time::Instant::now();
    if let Err(e) = passive(conn) {
        tracing::debug!(error = %e, "WAL checkpoint before a restart failed");
    }
    drop(held);
    tracing::debug!(
        held_ms = started.elapsed().as_secs_f64() * 1e3,
        rounds,
        "WAL restarted"
    );
}

/// Makes the copies so far durable, so that the checkpoint under the hold does not have to
/// (a failure only makes that checkpoint slower).
fn sync(file: &std::io::Result<std::fs::File>) {
    if let Ok(file) = file
        && let Err(e) = file.sync_data()
    {
        tracing::debug!(error = %e, "cannot sync the database file before a WAL restart");
    }
}

/// Copies what it can without waiting for the writer or readers; returns the WAL's length
/// in pages and how many of them are now copied.
fn passive(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok((row.get(1)?, row.get(2)?))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn after_a_restart_the_next_write_starts_the_wal_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (v BLOB)",
            )
            .unwrap();
        let insert = || {
            writer
                .execute("INSERT INTO t VALUES (zeroblob(3000))", [])
                .unwrap()
        };
        for _ in 0..300 {
            insert();
        }
        let checkpointer = super::super::sqlite_writer::open(&path, "NORMAL").unwrap();
        let file = std::fs::File::open(&path);
        let (long, _) = passive(&checkpointer).unwrap();
        assert!(
            long >= 300,
            "the WAL should hold every insert: {long} frames"
        );
        // Frames the first pass did not see, as a busy writer leaves them.
        for _ in 0..50 {
            insert();
        }

        restart(&checkpointer, &file, &Gate::default(), long);

        // Only a WAL copied to its end starts over at the next write; otherwise that write
        // appends after the frames already there.
        insert();
        let (after, _) = passive(&checkpointer).unwrap();
        assert!(
            after < 10,
            "the next write did not start the WAL over: it holds {after} frames"
        );
    }

    #[test]
    fn a_held_gate_waits_for_the_batch_in_progress_and_stops_the_next() {
        let gate = Arc::new(Gate::default());
        let passage = gate.enter();
        let held = Arc::new(AtomicBool::new(false));
        let holder = {
            let (gate, held) = (gate.clone(), held.clone());
            std::thread::spawn(move || {
                let guard = gate.hold();
                held.store(true, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
                held.store(false, Ordering::SeqCst);
                drop(guard);
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !held.load(Ordering::SeqCst),
            "held while a batch was in progress"
        );
        drop(passage);
        while !held.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        let _next = gate.enter();
        assert!(
            !held.load(Ordering::SeqCst),
            "a batch began while the gate was held"
        );
        holder.join().unwrap();
    }
}
