//! One log and its single writer.
//!
//! The writer is a dedicated OS thread that owns the SQLite connection. It takes every
//! queued submission at once (group commit, up to `BATCH_ENTRIES_MAX`), decides each one
//! against the projection in order, writes the accepted ones in one transaction, and only
//! then replies. If that transaction fails the in-memory projection is ahead of the disk,
//! so the process stops at once (fail-stop) and the next start rebuilds from the log.
//!
//! Readers share the projection (`State`) and the Merkle tree behind read-write locks; they
//! never touch the writer's connection.
//!
//! The latest signed checkpoint is also kept outside the database, in a file of its own
//! (`NodeConfig::checkpoint_path`), saved after each batch commits and before it is served.
//! The save and the replies are a second thread's (`writer.rs`, `Receipts`), so that the
//! writer commits the next batch while the last one's checkpoint is being saved; when it
//! falls behind, it saves only the latest of the checkpoints waiting, which extends the others
//! (all of one tree), before their receipts are sent.
//! A log is opened only if its tree extends that checkpoint: one cut short at its tail, or
//! swapped for another, is refused and named, never signed again at a smaller size (which
//! would fork the log for everyone who saw the checkpoint).
//!
//! Reading as known at a record time (`Node::state_known_at`): acceptance times only move
//! forward along the log, so what was recorded by an instant is a prefix of the log, and the
//! state known then is the fold of that prefix. The acceptance time of every durable entry is
//! kept in memory, in seq order, to find the prefix by bisection; a prefix that is not the
//! whole log is folded again from the stored entries on a read connection of its own, outside
//! every lock the writer takes, starting from the nearest shorter prefix in a small cache.
//!
//! The writer is `writer.rs`; replaying stored entries into the projection (at start, for a
//! past prefix, after a refused batch) is `replay.rs`; reads as known at a record time are
//! `known.rs`.

mod known;
mod replay;
mod snapshot;
mod writer;

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        mpsc::{self, SyncSender, TrySendError},
        Arc,
    },
    thread,
};

use parking_lot::{Mutex, RwLock};
use serde_json::Value;
use tokio::sync::{broadcast, oneshot};
use truce_core::{Command, DomainError, Event, ParseError, State, Timestamp, Warning};
use truce_ledger::{
    verify_canonical_command, Canonical, Hash, LeafHashes, LogKey, MerkleTree, ProofError, PublicKey, Signature,
};

use crate::{
    error::StoreError,
    log::{Log, LogLeaves},
    sealing::{create_sealing_identity, read_sealing_identity, Sealer},
    sqlite::{SqliteLog, StoredEntry},
};

pub use self::snapshot::SNAPSHOT_EVERY_ENTRIES;
pub use self::{
    known::KnownState,
    replay::{context_of, decode_entry, save_checkpoint},
};
use self::{
    known::{KnownView, PastStates},
    replay::{check_extends_saved, check_origin, fold_stored, replay, replay_from, sign_checkpoint},
    writer::{Receipts, Writer},
};

/// Submissions written in one transaction at the most.
pub const BATCH_ENTRIES_MAX: usize = 1024;

/// The node's Merkle tree keeps every level from this height up; below it, only the
/// subtrees of its latest `TREE_RECENT_LEAVES` to twice as many leaves, and a proof or tile
/// that needs an older one reads its 32 leaf hashes back from the log's covering index
/// (`Log::leaf_hashes`). Two hashes a leaf held in memory become a sixteenth of one (the
/// levels from height 5 up): 64 MB at a million entries became 2 MB, 640 MB at ten million
/// 20 MB, and the recent leaves' subtrees about 1 MB more (docs/performance.md).
pub const TREE_SHED_BELOW: u32 = 5;
/// See `TREE_SHED_BELOW`: the leaves whose every subtree the tree keeps, at least.
pub const TREE_RECENT_LEAVES: u64 = 8192;

/// Submissions in one chain (`Node::submit_chain`) at the most.
pub const CHAIN_LEN_MAX: usize = 256;

