//! Persistence: one sqlx pool (SQLite embedded by default, PostgreSQL when configured),
//! embedded migrations, and the job table. The store knows rows, not workflow.
//!
//! - [`migrations`]: schema versions applied at start, identical on both databases.
//! - [`cache_entries`]: the cache's L3 rows and the shared `netpulse_secrets` table.
//! - [`jobs`]: job rows: insert, state changes (each one statement, so atomic), queries.
//! - [`batches`]: bulk batches: their waves, decisions and progress.
//! - `group`: group commit of job state changes (one transaction for many jobs).
//! - `checkpoint`: SQLite WAL checkpoints beside the writer instead of inside its commits.

pub mod batches;
pub mod cache_entries;
mod checkpoint;
mod group;
pub mod jobs;
pub mod migrations;
mod sqlite_writer;
mod status;

use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

use crate::config::Database;

pub use batches::BatchRow;
pub use jobs::{BatchJob, CancelOutcome, JobFilter, JobRow, NewJob, Recovered, SealedJob};
pub use status::JobStatus;

/// Store failures. Messages never contain the database password.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database could not be opened or reached.
    #[error("open database {url}: {source}")]
    Open {
        /// The URL with its password redacted.
        url: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A migration failed.
    #[error("migrate database to version {version}: {source}")]
    Migrate {
        /// The migration that failed.
        version: i64,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    /// A job state change failed on the SQLite writer's own connection.
    #[error("database write failed: {0}")]
    Write(#[from] rusqlite::Error),
}

/// Which SQL dialect is behind the pool, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A SQLite database file and where its checkpointer holds the job writer.
#[derive(Debug, Clone)]
pub(super) struct SqliteFile {
    path: std::sync::Arc<std::path::Path>,
    gate: std::sync::Arc<checkpoint::Gate>,
    /// `PRAGMA synchronous` for every connection to the file (`database.sqlite_synchronous`).
    synchronous: &'static str,
}

/// The database handle; cheap to clone (the pool is reference-counted).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Query durations feed the `database_query_time` figure and alert.
    metrics: Option<crate::metrics::Metrics>,
    /// Commits job state changes in groups.
    writer: group::Writer,
    /// The SQLite database file (none for PostgreSQL and `:memory:`), for the writer's own
    /// connection.
    sqlite_file: Option<SqliteFile>,
    /// Held by every clone; the SQLite checkpointer stops once the last clone is gone.
    _alive: std::sync::Arc<()>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the pool described by `db` and applies migrations.
    pub async fn connect(db: &Database) -> Result<Self, Error> {
        install_default_drivers();
        let backend = if db.url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let synchronous = db.sqlite_synchronous.as_pragma();
        let url = match backend {
            // Create the file on first start.
            Backend::Sqlite if !db.url.contains('?') && !db.url.contains(":memory:") => {
                format!("{}?mode=rwc", db.url)
            }
            _ => db.url.clone(),
        };
        let max = match backend {
            // SQLite serialises writers, and a writer that finds the lock taken sleeps in
            // SQLite's busy handler (1, 2, 5, 10 ms …): under load several connections only
            // add those sleeps. One connection queues statements in sqlx instead, which is
            // far faster for the short statements jobs make.
            Backend::Sqlite => 1,
            Backend::Postgres => (db.pool_size + db.max_overflow).max(1),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(db.pool_timeout))
            // sqlx pings a connection before lending it. An embedded SQLite connection
            // cannot go stale, and the ping was a round trip to its thread on every
            // statement: a third of a cache hit's database time.
            .test_before_acquire(backend == Backend::Postgres)
            .max_lifetime(Duration::from_secs(db.pool_recycle))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        use sqlx::Executor;
                        conn.execute("PRAGMA journal_mode=WAL").await?;
                        conn.execute(format!("PRAGMA synchronous={synchronous}").as_str())
                            .await?;
                        conn.execute("PRAGMA busy_timeout=5000").await?;
                        conn.execute(
                            format!(
                                "PRAGMA wal_autocheckpoint={}",
                                checkpoint::WRITER_AUTOCHECKPOINT_PAGES
                            )
                            .as_str(),
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|source| Error::Open {
                url: crate::config::redact_url(&db.url),
                source,
            })?;
        let alive = std::sync::Arc::new(());
        let sqlite_file = (backend == Backend::Sqlite && !url.contains(":memory:"))
            .then(|| url.parse::<sqlx::sqlite::SqliteConnectOptions>().ok())
            .flatten()
            .map(|options| SqliteFile {
                path: std::sync::Arc::from(options.get_filename()),
                gate: std::sync::Arc::default(),
                synchronous,
            });
        let store = Self {
            writer: group::Writer::start(pool.clone(), backend, sqlite_file.as_ref(), None),
            pool,
            backend,
            metrics: None,
            sqlite_file,
            _alive: alive.clone(),
        };
        migrations::apply(&store.pool).await?;
        if let Some(file) = &store.sqlite_file {
            checkpoint::start(
                file.path.to_path_buf(),
                file.gate.clone(),
                file.synchronous,
                std::sync::Arc::downgrade(&alive),
            );
        }
        Ok(store)
    }

    /// Records every job query's duration in `metrics` from now on.
    pub fn with_metrics(mut self, metrics: crate::metrics::Metrics) -> Self {
        self.writer = group::Writer::start(
            self.pool.clone(),
            self.backend,
            self.sqlite_file.as_ref(),
            Some(metrics.clone()),
        );
        self.metrics = Some(metrics);
        self
    }

    /// Runs a query future and records how long it took.
    pub(crate) async fn timed<T>(&self, query: impl std::future::Future<Output = T>) -> T {
        let started = std::time::Instant::now();
        let out = query.await;
        if let Some(metrics) = &self.metrics {
            metrics.db_query(started.elapsed().as_secs_f64());
        }
        out
    }

    /// The SQL dialect in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The underlying pool, for modules with their own tables.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection (at shutdown, so SQLite checkpoints its WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
