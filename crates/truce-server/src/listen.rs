//! Serving the router on a bound listener, with the connection limits that keep idle and
//! slow clients from shutting out others (HTTP/1.1, as `axum::serve` served it here).
//!
//! - A connection with no request in flight that receives nothing for `idle_timeout` (after
//!   it was accepted, or after its last response) is closed.
//! - A request head that starts arriving must be whole within `header_read_timeout` of its
//!   first byte, or the connection is closed (a client trickling a head, "slowloris").
//! - A request body must be whole within `body_read_timeout` of its request's head (a client
//!   trickling a body); a handler reading it gets `BodyReadTimedOut`, answered with 408 and
//!   the connection closed. A per-read timeout would not do: a byte every few seconds
//!   resets it forever, so this is one deadline for the whole body, as for the head.
//! - At most `connections_max` connections are open at once, below the process's limit of
//!   open files. At the cap, a new connection is let in by closing the connection that has
//!   been idle longest (as nginx reuses its idle keep-alive connections), so that a crowd of
//!   idle connections makes room for every newcomer instead of starving it; only when every
//!   connection has a request in flight (an event stream, a slow write) does a newcomer
//!   wait in the listen backlog. A failure to accept for want of file descriptors also
//!   closes the idlest connection.
//!
//! - With TLS (`tls::acceptor`), the handshake is read under the same timeouts as a request
//!   head: its first byte starts the header read timeout.
//!
//! "In flight" runs from a request's complete head to the end of its response body, so an
//! event stream is never idle. Each connection's state is a few atomics, read by a sweeper
//! task that enforces both timeouts.

use std::{
    collections::HashMap,
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{body::Body, extract::ConnectInfo, Router};
use http_body_util::BodyExt as _;
use hyper::{body::Incoming, server::conn::http1, Request};
use hyper_util::rt::{TokioIo, TokioTimer};
use parking_lot::Mutex;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{Notify, OwnedSemaphorePermit, Semaphore},
};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::STREAMS_MAX;

/// How long a request head may take to arrive, from its first byte to its last.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request body may take to arrive whole, from the end of its head: at the
/// largest body the API takes (`REQUEST_BODY_BYTES_MAX`), about 35 KB/s.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection may wait, with no request in flight, for its next request (or its
/// first).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections open at once at the most: every event stream (`STREAMS_MAX`) and room for
/// ordinary requests beside them. Keep it below the process's limit of open files.
pub const CONNECTIONS_MAX: usize = STREAMS_MAX + 2_048;
/// How long a connection asked to close may finish the response it is writing.
pub const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// How long a stopping server waits for its connections to close.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// At the cap with no connection idle, how often to look for one that has become idle.
const EVICTION_RETRY: Duration = Duration::from_millis(50);
/// After a failed accept, how long to wait before the next.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// The connection limits; `Limits::default()` holds the constants above.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connections_max: usize,
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections_max: CONNECTIONS_MAX,
            header_read_timeout: HEADER_READ_TIMEOUT,
            body_read_timeout: BODY_READ_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
        }
    }
}

/// Serves `app` on `listener` within `limits`, over TLS when given an acceptor, until
/// `shutdown` resolves, then asks every connection to close and waits for them
/// (`SHUTDOWN_GRACE` at the most).
///
/// # Errors
/// None yet: failed accepts are retried. The `io::Result` leaves room for fatal ones.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let connections_max = limits.connections_max.max(1);
    let slots = Arc::new(Semaphore::new(connections_max));
    let registry = Arc::new(Registry::default());
    let sweeper = tokio::spawn(sweep(Arc::clone(&registry), limits));
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors: the idlest connection makes room.
                    if matches!(err.raw_os_error(), Some(code) if code == EMFILE || code == ENFILE) {
                        registry.evict_idlest();
                    }
                    tracing::debug!(%err, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                }
            },
        };
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = make_room(&slots, &registry) => permit,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, app.clone(), Arc::clone(&registry), limits, tls.clone(), permit));
    }
    sweeper.abort();
    registry.close_all();
    let all = u32::try_from(connections_max).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all)).await;
    Ok(())
}

// Linux's and macOS's numbers for "too many open files" (per process, system-wide).
const EMFILE: i32 = 24;
const ENFILE: i32 = 23;

