//! The SQLite side of group commit: a thread of its own with a connection of its own,
//! calling SQLite directly.
//!
//! Through sqlx every statement was a hand-off from the writer to sqlx's connection thread
//! and back, and a batch took four of them (acquire, begin, statement, commit). On a VM each
//! hand-off is a context switch: `perf` showed `finish_task_switch` as the top symbol of
//! both threads, and a quiet job paid about a quarter of a millisecond per write. Here the
//! thread that takes changes off the queue runs them itself, with statements prepared once.
//! Reads and the rarer writes (batches, cache entries, cancels) stay on the sqlx pool; the
//! file is in WAL mode, so readers never wait for this writer.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, params};
use tokio::sync::mpsc;

use super::checkpoint::{self, Gate};
use super::group::{FINISH_SQL, Op, Reply, START_SQL, batch_after, settle};
use super::{Error, jobs};

/// How long a write waits for another connection's write lock (a bulk batch update, a
/// cache entry) before it fails; the pool's connections wait as long.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The writer connection's page cache, in KiB (SQLite takes a negative `cache_size` as KiB).
///
/// Kept small on purpose: reads of the database file go through the memory map below, so
/// the cache mostly holds pages written since the last checkpoint. Its size costs on every
/// commit: a B-tree page split parks a page at the lock-page number, and the commit that
/// follows then walks the cache's whole hash table (one bucket per cached page) to drop it.
/// At 32 MiB that walk costs about 7% of the gateway's CPU on a stream of job inserts.
const WRITER_CACHE_KIB: i64 = -8_192;

/// How much of the database file the writer reads through a memory map instead of its
/// page cache: the table's and indexes' inner pages, which every insert descends, stay in
/// the OS page cache at no copy. SQLite caps this at its compile-time maximum (2 GiB);
/// pages past it are read as usual.
const WRITER_MMAP_BYTES: i64 = 1 << 31;

/// Opens a direct connection to the database file at `path`, which the pool has already
/// created, put in WAL mode and migrated: the job writer's, and the checkpointer's (which
/// needs the same `synchronous` so its checkpoints fsync as the writer's would; the page
/// cache fills only with pages read, so it costs the checkpointer nothing). `synchronous`
/// is `database.sqlite_synchronous`: `FULL` syncs the WAL at each commit, so a job the API
/// acknowledged survives a power cut, not only a crash of the process.
pub(super) fn open(path: &Path, synchronous: &str) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // These are per connection: the pool's settings do not carry over.
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.execute_batch(&format!(
        "PRAGMA wal_autocheckpoint={}",
        checkpoint::WRITER_AUTOCHECKPOINT_PAGES
    ))?;
    // Every job write descends the table and its indexes: their pages come from the map
    // (see WRITER_MMAP_BYTES), so a small page cache no longer reads them back under load.
    conn.pragma_update(None, "mmap_size", WRITER_MMAP_BYTES)?;
    conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Starts the writer thread on `conn`; it ends when every sender of `receiver` is gone.
/// Between two batches it lets the checkpointer hold it at `gate`.
pub(super) fn spawn(
    conn: Connection,
    receiver: mpsc::UnboundedReceiver<(Op, Reply)>,
    gate: Arc<Gate>,
    metrics: Option<crate::metrics::Metrics>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("netpulse-db-writer".into())
        .spawn(move || run(&conn, receiver, &gate, metrics))
        .map(|_| ())
}

fn run(
    conn: &Connection,
    mut receiver: mpsc::UnboundedReceiver<(Op, Reply)>,
    gate: &Gate,
    metrics: Option<crate::metrics::Metrics>,
) {
    while let Some(first) = receiver.blocking_recv() {
        let _passage = gate.enter();
        let batch = batch_after(first, &mut receiver);
        let started = Instant::now();
        let together = apply_together(conn, &batch);
        for (op, reply) in settle(batch, together, started, metrics.as_ref()) {
            let _ = reply.send(apply_one(conn, &op).map_err(Error::from));
        }
    }
}

/// Applies the batch in one transaction (a lone change commits by itself) and returns the
/// rows each change touched. On error nothing of the batch is kept.
fn apply_together(conn: &Connection, batch: &[(Op, Reply)]) -> Result<Vec<u64>, rusqlite::Error> {
    if let [(op, _)] = batch {
        return Ok(vec![apply_one(conn, op)?]);
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let applied = batch
        .iter()
        .map(|(op, _)| apply_one(conn, op))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|counts| conn.execute_batch("COMMIT").map(|()| counts));
    if applied.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    applied
}

