//! Sending the pre-signed commands over HTTP/1.1, closed loop or open loop, and timing each.
//!
//! Closed loop: `concurrency` connections, each sending its next command as soon as the
//! previous one is acknowledged; this finds the highest rate the server sustains.
//! Open loop: commands are due at a fixed rate whatever the server does, and each latency
//! runs from when its command was due, not from when it went out, so a stalled server
//! shows in the figures instead of slowing the client down (no coordinated omission).
//!
//! Both stop after the last command or at the deadline, whichever comes first.
//! The client is bare hyper, one connection per sender and no pool: client and server
//! share the same cores, so every microsecond the client spends is one the server lacks.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::{client::conn::http1, header, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::{
    net::TcpStream,
    sync::{Mutex, Semaphore},
    task::JoinSet,
};

/// Requests in flight at most in open-loop mode; a due command past it is counted, not sent.
pub const OPEN_LOOP_IN_FLIGHT_MAX: usize = 20_000;
/// How long one request, its connection included, may take before it counts as an error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where to send: `host:port` and the request path.
#[derive(Clone)]
pub struct Endpoint {
    pub authority: Arc<str>,
    pub path: Arc<str>,
}

/// What a run did: acknowledgement latencies and every failure, by kind.
#[derive(Debug, Default)]
pub struct Outcome {
    pub sent_count: u64,
    /// Commands accepted: a request's one, or each of a batch's.
    pub accepted_commands: u64,
    /// Latency of every acknowledged request (a 201, or a batch's 200), in microseconds.
    pub latencies_us: Vec<u64>,
    /// When each acknowledged command went out (or was due), in microseconds since the
    /// start, in the order of `latencies_us`.
    pub sent_offsets_us: Vec<u64>,
    pub connections_opened_count: u64,
    pub errors: BTreeMap<String, u64>,
    /// Open loop only: commands due when the client already had too many in flight.
    pub not_sent_count: u64,
    pub first_send: Option<Instant>,
    pub last_ack: Option<Instant>,
}

impl Endpoint {
    /// # Errors
    /// `base_url` is not `http://host:port` (no TLS: the server is local).
    pub fn parse(base_url: &str, path: &str) -> anyhow::Result<Endpoint> {
        let Some(authority) = base_url.strip_prefix("http://") else {
            anyhow::bail!("the server URL {base_url:?} must start with http://");
        };
        let authority = authority.trim_end_matches('/');
        Ok(Endpoint { authority: Arc::from(authority), path: Arc::from(path) })
    }
}

/// One open-loop request, as its task reports it.
struct Sent {
    due_at: Instant,
    result: Result<u64, String>,
    opened_count: u64,
}

/// One kept-alive HTTP/1.1 connection.
struct Connection {
    sender: http1::SendRequest<Full<Bytes>>,
}

/// Opens a kept-alive HTTP/1.1 connection to `endpoint` (no Nagle delay) for requests with
/// bodies of type `B`; its task runs until the sender is dropped or the server hangs up.
pub async fn connect<B>(endpoint: &Endpoint) -> Result<http1::SendRequest<B>, String>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(&*endpoint.authority).await.map_err(|err| format!("connect: {}", err.kind()))?;
    stream.set_nodelay(true).map_err(|err| format!("nodelay: {}", err.kind()))?;
    let (sender, connection) =
        http1::handshake(TokioIo::new(stream)).await.map_err(|err| format!("handshake: {err}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

impl Connection {
    async fn open(endpoint: &Endpoint) -> Result<Connection, String> {
        Ok(Connection { sender: connect(endpoint).await? })
    }

    /// Posts one command, or a batch of them; `Ok` with how many were accepted once the
    /// whole reply has arrived: a 201 (one), or a batch's 200 in which every one was.
    async fn post(&mut self, endpoint: &Endpoint, body: Bytes) -> Result<u64, String> {
        self.sender.ready().await.map_err(|err| format!("connection: {}", kind(&err)))?;
        let request = Request::post(&*endpoint.path)
            .header(header::HOST, &*endpoint.authority)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(body))
            .map_err(|err| format!("request: {err}"))?;
        let response = self.sender.send_request(request).await.map_err(|err| format!("send: {}", kind(&err)))?;
        let status = response.status();
        // An acknowledgement is the whole reply: the receipt, with its proof and checkpoint.
        let reply = response.into_body().collect().await.map_err(|err| format!("reply: {}", kind(&err)))?.to_bytes();
        match status {
            StatusCode::CREATED => Ok(1),
            StatusCode::OK => batch_accepted(&reply),
            _ => Err(format!("HTTP {status}")),
        }
    }
}

/// How many commands a batch's reply accepted, if it accepted every one.
fn batch_accepted(reply: &[u8]) -> Result<u64, String> {
    #[derive(serde::Deserialize)]
    struct BatchReply {
        accepted: u64,
        results: Vec<serde::de::IgnoredAny>,
    }
    let reply: BatchReply = serde_json::from_slice(reply).map_err(|err| format!("batch reply: {err}"))?;
    let sent = reply.results.len() as u64;
    match reply.accepted == sent {
        true => Ok(sent),
        false => Err(format!("batch: {} of {sent} accepted", reply.accepted)),
    }
}

fn kind(err: &hyper::Error) -> &'static str {
    if err.is_closed() || err.is_incomplete_message() {
        "closed by the server"
    } else if err.is_timeout() {
        "timeout"
    } else {
        "other"
    }
}