/// A slot for one more connection: at once below the cap; at it, once the idlest
/// connection has closed, or any connection has ended.
async fn make_room(slots: &Arc<Semaphore>, registry: &Registry) -> OwnedSemaphorePermit {
    if let Ok(permit) = Arc::clone(slots).try_acquire_owned() {
        return permit;
    }
    loop {
        registry.evict_idlest();
        tokio::select! {
            permit = Arc::clone(slots).acquire_owned() => {
                return permit.expect("the semaphore is never closed");
            }
            () = tokio::time::sleep(EVICTION_RETRY) => {}
        }
    }
}

/// Serves one connection until it ends, or until it is asked to close; its slot is given
/// back only once its socket is closed.
async fn connection(
    stream: TcpStream,
    app: Router,
    registry: Arc<Registry>,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    permit: OwnedSemaphorePermit,
) {
    let (id, tracked) = registry.add();
    let peer = stream.peer_addr().ok();
    let stream = TrackedStream { inner: stream, tracked: Arc::clone(&tracked) };
    match tls {
        None => serve_connection(stream, peer, app, Arc::clone(&tracked), limits).await,
        Some(acceptor) => {
            let handshake = tokio::select! {
                accepted = acceptor.accept(stream) => accepted
                    .inspect_err(|err| tracing::debug!(%err, "TLS handshake failed"))
                    .ok(),
                () = tracked.close.notified() => None,
            };
            if let Some(stream) = handshake {
                serve_connection(stream, peer, app, Arc::clone(&tracked), limits).await;
            }
        }
    }
    registry.remove(id);
    drop(permit);
}

/// Serves one connection; each request carries the client's address as `ConnectInfo`.
async fn serve_connection<S>(stream: S, peer: Option<SocketAddr>, app: Router, tracked: Arc<Tracked>, limits: Limits)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(stream);
    let service = {
        let tracked = Arc::clone(&tracked);
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let in_flight = InFlight::enter(&tracked);
            let mut request = request.map(|body| Body::new(DeadlineBody::new(body, limits.body_read_timeout)));
            if let Some(peer) = peer {
                request.extensions_mut().insert(ConnectInfo(peer));
            }
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await?;
                // The request is in flight until its response body is done (or dropped).
                Ok::<_, std::convert::Infallible>(response.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        let _in_flight = &in_flight;
                        frame
                    }))
                }))
            }
        })
    };
    // hyper's own head timer starts whenever it waits for a head, idle time included; it
    // only backs up the two timeouts the sweeper enforces.
    let backstop = limits.idle_timeout.saturating_add(limits.header_read_timeout).saturating_mul(2);
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(backstop);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = tracked.close.notified() => {
            // Half a request head is owed nothing; otherwise hyper closes an idle connection
            // at once and lets a busy one finish its response, within the grace.
            if !tracked.head_started() {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(CLOSE_GRACE, conn.as_mut()).await;
            }
        }
    }
}