fn apply_one(conn: &Connection, op: &Op) -> Result<u64, rusqlite::Error> {
    let changed = match op {
        Op::Insert { row, sealed } => {
            conn.prepare_cached(&jobs::SINGLE_INSERT_SQL)?
                .execute(params![
                    row.id,
                    row.status,
                    row.queue,
                    row.worker,
                    row.created_at,
                    row.started_at,
                    row.ended_at,
                    row.host,
                    row.port,
                    row.device_type,
                    row.kind,
                    row.command,
                    row.request,
                    row.result,
                    row.error_type,
                    row.error_message,
                    row.batch_id,
                    row.expires_at,
                    row.wave,
                    row.device_index,
                    i64::from(row.retry_on_restart),
                    row.webhook,
                    row.result_expires_at,
                    row.submitted_by,
                    sealed,
                ])?
        }
        Op::Start { id, worker, at } => conn
            .prepare_cached(START_SQL)?
            .execute(params![worker, at, id])?,
        Op::Finish {
            id,
            status,
            ended_at,
            result,
            error,
            result_expires_at,
        } => conn.prepare_cached(FINISH_SQL)?.execute(params![
            status.as_str(),
            ended_at,
            result,
            error.as_ref().map(|(kind, _)| kind),
            error.as_ref().map(|(_, message)| message),
            result_expires_at,
            id,
        ])?,
    };
    // usize to u64 never truncates on the targets we build for.
    Ok(changed as u64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{NewJob, Store};
    use crate::config::Database;

    fn row(id: &str) -> NewJob {
        NewJob {
            id: id.into(),
            status: "queued".into(),
            queue: "fifo".into(),
            worker: None,
            created_at: "2026-01-01T00:00:00.000000Z".into(),
            started_at: None,
            ended_at: None,
            host: "10.0.0.1".into(),
            port: 22,
            device_type: "cisco_ios".into(),
            kind: "command".into(),
            command: r#"["show version"]"#.into(),
            request: "{}".into(),
            result: None,
            error_type: None,
            error_message: None,
            batch_id: None,
            expires_at: None,
            wave: Some(2),
            device_index: None,
            retry_on_restart: true,
            webhook: None,
            result_expires_at: None,
            submitted_by: Some("ops-bot".into()),
        }
    }

    async fn file_store(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}", dir.path().join("jobs.db").display());
        Store::connect(&Database {
            url,
            ..Database::default()
        })
        .await
        .expect("open store")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_goes_through_its_states_on_the_writer_connection() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(&dir).await;
        assert!(
            store.sqlite_file.is_some(),
            "a file database uses the SQLite writer"
        );
        store.insert_job(&row("j1"), Some("sealed")).await.unwrap();
        assert!(
            store
                .mark_started("j1", "worker-0", "2026-01-01T00:00:01.000000Z")
                .await
                .unwrap()
        );
        // A second start finds the row no longer queued.
        assert!(
            !store
                .mark_started("j1", "worker-1", "2026-01-01T00:00:02.000000Z")
                .await
                .unwrap()
        );
        store
            .finish_job(
                "j1",
                super::super::JobStatus::Failed,
                "2026-01-01T00:00:03.000000Z",
                r#"{"type":2}"#,
                Some(("timeout", "no answer")),
                None,
            )
            .await
            .unwrap();
        // Read back through the sqlx pool: the writer's commit is visible to it.
        let job = store.get_job("j1").await.unwrap().expect("row");
        let want = NewJob {
            status: "failed".into(),
            worker: Some("worker-0".into()),
            started_at: Some("2026-01-01T00:00:01.000000Z".into()),
            ended_at: Some("2026-01-01T00:00:03.000000Z".into()),
            result: Some(r#"{"type":2}"#.into()),
            error_type: Some("timeout".into()),
            error_message: Some("no answer".into()),
            ..row("j1")
        };
        assert_eq!(job, want);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_bad_change_does_not_fail_the_changes_committed_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(&dir).await;
        store.insert_job(&row("dup"), None).await.unwrap();
        // Sent together so they share a batch: the duplicate id fails alone.
        let ids = ["a", "dup", "b", "c"];
        let pending: Vec<_> = ids
            .iter()
            .map(|id| store.begin_insert_job(row(id), None).unwrap())
            .collect();
        let mut outcomes = Vec::new();
        for p in pending {
            outcomes.push(p.await.is_ok());
        }
        assert_eq!(outcomes, [true, false, true, true]);
        for id in ["a", "b", "c"] {
            assert!(store.get_job(id).await.unwrap().is_some(), "{id} recorded");
        }
        let err = store.insert_job(&row("dup"), None).await.unwrap_err();
        assert!(err.to_string().contains("UNIQUE"), "{err}");
    }
}
