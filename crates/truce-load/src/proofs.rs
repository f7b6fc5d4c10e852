//! `--proofs N`: inclusion and consistency proofs through HTTP, each timed from request to the
//! whole reply read, and each checked against the roots it names before it counts, so a fast
//! wrong answer cannot pass.
//!
//! Half the proofs are inclusion proofs of a random entry (in the current tree, or in a tree
//! of a random older size), half consistency proofs between two random sizes. `--concurrency`
//! connections ask back to back (closed loop), on kept-alive HTTP/1.1 connections as the read
//! load makes them (`reads::get`). The proof's own cost in a tree of 10,000,000
//! leaves is measured apart, without HTTP, by `cargo bench -p truce-ledger --bench proofs`.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context as _};
use bytes::Bytes;
use http_body_util::Empty;
use hyper::client::conn::http1;
use parking_lot::Mutex;
use rand::{rngs::StdRng, Rng as _, SeedableRng as _};
use serde_json::Value;
use truce_ledger::{verify_consistency, verify_inclusion, Hash};

use crate::{
    cpu::{self, CpuUse},
    drive::{quantile_ms, Endpoint},
    reads,
};

/// What a proof run saw.
pub struct ProofsReport {
    pub tree_size: u64,
    pub inclusion_us: Vec<u64>,
    pub consistency_us: Vec<u64>,
    pub wall: Duration,
    pub server_cpu: Option<CpuUse>,
    pub machine_busy_s: Option<f64>,
}