// A batch's receipts prove its entries against the tree just grown, without reading back.
// The writer takes requests while its batch holds fewer than `BATCH_ENTRIES_MAX`
// submissions, and the last request taken may be a whole chain.
const _: () = assert!((BATCH_ENTRIES_MAX + CHAIN_LEN_MAX) as u64 <= TREE_RECENT_LEAVES);

/// The empty tree of a node (`TREE_SHED_BELOW`).
pub(crate) fn node_tree() -> MerkleTree {
    MerkleTree::shedding(TREE_SHED_BELOW, TREE_RECENT_LEAVES)
}
/// Submissions waiting for the writer at the most; past it, `submit` answers `Busy`.
pub const QUEUE_DEPTH_MAX: usize = 16_384;
/// Committed batches waiting for their checkpoint's save and their receipts, at the most;
/// past it the writer waits before committing more.
pub const RECEIPTS_BATCHES_MAX: usize = 64;
/// Accepted entries buffered for live subscribers; a slower one misses entries.
pub const BROADCAST_DEPTH_MAX: usize = 4_096;
/// States of past prefixes of the log kept for reads as known at a record time. Each is a
/// whole `State`, so the bound is small; a read of a prefix not kept folds from the longest
/// kept prefix shorter than it.
pub const KNOWN_AT_STATES_CACHED_MAX: usize = 4;

/// The names of the metrics the writer records (`Node::set_recorder`), for the server to
/// describe them.
pub mod metric {
    /// Counter: commands the writer took, by `outcome`: `accepted` (durable), `refused`
    /// (decided against), `unavailable` (storage refused their batch).
    pub const COMMANDS: &str = "truce_commands_total";
    /// Histogram: entries per committed batch (group commit).
    pub const BATCH_ENTRIES: &str = "truce_write_batch_entries";
    /// Histogram: time to make a batch durable: the transaction and the checkpoint's save.
    pub const COMMIT_SECONDS: &str = "truce_write_commit_seconds";
    /// Histogram: time to decide and apply one accepted command, by `kind`; for
    /// `report_incident` and `correct_incident` this is, above all, the matcher's.
    pub const DECIDE_SECONDS: &str = "truce_command_decide_seconds";
}

/// Where acceptance times come from. `decide` never reads a clock; the writer does.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(chrono::Utc::now())
    }
}

pub struct NodeConfig {
    /// The SQLite file of the log.
    pub path: PathBuf,
    /// The file the latest signed checkpoint is saved to, outside the database, so that a
    /// database cut short or replaced is caught at the next start.
    pub checkpoint_path: PathBuf,
    pub log_key: LogKey,
    /// The file of the server's sealing identity (an age X25519 identity) that confidential
    /// entries are encrypted to and opened with; `Node::create` makes it.
    pub sealing_key_path: PathBuf,
    /// The checkpoint origin line, e.g. `truce.example/aleppo`.
    pub origin: String,
    pub clock: Arc<dyn Clock>,
}

/// A command whose signature has been verified and whose content has been parsed.
///
/// The only way to make one is `Submission::verify`, so holding one proves both.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The command as sent, with the canonical text its signature covers: the text its
    /// entry holds, so it is canonicalized once.
    command_value: Canonical,
    command: Command,
    signer: PublicKey,
    signature: Signature,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    #[error("the signature does not verify for this command and key")]
    BadSignature,
    /// The command does not parse: the path of the first bad field, and why.
    #[error("command field {0}")]
    Invalid(ParseError),
}

impl Submission {
    /// Checks the signature over the command as sent, then parses it.
    ///
    /// # Errors
    /// `BadSignature`, or `Invalid` naming the field that does not parse.
    pub fn verify(
        command_value: Value,
        signer: PublicKey,
        signature: Signature,
    ) -> Result<Submission, SubmissionError> {
        // A value that has no canonical form has no valid signature either.
        let Ok(command_value) = Canonical::new(command_value) else {
            return Err(SubmissionError::BadSignature);
        };
        if verify_canonical_command(&signer, &command_value, &signature).is_err() {
            return Err(SubmissionError::BadSignature);
        }
        let command = Command::from_json(command_value.value()).map_err(SubmissionError::Invalid)?;
        Ok(Submission { command_value, command, signer, signature })
    }

