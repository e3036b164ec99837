//! Batch rows: one per bulk request. The planned waves and each wave's decision are a JSON
//! column (`[{devices, concurrency, decision, summary}]`); the jobs themselves are job rows
//! carrying `batch_id`, `wave` and `device_index`, so progress is read from them.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::jobs::int;
use super::{Error, NewJob, Store};

/// The `batches` table (part of migration 3).
pub(super) const TABLE: &str = "CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    ended_at TEXT,
    strategy TEXT,
    params TEXT NOT NULL,
    waves TEXT NOT NULL,
    current_wave INTEGER NOT NULL,
    reason TEXT,
    request TEXT NOT NULL,
    sealed TEXT,
    webhook TEXT,
    result_ttl INTEGER,
    result_expires_at TEXT,
    total INTEGER NOT NULL
)";

/// A batch as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    /// UUID.
    pub id: String,
    /// running | paused | finished | aborted | failed.
    pub status: String,
    /// When it was accepted.
    pub created_at: String,
    /// When it ended.
    pub ended_at: Option<String>,
    /// Strategy plugin name; none for a single wave at full concurrency.
    pub strategy: Option<String>,
    /// The strategy's params as JSON text.
    pub params: String,
    /// JSON array of waves with their decisions.
    pub waves: String,
    /// The wave running or to run next.
    pub current_wave: i64,
    /// Why the batch failed or stopped.
    pub reason: Option<String>,
    /// The shared request with secrets removed.
    pub request: String,
    /// The batch's webhook (headers may hold tokens), sealed.
    pub sealed: Option<String>,
    /// JSON of the batch-end webhook delivery, once attempted.
    pub webhook: Option<String>,
    /// Seconds the record is kept after the batch ends.
    pub result_ttl: Option<i64>,
    /// When the record is deleted.
    pub result_expires_at: Option<String>,
    /// Devices in the batch.
    pub total: i64,
    /// Name of the API key that submitted the bulk (never the key itself).
    pub submitted_by: Option<String>,
}

const COLUMNS: &str = "id, status, created_at, ended_at, strategy, params, waves, current_wave, reason, \
    request, sealed, webhook, result_ttl, result_expires_at, total, submitted_by";

fn from_row(row: &AnyRow) -> Result<BatchRow, sqlx::Error> {
    Ok(BatchRow {
        id: row.try_get("id")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        ended_at: row.try_get("ended_at")?,
        strategy: row.try_get("strategy")?,
        params: row.try_get("params")?,
        waves: row.try_get("waves")?,
        current_wave: int(row, "current_wave")?.unwrap_or(0),
        reason: row.try_get("reason")?,
        request: row.try_get("request")?,
        sealed: row.try_get("sealed")?,
        webhook: row.try_get("webhook")?,
        result_ttl: int(row, "result_ttl")?,
        result_expires_at: row.try_get("result_expires_at")?,
        total: int(row, "total")?.unwrap_or(0),
        submitted_by: row.try_get("submitted_by")?,
    })
}