/// Asks `count` proofs of the log of `tree_size` entries at `base_url` over `concurrency`
/// connections; fails on the first reply that is not a 200 or does not verify.
pub async fn run(
    base_url: &str,
    tree_size: u64,
    count: usize,
    concurrency: usize,
    pid: Option<&str>,
) -> anyhow::Result<ProofsReport> {
    if tree_size < 2 {
        bail!("the log has {tree_size} entries; proofs need at least 2 (send some commands first)");
    }
    let endpoint = Endpoint::parse(base_url, "/")?;
    let timings = Arc::new(Mutex::new((Vec::with_capacity(count / 2 + 1), Vec::with_capacity(count / 2 + 1))));
    let server_cpu_before = pid.and_then(cpu::sample);
    let machine_busy_before = cpu::machine_busy_ticks();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        // Each connection asks its share, the first ones one more when it does not divide.
        let share = count / concurrency + usize::from(worker < count % concurrency);
        let (endpoint, timings) = (endpoint.clone(), Arc::clone(&timings));
        tasks.spawn(async move {
            let mut rng = StdRng::seed_from_u64(worker as u64);
            let mut connection = None;
            for i in 0..share {
                if i % 2 == 0 {
                    let took = inclusion(&endpoint, &mut connection, tree_size, &mut rng).await?;
                    timings.lock().0.push(took);
                } else {
                    let took = consistency(&endpoint, &mut connection, tree_size, &mut rng).await?;
                    timings.lock().1.push(took);
                }
            }
            anyhow::Ok(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.context("a proof task panicked")??;
    }
    let wall = started.elapsed();
    let server_cpu = server_cpu_before.zip(pid.and_then(cpu::sample)).map(|(a, b)| a.until(&b));
    let machine_busy_s = machine_busy_before
        .zip(cpu::machine_busy_ticks())
        .map(|(before, after)| cpu::ticks_to_s(after.saturating_sub(before)));
    let (inclusion_us, consistency_us) = std::mem::take(&mut *timings.lock());
    Ok(ProofsReport { tree_size, inclusion_us, consistency_us, wall, server_cpu, machine_busy_s })
}

/// A random size at most `tree_size`, the current one half the time.
fn some_size(rng: &mut StdRng, tree_size: u64) -> u64 {
    if rng.gen_bool(0.5) {
        tree_size
    } else {
        rng.gen_range(2..=tree_size)
    }
}

/// A connection kept alive between one worker's proofs.
type Connection = Option<http1::SendRequest<Empty<Bytes>>>;

/// GETs `path` and reads its JSON reply; with the time from the request to the whole reply.
async fn get(endpoint: &Endpoint, connection: &mut Connection, path: &str) -> anyhow::Result<(Value, u64)> {
    let started = Instant::now();
    let body = reads::get(endpoint, connection, path, false).await.map_err(|err| anyhow!("GET {path}: {err}"))?;
    let took_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    Ok((serde_json::from_slice(&body).with_context(|| format!("the reply to {path} is not JSON"))?, took_us))
}

fn hash_at(value: &Value, field: &str) -> anyhow::Result<Hash> {
    let text = value.get(field).and_then(Value::as_str).with_context(|| format!("`{field}` is missing"))?;
    hash_of(text).with_context(|| format!("`{field}`"))
}

fn hash_of(text: &str) -> anyhow::Result<Hash> {
    let bytes = hex::decode(text).context("not hexadecimal")?;
    Hash::try_from(bytes.as_slice()).ok().context("not 32 bytes")
}

fn proof_of(value: &Value) -> anyhow::Result<Vec<Hash>> {
    let items = value.get("proof").and_then(Value::as_array).context("`proof` is missing")?;
    items.iter().map(|item| item.as_str().context("`proof` holds a non-string").and_then(hash_of)).collect()
}

async fn inclusion(
    endpoint: &Endpoint,
    connection: &mut Connection,
    tree_size: u64,
    rng: &mut StdRng,
) -> anyhow::Result<u64> {
    let size = some_size(rng, tree_size);
    let seq = rng.gen_range(0..size);
    let url = format!("/api/v1/ledger/proof/inclusion?seq={seq}&size={size}");
    let (reply, took_us) = get(endpoint, connection, &url).await?;
    let checked =
        verify_inclusion(&hash_at(&reply, "leaf_hash")?, seq, size, &proof_of(&reply)?, &hash_at(&reply, "root_hash")?);
    checked.with_context(|| format!("the inclusion proof of {url} does not verify"))?;
    Ok(took_us)
}

async fn consistency(
    endpoint: &Endpoint,
    connection: &mut Connection,
    tree_size: u64,
    rng: &mut StdRng,
) -> anyhow::Result<u64> {
    let to = some_size(rng, tree_size);
    let from = rng.gen_range(1..=to);
    let url = format!("/api/v1/ledger/proof/consistency?from={from}&to={to}");
    let (reply, took_us) = get(endpoint, connection, &url).await?;
    let (old_root, new_root) = (hash_at(&reply, "from_root_hash")?, hash_at(&reply, "to_root_hash")?);
    let checked = verify_consistency(from, to, &old_root, &new_root, &proof_of(&reply)?);
    checked.with_context(|| format!("the consistency proof of {url} does not verify"))?;
    Ok(took_us)
}

impl ProofsReport {
    pub fn print(&self) {
        let wall_s = self.wall.as_secs_f64();
        let count = self.inclusion_us.len() + self.consistency_us.len();
        println!();
        println!("==================== truce-load proofs ====================");
        println!("tree size              {}", self.tree_size);
        println!(
            "proofs                 {count} in {wall_s:.3} s = {:.0} per second, every one verified",
            count as f64 / wall_s
        );
        for (label, us) in [("inclusion", &self.inclusion_us), ("consistency", &self.consistency_us)] {
            println!(
                "{label:<22} {} proofs, ms p50 {:.3}  p99 {:.3}  max {:.3}",
                us.len(),
                quantile_ms(us, 0.5),
                quantile_ms(us, 0.99),
                quantile_ms(us, 1.0)
            );
        }
        if let Some(cpu) = &self.server_cpu {
            println!(
                "server CPU             {:.2} s = {:.2} cores, {:.0} us per proof",
                cpu.total_s,
                cpu.total_s / wall_s,
                cpu.total_s * 1e6 / count as f64
            );
        }
        if let Some(machine_s) = self.machine_busy_s {
            println!(
                "machine CPU            {machine_s:.2} s = {:.2} cores (all processes, this client included)",
                machine_s / wall_s
            );
        }
        let p99_ms = quantile_ms(&self.inclusion_us, 0.99).max(quantile_ms(&self.consistency_us, 0.99));
        println!("goal                   p99 < 1 ms: {}", if p99_ms < 1.0 { "met" } else { "NOT met" });
        println!("===========================================================");
    }
}