    pub fn command(&self) -> &Command {
        &self.command
    }
}

/// What a writer tells the submitter once the entry is durable.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub seq: u64,
    pub leaf_hash: Hash,
    pub accepted_at: Timestamp,
    pub events: Vec<Event>,
    /// Whether the entry was written sealed: its public text holds none of the command.
    pub sealed: bool,
    /// The tree the inclusion proof is against: the one right after the entry's batch.
    pub tree_size: u64,
    pub root: Hash,
    pub inclusion_proof: Vec<Hash>,
    pub checkpoint: String,
    /// What the command says that looks wrong (`truce_core::warnings`), read on the state it
    /// was decided on; not part of the entry.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("the entry cannot be encoded: {0}")]
    Encoding(String),
    #[error("the writer queue is full; try again shortly")]
    Busy,
    #[error("the writer has stopped")]
    Stopped,
    /// In a chain (`Node::submit_chain`), after a refused submission: not decided.
    #[error("not tried: a command before it in the same chain was refused")]
    NotTried,
    /// Storage refuses writes for now (a full disk, a read-only database): nothing of the
    /// batch was written; reads go on, and a later submission is tried afresh.
    #[error("the log cannot be written now: {cause}")]
    Unavailable { cause: &'static str },
}

/// An accepted entry, as live subscribers see it.
#[derive(Debug, Clone)]
pub struct AcceptedEntry {
    pub seq: u64,
    pub accepted_at: Timestamp,
    pub command: Command,
    pub events: Vec<Event>,
    pub leaf_hash: Hash,
    /// Whether the entry was written sealed (`Receipt::sealed`).
    pub sealed: bool,
}

/// What the writer's queue holds: a submission on its own, or a chain of them.
enum Request {
    One(Queued),
    /// Decided in this order, with nothing between them, up to the first refused: those
    /// after it are answered `SubmitError::NotTried`, never decided. One message on the
    /// queue, so a chain is queued whole or not at all, and taken into one batch whole.
    Chain(Vec<Queued>),
}

impl Request {
    /// The submissions it holds.
    fn len(&self) -> usize {
        match self {
            Request::One(_) => 1,
            Request::Chain(chain) => chain.len(),
        }
    }
}

struct Queued {
    /// Boxed: the queue's channel sets out all its `QUEUE_DEPTH_MAX` slots when it is made,
    /// and a submission held in each would take 13 MB of memory for an empty queue.
    submission: Box<Submission>,
    reply: oneshot::Sender<Result<Receipt, SubmitError>>,
}

const _: () = assert!(std::mem::size_of::<Request>() <= 24);

/// The projection the writer advances, with the acceptance time of the last entry in it.
/// Shared (`Arc`) so that a long read, an export, can keep a snapshot without holding the
/// lock: the writer copies the state on its next write only while such a snapshot is held
/// (`Arc::make_mut`), and never otherwise.
struct Live {
    state: Arc<State>,
    last_accepted_at: Option<Timestamp>,
}

impl Live {
    /// Whether nothing in the live state was recorded after `known_at`.
    fn known_by(&self, known_at: Timestamp) -> bool {
        self.last_accepted_at.is_none_or(|last| last <= known_at)
    }
}