impl Store {
    /// Records a batch and all its jobs in one transaction, so a bulk is accepted whole or
    /// not at all.
    pub async fn insert_batch(
        &self,
        batch: &BatchRow,
        jobs: &[(&NewJob, Option<&str>)],
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        self.timed(
            sqlx::query(&format!(
                "INSERT INTO batches ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            ))
            .bind(&batch.id)
            .bind(&batch.status)
            .bind(&batch.created_at)
            .bind(&batch.ended_at)
            .bind(&batch.strategy)
            .bind(&batch.params)
            .bind(&batch.waves)
            .bind(batch.current_wave)
            .bind(&batch.reason)
            .bind(&batch.request)
            .bind(&batch.sealed)
            .bind(&batch.webhook)
            .bind(batch.result_ttl)
            .bind(&batch.result_expires_at)
            .bind(batch.total)
            .bind(&batch.submitted_by)
            .execute(&mut *tx),
        )
        .await?;
        self.insert_jobs_in(&mut tx, jobs).await?;
        self.timed(tx.commit()).await?;
        Ok(())
    }

    /// One batch by id.
    pub async fn get_batch(&self, id: &str) -> Result<Option<BatchRow>, Error> {
        let row = self
            .timed(
                sqlx::query(&format!("SELECT {COLUMNS} FROM batches WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool),
            )
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Batches in `status` (at start: the running ones to continue).
    pub async fn batches_in(&self, status: &str) -> Result<Vec<BatchRow>, Error> {
        let rows = self
            .timed(
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM batches WHERE status = $1 ORDER BY created_at"
                ))
                .bind(status)
                .fetch_all(&self.pool),
            )
            .await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// Saves a batch's progress: status, waves (with decisions), the wave to run next, and
    /// for an end state the end time, reason and expiry. `from` guards the transition: the
    /// update applies only while the batch is in that status; false otherwise.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_batch(
        &self,
        id: &str,
        from: &str,
        status: &str,
        waves: &str,
        current_wave: i64,
        reason: Option<&str>,
        ended_at: Option<&str>,
        result_expires_at: Option<&str>,
    ) -> Result<bool, Error> {
        let done = self
            .timed(
                sqlx::query(
                    "UPDATE batches SET status = $1, waves = $2, current_wave = $3, reason = $4, ended_at = $5, \
                     result_expires_at = $6, sealed = CASE WHEN $5 IS NULL THEN sealed ELSE NULL END \
                     WHERE id = $7 AND status = $8",
                )
                .bind(status)
                .bind(waves)
                .bind(current_wave)
                .bind(reason)
                .bind(ended_at)
                .bind(result_expires_at)
                .bind(id)
                .bind(from)
                .execute(&self.pool),
            )
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Moves a paused batch back to running; false when it was not paused.
    pub async fn resume_batch(&self, id: &str) -> Result<bool, Error> {
        let done = self
            .timed(
                sqlx::query(
                    "UPDATE batches SET status = 'running' WHERE id = $1 AND status = 'paused'",
                )
                .bind(id)
                .execute(&self.pool),
            )
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records how the batch-end webhook delivery went.
    pub async fn set_batch_webhook(&self, id: &str, outcome: &str) -> Result<(), Error> {
        self.timed(
            sqlx::query("UPDATE batches SET webhook = $1 WHERE id = $2")
                .bind(outcome)
                .bind(id)
                .execute(&self.pool),
        )
        .await?;
        Ok(())
    }

    /// Ends every still-queued job of a batch from wave `from_wave` on as `canceled`, with
    /// `message` as the reason (the batch was aborted: those devices are never contacted).
    pub async fn cancel_batch_rest(
        &self,
        batch: &str,
        from_wave: i64,
        at: &str,
        message: &str,
    ) -> Result<u64, Error> {
        let result = serde_json::json!({"type": 3, "retval": [], "error": {"type": "batch_aborted", "message": message}})
            .to_string();
        let done = self
            .timed(
                sqlx::query(
                    "UPDATE jobs SET status = 'canceled', ended_at = $1, result = $2, error_type = 'batch_aborted', \
                     error_message = $3, sealed = NULL WHERE batch_id = $4 AND wave >= $5 AND status = 'queued'",
                )
                .bind(at)
                .bind(&result)
                .bind(message)
                .bind(batch)
                .bind(from_wave)
                .execute(&self.pool),
            )
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes ended batches whose `result_ttl` has passed.
    pub async fn delete_expired_batches(&self, now: &str) -> Result<u64, Error> {
        let done = self
            .timed(
                sqlx::query(
                    "DELETE FROM batches WHERE result_expires_at IS NOT NULL AND result_expires_at < $1",
                )
                .bind(now)
                .execute(&self.pool),
            )
            .await?;
        Ok(done.rows_affected())
    }
}
