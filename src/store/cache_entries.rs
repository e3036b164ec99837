//! Cache-entry rows (the cache's L3 level) and the `netpulse_secrets` table.
//!
//! The store knows rows, not workflow: which key to read, how long a value lives and when
//! to purge are the cache's decisions. Times are RFC 3339 UTC text with a fixed width
//! (microseconds, `Z`), so comparing them as strings compares instants on both databases.

use sqlx::Row;

use super::{Error, Store};

/// Schema of the L3 level and of the shared secrets, applied as migration version 2.
///
/// `device` is `{host}:{port}` and indexed so invalidating a device after a config push is
/// one indexed DELETE; `expires_at` is indexed so the periodic purge does not scan the table.
/// `netpulse_secrets` holds values every gateway node must share. Secrets that would let a
/// dump be attacked offline do not belong here (the credential-hash key moved out of it).
pub const MIGRATION: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS cache_entries (
        key TEXT PRIMARY KEY,
        device TEXT NOT NULL,
        value TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS cache_entries_device ON cache_entries (device)",
    "CREATE INDEX IF NOT EXISTS cache_entries_expires ON cache_entries (expires_at)",
    "CREATE TABLE IF NOT EXISTS netpulse_secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )",
];

/// A live cache row as read back: the cache decodes `value` and derives the remaining TTL
/// from `expires_at`, so a value promoted to a faster level never outlives this one.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheRow {
    /// The serialized entry (JSON text), opaque to the store.
    pub value: String,
    /// When the row stops being served (RFC 3339 UTC).
    pub expires_at: String,
}

impl Store {
    /// The row under `key` if it has not expired at `now` (an expired row is a miss even
    /// before the purge removes it).
    pub async fn cache_entry_get(&self, key: &str, now: &str) -> Result<Option<CacheRow>, Error> {
        let row = sqlx::query(
            "SELECT value, expires_at FROM cache_entries WHERE key = $1 AND expires_at > $2",
        )
        .bind(key)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => Some(CacheRow {
                value: row.try_get("value")?,
                expires_at: row.try_get("expires_at")?,
            }),
            None => None,
        })
    }

    /// Writes or replaces the row under `key` (one upsert, valid on both databases).
    pub async fn cache_entry_put(
        &self,
        key: &str,
        device: &str,
        value: &str,
        expires_at: &str,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO cache_entries (key, device, value, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET device = excluded.device, value = excluded.value, \
             expires_at = excluded.expires_at",
        )
        .bind(key)
        .bind(device)
        .bind(value)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes every row of one device (`{host}:{port}`); returns how many.
    pub async fn cache_entries_delete_device(&self, device: &str) -> Result<u64, Error> {
        let done = sqlx::query("DELETE FROM cache_entries WHERE device = $1")
            .bind(device)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes the rows that expired before `now`; returns how many. Reads already ignore
    /// them, so this only reclaims space.
    pub async fn cache_entries_purge_expired(&self, now: &str) -> Result<u64, Error> {
        let done = sqlx::query("DELETE FROM cache_entries WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// The secret named `name`, storing `candidate` first if there is none yet.
    ///
    /// Insert-if-absent then read, so when several nodes start at once exactly one
    /// candidate wins and every node reads that one.
    pub async fn secret_get_or_insert(&self, name: &str, candidate: &str) -> Result<String, Error> {
        sqlx::query("INSERT INTO netpulse_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT value FROM netpulse_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }

    /// Deletes the secret named `name`; whether there was one.
    pub async fn secret_remove(&self, name: &str) -> Result<bool, Error> {
        let done = sqlx::query("DELETE FROM netpulse_secrets WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes every cache row; how many.
    pub async fn cache_entries_clear(&self) -> Result<u64, Error> {
        let done = sqlx::query("DELETE FROM cache_entries")
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
