//! Memory per resumed event stream (docs/design.md section 9, the live bar): a stream resumed
//! with `Last-Event-ID: 0.0` must not hold the whole alert backlog.
//!
//! It raises a backlog of public alerts (proposals of new agreements, one alert each, sent
//! `SENDS_AT_ONCE` at a time so that they share batches), reads the server's resident memory
//! (`VmRSS` of `/proc/<pid>/status`), opens N event streams resumed from `0.0` whose clients
//! never read, waits until the server's memory stops growing, and reports the growth per
//! stream. The streams stay open until the server's memory is read, then are dropped.

use std::{
    fs,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context as _};
use tokio::{sync::Semaphore, task::JoinSet};

use crate::{
    commands::Operator,
    fanout::{open_stream, register_coordinator},
};

/// Proposals in flight at once while the backlog is raised.
const SENDS_AT_ONCE: usize = 32;
/// Streams being opened at once, below the server's listen backlog.
const CONNECTS_AT_ONCE: usize = 256;
/// How often the server's memory is read while it settles.
const SETTLE_SAMPLE: Duration = Duration::from_millis(500);
/// Settled: two readings in a row that grew by less than this, in KiB.
const SETTLED_GROWTH_KIB: u64 = 1024;
/// Longest wait for the memory to settle.
const SETTLE_MAX: Duration = Duration::from_secs(30);

pub struct BacklogReport {
    pub alerts: usize,
    pub streams: usize,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    pub settled_in: Duration,
}

impl BacklogReport {
    pub fn print(&self) {
        let growth_kib = self.rss_after_kib.saturating_sub(self.rss_before_kib);
        println!("backlog:               {} public alerts", self.alerts);
        println!("resumed streams:       {} from Last-Event-ID 0.0, never read", self.streams);
        println!("server RSS before:     {:.1} MiB", self.rss_before_kib as f64 / 1024.0);
        println!(
            "server RSS after:      {:.1} MiB (settled in {:.1} s)",
            self.rss_after_kib as f64 / 1024.0,
            self.settled_in.as_secs_f64()
        );
        println!("growth per stream:     {:.1} KiB", growth_kib as f64 / self.streams.max(1) as f64);
    }
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: &str) -> anyhow::Result<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).with_context(|| format!("reading process {pid}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS for process {pid}"))
}

/// Runs the measurement against the server at `base_url` (process `server_pid`) whose
/// operator is `operator`.
///
/// # Errors
/// A proposal is refused, a stream cannot be opened, or the server's memory cannot be read.
pub async fn run(
    base_url: &str,
    operator: &Operator,
    streams: usize,
    alerts: usize,
    server_pid: &str,
) -> anyhow::Result<BacklogReport> {
    let address = base_url.strip_prefix("http://").ok_or_else(|| anyhow!("{base_url} is not an http:// URL"))?;
    let address = address.trim_end_matches('/').to_owned();
    let http = reqwest::Client::new();
    let coordinator = Arc::new(register_coordinator(&http, base_url, operator).await?);

    eprintln!("raising {alerts} alerts");
    let sending = Arc::new(Semaphore::new(SENDS_AT_ONCE));
    let mut sends = JoinSet::new();
    for n in 0..alerts {
        let permit = Arc::clone(&sending).acquire_owned().await.context("the send limiter closed")?;
        let (http, coordinator, url) = (http.clone(), Arc::clone(&coordinator), format!("{base_url}/api/v1/commands"));
        sends.spawn(async move {
            let body = coordinator.proposal(n)?;
            let reply = http.post(url).json(&body).send().await?;
            drop(permit);
            if !reply.status().is_success() {
                bail!("proposal {n} was refused: {}", reply.text().await.unwrap_or_default());
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(sent) = sends.join_next().await {
        sent.context("a sending task failed")??;
    }

    let rss_before_kib = rss_kib(server_pid)?;
    eprintln!("opening {streams} event streams resumed from 0.0 that never read");
    let opening = Arc::new(Semaphore::new(CONNECTS_AT_ONCE));
    let mut opened = JoinSet::new();
    for _ in 0..streams {
        let permit = Arc::clone(&opening).acquire_owned().await.context("the connect limiter closed")?;
        let address = address.clone();
        opened.spawn(async move {
            let stream = open_stream(&address, Some("0.0")).await;
            drop(permit);
            stream
        });
    }
    // Held, never read, until the memory is read.
    let mut held = Vec::with_capacity(streams);
    while let Some(stream) = opened.join_next().await {
        held.push(stream.context("a connecting task failed")??);
    }
    let started = Instant::now();
    let mut last = rss_kib(server_pid)?;
    loop {
        tokio::time::sleep(SETTLE_SAMPLE).await;
        let now = rss_kib(server_pid)?;
        let settled = now.saturating_sub(last) < SETTLED_GROWTH_KIB;
        last = now;
        if settled || started.elapsed() > SETTLE_MAX {
            break;
        }
    }
    let report = BacklogReport { alerts, streams, rss_before_kib, rss_after_kib: last, settled_in: started.elapsed() };
    drop(held);
    Ok(report)
}
