//! Job rows. Every state change is one UPDATE, so a reader never sees `finished` without
//! its result and `ended_at` (the race NetPulse 0.4.3 shows).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Error, JobStatus, Store};

/// A job as stored. Times are RFC 3339 UTC strings; JSON columns hold JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    /// UUID.
    pub id: String,
    /// queued | started | finished | failed | canceled.
    pub status: String,
    /// Queue name (`fifo`, `pinned`, `bulk`).
    pub queue: String,
    /// Worker that ran it.
    pub worker: Option<String>,
    /// When it was accepted.
    pub created_at: String,
    /// When a worker picked it up.
    pub started_at: Option<String>,
    /// When it ended.
    pub ended_at: Option<String>,
    /// Device host.
    pub host: String,
    /// Device port.
    pub port: i64,
    /// Canonical platform.
    pub device_type: String,
    /// `command` or `config`.
    pub kind: String,
    /// JSON array of the commands or config lines.
    pub command: String,
    /// JSON of the request with every secret removed.
    pub request: String,
    /// JSON of the result, once ended.
    pub result: Option<String>,
    /// Error kind when failed.
    pub error_type: Option<String>,
    /// Error message when failed.
    pub error_message: Option<String>,
    /// Bulk batch the job belongs to.
    pub batch_id: Option<String>,
    /// When a still-queued job expires (its `ttl`).
    pub expires_at: Option<String>,
    /// The job's wave within its batch.
    pub wave: Option<i64>,
    /// The device's position in its bulk request.
    pub device_index: Option<i64>,
    /// Run again after a crash interrupted it (read-only jobs only).
    pub retry_on_restart: bool,
    /// JSON of the webhook delivery outcome, once attempted.
    pub webhook: Option<String>,
    /// When the record is deleted (its `result_ttl` after it ended).
    pub result_expires_at: Option<String>,
    /// Name of the API key that submitted the job (never the key itself).
    pub submitted_by: Option<String>,
}

/// What a new job row needs.
pub type NewJob = JobRow;

/// Filters for listing jobs (`GET /jobs`).
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Only jobs in this status.
    pub status: Option<String>,
    /// Only jobs for this host.
    pub host: Option<String>,
    /// Only jobs in this queue.
    pub queue: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Rows skipped.
    pub offset: i64,
}

/// Result of a cancel request.
#[derive(Debug, Clone, PartialEq)]
pub enum CancelOutcome {
    /// The job was queued and is now canceled.
    Canceled,
    /// No such job.
    NotFound,
    /// The job is past queued; its status is given.
    NotQueued(String),
}

const COLUMNS: &str = "id, status, queue, worker, created_at, started_at, ended_at, host, port, \
    device_type, kind, command, request, result, error_type, error_message, batch_id, expires_at, \
    wave, device_index, retry_on_restart, webhook, result_expires_at, submitted_by";

/// Columns an insert writes: [`COLUMNS`] plus the sealed request.
const INSERT_COLUMNS: usize = 25;

/// Rows per multi-row INSERT: 25 × 200 parameters stays far below both databases' limits.
pub(super) const INSERT_CHUNK: usize = 200;

/// One row's INSERT with `?` placeholders, for writers that prepare it once and run it per row.
pub(super) static SINGLE_INSERT_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let placeholders = vec!["?"; INSERT_COLUMNS].join(",");
    format!("INSERT INTO jobs ({COLUMNS}, sealed) VALUES ({placeholders})")
});

/// Reads an integer column that is INT8 on SQLite and INT4 on PostgreSQL.
pub(super) fn int(row: &AnyRow, column: &str) -> Result<Option<i64>, sqlx::Error> {
    row.try_get::<Option<i64>, _>(column).or_else(|_| {
        row.try_get::<Option<i32>, _>(column)
            .map(|v| v.map(i64::from))
    })
}

fn from_row(row: &AnyRow) -> Result<JobRow, sqlx::Error> {
    Ok(JobRow {
        id: row.try_get("id")?,
        status: row.try_get("status")?,
        queue: row.try_get("queue")?,
        worker: row.try_get("worker")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
        host: row.try_get("host")?,
        port: int(row, "port")?.unwrap_or(0),
        device_type: row.try_get("device_type")?,
        kind: row.try_get("kind")?,
        command: row.try_get("command")?,
        request: row.try_get("request")?,
        result: row.try_get("result")?,
        error_type: row.try_get("error_type")?,
        error_message: row.try_get("error_message")?,
        batch_id: row.try_get("batch_id")?,
        expires_at: row.try_get("expires_at")?,
        wave: int(row, "wave")?,
        device_index: int(row, "device_index")?,
        retry_on_restart: int(row, "retry_on_restart")?.unwrap_or(0) != 0,
        webhook: row.try_get("webhook")?,
        result_expires_at: row.try_get("result_expires_at")?,
        submitted_by: row.try_get("submitted_by")?,
    })
}