/// Enforces both timeouts on every connection, a few times per timeout.
async fn sweep(registry: Arc<Registry>, limits: Limits) {
    let period = (limits.header_read_timeout.min(limits.idle_timeout) / 4)
        .clamp(Duration::from_millis(10), Duration::from_secs(1));
    let header_read_ms = millis(limits.header_read_timeout);
    let idle_ms = millis(limits.idle_timeout);
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now = registry.now_ms();
        for tracked in registry.snapshot() {
            if tracked.in_flight.load(Ordering::Acquire) > 0 {
                continue;
            }
            let head_started = tracked.head_started_ms.load(Ordering::Acquire);
            let expired = match head_started {
                NO_HEAD => now.saturating_sub(tracked.idle_since_ms.load(Ordering::Acquire)) > idle_ms,
                started => now.saturating_sub(started) > header_read_ms,
            };
            if expired {
                tracked.close();
            }
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A request body that fails once `timeout` has passed since the request's head, unless it
/// has ended by then.
///
/// The timer is armed only once the body has to be waited for: an empty body, or one that is
/// already whole when the handler reads it (most requests), costs a clock read and no timer.
struct DeadlineBody {
    inner: Incoming,
    /// When the head was complete; the deadline is this plus `timeout`.
    started: tokio::time::Instant,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    timeout: Duration,
}

impl DeadlineBody {
    fn new(inner: Incoming, timeout: Duration) -> DeadlineBody {
        DeadlineBody { inner, started: tokio::time::Instant::now(), deadline: None, timeout }
    }
}

/// The error of a request body that did not arrive whole within the body read timeout.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive whole within {} seconds", timeout.as_secs())]
pub struct BodyReadTimedOut {
    pub timeout: Duration,
}

impl hyper::body::Body for DeadlineBody {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(axum::BoxError::from)));
        }
        let at = self.started + self.timeout;
        let deadline = self.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(BodyReadTimedOut { timeout: self.timeout }.into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// `head_started_ms` when no byte of a next request has arrived.
const NO_HEAD: u64 = u64::MAX;

/// What the sweeper and the eviction know of one connection.
struct Tracked {
    /// Requests whose head is complete and whose response body is not yet done.
    in_flight: AtomicUsize,
    /// When the connection last became idle: accepted, or its last response done.
    idle_since_ms: AtomicU64,
    /// When the first byte arrived while idle (a request head begins), or `NO_HEAD`.
    head_started_ms: AtomicU64,
    closing: AtomicBool,
    close: Notify,
    epoch: Instant,
}

impl Tracked {
    fn now_ms(&self) -> u64 {
        millis(self.epoch.elapsed())
    }

    fn head_started(&self) -> bool {
        self.head_started_ms.load(Ordering::Acquire) != NO_HEAD
    }

    /// Asks the connection to close, once.
    fn close(&self) {
        if !self.closing.swap(true, Ordering::AcqRel) {
            // A permit is kept if the connection is not waiting yet.
            self.close.notify_one();
        }
    }
}

/// A request in flight on a connection, from its complete head until dropped.
struct InFlight(Arc<Tracked>);

impl InFlight {
    fn enter(tracked: &Arc<Tracked>) -> InFlight {
        tracked.in_flight.fetch_add(1, Ordering::AcqRel);
        tracked.head_started_ms.store(NO_HEAD, Ordering::Release);
        InFlight(Arc::clone(tracked))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.idle_since_ms.store(self.0.now_ms(), Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

struct Registry {
    epoch: Instant,
    next_id: AtomicU64,
    connections: Mutex<HashMap<u64, Arc<Tracked>>>,
}

impl Default for Registry {
    fn default() -> Registry {
        Registry { epoch: Instant::now(), next_id: AtomicU64::new(0), connections: Mutex::new(HashMap::new()) }
    }
}

impl Registry {
    fn now_ms(&self) -> u64 {
        millis(self.epoch.elapsed())
    }

    fn add(&self) -> (u64, Arc<Tracked>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let tracked = Arc::new(Tracked {
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(self.now_ms()),
            head_started_ms: AtomicU64::new(NO_HEAD),
            closing: AtomicBool::new(false),
            close: Notify::new(),
            epoch: self.epoch,
        });
        self.connections.lock().insert(id, Arc::clone(&tracked));
        (id, tracked)
    }

    fn remove(&self, id: u64) {
        self.connections.lock().remove(&id);
    }

    fn snapshot(&self) -> Vec<Arc<Tracked>> {
        self.connections.lock().values().cloned().collect()
    }

    /// Closes the connection idle longest (no request in flight, not already closing).
    fn evict_idlest(&self) {
        let connections = self.connections.lock();
        let idle = connections.values().filter(|tracked| {
            tracked.in_flight.load(Ordering::Acquire) == 0 && !tracked.closing.load(Ordering::Acquire)
        });
        if let Some(idlest) = idle.min_by_key(|tracked| tracked.idle_since_ms.load(Ordering::Acquire)) {
            idlest.close();
        }
    }

    fn close_all(&self) {
        for tracked in self.connections.lock().values() {
            tracked.close();
        }
    }
}

/// The TCP stream, noting when the first byte of a request head arrives on an idle
/// connection.
struct TrackedStream {
    inner: TcpStream,
    tracked: Arc<Tracked>,
}

impl AsyncRead for TrackedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let tracked = &self.tracked;
        if buf.filled().len() > before && tracked.in_flight.load(Ordering::Acquire) == 0 && !tracked.head_started() {
            tracked.head_started_ms.store(tracked.now_ms(), Ordering::Release);
        }
        polled
    }
}

impl AsyncWrite for TrackedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
