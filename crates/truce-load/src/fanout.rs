//! The live bar of docs/design.md section 9: with N concurrent event-stream subscribers, how
//! long an alert takes to reach all of them.
//!
//! It opens N `GET /api/v1/stream` connections (plain HTTP/1.1 over TCP, one task each),
//! registers a party and a coordinator for it, then, round by round, has the coordinator
//! propose an agreement (each proposal raises exactly one public alert) and times how long
//! until every subscriber has read that alert: from just before the command is sent (so
//! the durable commit is included), and from its acknowledgement. Rounds are sequential
//! and bounded in number and time; a round in which some subscriber never gets its alert
//! counts as missed, and the run exits non-zero.
//!
//! With `Writes`, the live bar under load: signed commands go in at a fixed rate (open loop,
//! `drive::open_loop`) from a second before the first round until the last round ends, on
//! the same client runtime, and their rate and acknowledgement latencies are reported beside
//! the alerts'. Those commands (`register_party`) raise no alert, so each stream still reads
//! one alert per round.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context as _};
use parking_lot::Mutex;
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::Semaphore,
};
use truce_core::Timestamp;
use truce_ledger::{sign_command, SecretKey};

use bytes::Bytes;

use crate::{
    commands::Operator,
    cpu,
    drive::{self, Endpoint, Outcome},
};

/// Connections being opened at once, below the server's listen backlog.
const CONNECTS_AT_ONCE: usize = 256;
/// How long one round may wait for every subscriber.
const ROUND_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between rounds, so that each alert goes out on a quiet server.
const ROUND_GAP: Duration = Duration::from_millis(200);
/// How long writes run before the first round, so that the rounds meet them going.
const WRITES_WARM_UP: Duration = Duration::from_secs(1);
/// The longest writes may run, whatever is left: the commands were signed at the start and
/// expire after 600 s.
const WRITES_S_MAX: u64 = 480;

/// Signed commands to send at a fixed rate while the alerts are timed.
pub struct Writes {
    pub endpoint: Endpoint,
    pub bodies: Arc<Vec<Bytes>>,
    pub rate: u32,
    pub connections_max: usize,
}

/// What the writes beside the alerts did.
pub struct WritesReport {
    pub rate: u32,
    pub signed_count: usize,
    pub outcome: Outcome,
    /// Whether the signed commands ran out before the last round ended.
    pub ran_out: bool,
}

/// What the subscribers have seen, shared with the rounds.
struct Seen {
    subscribers: usize,
    /// The round whose alert subscribers are counting now.
    round: AtomicUsize,
    /// For each round: subscribers that read its alert, and when the last one did.
    received: Vec<AtomicUsize>,
    first_at: Vec<Mutex<Option<Instant>>>,
    last_at: Vec<Mutex<Option<Instant>>>,
}

pub struct FanoutReport {
    pub subscribers: usize,
    pub connect: Duration,
    /// Per completed round: (from send, from acknowledgement) until the last subscriber.
    pub rounds: Vec<(Duration, Duration)>,
    /// Per completed round: from send until the first subscriber.
    pub firsts: Vec<Duration>,
    /// CPU seconds the server and this client used over all the rounds.
    pub server_cpu_s: Option<f64>,
    pub client_cpu_s: Option<f64>,
    /// From the first round's start to the last round's end.
    pub rounds_wall: Duration,
    pub missed_rounds: usize,
    pub writes: Option<WritesReport>,
}

impl FanoutReport {
    fn quantile_ms(values: &mut [f64], q: f64) -> f64 {
        if values.is_empty() {
            return f64::NAN;
        }
        values.sort_by(f64::total_cmp);
        let idx = ((values.len() as f64 - 1.0) * q).round() as usize;
        values[idx]
    }

