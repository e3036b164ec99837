//! Schema versions, applied in order at start inside one transaction each. The SQL is the
//! common subset of SQLite and PostgreSQL (TEXT times in RFC 3339, which sort correctly).

use sqlx::AnyPool;

use super::Error;

/// (version, statements). Append only: a released version never changes.
const MIGRATIONS: &[(i64, &[&str])] = &[
    (
        1,
        &[
            "CREATE TABLE IF NOT EXISTS jobs (
            id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            queue TEXT NOT NULL,
            worker TEXT,
            created_at TEXT NOT NULL,
            started_at TEXT,
            ended_at TEXT,
            host TEXT NOT NULL,
            port INTEGER NOT NULL,
            device_type TEXT NOT NULL,
            kind TEXT NOT NULL,
            command TEXT NOT NULL,
            request TEXT NOT NULL,
            result TEXT,
            error_type TEXT,
            error_message TEXT,
            batch_id TEXT,
            claimed_by TEXT,
            claimed_until TEXT,
            expires_at TEXT
        )",
            "CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status)",
            "CREATE INDEX IF NOT EXISTS jobs_host ON jobs (host)",
            "CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at)",
            "CREATE INDEX IF NOT EXISTS jobs_batch ON jobs (batch_id)",
        ],
    ),
    (2, super::cache_entries::MIGRATION),
    (
        3,
        &[
            // The request with its credentials, sealed (see jobs::seal), while the job may still run.
            "ALTER TABLE jobs ADD COLUMN sealed TEXT",
            "ALTER TABLE jobs ADD COLUMN wave INTEGER",
            "ALTER TABLE jobs ADD COLUMN device_index INTEGER",
            "ALTER TABLE jobs ADD COLUMN retry_on_restart INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE jobs ADD COLUMN webhook TEXT",
            "ALTER TABLE jobs ADD COLUMN result_expires_at TEXT",
            "CREATE INDEX IF NOT EXISTS jobs_result_expiry ON jobs (result_expires_at)",
            "CREATE INDEX IF NOT EXISTS jobs_batch_wave ON jobs (batch_id, wave)",
            super::batches::TABLE,
            "CREATE INDEX IF NOT EXISTS batches_status ON batches (status)",
        ],
    ),
    (
        4,
        &[
            // Most jobs belong to no batch and keep their result forever: indexing only the
            // rows that have the column spares every such insert two or three b-tree writes.
            // Every query on these columns compares them, which implies NOT NULL, so both
            // SQLite and PostgreSQL still use the partial index. `jobs_batch` was a prefix
            // of `jobs_batch_wave`.
            "DROP INDEX IF EXISTS jobs_batch",
            "DROP INDEX IF EXISTS jobs_batch_wave",
            "DROP INDEX IF EXISTS jobs_result_expiry",
            "CREATE INDEX IF NOT EXISTS jobs_batch_wave ON jobs (batch_id, wave) WHERE batch_id IS NOT NULL",
            "CREATE INDEX IF NOT EXISTS jobs_result_expiry ON jobs (result_expires_at) WHERE result_expires_at IS NOT NULL",
        ],
    ),
    (
        5,
        &[
            // The name (never the key) of the API key that submitted each job and batch:
            // who may cancel it, and an audit trail. Rows from before stay NULL, so only
            // an admin key may cancel them.
            "ALTER TABLE jobs ADD COLUMN submitted_by TEXT",
            "ALTER TABLE batches ADD COLUMN submitted_by TEXT",
        ],
    ),
];

/// Brings the schema up to date; safe to call on every start and from several processes
/// (each version is recorded once; `IF NOT EXISTS` keeps a racing second node harmless).
pub async fn apply(pool: &AnyPool) -> Result<(), Error> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS netpulse_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await
    .map_err(|source| Error::Migrate { version: 0, source })?;
    for (version, statements) in MIGRATIONS {
        let done: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM netpulse_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(pool)
                .await
                .map_err(|source| Error::Migrate {
                    version: *version,
                    source,
                })?;
        if done.is_some() {
            continue;
        }
        let mut tx = pool.begin().await.map_err(|source| Error::Migrate {
            version: *version,
            source,
        })?;
        for statement in *statements {
            sqlx::query(statement)
                .execute(&mut *tx)
                .await
                .map_err(|source| Error::Migrate {
                    version: *version,
                    source,
                })?;
        }
        sqlx::query("INSERT INTO netpulse_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(*version)
            .bind(crate::time::now())
            .execute(&mut *tx)
            .await
            .map_err(|source| Error::Migrate {
                version: *version,
                source,
            })?;
        tx.commit().await.map_err(|source| Error::Migrate {
            version: *version,
            source,
        })?;
    }
    Ok(())
}