struct Shared {
    live: RwLock<Live>,
    tree: RwLock<MerkleTree>,
    checkpoint: RwLock<String>,
    reader: Mutex<Box<dyn Log>>,
    /// The acceptance time of every durable entry, indexed by seq. Held as `Timestamp`
    /// rather than as milliseconds: acceptance times carry the clock's full precision, and
    /// an instant rounded to the millisecond would misplace entries accepted within the
    /// millisecond of `known_at`. Pushed only once an entry's batch has committed, so every
    /// prefix it names can be read back from the file.
    accepted_ats: RwLock<Vec<Timestamp>>,
    /// The connection past prefixes are folded from; held for the whole fold, so concurrent
    /// folds take turns (and the second finds the first one's result in the cache).
    replayer: Mutex<Box<dyn Log>>,
    past_states: Mutex<PastStates>,
    log_key: LogKey,
    sealer: Sealer,
    origin: String,
    checkpoint_path: PathBuf,
    accepted: broadcast::Sender<Arc<AcceptedEntry>>,
    /// The log's size limit in bytes, `SIZE_UNLIMITED` for none; applied by the writer.
    size_max: AtomicU64,
    /// Why the last batch could not be written (storage full or read-only), until a batch
    /// is written again: what `/readyz` reports.
    writes_refused: Mutex<Option<&'static str>>,
    /// Submissions queued and not yet taken by the writer (`Node::queue_depth`).
    queued: AtomicUsize,
    /// Where the writer records its metrics (`Node::set_recorder`), if anywhere.
    recorder: RwLock<Option<Arc<dyn metrics::Recorder + Send + Sync>>>,
    /// The projection snapshot's file (`snapshot.rs`), beside the log.
    snapshot_path: PathBuf,
    /// The tree size of the latest snapshot saved or restored (0: none).
    snapshot_size: AtomicU64,
    /// Whether a snapshot is being written, so that at most one is.
    snapshotting: AtomicBool,
    /// Entries written between two snapshots taken while writing, at the least
    /// (`Node::set_snapshot_every`); `SNAPSHOTS_NEVER`: none.
    snapshot_every: AtomicU64,
}

/// What a snapshot is written from: the projection, its tree size and root and its
/// acceptance times, all of the same entries.
struct Capture {
    state: Arc<State>,
    tree_size: u64,
    root: Hash,
    accepted_ats: Vec<Timestamp>,
}

