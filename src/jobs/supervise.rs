//! A panic costs at most one job. Each job's future is polled under `catch_unwind`: a panic
//! anywhere in it (a parser, a bug on a hostile input) fails that job with the panic's
//! message, records it, answers its `?wait` caller, and the worker takes the next job. The
//! worker task itself runs under a supervisor that starts it again if anything outside a job
//! panics, so the pool never shrinks by accident.
//!
//! [`caught`] is generic over the future, so a test hands it a panicking one directly.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::runner::Outcome;
use super::worker::{Ended, record_end};
use super::{Inner, JobSpec};

/// Pause before a worker that panicked outside a job starts again, so a fault that repeats
/// at once cannot spin a core.
const RESTART_PAUSE: Duration = Duration::from_secs(1);

/// Longest panic message kept on a job: the payload may quote hostile input.
const MAX_PANIC_MESSAGE: usize = 512;

/// Polls the inner future, turning a panic into `Err(message)`.
struct CatchPanic<F>(F);

impl<F: Future + Unpin> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        // The future is dropped, never polled again, after it panicked: no broken state of
        // it is observed, which is what AssertUnwindSafe asserts.
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *inner).poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(message(payload.as_ref()))),
        }
    }
}

/// Runs `future` to its end; a panic inside it is `Err` with the panic's message.
pub async fn caught<F: Future>(future: F) -> Result<F::Output, String> {
    CatchPanic(std::pin::pin!(future)).await
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    match text.char_indices().nth(MAX_PANIC_MESSAGE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Records a job whose run panicked as failed (error type `panic`), so it never stays
/// `started`; returns what was recorded for its waiter.
pub(super) async fn fail_panicked(
    inner: &Arc<Inner>,
    id: &str,
    spec: &JobSpec,
    worker: &str,
    panic: &str,
) -> Option<Ended> {
    tracing::error!(panic, "job panicked; failing it, the worker goes on");
    let message = format!("the gateway failed while running the job (panic: {panic})");
    let outcome = Outcome::failed("panic", message);
    record_end(inner, id, spec, Some(worker), None, outcome).await
}

/// Runs worker `number` as its own task and starts it again whenever it panics outside a
/// job; returns when the worker exits on its own (the pool shrank).
pub(super) async fn keep_running(inner: Arc<Inner>, number: usize) {
    loop {
        let task = tokio::spawn(super::worker::worker(inner.clone(), number));
        match task.await {
            Err(e) if e.is_panic() => {
                let panic = message(e.into_panic().as_ref());
                tracing::error!(worker = number, panic, "worker panicked; starting it again");
                tokio::time::sleep(RESTART_PAUSE).await;
            }
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_future_is_an_error_and_the_next_one_runs() {
        let panicked = caught(async {
            tokio::task::yield_now().await;
            if std::hint::black_box(true) {
                panic!("a hostile input reached a panic");
            }
            7
        })
        .await;
        let message = panicked.expect_err("the panic is caught");
        assert!(message.contains("hostile input"), "{message}");
        assert_eq!(caught(async { 8 }).await, Ok(8));
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(10_000);
        assert!(message(&long).chars().count() <= MAX_PANIC_MESSAGE + 1);
    }
}
