//! Group commit for job state changes. Every exec writes its job three times (recorded,
//! started, ended) and each write must be durable before it is acknowledged. One commit per
//! write made the job record the gateway's bottleneck (about 1.5 ms per job on SQLite). Here
//! one task takes every change waiting at that moment, applies them in one transaction
//! (concurrent inserts as one multi-row INSERT) and then answers each caller: the same
//! guarantee, one commit for many jobs.
//!
//! A job's changes may share a batch (a worker queues `started` while the insert is still in
//! flight) and are applied in the order they were sent: the SQLite writer runs a batch in
//! queue order, and the sqlx path runs the inserts first, which keeps that order because a
//! job's insert is always sent before its other changes. If the batch fails, each change is
//! retried alone, in order, so one bad row cannot fail its neighbours.

use sqlx::{AnyConnection, AnyPool};
use tokio::sync::{mpsc, oneshot};

use super::jobs::{NewJob, insert_rows};
use super::{Backend, Error};

/// Most changes committed together.
const MAX_BATCH: usize = 256;

/// queued → started; parameters: worker, at, id (numbered in order of appearance, so
/// SQLite binds them by position too).
pub(super) const START_SQL: &str = "UPDATE jobs SET status = 'started', worker = $1, started_at = $2 WHERE id = $3 AND status = 'queued'";

/// Any state → its end; parameters: status, ended_at, result, error_type, error_message,
/// result_expires_at, id.
pub(super) const FINISH_SQL: &str = "UPDATE jobs SET status = $1, ended_at = $2, result = $3, error_type = $4, \
     error_message = $5, result_expires_at = $6, sealed = NULL WHERE id = $7";

/// One job state change.
#[derive(Debug)]
pub(super) enum Op {
    /// A new job row (and its sealed request).
    Insert {
        row: Box<NewJob>,
        sealed: Option<String>,
    },
    /// queued → started.
    Start {
        id: String,
        worker: String,
        at: String,
    },
    /// Any state → its end, with the result.
    Finish {
        id: String,
        status: super::JobStatus,
        ended_at: String,
        result: String,
        error: Option<(String, String)>,
        result_expires_at: Option<String>,
    },
}

/// Where a change's outcome goes: the rows it touched, once committed.
pub(super) type Reply = oneshot::Sender<Result<u64, Error>>;

/// Handle to the writer task. Cheap to clone; the task ends with the last handle.
#[derive(Clone)]
pub(super) struct Writer {
    sender: mpsc::UnboundedSender<(Op, Reply)>,
}

impl Writer {
    /// Starts the writer: on SQLite with a file, a thread with its own connection to the
    /// file, held between batches at the file's checkpoint gate (see `sqlite_writer`);
    /// otherwise a task writing through `pool`. `metrics` records each batch's duration.
    pub(super) fn start(
        pool: AnyPool,
        backend: Backend,
        file: Option<&super::SqliteFile>,
        metrics: Option<crate::metrics::Metrics>,
    ) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let opened = file.map(|f| {
            (
                super::sqlite_writer::open(&f.path, f.synchronous),
                f.gate.clone(),
            )
        });
        let receiver = match opened {
            Some((Ok(conn), gate)) => {
                match super::sqlite_writer::spawn(conn, receiver, gate, metrics.clone()) {
                    Ok(()) => return Self { sender },
                    // The receiver went with the thread that could not start: begin again.
                    Err(e) => {
                        tracing::error!(error = %e, "cannot start the SQLite writer thread");
                        return Self::start(pool, backend, None, metrics);
                    }
                }
            }
            Some((Err(e), _)) => {
                tracing::warn!(error = %e, "cannot open the SQLite writer connection; writing through the pool");
                receiver
            }
            None => receiver,
        };
        match backend {
            // SQLite's statements run on sqlx's own thread; each step of a batch (begin,
            // insert, updates, commit) is a round trip to it. On the shared runtime every
            // return waits its turn behind the HTTP tasks, which stretched a batch to
            // milliseconds under load. On its own thread the writer is polled at once.
            Backend::Sqlite => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => {
                        let spawned = std::thread::Builder::new()
                            .name("netpulse-db-writer".into())
                            .spawn(move || runtime.block_on(run(pool, backend, receiver, metrics)));
                        if let Err(e) = spawned {
                            tracing::error!(error = %e, "cannot start the job writer thread");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "no runtime for the job writer thread; writing from the shared runtime");
                        tokio::spawn(run(pool, backend, receiver, metrics));
                    }
                }
            }
            Backend::Postgres => {
                tokio::spawn(run(pool, backend, receiver, metrics));
            }
        }
        Self { sender }
    }

    /// Applies `op` and returns the rows it changed, once committed.
    pub(super) async fn apply(&self, op: Op) -> Result<u64, Error> {
        self.send(op)?.await
    }

    /// Queues `op` now (so a change sent after this call is applied after it) and returns
    /// the wait for its commit.
    pub(super) fn send(
        &self,
        op: Op,
    ) -> Result<impl std::future::Future<Output = Result<u64, Error>> + Send + use<>, Error> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((op, reply))
            .map_err(|_| Error::Query(sqlx::Error::PoolClosed))?;
        Ok(async move {
            answer
                .await
                .map_err(|_| Error::Query(sqlx::Error::PoolClosed))?
        })
    }
}

