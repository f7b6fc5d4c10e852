//! `truce-load --make-log DIR --entries N`: a data directory that `truce serve` opens,
//! holding a log of N realistic entries, for measuring replay, `truce verify` and proofs at
//! scale (docs/performance.md, "Replay and verify").
//!
//! The log is a sequence of "worlds" (`world.rs`): each is the demo's story told again in
//! another place, with fresh ids, then a long tail of incidents and what monitors and
//! analysts record about them. Every entry is a real command, signed by its account's key
//! and accepted by the real store: the directory is made by `truce init` and the commands
//! go in-process through `Node::submit` (the same writer, `decide`, group commit and
//! checkpoint as behind `truce serve`, without HTTP, which would only be slower). Signing
//! and checking signatures run on two threads while the writer takes the previous world.
//!
//! It measures nothing but its own time and the log's size on disk.

mod parties;
mod world;

pub use self::parties::extend;

use std::{collections::BTreeMap, fs, path::Path, process::Command as Process, sync::Arc, thread, time::Instant};

use anyhow::{anyhow, bail, Context as _};
use rand::{rngs::StdRng, SeedableRng as _};
use serde_json::Value;
use tokio::sync::oneshot;
use truce_core::{
    matcher::ScopeGeometry,
    scenario::{Scenario, ScenarioStep, ALEPPO_2016_12_12_JSON, OPERATOR_HANDLE},
    synthetic::realistic,
    AccountId, Nonce, PublicKeyText, Timestamp,
};
use truce_ledger::{sign_command, LogKey, SecretKey};
use truce_store::{Node, NodeConfig, Receipt, Submission, SubmitError, SystemClock};

use self::world::{Shape, Shapes};

/// Tail steps per world: a world is the story (about 50 steps) and this many more.
const TAIL_PER_WORLD: usize = 2_000;
/// Roads and districts drawn from the realistic set, reused round robin by the worlds.
const SHAPES_COUNT: usize = 2_000;
/// The seed of the draws (shapes, the tail's mix, positions): a run is the same each time
/// but for ids, keys and acceptance times.
const SEED: u64 = 11;
/// Signing threads: the machine's two cores.
const SIGNING_THREADS: usize = 2;

