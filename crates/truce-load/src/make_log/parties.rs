//! `truce-load --extend DIR --entries N`: grows a data directory made by `--make-log` to N
//! entries with `register_party` commands signed by its operator, for measuring proofs through
//! HTTP in a log of 10,000,000 entries (docs/performance.md, "Proofs") without telling nine
//! million more stories at a few hundred entries per second.
//!
//! The proofs' cost depends on the tree's size, not on what the entries say; the realistic
//! entries already in the directory keep the rest of the server honest (its projection, its
//! snapshot). Every added entry is still a real command: signed, checked as the server checks
//! it, decided and committed by the same writer as behind `truce serve`. Chunks are signed on
//! two threads while the writer takes the chunk before.

use std::{path::Path, time::Instant};

use anyhow::{anyhow, bail, Context as _};
use truce_core::Timestamp;
use truce_ledger::sign_command;
use truce_store::Submission;

use super::{finish, on_signing_threads, open_node, wait_replies, OperatorSigner, Reply};
use crate::commands::register_party;

/// Commands signed and sent together: enough to keep the writer's batches full, and at most
/// half the writer's queue, so that a chunk and the one before fit in it at once.
const CHUNK_LEN: usize = truce_store::QUEUE_DEPTH_MAX / 2;

/// Adds `register_party` entries to the log in `dir` until it holds `entries_count`, saves a
/// snapshot and prints the log's size on disk per entry.
///
/// # Errors
/// `dir` is not a data directory, already holds `entries_count` entries or more, or the store
/// refuses a command (named with its index).
pub fn extend(dir: &Path, entries_count: usize) -> anyhow::Result<()> {
    if !dir.join("truce.db").exists() {
        bail!("{} holds no truce.db; --extend grows a data directory made by --make-log or truce init", dir.display());
    }
    let started = Instant::now();
    let (node, operator) = open_node(dir)?;
    // One snapshot, at the end: one taken while writing would hold a second copy of the whole
    // projection (gigabytes at these sizes) until it is written.
    node.set_snapshot_every(None);
    let opened_s = started.elapsed().as_secs_f64();
    let size_before = usize::try_from(node.read_tree(|tree| tree.len())).context("the log's size")?;
    if size_before >= entries_count {
        bail!("{} already holds {size_before} entries; --entries must be larger", dir.display());
    }
    eprintln!("opened {} ({size_before} entries) in {opened_s:.1} s", dir.display());
    // A tag per run keeps codes and nonces unique when a directory is extended twice.
    let run_tag = uuid::Uuid::now_v7().simple().to_string();
    let run_tag = &run_tag[run_tag.len() - 8..];
    let adding = entries_count - size_before;
    let mut next_idx = 0;
    let mut in_flight: Option<Vec<Reply>> = None;
    let mut last_report = Instant::now();
    let adding_started = Instant::now();
    while next_idx < adding || in_flight.is_some() {
        let next = match adding - next_idx {
            0 => None,
            left => {
                let chunk = signed_chunk(&operator, run_tag, next_idx, left.min(CHUNK_LEN))?;
                Some(chunk)
            }
        };
        if let Some(replies) = in_flight.take() {
            wait_replies(&format!("the chunk before entry {}", size_before + next_idx), replies)?;
        }
        if let Some(chunk) = next {
            next_idx += chunk.len();
            in_flight = Some(chunk.into_iter().map(|submission| node.submit(submission)).collect());
        }
        if last_report.elapsed().as_secs() >= 10 {
            let rate = next_idx as f64 / adding_started.elapsed().as_secs_f64();
            eprintln!("{} of {entries_count} entries sent, {rate:.0}/s", size_before + next_idx);
            last_report = Instant::now();
        }
    }
    let added_s = adding_started.elapsed().as_secs_f64();
    finish(node, dir, entries_count, |_| {
        println!("added {adding} register_party entries in {added_s:.1} s ({:.0} entries/s)", adding as f64 / added_s);
    })
}

/// `count` `register_party` commands by the operator, from index `first_idx` of this run,
/// signed and checked as the server checks them (`Submission::verify`) on the signing threads.
fn signed_chunk(
    operator: &OperatorSigner,
    run_tag: &str,
    first_idx: usize,
    count: usize,
) -> anyhow::Result<Vec<Submission>> {
    let issued_at = Timestamp::from_datetime(chrono::Utc::now()).to_string();
    let author = operator.account_id.to_string();
    let indexes: Vec<usize> = (first_idx..first_idx + count).collect();
    on_signing_threads(&indexes, |&idx| sign_party(operator, &author, &issued_at, run_tag, idx))
}

fn sign_party(
    operator: &OperatorSigner,
    author: &str,
    issued_at: &str,
    run_tag: &str,
    idx: usize,
) -> anyhow::Result<Submission> {
    let nonce = format!("extend-{run_tag}-{idx:010}");
    let command = register_party(author, issued_at, &nonce, &format!("X{run_tag}{idx}"));
    let signature = sign_command(&operator.key, &command).map_err(|err| anyhow!("signing: {err}"))?;
    Submission::verify(command, operator.key.public_key(), signature)
        .map_err(|err: truce_store::SubmissionError| anyhow!("register_party {idx}: {err}"))
}