/// Sends on `connection`, opening one first if there is none; keeps it for the next only if
/// this request succeeded.
async fn send(
    endpoint: &Endpoint,
    connection: &mut Option<Connection>,
    body: Bytes,
    opened_count: &mut u64,
) -> Result<u64, String> {
    let attempt = async {
        let mut open = match connection.take() {
            Some(open) => open,
            None => {
                *opened_count += 1;
                Connection::open(endpoint).await?
            }
        };
        let accepted = open.post(endpoint, body).await?;
        Ok::<(Connection, u64), String>((open, accepted))
    };
    match tokio::time::timeout(REQUEST_TIMEOUT, attempt).await {
        Ok(Ok((open, accepted))) => {
            *connection = Some(open);
            Ok(accepted)
        }
        Ok(Err(err)) => Err(err),
        Err(_) => Err("timeout".to_owned()),
    }
}

/// `concurrency` workers send back to back until the bodies run out or `deadline` passes.
pub async fn closed_loop(
    endpoint: Endpoint,
    bodies: Arc<Vec<Bytes>>,
    concurrency: usize,
    deadline: Instant,
) -> Outcome {
    let next_idx = Arc::new(AtomicUsize::new(0));
    let first_send = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..concurrency {
        let (endpoint, bodies, next_idx) = (endpoint.clone(), Arc::clone(&bodies), Arc::clone(&next_idx));
        workers.spawn(async move {
            let mut outcome = Outcome::default();
            let mut connection = None;
            loop {
                let body_idx = next_idx.fetch_add(1, Ordering::Relaxed);
                if body_idx >= bodies.len() || Instant::now() >= deadline {
                    break;
                }
                let sent_at = Instant::now();
                let body = bodies[body_idx].clone();
                let result = send(&endpoint, &mut connection, body, &mut outcome.connections_opened_count).await;
                outcome.record(first_send, sent_at, result);
            }
            outcome
        });
    }
    let mut total = Outcome { first_send: Some(first_send), ..Outcome::default() };
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(outcome) => total.merge(outcome),
            Err(err) => *total.errors.entry(format!("worker failed: {err}")).or_default() += 1,
        }
    }
    total
}