    pub fn print(&self) {
        let mut from_send: Vec<f64> = self.rounds.iter().map(|r| r.0.as_secs_f64() * 1000.0).collect();
        let mut from_ack: Vec<f64> = self.rounds.iter().map(|r| r.1.as_secs_f64() * 1000.0).collect();
        let mut first: Vec<f64> = self.firsts.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        println!("subscribers:           {}", self.subscribers);
        println!("connected in:          {:.1} s", self.connect.as_secs_f64());
        println!("rounds completed:      {} ({} missed)", self.rounds.len(), self.missed_rounds);
        let lines = [
            ("to the first, from send", &mut first),
            ("to all, from send", &mut from_send),
            ("to all, from acknowledgement", &mut from_ack),
        ];
        for (label, values) in lines {
            println!(
                "alert {label:<29} p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
                Self::quantile_ms(values, 0.5),
                Self::quantile_ms(values, 0.99),
                Self::quantile_ms(values, 1.0),
            );
        }
        let per_round = |cpu_s: Option<f64>| match cpu_s {
            Some(s) => format!("{:.1} ms", s * 1000.0 / (self.rounds.len() + self.missed_rounds).max(1) as f64),
            None => "unknown".to_owned(),
        };
        let cores = |cpu_s: Option<f64>| match cpu_s {
            Some(s) => format!("{:.2}", s / self.rounds_wall.as_secs_f64().max(f64::MIN_POSITIVE)),
            None => "unknown".to_owned(),
        };
        match &self.writes {
            None => println!(
                "CPU per alert:         server {}, this client {} (sums over all cores)",
                per_round(self.server_cpu_s),
                per_round(self.client_cpu_s)
            ),
            Some(writes) => {
                // The writes' CPU is in these figures too: per alert they would say little.
                println!(
                    "CPU during the rounds: server {} cores, this client {} cores (alerts and writes)",
                    cores(self.server_cpu_s),
                    cores(self.client_cpu_s)
                );
                writes.print();
            }
        }
        println!("bar: every subscriber within 200 ms (docs/design.md section 9)");
    }
}

impl WritesReport {
    fn print(&self) {
        let outcome = &self.outcome;
        let wall_s = outcome.wall().as_secs_f64();
        let accepted = outcome.accepted_count();
        let per_s = if wall_s > 0.0 { accepted as f64 / wall_s } else { 0.0 };
        println!(
            "writes:                open loop at {}/s: {accepted} accepted of {} sent in {wall_s:.1} s = {per_s:.0}/s; \
             {} errors{}",
            self.rate,
            outcome.sent_count,
            outcome.errors_count(),
            if outcome.not_sent_count > 0 {
                format!(", {} not sent (client in-flight cap)", outcome.not_sent_count)
            } else {
                String::new()
            }
        );
        println!(
            "write latency          p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms (from when each was due)",
            outcome.latency_ms(0.5),
            outcome.latency_ms(0.99),
            outcome.latency_ms(1.0)
        );
        if self.ran_out {
            println!(
                "writes ran out:        all {} signed commands were sent before the last round; raise --requests",
                self.signed_count
            );
        }
    }
}