async fn run(
    pool: AnyPool,
    backend: Backend,
    mut receiver: mpsc::UnboundedReceiver<(Op, Reply)>,
    metrics: Option<crate::metrics::Metrics>,
) {
    while let Some(first) = receiver.recv().await {
        let batch = batch_after(first, &mut receiver);
        let started = std::time::Instant::now();
        let together = apply_together(&pool, &batch, backend).await;
        for (op, reply) in settle(batch, together, started, metrics.as_ref()) {
            let alone = async {
                let mut conn = pool.acquire().await?;
                apply_one(&mut conn, &op, backend).await
            }
            .await
            .map_err(Error::from);
            let _ = reply.send(alone);
        }
    }
}

/// `first` and the changes waiting behind it now, up to [`MAX_BATCH`]: one commit's worth.
pub(super) fn batch_after(
    first: (Op, Reply),
    receiver: &mut mpsc::UnboundedReceiver<(Op, Reply)>,
) -> Vec<(Op, Reply)> {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match receiver.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    batch
}

/// Records how long the batch took since `started`; when it committed, tells each change
/// how many rows it touched and returns nothing; when it failed, returns the batch for the
/// caller to apply change by change.
pub(super) fn settle<E: std::fmt::Display>(
    batch: Vec<(Op, Reply)>,
    together: Result<Vec<u64>, E>,
    started: std::time::Instant,
    metrics: Option<&crate::metrics::Metrics>,
) -> Vec<(Op, Reply)> {
    if let Some(metrics) = metrics {
        metrics.db_query(started.elapsed().as_secs_f64());
    }
    match together {
        Ok(counts) => {
            for ((_, reply), count) in batch.into_iter().zip(counts) {
                let _ = reply.send(Ok(count));
            }
            Vec::new()
        }
        Err(e) => {
            tracing::debug!(error = %e, changes = batch.len(), "group commit failed; applying each change alone");
            batch
        }
    }
}

async fn apply_together(
    pool: &AnyPool,
    batch: &[(Op, Reply)],
    backend: Backend,
) -> Result<Vec<u64>, sqlx::Error> {
    let inserts: Vec<(&NewJob, Option<&str>)> = batch
        .iter()
        .filter_map(|(op, _)| match op {
            Op::Insert { row, sealed } => Some((&**row, sealed.as_deref())),
            _ => None,
        })
        .collect();
    // One statement is atomic on its own: inserts only (one multi-row INSERT while they fit
    // in a chunk) or a lone change commit without BEGIN and COMMIT. On SQLite each of those
    // is a round trip to the database thread, so this halves a quiet job's waits.
    let inserts_only = inserts.len() == batch.len();
    if inserts_only && inserts.len() <= super::jobs::INSERT_CHUNK {
        insert_rows(&mut *pool.acquire().await?, &inserts, backend).await?;
        return Ok(vec![1; batch.len()]);
    }
    if let [(op, _)] = batch {
        return Ok(vec![
            apply_one(&mut *pool.acquire().await?, op, backend).await?,
        ]);
    }
    let mut tx = pool.begin().await?;
    if !inserts.is_empty() {
        insert_rows(&mut tx, &inserts, backend).await?;
    }
    let mut counts = Vec::with_capacity(batch.len());
    for (op, _) in batch {
        counts.push(match op {
            Op::Insert { .. } => 1,
            _ => apply_one(&mut tx, op, backend).await?,
        });
    }
    tx.commit().await?;
    Ok(counts)
}

async fn apply_one(
    conn: &mut AnyConnection,
    op: &Op,
    backend: Backend,
) -> Result<u64, sqlx::Error> {
    let done = match op {
        Op::Insert { row, sealed } => {
            insert_rows(conn, &[(&**row, sealed.as_deref())], backend).await?;
            return Ok(1);
        }
        Op::Start { id, worker, at } => {
            sqlx::query(START_SQL)
                .bind(worker)
                .bind(at)
                .bind(id)
                .execute(&mut *conn)
                .await?
        }
        Op::Finish {
            id,
            status,
            ended_at,
            result,
            error,
            result_expires_at,
        } => {
            sqlx::query(FINISH_SQL)
                .bind(status.as_str())
                .bind(ended_at)
                .bind(result)
                .bind(error.as_ref().map(|(kind, _)| kind.as_str()))
                .bind(error.as_ref().map(|(_, message)| message.as_str()))
                .bind(result_expires_at.as_deref())
                .bind(id)
                .execute(&mut *conn)
                .await?
        }
    };
    Ok(done.rows_affected())
}