/// Inserts job rows on `conn`, in chunks of multi-row INSERTs. SQLite gets positional `?`
/// placeholders: with numbered ones it looks every parameter up by name, which grows with
/// the square of a multi-row statement's parameters.
pub(crate) async fn insert_rows(
    conn: &mut sqlx::AnyConnection,
    jobs: &[(&NewJob, Option<&str>)],
    backend: super::Backend,
) -> Result<(), sqlx::Error> {
    for chunk in jobs.chunks(INSERT_CHUNK) {
        let mut sql = format!("INSERT INTO jobs ({COLUMNS}, sealed) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..INSERT_COLUMNS {
                if c > 0 {
                    sql.push(',');
                }
                match backend {
                    super::Backend::Sqlite => sql.push('?'),
                    super::Backend::Postgres => {
                        sql.push_str(&format!("${}", i * INSERT_COLUMNS + c + 1))
                    }
                }
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for (job, sealed) in chunk {
            query = query
                .bind(&job.id)
                .bind(&job.status)
                .bind(&job.queue)
                .bind(&job.worker)
                .bind(&job.created_at)
                .bind(&job.started_at)
                .bind(&job.ended_at)
                .bind(&job.host)
                .bind(job.port)
                .bind(&job.device_type)
                .bind(&job.kind)
                .bind(&job.command)
                .bind(&job.request)
                .bind(&job.result)
                .bind(&job.error_type)
                .bind(&job.error_message)
                .bind(&job.batch_id)
                .bind(&job.expires_at)
                .bind(job.wave)
                .bind(job.device_index)
                .bind(i64::from(job.retry_on_restart))
                .bind(&job.webhook)
                .bind(&job.result_expires_at)
                .bind(&job.submitted_by)
                .bind(*sealed);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A queued job's id and its sealed request, for re-running after a restart.
#[derive(Debug, Clone)]
pub struct SealedJob {
    /// The job.
    pub id: String,
    /// Its status now.
    pub status: String,
    /// Device host, for batch summaries.
    pub host: String,
    /// The sealed request, when one was kept.
    pub sealed: Option<String>,
}

/// A batch member's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchJob {
    /// The job.
    pub id: String,
    /// Device host.
    pub host: String,
    /// Its status.
    pub status: String,
    /// Position in the bulk request.
    pub device_index: i64,
}

/// What a restart did to the jobs a crash left behind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovered {
    /// Started jobs queued again (`retry_on_restart`).
    pub requeued: u64,
    /// Started jobs failed with the restart reason.
    pub failed: u64,
}

impl Store {
    /// Records a new job (status `queued`) before it is acknowledged to the client, with
    /// its sealed request so a restarted gateway can still run it. Goes through the group
    /// writer: concurrent inserts share one statement and one commit.
    pub async fn insert_job(&self, job: &NewJob, sealed: Option<&str>) -> Result<(), Error> {
        self.begin_insert_job(job.clone(), sealed)?.await
    }

    /// Queues a job row for the writer at once and returns the wait for its commit. A job
    /// state change sent after this call (a worker marking it started) is applied after the
    /// insert, so a worker may take the job while the insert is still in flight. Takes the
    /// row: a caller done with it (a cache hit's kilobytes of output) saves the copy.
    pub fn begin_insert_job(
        &self,
        job: NewJob,
        sealed: Option<&str>,
    ) -> Result<impl std::future::Future<Output = Result<(), Error>> + Send + use<>, Error> {
        let committed = self.writer.send(super::group::Op::Insert {
            row: Box::new(job),
            sealed: sealed.map(String::from),
        })?;
        Ok(async move { committed.await.map(|_| ()) })
    }

    /// Records many jobs in one transaction (a bulk request): all or none.
    pub async fn insert_jobs(&self, jobs: &[(&NewJob, Option<&str>)]) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        self.insert_jobs_in(&mut tx, jobs).await?;
        self.timed(tx.commit()).await?;
        Ok(())
    }

    /// Inserts job rows inside a caller's transaction, in chunks of multi-row INSERTs.
    pub(crate) async fn insert_jobs_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        jobs: &[(&NewJob, Option<&str>)],
    ) -> Result<(), Error> {
        self.timed(insert_rows(tx, jobs, self.backend)).await?;
        Ok(())
    }

    /// [`Store::mark_started`], queued for the writer at once; the returned future says
    /// whether the row was still queued once committed.
    pub fn begin_mark_started(
        &self,
        id: &str,
        worker: &str,
        at: &str,
    ) -> Result<impl std::future::Future<Output = Result<bool, Error>> + Send + use<>, Error> {
        let committed = self.writer.send(super::group::Op::Start {
            id: id.to_string(),
            worker: worker.to_string(),
            at: at.to_string(),
        })?;
        Ok(async move { committed.await.map(|changed| changed == 1) })
    }

    /// Moves a queued job to `started`; false when it was no longer queued (canceled).
    pub async fn mark_started(&self, id: &str, worker: &str, at: &str) -> Result<bool, Error> {
        self.begin_mark_started(id, worker, at)?.await
    }

    /// Ends a job: status, result, error and `ended_at` in one statement. The sealed request
    /// goes with the end state: an ended job never runs again, so its credentials need not
    /// outlive it.
    pub async fn finish_job(
        &self,
        id: &str,
        status: JobStatus,
        ended_at: &str,
        result: &str,
        error: Option<(&str, &str)>,
        result_expires_at: Option<&str>,
    ) -> Result<(), Error> {
        self.writer
            .apply(super::group::Op::Finish {
                id: id.to_string(),
                status,
                ended_at: ended_at.to_string(),
                result: result.to_string(),
                error: error.map(|(k, m)| (k.to_string(), m.to_string())),
                result_expires_at: result_expires_at.map(String::from),
            })
            .await?;
        Ok(())
    }

    /// One job by id.
    pub async fn get_job(&self, id: &str) -> Result<Option<JobRow>, Error> {
        let row = self
            .timed(
                sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool),
            )
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// A page of jobs, newest first, and the total matching the filter.
    pub async fn list_jobs(&self, filter: &JobFilter) -> Result<(Vec<JobRow>, i64), Error> {
        // Unused filters compare the column with itself, so one statement shape serves all.
        let condition =
            "($1 = '' OR status = $1) AND ($2 = '' OR host = $2) AND ($3 = '' OR queue = $3)";
        let status = filter.status.clone().unwrap_or_default();
        let host = filter.host.clone().unwrap_or_default();
        let queue = filter.queue.clone().unwrap_or_default();
        let total: i64 = self
            .timed(
                sqlx::query(&format!("SELECT COUNT(*) AS n FROM jobs WHERE {condition}"))
                    .bind(&status)
                    .bind(&host)
                    .bind(&queue)
                    .fetch_one(&self.pool),
            )
            .await?
            .try_get("n")?;
        let rows = self.timed(sqlx::query(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE {condition} ORDER BY created_at DESC, id LIMIT $4 OFFSET $5"
        ))
        .bind(&status)
        .bind(&host)
        .bind(&queue)
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(&self.pool)
        ).await?;
        let jobs = rows.iter().map(from_row).collect::<Result<_, _>>()?;
        Ok((jobs, total))
    }

    /// Cancels a queued job.
    pub async fn cancel_job(&self, id: &str, at: &str) -> Result<CancelOutcome, Error> {
        let done = self.timed(sqlx::query(
            "UPDATE jobs SET status = 'canceled', ended_at = $1, sealed = NULL WHERE id = $2 AND status = 'queued'",
        )
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        ).await?;
        if done.rows_affected() == 1 {
            return Ok(CancelOutcome::Canceled);
        }
        Ok(match self.get_job(id).await? {
            None => CancelOutcome::NotFound,
            Some(job) => CancelOutcome::NotQueued(job.status),
        })
    }

    /// At start: jobs a crashed process left `started` are queued again when they asked for
    /// it (`retry_on_restart`, read-only, request still sealed), the rest end `failed` with
    /// `reason`. Queued jobs stay queued: the caller runs them.
    pub async fn recover_started(&self, at: &str, reason: &str) -> Result<Recovered, Error> {
        let requeued = self.timed(sqlx::query(
            "UPDATE jobs SET status = 'queued', worker = NULL, started_at = NULL \
             WHERE status = 'started' AND retry_on_restart = 1 AND kind = 'command' AND sealed IS NOT NULL",
        )
        .execute(&self.pool)
        ).await?;
        let failed = self.fail_where("status = 'started'", at, reason).await?;
        Ok(Recovered {
            requeued: requeued.rows_affected(),
            failed,
        })
    }

    /// Ends one queued job `failed` with `kind` and `message` (a restart that cannot rebuild
    /// it, a batch that stopped before its wave). False when it was no longer queued.
    pub async fn fail_queued(
        &self,
        id: &str,
        at: &str,
        kind: &str,
        message: &str,
    ) -> Result<bool, Error> {
        let result = serde_json::json!({"type": 2, "retval": [], "error": {"type": kind, "message": message}})
            .to_string();
        let done = self.timed(sqlx::query(
            "UPDATE jobs SET status = 'failed', ended_at = $1, result = $2, error_type = $3, error_message = $4, sealed = NULL \
             WHERE id = $5 AND status = 'queued'",
        )
        .bind(at)
        .bind(&result)
        .bind(kind)
        .bind(message)
        .bind(id)
        .execute(&self.pool)
        ).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn fail_where(&self, condition: &str, at: &str, reason: &str) -> Result<u64, Error> {
        let result = serde_json::json!({"type": 2, "retval": [], "error": {"type": "restarted", "message": reason}})
            .to_string();
        let done = self.timed(sqlx::query(&format!(
            "UPDATE jobs SET status = 'failed', ended_at = $1, result = $2, error_type = 'restarted', error_message = $3, sealed = NULL \
             WHERE {condition}"
        ))
        .bind(at)
        .bind(&result)
        .bind(reason)
        .execute(&self.pool)
        ).await?;
        Ok(done.rows_affected())
    }

    /// Queued jobs outside any batch, oldest first, with their sealed requests.
    pub async fn queued_singles(&self) -> Result<Vec<SealedJob>, Error> {
        self.sealed_where("status = 'queued' AND batch_id IS NULL", None, None)
            .await
    }

    /// One wave's jobs in device order, with their sealed requests.
    pub async fn wave_jobs(&self, batch: &str, wave: i64) -> Result<Vec<SealedJob>, Error> {
        self.sealed_where("batch_id = $1 AND wave = $2", Some(batch), Some(wave))
            .await
    }

    async fn sealed_where(
        &self,
        condition: &str,
        batch: Option<&str>,
        wave: Option<i64>,
    ) -> Result<Vec<SealedJob>, Error> {
        let sql = format!(
            "SELECT id, status, host, sealed FROM jobs WHERE {condition} ORDER BY device_index, created_at, id"
        );
        let mut query = sqlx::query(&sql);
        if let Some(batch) = batch {
            query = query.bind(batch);
        }
        if let Some(wave) = wave {
            query = query.bind(wave);
        }
        let rows = self.timed(query.fetch_all(&self.pool)).await?;
        rows.iter()
            .map(|row| {
                Ok(SealedJob {
                    id: row.try_get("id")?,
                    status: row.try_get("status")?,
                    host: row.try_get("host")?,
                    sealed: row.try_get("sealed")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Error::from)
    }

    /// A batch's jobs in device order: only what progress needs (id, host, status, index),
    /// so watching a 10,000-device batch never loads 10,000 results.
    pub async fn batch_jobs(&self, batch: &str) -> Result<Vec<BatchJob>, Error> {
        let rows = self
            .timed(
                sqlx::query(
                    "SELECT id, host, status, device_index FROM jobs WHERE batch_id = $1 ORDER BY device_index",
                )
                .bind(batch)
                .fetch_all(&self.pool),
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(BatchJob {
                    id: row.try_get("id")?,
                    host: row.try_get("host")?,
                    status: row.try_get("status")?,
                    device_index: int(row, "device_index")?.unwrap_or(-1),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Error::from)
    }

    /// Records how a job's webhook delivery went.
    pub async fn set_job_webhook(&self, id: &str, outcome: &str) -> Result<(), Error> {
        self.timed(
            sqlx::query("UPDATE jobs SET webhook = $1 WHERE id = $2")
                .bind(outcome)
                .bind(id)
                .execute(&self.pool),
        )
        .await?;
        Ok(())
    }

    /// Deletes jobs whose `result_ttl` has passed; returns how many.
    pub async fn delete_expired_jobs(&self, now: &str) -> Result<u64, Error> {
        let done = self
            .timed(
                sqlx::query(
                    "DELETE FROM jobs WHERE result_expires_at IS NOT NULL AND result_expires_at < $1",
                )
                .bind(now)
                .execute(&self.pool),
            )
            .await?;
        Ok(done.rows_affected())
    }
}