/// Runs the measurement against the server at `base_url` whose operator is `operator`,
/// with `writes` going in beside the alerts, if given.
///
/// # Errors
/// A connection cannot be opened, or a setup command is refused.
pub async fn run(
    base_url: &str,
    operator: &Operator,
    subscribers: usize,
    rounds: usize,
    server_pid: Option<&str>,
    writes: Option<Writes>,
) -> anyhow::Result<FanoutReport> {
    let address = base_url.strip_prefix("http://").ok_or_else(|| anyhow!("{base_url} is not an http:// URL"))?;
    let address = address.trim_end_matches('/').to_owned();
    let http = reqwest::Client::new();
    let coordinator = register_coordinator(&http, base_url, operator).await?;

    let seen = Arc::new(Seen {
        subscribers,
        round: AtomicUsize::new(usize::MAX),
        received: (0..rounds).map(|_| AtomicUsize::new(0)).collect(),
        first_at: (0..rounds).map(|_| Mutex::new(None)).collect(),
        last_at: (0..rounds).map(|_| Mutex::new(None)).collect(),
    });
    eprintln!("opening {subscribers} event streams");
    let connect_start = Instant::now();
    let opening = Arc::new(Semaphore::new(CONNECTS_AT_ONCE));
    let mut opened = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        let permit = Arc::clone(&opening).acquire_owned().await.context("the connect limiter closed")?;
        let address = address.clone();
        let seen = Arc::clone(&seen);
        opened.push(tokio::spawn(async move {
            let stream = open_stream(&address, None).await;
            drop(permit);
            let stream = stream?;
            Ok::<_, anyhow::Error>(tokio::spawn(subscribe(stream, seen)))
        }));
    }
    let mut readers = Vec::with_capacity(subscribers);
    for task in opened {
        readers.push(task.await.context("a connecting task failed")??);
    }
    let connect = connect_start.elapsed();

    let mut report = FanoutReport {
        subscribers,
        connect,
        rounds: Vec::new(),
        firsts: Vec::new(),
        missed_rounds: 0,
        server_cpu_s: None,
        client_cpu_s: None,
        rounds_wall: Duration::ZERO,
        writes: None,
    };
    let stop_writes = Arc::new(AtomicBool::new(false));
    let writing = writes.map(|writes| {
        eprintln!("writing at {}/s beside the alerts", writes.rate);
        let signed_count = writes.bodies.len();
        let task = tokio::spawn(drive::open_loop(
            writes.endpoint,
            writes.bodies,
            writes.rate,
            writes.connections_max,
            Instant::now() + Duration::from_secs(WRITES_S_MAX),
            Arc::clone(&stop_writes),
        ));
        (writes.rate, signed_count, task)
    });
    if writing.is_some() {
        tokio::time::sleep(WRITES_WARM_UP).await;
    }
    let server_before = server_pid.and_then(cpu::sample);
    let client_before = cpu::sample("self");
    let rounds_start = Instant::now();
    for round in 0..rounds {
        tokio::time::sleep(ROUND_GAP).await;
        seen.round.store(round, Ordering::SeqCst);
        let body = coordinator.proposal(round)?;
        let sent = Instant::now();
        let reply = http.post(format!("{base_url}/api/v1/commands")).json(&body).send().await?;
        let acknowledged = Instant::now();
        if !reply.status().is_success() {
            bail!("round {round}: the proposal was refused: {}", reply.text().await.unwrap_or_default());
        }
        let deadline = sent + ROUND_TIMEOUT;
        while seen.received[round].load(Ordering::SeqCst) < subscribers && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        match *seen.last_at[round].lock() {
            Some(last) if seen.received[round].load(Ordering::SeqCst) == subscribers => {
                report.rounds.push((last - sent, last.saturating_duration_since(acknowledged)));
                let first = seen.first_at[round].lock().unwrap_or(last);
                report.firsts.push(first.saturating_duration_since(sent));
            }
            _ => report.missed_rounds += 1,
        }
    }
    report.rounds_wall = rounds_start.elapsed();
    report.server_cpu_s = server_before.zip(server_pid.and_then(cpu::sample)).map(|(a, b)| a.until(&b).total_s);
    report.client_cpu_s = client_before.zip(cpu::sample("self")).map(|(a, b)| a.until(&b).total_s);
    if let Some((rate, signed_count, task)) = writing {
        // Still sending when the rounds ended, unless every signed command had gone out.
        let ran_out = task.is_finished();
        stop_writes.store(true, Ordering::Relaxed);
        let outcome = task.await.context("the writing task failed")?;
        report.writes = Some(WritesReport { rate, signed_count, outcome, ran_out });
    }
    for reader in readers {
        reader.abort();
    }
    Ok(report)
}