type Reply = oneshot::Receiver<Result<Receipt, SubmitError>>;
/// A world's submissions sent to the writer: its index, and each step's handle, kind and reply.
type InFlight = (usize, Vec<(String, &'static str, Reply)>);

/// Makes the data directory `dir` (which must not exist) with `entries_count` entries, the
/// genesis entry of `truce init` included, and prints its size on disk per entry.
///
/// # Errors
/// `truce init` fails, the story cannot be told again, or the store refuses a command
/// (named with its world, step and kind).
pub fn make_log(truce: &Path, dir: &Path, entries_count: usize) -> anyhow::Result<()> {
    if dir.exists() {
        bail!("{} already exists; --make-log makes a new data directory", dir.display());
    }
    if entries_count < 2 {
        bail!("--entries must be at least 2: the genesis entry and one more");
    }
    let started = Instant::now();
    let output = Process::new(truce)
        .args(["init", "--data"])
        .arg(dir)
        .args(["--origin", "make-log.test/log"])
        .output()
        .with_context(|| format!("running {} init", truce.display()))?;
    if !output.status.success() {
        bail!("truce init failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let (node, operator) = open_node(dir)?;
    let story: Value = serde_json::from_str(ALEPPO_2016_12_12_JSON).context("the demo's story is not JSON")?;
    let shapes = shapes();
    let mut rng = StdRng::seed_from_u64(SEED);
    // The genesis entry is there already.
    let mut remaining = entries_count - 1;
    let mut in_flight: Option<InFlight> = None;
    let mut world_idx = 0;
    let mut last_report = Instant::now();
    while remaining > 0 || in_flight.is_some() {
        // Signed while the writer takes the world before it.
        let next = match remaining {
            0 => None,
            _ => {
                let scenario = world::world(&story, &shapes, world_idx, TAIL_PER_WORLD, &mut rng)?;
                let mut steps = signed_steps(&scenario, &operator, world_idx)?;
                steps.truncate(remaining);
                remaining -= steps.len();
                Some(steps)
            }
        };
        if let Some((done_idx, replies)) = in_flight.take() {
            wait_steps(done_idx, replies)?;
        }
        if let Some(steps) = next {
            let replies =
                steps.into_iter().map(|(handle, kind, submission)| (handle, kind, node.submit(submission))).collect();
            in_flight = Some((world_idx, replies));
            world_idx += 1;
        }
        if last_report.elapsed().as_secs() >= 10 {
            let written = entries_count - remaining;
            eprintln!("{written} entries signed, {:.0} s", started.elapsed().as_secs_f64());
            last_report = Instant::now();
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    finish(node, dir, entries_count, |tree_size| {
        println!(
            "made {} with {tree_size} entries in {elapsed:.1} s ({:.0} entries/s, {world_idx} worlds)",
            dir.display(),
            tree_size as f64 / elapsed
        );
    })
}

/// Saves a snapshot and closes `node`, then says what was `made` (given the log's size),
/// folds the WAL into `truce.db`, prints its size per entry, and checks that the log holds
/// `entries_count` entries.
fn finish(node: Node, dir: &Path, entries_count: usize, made: impl FnOnce(u64)) -> anyhow::Result<()> {
    let tree_size = node.read_tree(|tree| tree.len());
    let snapshot_started = Instant::now();
    node.save_snapshot()?;
    println!("projection snapshot saved in {:.1} s", snapshot_started.elapsed().as_secs_f64());
    drop(node);
    made(tree_size);
    let db_path = dir.join("truce.db");
    truce_store::fold_wal(&db_path)?;
    let bytes = fs::metadata(&db_path).with_context(|| format!("reading {}", db_path.display()))?.len();
    println!("truce.db: {bytes} bytes, {:.0} bytes per entry", bytes as f64 / tree_size as f64);
    if tree_size != entries_count as u64 {
        bail!("the log holds {tree_size} entries, not the {entries_count} asked for");
    }
    Ok(())
}

/// The operator's account and key, for the steps signed as `operator`.
struct OperatorSigner {
    account_id: AccountId,
    key: SecretKey,
}

fn open_node(dir: &Path) -> anyhow::Result<(Node, OperatorSigner)> {
    let config_path = dir.join("truce.json");
    let config: Value = serde_json::from_str(&fs::read_to_string(&config_path)?)
        .with_context(|| format!("{} is not JSON", config_path.display()))?;
    let origin = config["origin"].as_str().ok_or_else(|| anyhow!("{} has no origin", config_path.display()))?;
    let operator = crate::commands::Operator::read(dir)?;
    let account_id = AccountId::parse(&operator.account_id).map_err(|err| anyhow!("operator_account_id: {err}"))?;
    let log_key_text = fs::read_to_string(dir.join("log.key")).context("reading log.key")?;
    let log_secret = SecretKey::read_key_file(&log_key_text, None).map_err(|err| anyhow!("log.key: {err}"))?;
    let log_key = LogKey::new(origin, log_secret).map_err(|err| anyhow!("the log key: {err}"))?;
    let node = Node::open(NodeConfig {
        path: dir.join("truce.db"),
        checkpoint_path: dir.join("checkpoint"),
        log_key,
        sealing_key_path: dir.join("sealing.key"),
        origin: origin.to_owned(),
        clock: Arc::new(SystemClock),
    })?;
    Ok((node, OperatorSigner { account_id, key: operator.key }))
}

/// Roads and district outlines of the realistic set, as `[lon, lat]` lists.
fn shapes() -> Shapes {
    let synthetic = realistic::generate(SHAPES_COUNT, 0);
    let mut shapes = Shapes { roads: Vec::new(), districts: Vec::new() };
    for scope in &synthetic.scopes {
        match scope.geometry() {
            ScopeGeometry::Corridor { route, .. } => shapes.roads.push(lon_lats(route.positions())),
            ScopeGeometry::Zone { boundary } => shapes.districts.push(lon_lats(boundary.exterior())),
        }
    }
    shapes
}

fn lon_lats(positions: &[truce_core::Position]) -> Shape {
    positions.iter().map(|position| [position.lon(), position.lat()]).collect()
}

/// The commands of one world, each signed by its account (a fresh key per account) and
/// checked as the server checks it (`Submission::verify`), on `SIGNING_THREADS` threads.
fn signed_steps(
    scenario: &Value,
    operator: &OperatorSigner,
    world_idx: usize,
) -> anyhow::Result<Vec<(String, &'static str, Submission)>> {
    let text = serde_json::to_string(scenario)?;
    let scenario = Scenario::parse(&text).map_err(|err| anyhow!("world {world_idx}: {err}"))?;
    let mut keys: BTreeMap<String, SecretKey> = BTreeMap::new();
    keys.insert(OPERATOR_HANDLE.to_owned(), operator.key.clone());
    for account in &scenario.accounts {
        keys.insert(account.handle.clone(), SecretKey::generate(&mut rand::rngs::OsRng));
    }
    let public_keys: BTreeMap<String, PublicKeyText> = keys
        .iter()
        .map(|(handle, key)| {
            let text = PublicKeyText::parse(&key.public_key().to_base64()).expect("a public key is 32 bytes");
            (handle.clone(), text)
        })
        .collect();
    let steps = scenario
        .commands(&operator.account_id, &public_keys, || {
            Nonce::parse(&uuid::Uuid::now_v7().simple().to_string()).expect("32 hex digits are a nonce")
        })
        .map_err(|err| anyhow!("world {world_idx}: {err}"))?;
    let issued_at = Timestamp::from_datetime(chrono::Utc::now());
    on_signing_threads(&steps, |step| sign(step, &keys, issued_at))
}

/// `sign` of every item, in order, on `SIGNING_THREADS` threads (each a contiguous share);
/// the first error, in order, ends it.
fn on_signing_threads<T: Sync, R: Send>(
    items: &[T],
    sign: impl Fn(&T) -> anyhow::Result<R> + Sync,
) -> anyhow::Result<Vec<R>> {
    let chunk_len = items.len().div_ceil(SIGNING_THREADS).max(1);
    let sign = &sign;
    thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk_len)
            .map(|chunk| scope.spawn(move || chunk.iter().map(sign).collect::<Vec<_>>()))
            .collect();
        let mut signed = Vec::with_capacity(items.len());
        for worker in workers {
            for item in worker.join().expect("a signing thread does not panic") {
                signed.push(item?);
            }
        }
        Ok(signed)
    })
}

fn sign(
    step: &ScenarioStep,
    keys: &BTreeMap<String, SecretKey>,
    issued_at: Timestamp,
) -> anyhow::Result<(String, &'static str, Submission)> {
    let key = keys.get(&step.handle).ok_or_else(|| anyhow!("no key for {:?}", step.handle))?;
    let mut command = step.command.clone();
    command.issued_at = issued_at;
    let value = serde_json::to_value(&command)?;
    let signature = sign_command(key, &value).map_err(|err| anyhow!("signing: {err}"))?;
    let submission = Submission::verify(value, key.public_key(), signature)
        .map_err(|err| anyhow!("{} as {}: {err}", command.body.kind(), step.handle))?;
    Ok((step.handle.clone(), command.body.kind(), submission))
}

/// Waits for every reply of world `world_idx`; the first refusal ends the run.
fn wait_steps(world_idx: usize, replies: Vec<(String, &'static str, Reply)>) -> anyhow::Result<()> {
    for (step_idx, (handle, kind, reply)) in replies.into_iter().enumerate() {
        match reply.blocking_recv() {
            Ok(Ok(_receipt)) => {}
            Ok(Err(err)) => bail!("world {world_idx}, step {step_idx} ({kind} as {handle}) refused: {err}"),
            Err(_) => bail!("world {world_idx}, step {step_idx}: the writer stopped"),
        }
    }
    Ok(())
}

/// Waits for every reply of `what`; the first refusal ends the run.
fn wait_replies(what: &str, replies: Vec<Reply>) -> anyhow::Result<()> {
    for (idx, reply) in replies.into_iter().enumerate() {
        match reply.blocking_recv() {
            Ok(Ok(_receipt)) => {}
            Ok(Err(err)) => bail!("{what}, command {idx} refused: {err}"),
            Err(_) => bail!("{what}, command {idx}: the writer stopped"),
        }
    }
    Ok(())
}
