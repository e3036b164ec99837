//! Deletes job and batch records past their `result_ttl`, every few seconds, so the store
//! holds what callers may still read and no more.

use std::time::Duration;

use crate::store::Store;

/// How often records past their `result_ttl` are deleted.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Starts the sweeper; it runs as long as the runtime.
pub(super) fn spawn(store: Store) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        loop {
            tick.tick().await;
            sweep_expired(&store).await;
        }
    });
}

async fn sweep_expired(store: &Store) {
    let now = crate::time::now();
    match store.delete_expired_jobs(&now).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(jobs = n, "deleted job records past their result_ttl"),
        Err(e) => tracing::warn!(error = %e, "cannot delete expired job records"),
    }
    if let Err(e) = store.delete_expired_batches(&now).await {
        tracing::warn!(error = %e, "cannot delete expired batch records");
    }
}