/// Opens one event stream (resumed after `last_event_id`, if given) and reads past the
/// response head.
pub(crate) async fn open_stream(address: &str, last_event_id: Option<&str>) -> anyhow::Result<TcpStream> {
    let mut stream = TcpStream::connect(address).await.with_context(|| format!("connecting to {address}"))?;
    let resume = last_event_id.map_or_else(String::new, |id| format!("Last-Event-ID: {id}\r\n"));
    let request =
        format!("GET /api/v1/stream HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n{resume}\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            bail!("the server closed a stream before answering");
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    if !head.starts_with("HTTP/1.1 200") {
        bail!("the stream was refused: {}", head.lines().next().unwrap_or_default());
    }
    Ok(stream)
}

/// Reads events until aborted, counting each `id:` line towards the current round.
async fn subscribe(mut stream: TcpStream, seen: Arc<Seen>) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // An alert's event carries one `id:` line; chunk framing is ignored, and an id line
        // split across two reads is counted by neither, so the round shows as missed.
        let ids = buffer[..n].windows(4).filter(|w| w == b"\nid:").count();
        if ids == 0 {
            continue;
        }
        let round = seen.round.load(Ordering::SeqCst);
        let Some(received) = seen.received.get(round) else {
            continue;
        };
        let now = Instant::now();
        // The subscribers that open and complete the round set its times.
        let before = received.fetch_add(ids, Ordering::SeqCst);
        if before == 0 {
            *seen.first_at[round].lock() = Some(now);
        }
        if before + ids == seen.subscribers {
            *seen.last_at[round].lock() = Some(now);
        }
    }
}

/// The coordinator that proposes, with its party.
pub(crate) struct Coordinator {
    account_id: String,
    party_id: String,
    key: SecretKey,
    run_tag: String,
}

impl Coordinator {
    /// A signed proposal of a new agreement: it raises one public alert.
    pub(crate) fn proposal(&self, round: usize) -> anyhow::Result<Value> {
        let body = json!({
            "type": "propose_agreement",
            "agreement_id": uuid::Uuid::now_v7().to_string(),
            "title": format!("Fan-out round {round}"),
            "terms": {"signatories": [self.party_id]},
        });
        signed(&self.key, &self.account_id, Some(&self.party_id), body, &format!("fanout-{}-{round}", self.run_tag))
    }
}

fn signed(key: &SecretKey, author: &str, party: Option<&str>, body: Value, nonce: &str) -> anyhow::Result<Value> {
    let command = json!({
        "party": party,
        "author": author,
        "issued_at": Timestamp::from_datetime(chrono::Utc::now()).to_string(),
        "nonce": nonce,
        "body": body,
    });
    let signature = sign_command(key, &command).map_err(|err| anyhow!("signing: {err}"))?;
    Ok(json!({"command": command, "signer": key.public_key().to_base64(), "signature": signature.to_base64()}))
}

pub(crate) async fn register_coordinator(
    http: &reqwest::Client,
    base_url: &str,
    operator: &Operator,
) -> anyhow::Result<Coordinator> {
    let run_tag = uuid::Uuid::now_v7().simple().to_string()[20..].to_owned();
    let key = SecretKey::generate(&mut rand::rngs::OsRng);
    let coordinator = Coordinator {
        account_id: uuid::Uuid::now_v7().to_string(),
        party_id: uuid::Uuid::now_v7().to_string(),
        key,
        run_tag,
    };
    let register_party = json!({
        "type": "register_party", "party_id": coordinator.party_id, "code": format!("F{}", coordinator.run_tag),
        "name": "Fan-out test party", "kind": "state",
    });
    let register_account = json!({
        "type": "register_account", "account_id": coordinator.account_id, "party_id": coordinator.party_id,
        "name": "Fan-out coordinator", "roles": ["coordinator"], "public_key": coordinator.key.public_key().to_base64(),
    });
    for (idx, body) in [register_party, register_account].into_iter().enumerate() {
        let nonce = format!("fanout-setup-{}-{idx}", coordinator.run_tag);
        let command = signed(&operator.key, &operator.account_id, None, body, &nonce)?;
        let reply = http.post(format!("{base_url}/api/v1/commands")).json(&command).send().await?;
        if !reply.status().is_success() {
            bail!("setting up the coordinator was refused: {}", reply.text().await.unwrap_or_default());
        }
    }
    Ok(coordinator)
}