/// Sends command `i` at `start + i / rate` until the bodies run out, `deadline` passes or
/// `stop` is set, over at most `connections_max` connections (as wrk2 does): a command due
/// while all are busy waits in the client, and that wait counts in its latency. Unbounded
/// connections would turn a short stall into a storm of new connections that the server
/// then pays for.
pub async fn open_loop(
    endpoint: Endpoint,
    bodies: Arc<Vec<Bytes>>,
    rate_per_s: u32,
    connections_max: usize,
    deadline: Instant,
    stop: Arc<AtomicBool>,
) -> Outcome {
    let interval_s = 1.0 / f64::from(rate_per_s);
    let start = Instant::now();
    let due = |body_idx: usize| start + Duration::from_secs_f64(body_idx as f64 * interval_s);
    let idle: Arc<Mutex<Vec<Connection>>> = Arc::new(Mutex::new(Vec::new()));
    let connection_permits = Arc::new(Semaphore::new(connections_max));
    let mut total = Outcome { first_send: Some(start), ..Outcome::default() };
    let mut in_flight = JoinSet::new();
    let mut body_idx = 0;
    while body_idx < bodies.len() {
        let now = Instant::now();
        if now >= deadline || stop.load(Ordering::Relaxed) {
            break;
        }
        while body_idx < bodies.len() && due(body_idx) <= now {
            if in_flight.len() >= OPEN_LOOP_IN_FLIGHT_MAX {
                total.not_sent_count += 1;
            } else {
                let (endpoint, idle, body, due_at) =
                    (endpoint.clone(), Arc::clone(&idle), bodies[body_idx].clone(), due(body_idx));
                let connection_permits = Arc::clone(&connection_permits);
                in_flight.spawn(async move {
                    // The semaphore is never closed, so acquiring only waits.
                    let _permit = connection_permits.acquire_owned().await;
                    let mut connection = idle.lock().await.pop();
                    let mut opened_count = 0;
                    let result = send(&endpoint, &mut connection, body, &mut opened_count).await;
                    if let Some(open) = connection {
                        idle.lock().await.push(open);
                    }
                    Sent { due_at, result, opened_count }
                });
            }
            body_idx += 1;
        }
        while let Some(joined) = in_flight.try_join_next() {
            total.record_joined(start, joined);
        }
        if body_idx < bodies.len() {
            tokio::time::sleep_until(tokio::time::Instant::from_std(due(body_idx))).await;
        }
    }
    while let Some(joined) = in_flight.join_next().await {
        total.record_joined(start, joined);
    }
    total
}

impl Outcome {
    fn record(&mut self, start: Instant, since: Instant, result: Result<u64, String>) {
        self.sent_count += 1;
        match result {
            Ok(accepted) => {
                self.accepted_commands += accepted;
                let now = Instant::now();
                self.latencies_us.push(now.duration_since(since).as_micros() as u64);
                self.sent_offsets_us.push(since.duration_since(start).as_micros() as u64);
                self.last_ack = Some(self.last_ack.map_or(now, |last| last.max(now)));
            }
            Err(kind) => *self.errors.entry(kind).or_default() += 1,
        }
    }

    fn record_joined(&mut self, start: Instant, joined: Result<Sent, tokio::task::JoinError>) {
        match joined {
            Ok(sent) => {
                self.connections_opened_count += sent.opened_count;
                self.record(start, sent.due_at, sent.result);
            }
            Err(err) => *self.errors.entry(format!("task failed: {err}")).or_default() += 1,
        }
    }

    fn merge(&mut self, other: Outcome) {
        self.sent_count += other.sent_count;
        self.accepted_commands += other.accepted_commands;
        self.latencies_us.extend(other.latencies_us);
        self.sent_offsets_us.extend(other.sent_offsets_us);
        self.connections_opened_count += other.connections_opened_count;
        for (kind, count) in other.errors {
            *self.errors.entry(kind).or_default() += count;
        }
        self.not_sent_count += other.not_sent_count;
        self.last_ack = match (self.last_ack, other.last_ack) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    /// Commands accepted: one per acknowledged request, or a whole batch's.
    pub fn accepted_count(&self) -> u64 {
        self.accepted_commands
    }

    pub fn errors_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// From the first send to the last acknowledgement.
    pub fn wall(&self) -> Duration {
        match (self.first_send, self.last_ack) {
            (Some(first), Some(last)) => last.duration_since(first),
            _ => Duration::ZERO,
        }
    }

    /// The latency at quantile `q` (0..=1), in milliseconds; nearest rank.
    pub fn latency_ms(&self, q: f64) -> f64 {
        quantile_ms(&self.latencies_us, q)
    }
}

/// The `q` quantile (nearest rank) of latencies in microseconds, in milliseconds; NaN for none.
pub fn quantile_ms(latencies_us: &[u64], q: f64) -> f64 {
    let mut sorted = latencies_us.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}
