//! Job rows. Every state change is one UPDATE, so a reader never sees `finished` without
//! its result and `ended_at` (the race NetPulse 0.4.3 shows).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Error, Store};

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
    device_type, kind, command, request, result, error_type, error_message, batch_id, expires_at";

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
        port: row
            .try_get::<i64, _>("port")
            .or_else(|_| row.try_get::<i32, _>("port").map(i64::from))?,
        device_type: row.try_get("device_type")?,
        kind: row.try_get("kind")?,
        command: row.try_get("command")?,
        request: row.try_get("request")?,
        result: row.try_get("result")?,
        error_type: row.try_get("error_type")?,
        error_message: row.try_get("error_message")?,
        batch_id: row.try_get("batch_id")?,
        expires_at: row.try_get("expires_at")?,
    })
}

impl Store {
    /// Records a new job (status `queued`) before it is acknowledged to the client.
    pub async fn insert_job(&self, job: &NewJob) -> Result<(), Error> {
        self.timed(sqlx::query(
            "INSERT INTO jobs (id, status, queue, worker, created_at, started_at, ended_at, host, port, \
             device_type, kind, command, request, result, error_type, error_message, batch_id, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        )
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
        .execute(&self.pool)
        ).await?;
        Ok(())
    }

    /// Moves a queued job to `started`; false when it was no longer queued (canceled).
    pub async fn mark_started(&self, id: &str, worker: &str, at: &str) -> Result<bool, Error> {
        let done = self.timed(sqlx::query(
            "UPDATE jobs SET status = 'started', worker = $1, started_at = $2 WHERE id = $3 AND status = 'queued'",
        )
        .bind(worker)
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        ).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a job: status, result, error and `ended_at` in one statement.
    pub async fn finish_job(
        &self,
        id: &str,
        status: &str,
        ended_at: &str,
        result: &str,
        error: Option<(&str, &str)>,
    ) -> Result<(), Error> {
        self.timed(sqlx::query(
            "UPDATE jobs SET status = $1, ended_at = $2, result = $3, error_type = $4, error_message = $5 \
             WHERE id = $6",
        )
        .bind(status)
        .bind(ended_at)
        .bind(result)
        .bind(error.map(|(kind, _)| kind))
        .bind(error.map(|(_, message)| message))
        .bind(id)
        .execute(&self.pool)
        ).await?;
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
            "UPDATE jobs SET status = 'canceled', ended_at = $1 WHERE id = $2 AND status = 'queued'",
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

    /// At start: jobs a crashed process left `started` (or `queued`, whose secrets died with
    /// it) end `failed` with `reason`. Returns how many.
    pub async fn fail_interrupted(&self, at: &str, reason: &str) -> Result<u64, Error> {
        let result = serde_json::json!({"type": 2, "retval": [], "error": {"type": "restarted", "message": reason}})
            .to_string();
        let done = self.timed(sqlx::query(
            "UPDATE jobs SET status = 'failed', ended_at = $1, result = $2, error_type = 'restarted', error_message = $3 \
             WHERE status IN ('started', 'queued')",
        )
        .bind(at)
        .bind(&result)
        .bind(reason)
        .execute(&self.pool)
        ).await?;
        Ok(done.rows_affected())
    }
}
