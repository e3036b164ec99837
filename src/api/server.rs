//! The HTTP listener: an accept loop of our own over hyper's HTTP/1 connections, because
//! `axum::serve` has no header deadline, no idle deadline and no connection cap, and each of
//! those gaps lets a client that merely holds sockets open exhaust the file descriptors the
//! gateway's SSH sessions and SQLite need too.
//!
//! Per connection:
//! - the first request head must be complete within [`Timeouts::header_read`] of the
//!   connection opening; a later one within `idle` of the previous response (keep-alive), and
//!   once its first byte arrived, within `header_read` of that byte. A client trickling a
//!   header is closed, whatever the rate (the deadline is checked every half period, so it
//!   holds to within that).
//! - a request body must be complete within [`Timeouts::body_read`] of the handler first
//!   waiting for it, so a body trickled a byte at a time cannot hold a handler (and its
//!   slot) for ever;
//! - a write that makes no progress for [`Timeouts::write_stall`] (a client that stopped
//!   reading its response) ends the connection.
//! - at most `server.max_connections` are open (read at every accept, so a reload applies to
//!   new connections); past it a connection is answered `503` with `Retry-After` and closed
//!   at once, counted in `netpulse_http_connections_refused_total`.
//!
//! Shutdown: the listener closes, open connections finish the request in hand (an idle one
//! closes at once), and [`serve`] returns when all are gone or after its grace period.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

use crate::config::watch::Live;
use crate::metrics::Metrics;