impl Shared {
    /// Takes what a snapshot needs. The writer advances the projection, the tree and the
    /// acceptance times one after the other, so they are taken again until they agree (at
    /// once, from the writer itself between batches).
    fn capture(&self) -> Capture {
        loop {
            let state = Arc::clone(&self.live.read().state);
            let (tree_size, root) = {
                let tree = self.tree.read();
                (tree.len(), tree.root())
            };
            let accepted_ats = self.accepted_ats.read().clone();
            if state.entries_count == tree_size && accepted_ats.len() as u64 == tree_size {
                return Capture { state, tree_size, root, accepted_ats };
            }
            thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Writes `capture` as the snapshot, unless the latest one is of the same tree size.
    /// The caller holds `snapshotting`.
    fn save_snapshot(&self, capture: Capture) -> Result<(), StoreError> {
        if capture.tree_size == self.snapshot_size.load(Ordering::Acquire) {
            return Ok(());
        }
        let Capture { state, tree_size, root, accepted_ats } = capture;
        snapshot::save(&self.snapshot_path, &self.sealer.identity, &state, &accepted_ats, tree_size, root)
            .map_err(|source| StoreError::SnapshotSave { path: self.snapshot_path.clone(), source })?;
        self.snapshot_size.store(tree_size, Ordering::Release);
        Ok(())
    }
}

/// `Shared::size_max` when the log has no size limit.
const SIZE_UNLIMITED: u64 = 0;

/// A handle on one log: submit commands, read the projection, the tree and the entries.
#[derive(Clone)]
pub struct Node {
    shared: Arc<Shared>,
    sender: SyncSender<Request>,
}

impl Node {
    /// Opens an existing log, rebuilds the projection and the tree from it, checks that the
    /// tree extends the saved checkpoint, and starts the writer.
    ///
    /// # Errors
    /// The log is missing or empty, it does not extend the saved checkpoint (`CutShort`,
    /// `Replaced`), the checkpoint is missing or not signed by the log key (see
    /// `StoreError::log_refusal`); the file cannot be opened, or an entry in it is corrupt
    /// (named by its seq).
    pub fn open(config: NodeConfig) -> Result<Node, StoreError> {
        check_origin(&config.origin)?;
        if !config.path.exists() {
            return Err(StoreError::Missing { path: config.path });
        }
        let log: Box<dyn Log> = Box::new(SqliteLog::open(&config.path)?);
        // A missing or unreadable key is named when a sealed entry needs it, or else once
        // the log is known to be whole: the writer cannot seal without it.
        let sealer = read_sealing_identity(&config.sealing_key_path)
            .map(|identity| Sealer { identity, path: config.sealing_key_path.clone() });
        let snapshot_path = snapshot::snapshot_path(&config.path);
        let restored = match &sealer {
            Ok(sealer) => snapshot::restore(&snapshot_path, &sealer.identity, log.as_ref()),
            Err(_) if !snapshot_path.exists() => Ok(None),
            Err(_) => Err("the sealing key, which it is checked with, cannot be read".to_owned()),
        };
        let (replayed, snapshot_size) = match restored {
            Ok(Some(restored)) => {
                let size = restored.tree.len();
                let from = (restored.state, restored.tree, restored.accepted_ats);
                (replay_from(log.as_ref(), sealer.as_ref(), from)?, size)
            }
            Ok(None) => (replay(log.as_ref(), sealer.as_ref())?, 0),
            Err(why) => {
                let path = snapshot_path.display();
                tracing::warn!(%path, %why, "the projection snapshot is not used: replaying the whole log");
                (replay(log.as_ref(), sealer.as_ref())?, 0)
            }
        };
        if replayed.1.is_empty() {
            return Err(StoreError::Empty { path: config.path });
        }
        check_extends_saved(&config.checkpoint_path, &config.log_key, &replayed.1, log.as_ref())?;
        Node::start(config, sealer?, log, replayed, snapshot_size)
    }

    /// Creates a new, empty log (for its genesis entry, which only `truce init` writes) and
    /// starts the writer.
    ///
    /// Makes the sealing identity too, at `NodeConfig::sealing_key_path`.
    ///
    /// # Errors
    /// The log, its checkpoint file or its sealing key already exists, or cannot be created.
    pub fn create(config: NodeConfig) -> Result<Node, StoreError> {
        check_origin(&config.origin)?;
        if config.checkpoint_path.exists() {
            let path = config.checkpoint_path.display();
            return Err(StoreError::Config(format!("{path} already exists: it belongs to another log")));
        }
        if config.path.exists() {
            return Err(StoreError::Config(format!("{} already exists", config.path.display())));
        }
        let sealer = Sealer {
            identity: create_sealing_identity(&config.sealing_key_path)?,
            path: config.sealing_key_path.clone(),
        };
        let log: Box<dyn Log> = Box::new(SqliteLog::create(&config.path)?);
        let replayed = (State::default(), node_tree(), Vec::new());
        Node::start(config, sealer, log, replayed, 0)
    }

    fn start(
        config: NodeConfig,
        sealer: Sealer,
        log: Box<dyn Log>,
        (state, tree, accepted_ats): (State, MerkleTree, Vec<Timestamp>),
        snapshot_size: u64,
    ) -> Result<Node, StoreError> {
        let last_accepted_at = accepted_ats.last().copied();
        let reader: Box<dyn Log> = Box::new(SqliteLog::open(&config.path)?);
        let replayer: Box<dyn Log> = Box::new(SqliteLog::open(&config.path)?);
        let (accepted, _) = broadcast::channel(BROADCAST_DEPTH_MAX);
        // The same tree signs to the same note, so a restart saves what was saved, or (after
        // a crash between a commit and its save) a checkpoint that extends it.
        let checkpoint = sign_checkpoint(&config.log_key, &config.origin, &tree);
        save_checkpoint(&config.checkpoint_path, &checkpoint)
            .map_err(|source| StoreError::CheckpointSave { path: config.checkpoint_path.clone(), source })?;
        let shared = Arc::new(Shared {
            live: RwLock::new(Live { state: Arc::new(state), last_accepted_at }),
            tree: RwLock::new(tree),
            checkpoint: RwLock::new(checkpoint),
            reader: Mutex::new(reader),
            accepted_ats: RwLock::new(accepted_ats),
            replayer: Mutex::new(replayer),
            past_states: Mutex::new(PastStates::default()),
            log_key: config.log_key,
            sealer,
            origin: config.origin,
            checkpoint_path: config.checkpoint_path,
            accepted,
            size_max: AtomicU64::new(SIZE_UNLIMITED),
            writes_refused: Mutex::new(None),
            queued: AtomicUsize::new(0),
            recorder: RwLock::new(None),
            snapshot_path: snapshot::snapshot_path(&config.path),
            snapshot_size: AtomicU64::new(snapshot_size),
            snapshotting: AtomicBool::new(false),
            snapshot_every: AtomicU64::new(SNAPSHOT_EVERY_ENTRIES),
        });
        let (sender, receiver) = mpsc::sync_channel(QUEUE_DEPTH_MAX);
        let (receipts_sender, receipts_receiver) = mpsc::sync_channel(RECEIPTS_BATCHES_MAX);
        let receipts = Receipts { shared: Arc::clone(&shared) };
        thread::Builder::new()
            .name("truce-receipts".to_owned())
            .spawn(move || receipts.run(receipts_receiver))
            .map_err(|err| StoreError::Config(format!("cannot start the receipts thread: {err}")))?;
        let writer = Writer {
            shared: Arc::clone(&shared),
            log,
            clock: config.clock,
            last_accepted_at,
            size_max_applied: 0,
            receipts: receipts_sender,
        };
        thread::Builder::new()
            .name("truce-writer".to_owned())
            .spawn(move || writer.run(receiver))
            .map_err(|err| StoreError::Config(format!("cannot start the writer thread: {err}")))?;
        Ok(Node { shared, sender })
    }

    /// Saves a projection snapshot now, unless the latest one is of the same tree size: what
    /// a clean stop does, so that the next start folds nothing. Waits for a snapshot being
    /// written in the background to finish first.
    ///
    /// # Errors
    /// The snapshot cannot be written (the previous one, if any, is left in place).
    pub fn save_snapshot(&self) -> Result<(), StoreError> {
        while self.shared.snapshotting.swap(true, Ordering::AcqRel) {
            thread::sleep(std::time::Duration::from_millis(10));
        }
        let saved = self.shared.save_snapshot(self.shared.capture());
        self.shared.snapshotting.store(false, Ordering::Release);
        saved
    }

    /// Takes a projection snapshot in the background every `entries` entries written at the
    /// least (`SNAPSHOT_EVERY_ENTRIES` unless set; a tenth of the log apart once that is more;
    /// `None`: only when asked, `Node::save_snapshot`).
    /// While one is written the writer advances a copy of the whole projection of its own, so
    /// a bulk load of a large log (`truce-load --extend`) leaves them out to stay within one
    /// copy's memory, and saves one at the end.
    pub fn set_snapshot_every(&self, entries: Option<u64>) {
        self.shared.snapshot_every.store(entries.unwrap_or(snapshot::SNAPSHOTS_NEVER), Ordering::Release);
    }

    /// Limits the log's database to about `bytes` (`None`: no limit), from the next batch on.
    /// A batch that would grow it past the limit is refused with `SubmitError::Unavailable`,
    /// as on a full disk, while reads go on: so an operator keeps room on the disk for the
    /// rest of the system, and raising the limit (or freeing space) lets writes in again.
    pub fn set_size_max(&self, bytes: Option<u64>) {
        // A limit of 0 bytes is kept as 1, which no log fits, rather than as "no limit".
        let stored = bytes.map_or(SIZE_UNLIMITED, |bytes| bytes.max(1));
        self.shared.size_max.store(stored, Ordering::Release);
    }

    /// Why writes are refused for now (the last batch met a full disk, the size limit or a
    /// read-only database), or `None` once a batch has been written since (or none failed).
    pub fn writes_refused(&self) -> Option<&'static str> {
        *self.shared.writes_refused.lock()
    }

    /// Queues a submission; the receiver resolves once its batch is durable or refused.
    pub fn submit(&self, submission: Submission) -> oneshot::Receiver<Result<Receipt, SubmitError>> {
        let (reply, receiver) = oneshot::channel();
        self.queue(Request::One(Queued { submission: Box::new(submission), reply }));
        receiver
    }

    /// Queues submissions to be decided in this order, with no other between them, up to the
    /// first refused: those after it are answered `SubmitError::NotTried`. All of them are
    /// queued or none (`Busy`), and all go into one batch, so they become durable together,
    /// or are all refused together when storage refuses the batch. One receiver each, in
    /// order.
    ///
    /// # Panics
    /// With more than `CHAIN_LEN_MAX` submissions (the caller bounds what it takes).
    pub fn submit_chain(&self, submissions: Vec<Submission>) -> Vec<oneshot::Receiver<Result<Receipt, SubmitError>>> {
        assert!(submissions.len() <= CHAIN_LEN_MAX, "a chain of {} submissions", submissions.len());
        let (chain, receivers) = submissions
            .into_iter()
            .map(|submission| {
                let (reply, receiver) = oneshot::channel();
                (Queued { submission: Box::new(submission), reply }, receiver)
            })
            .unzip();
        self.queue(Request::Chain(chain));
        receivers
    }

    /// Sends `request` to the writer, or answers each of its submissions with why not.
    fn queue(&self, request: Request) {
        let count = request.len();
        // Counted before it is sent, so that the writer never takes one not yet counted.
        self.shared.queued.fetch_add(count, Ordering::AcqRel);
        let (request, err): (Request, fn() -> SubmitError) = match self.sender.try_send(request) {
            Ok(()) => return,
            Err(TrySendError::Full(request)) => (request, || SubmitError::Busy),
            Err(TrySendError::Disconnected(request)) => (request, || SubmitError::Stopped),
        };
        self.shared.queued.fetch_sub(count, Ordering::AcqRel);
        let replies = match request {
            Request::One(queued) => vec![queued.reply],
            Request::Chain(chain) => chain.into_iter().map(|queued| queued.reply).collect(),
        };
        for reply in replies {
            let _ = reply.send(Err(err()));
        }
    }

    /// Submissions queued for the writer and not yet taken into a batch.
    pub fn queue_depth(&self) -> usize {
        self.shared.queued.load(Ordering::Acquire)
    }

    /// Records the writer's metrics (commands by outcome, batch sizes, commit latency, the
    /// time to decide each command by kind) to `recorder` from the next batch on, through
    /// the `metrics` crate's facade. A recorder of the caller's rather than the process's
    /// global one, so that several nodes in one process (tests) keep their counts apart.
    pub fn set_recorder(&self, recorder: Arc<dyn metrics::Recorder + Send + Sync>) {
        *self.shared.recorder.write() = Some(recorder);
    }

    /// Runs `read` with the projection locked for reading.
    pub fn read_state<T>(&self, read: impl FnOnce(&State) -> T) -> T {
        read(&self.shared.live.read().state)
    }

    /// Runs `read` on the projection as known at the record time `known_at`: the fold of
    /// the entries accepted at or before it. That is the live projection (read under its
    /// lock, not copied) when no entry in it was accepted after `known_at`; otherwise a
    /// past state, folded from the log (see `state_known_at`).
    ///
    /// # Errors
    /// The stored entries cannot be read back, or one is corrupt (named by its seq).
    pub fn read_state_known_at<T>(&self, known_at: Timestamp, read: impl FnOnce(&State) -> T) -> Result<T, StoreError> {
        {
            let live = self.shared.live.read();
            if live.known_by(known_at) {
                return Ok(read(&live.state));
            }
        }
        let past = self.past_state(known_at)?;
        Ok(read(&past))
    }

    /// The projection as known at `known_at`, to be read later (`KnownState::read`). What
    /// may take long, folding a past prefix of the log, is done here, so that a caller on
    /// an async runtime can do it on a blocking thread and read without blocking.
    ///
    /// # Errors
    /// The stored entries cannot be read back, or one is corrupt (named by its seq).
    pub fn state_known_at(&self, known_at: Timestamp) -> Result<KnownState, StoreError> {
        if self.shared.live.read().known_by(known_at) {
            return Ok(KnownState { node: self.clone(), view: KnownView::LiveBy(known_at) });
        }
        Ok(KnownState { node: self.clone(), view: KnownView::Past(self.past_state(known_at)?) })
    }

    /// The live projection as it stands now, kept whole for as long as the caller holds it
    /// (the writer goes on with a copy of its own).
    pub fn snapshot(&self) -> Arc<State> {
        Arc::clone(&self.shared.live.read().state)
    }

    /// The projection with everything recorded so far, whenever it is read.
    pub fn latest_state(&self) -> KnownState {
        KnownState { node: self.clone(), view: KnownView::Latest }
    }

    /// The fold of the durable entries accepted at or before `known_at`; empty before the
    /// first. From the cache when this prefix is kept, else folded on the replayer
    /// connection from the longest kept prefix shorter than it. Takes no lock the writer
    /// takes for longer than a bisection, so the writer never waits for a fold. An entry the
    /// writer has applied but whose batch has not yet committed is not in it: it is not
    /// recorded until it is durable.
    fn past_state(&self, known_at: Timestamp) -> Result<Arc<State>, StoreError> {
        let entries_count = self.shared.accepted_ats.read().partition_point(|at| *at <= known_at) as u64;
        if entries_count == 0 {
            return Ok(Arc::new(State::default()));
        }
        if let Some(state) = self.shared.past_states.lock().get(entries_count) {
            return Ok(state);
        }
        let replayer = self.shared.replayer.lock();
        // Another reader may have folded this prefix while this one waited for its turn.
        let base = {
            let mut past_states = self.shared.past_states.lock();
            if let Some(state) = past_states.get(entries_count) {
                return Ok(state);
            }
            past_states.longest_before(entries_count)
        };
        let mut state = base.map_or_else(State::default, |base| State::clone(&base));
        fold_stored(replayer.as_ref(), Ok(&self.shared.sealer), &mut state, entries_count, |_, _, _| {})?;
        drop(replayer);
        if state.entries_count != entries_count {
            let problem = "an entry accepted as durable cannot be read back".to_owned();
            return Err(StoreError::Corrupt { seq: state.entries_count, problem });
        }
        let state = Arc::new(state);
        self.shared.past_states.lock().insert(entries_count, Arc::clone(&state));
        Ok(state)
    }

    /// Runs `read` with the Merkle tree locked for reading.
    pub fn read_tree<T>(&self, read: impl FnOnce(&MerkleTree) -> T) -> T {
        read(&self.shared.tree.read())
    }

    /// Where the tree reads back the leaves it let go of (`TREE_SHED_BELOW`): the log, through
    /// the reader's connection, for each query that needs them.
    pub fn leaves(&self) -> impl LeafHashes + '_ {
        NodeLeaves(self)
    }

    /// The latest signed checkpoint note.
    pub fn checkpoint(&self) -> String {
        self.shared.checkpoint.read().clone()
    }

    pub fn origin(&self) -> &str {
        &self.shared.origin
    }

    /// The log's verifier key in C2SP form (`name+hash+base64`).
    pub fn verifier_key(&self) -> String {
        self.shared.log_key.verifier_key()
    }

    /// Up to `limit` stored entries from `from_seq` on.
    ///
    /// # Errors
    /// Database errors.
    pub fn entries(&self, from_seq: u64, limit: u32) -> Result<Vec<StoredEntry>, StoreError> {
        self.shared.reader.lock().entries(from_seq, limit)
    }

    /// Live feed of accepted entries, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<AcceptedEntry>> {
        self.shared.accepted.subscribe()
    }
}

/// The log as the node's tree reads it back, one query at a time, through the reader.
struct NodeLeaves<'a>(&'a Node);

impl LeafHashes for NodeLeaves<'_> {
    fn leaf_hashes(&self, start: u64, count: u64) -> Result<Vec<Hash>, ProofError> {
        LogLeaves(self.0.shared.reader.lock().as_ref()).leaf_hashes(start, count)
    }
}