/// Time a client has to send a whole request head, counted from the connection opening
/// (first request) or from the first byte of the head (later ones). Ten seconds is far more
/// than any client on a working network needs for a few hundred bytes.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a kept-alive connection may wait for its next request. Long enough that a
/// polling client (a job watcher every few seconds) reuses its connection, short enough that
/// idle sockets do not pile up.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a response write may make no progress before the connection is dropped: a
/// client that stopped reading must not keep a socket and a task forever.
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Time a client has to send a request body after its head: the largest body
/// (`server.body_limit`, 1 MiB by default) at 17 KB/s, slower than any working link.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Pause after a failed `accept` (out of descriptors, most likely): retrying at once would
/// spin a core while nothing can succeed.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// What a connection past `server.max_connections` gets before it is closed, in the API's
/// error shape (`api::error::ErrorBody`); the content length is the body's 100 bytes.
const BUSY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{\"error\":{\"code\":\"too_many_connections\",\"message\":\"server.max_connections is reached; retry later\"}}";

/// The connection deadlines; [`Default`] is the production set, tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read: Duration,
    /// See [`IDLE_TIMEOUT`].
    pub idle: Duration,
    /// See [`WRITE_STALL_TIMEOUT`].
    pub write_stall: Duration,
    /// See [`BODY_READ_TIMEOUT`].
    pub body_read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header_read: HEADER_READ_TIMEOUT,
            idle: IDLE_TIMEOUT,
            write_stall: WRITE_STALL_TIMEOUT,
            body_read: BODY_READ_TIMEOUT,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open connections
/// finish for at most `grace`. `live` supplies `server.max_connections` at every accept.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    live: Live,
    metrics: Metrics,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let open = Arc::new(Open::default());
    let (stop, stopped) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept an HTTP connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let cap = live.current().server.max_connections.max(1);
        let Some(slot) = Slot::take(&open, cap) else {
            // Best effort and never waiting: a client that does not read gets nothing.
            let _ = stream.try_write(BUSY_RESPONSE);
            metrics.http_connection_refused();
            tracing::debug!(%peer, max_connections = cap, "HTTP connection refused: server.max_connections reached");
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            peer,
            router.clone(),
            timeouts,
            stopped.clone(),
            slot,
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = async {
        loop {
            let notified = open.idle.notified();
            if open.count.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    };
    if tokio::time::timeout(grace, drained).await.is_err() {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            open = open.count.load(Ordering::Relaxed),
            "HTTP connections still open after the grace period; closing anyway"
        );
    }
}

/// Connections open now, and a wake-up when the last one closes.
#[derive(Default)]
struct Open {
    count: AtomicUsize,
    idle: Notify,
}

/// One open connection's place under the cap; released however the task ends.
struct Slot(Arc<Open>);

impl Slot {
    fn take(open: &Arc<Open>, cap: usize) -> Option<Slot> {
        open.count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < cap).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(open.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
    _slot: Slot,
) {
    let activity = Arc::new(Activity::new(timeouts));
    let io = TokioIo::new(Guarded {
        inner: stream,
        activity: activity.clone(),
        write_stall: timeouts.write_stall,
        stall: None,
    });
    let body_read = timeouts.body_read;
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let request = request.map(|body| {
            axum::body::Body::new(BodyDeadline {
                inner: body,
                limit: body_read,
                sleep: None,
            })
        });
        router.clone().oneshot(request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(HeadTimer(activity.clone()))
        // Makes hyper tell HeadTimer whenever it waits for a request head.
        .header_read_timeout(timeouts.header_read)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    // One timer per connection, looking at the head deadline a few times per period: a timer
    // armed and dropped per request cost a fifth of the throughput of `GET /health`.
    let period = timeouts.header_read.min(timeouts.idle) / 2;
    let mut watchdog = tokio::time::interval(period.max(Duration::from_millis(10)));
    watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut draining = false;
    let ended = loop {
        tokio::select! {
            ended = conn.as_mut() => break ended,
            _ = watchdog.tick() => {
                if activity.head_overdue() {
                    tracing::debug!(%peer, "HTTP connection closed: no complete request head in time");
                    return;
                }
            }
            () = async { let _ = stop.wait_for(|stop| *stop).await; }, if !draining => {
                // Finishes the request in hand; an idle connection closes at once.
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    };
    if let Err(e) = ended {
        tracing::debug!(%peer, error = %e, "HTTP connection closed");
    }
}

/// What the head deadline needs to know about a connection: whether hyper waits for a
/// request head, since when, and when its first byte came.
struct Activity {
    /// Reference point for the millisecond stamps below.
    epoch: Instant,
    header_ms: u64,
    idle_ms: u64,
    /// The wait hyper is in (its number), or 0 while it waits for no head.
    waiting: AtomicU64,
    /// Until when the current wait may see no byte at all.
    idle_until_ms: AtomicU64,
    /// When the first byte of the awaited head arrived ([`NOT_YET`]).
    first_read_ms: AtomicU64,
    /// Waits so far: the first is the first request's, which gets no idle allowance.
    waits: AtomicU64,
}

/// [`Activity::first_read_ms`] while no byte has arrived since the wait began.
const NOT_YET: u64 = u64::MAX;

impl Activity {
    fn new(timeouts: Timeouts) -> Self {
        Self {
            epoch: Instant::now(),
            header_ms: millis(timeouts.header_read),
            idle_ms: millis(timeouts.idle),
            waiting: AtomicU64::new(0),
            idle_until_ms: AtomicU64::new(u64::MAX),
            first_read_ms: AtomicU64::new(NOT_YET),
            waits: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    fn read_some(&self) {
        if self.first_read_ms.load(Ordering::Relaxed) == NOT_YET {
            let now = self.now_ms();
            let _ = self.first_read_ms.compare_exchange(
                NOT_YET,
                now,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }

    /// hyper starts waiting for a head: the number of this wait.
    fn begin_wait(&self) -> u64 {
        let number = self.waits.fetch_add(1, Ordering::Relaxed) + 1;
        let allowance = if number == 1 {
            self.header_ms
        } else {
            self.idle_ms
        };
        self.first_read_ms.store(NOT_YET, Ordering::Relaxed);
        self.idle_until_ms
            .store(self.now_ms().saturating_add(allowance), Ordering::Relaxed);
        self.waiting.store(number, Ordering::Release);
        number
    }

    /// The wait `number` ended (its head came, or hyper replaced it with a new wait).
    fn end_wait(&self, number: u64) {
        let _ = self
            .waiting
            .compare_exchange(number, 0, Ordering::AcqRel, Ordering::Relaxed);
    }

    /// Whether hyper waits for a head that is late: no byte by the idle allowance, or not
    /// complete `header_read` after its first byte.
    fn head_overdue(&self) -> bool {
        if self.waiting.load(Ordering::Acquire) == 0 {
            return false;
        }
        let now = self.now_ms();
        match self.first_read_ms.load(Ordering::Relaxed) {
            NOT_YET => now >= self.idle_until_ms.load(Ordering::Relaxed),
            first => now >= first.saturating_add(self.header_ms),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 2)
}

/// hyper's head timer: hyper arms it whenever the connection waits for a request head and
/// drops it when the head is complete. Ours only records the wait; the connection's watchdog
/// applies the deadline (hyper's own counts from the arming only, which would make the idle
/// time between requests and the time to send a head one and the same).
#[derive(Clone)]
struct HeadTimer(Arc<Activity>);

impl hyper::rt::Timer for HeadTimer {
    fn sleep(&self, _duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.wait()
    }

    fn sleep_until(&self, _deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.wait()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, _new_deadline: Instant) {
        *sleep = self.wait();
    }
}

impl HeadTimer {
    fn wait(&self) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let number = self.0.begin_wait();
        Box::pin(HeadWait {
            activity: self.0.clone(),
            number,
        })
    }
}

/// A head wait as hyper holds it: never fires itself (the watchdog closes a late
/// connection), and ends the wait when hyper drops it.
struct HeadWait {
    activity: Arc<Activity>,
    number: u64,
}

impl hyper::rt::Sleep for HeadWait {}

impl Future for HeadWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl Drop for HeadWait {
    fn drop(&mut self) {
        self.activity.end_wait(self.number);
    }
}

/// A request body that fails `limit` after the handler first had to wait for it. The timer
/// (and the clock read) happen only when a read would wait, so a body that came with its
/// head (the usual case) costs nothing.
struct BodyDeadline {
    inner: Incoming,
    limit: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl hyper::body::Body for BodyDeadline {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                let limit = self.limit;
                let sleep = self
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the request body did not arrive in time",
                    ))))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, noting reads for the head deadline and bounding stalled writes.
struct Guarded {
    inner: TcpStream,
    activity: Arc<Activity>,
    write_stall: Duration,
    /// Armed while a write is blocked; reset by any progress.
    stall: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Guarded {
    fn stalled<T>(
        &mut self,
        cx: &mut Context<'_>,
        step: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match step {
            Poll::Ready(done) => {
                self.stall = None;
                Poll::Ready(done)
            }
            Poll::Pending => {
                let limit = self.write_stall;
                let stall = self
                    .stall
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match stall.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("the client read nothing for {}s", limit.as_secs()),
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read_some();
        }
        polled
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let step = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.stalled(cx, step)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let step = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.stalled(cx, step)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let step = Pin::new(&mut self.inner).poll_flush(cx);
        self.stalled(cx, step)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
