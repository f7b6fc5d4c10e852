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

use std::{
    collections::VecDeque,
    fs,
    io::{self, Write as _},
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        mpsc::{self, Receiver, SyncSender, TrySendError},
        Arc,
    },
    thread,
};

use parking_lot::{Mutex, RwLock};
use serde_json::Value;
use tokio::sync::{broadcast, oneshot};
use truce_core::{
    decide, CodeHash, Command, CommandBody, Context, DomainError, Event, ParseError, PublicKeyText, State, Timestamp,
};
use truce_ledger::{
    leaf_hash_of, open_checkpoint, verify_command, Checkpoint, Entry, Hash, LogKey, MerkleTree, PublicKey, Signature,
};

use crate::{
    error::StoreError,
    sealing::{check_sealing, create_sealing_identity, read_back, read_sealing_identity, sealed_nonce_column, Sealer},
    sqlite::{SqliteLog, StoredEntry},
    SEALED_SIGNER_COLUMN,
};

/// Submissions written in one transaction at the most.
pub const BATCH_ENTRIES_MAX: usize = 1024;
/// Submissions waiting for the writer at the most; past it, `submit` answers `Busy`.
pub const QUEUE_DEPTH_MAX: usize = 16_384;
/// Accepted entries buffered for live subscribers; a slower one misses entries.
pub const BROADCAST_DEPTH_MAX: usize = 4_096;
/// States of past prefixes of the log kept for reads as known at a record time. Each is a
/// whole `State`, so the bound is small; a read of a prefix not kept folds from the longest
/// kept prefix shorter than it.
pub const KNOWN_AT_STATES_CACHED_MAX: usize = 4;

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
    command_value: Value,
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
        if verify_command(&signer, &command_value, &signature).is_err() {
            return Err(SubmissionError::BadSignature);
        }
        let command = Command::from_json(&command_value).map_err(SubmissionError::Invalid)?;
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

struct Request {
    submission: Submission,
    reply: oneshot::Sender<Result<Receipt, SubmitError>>,
}

/// The projection the writer advances, with the acceptance time of the last entry in it.
struct Live {
    state: State,
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
    reader: Mutex<SqliteLog>,
    /// The acceptance time of every durable entry, indexed by seq. Held as `Timestamp`
    /// rather than as milliseconds: acceptance times carry the clock's full precision, and
    /// an instant rounded to the millisecond would misplace entries accepted within the
    /// millisecond of `known_at`. Pushed only once an entry's batch has committed, so every
    /// prefix it names can be read back from the file.
    accepted_ats: RwLock<Vec<Timestamp>>,
    /// The connection past prefixes are folded from; held for the whole fold, so concurrent
    /// folds take turns (and the second finds the first one's result in the cache).
    replayer: Mutex<SqliteLog>,
    past_states: Mutex<PastStates>,
    log_key: LogKey,
    sealer: Sealer,
    origin: String,
    checkpoint_path: PathBuf,
    accepted: broadcast::Sender<Arc<AcceptedEntry>>,
    /// The log's size limit in bytes, `SIZE_UNLIMITED` for none; applied by the writer.
    size_max: AtomicU64,
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
        let log = SqliteLog::open(&config.path)?;
        // A missing or unreadable key is named when a sealed entry needs it, or else once
        // the log is known to be whole: the writer cannot seal without it.
        let sealer = read_sealing_identity(&config.sealing_key_path)
            .map(|identity| Sealer { identity, path: config.sealing_key_path.clone() });
        let replayed = replay(&log, sealer.as_ref())?;
        if replayed.1.is_empty() {
            return Err(StoreError::Empty { path: config.path });
        }
        check_extends_saved(&config.checkpoint_path, &config.log_key, &replayed.1)?;
        Node::start(config, sealer?, log, replayed)
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
        let log = SqliteLog::create(&config.path)?;
        let replayed = (State::default(), MerkleTree::new(), Vec::new());
        Node::start(config, sealer, log, replayed)
    }

    fn start(
        config: NodeConfig,
        sealer: Sealer,
        log: SqliteLog,
        (state, tree, accepted_ats): (State, MerkleTree, Vec<Timestamp>),
    ) -> Result<Node, StoreError> {
        let last_accepted_at = accepted_ats.last().copied();
        let reader = SqliteLog::open(&config.path)?;
        let replayer = SqliteLog::open(&config.path)?;
        let (accepted, _) = broadcast::channel(BROADCAST_DEPTH_MAX);
        // The same tree signs to the same note, so a restart saves what was saved, or (after
        // a crash between a commit and its save) a checkpoint that extends it.
        let checkpoint = sign_checkpoint(&config.log_key, &config.origin, &tree);
        save_checkpoint(&config.checkpoint_path, &checkpoint)
            .map_err(|source| StoreError::CheckpointSave { path: config.checkpoint_path.clone(), source })?;
        let shared = Arc::new(Shared {
            live: RwLock::new(Live { state, last_accepted_at }),
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
        });
        let (sender, receiver) = mpsc::sync_channel(QUEUE_DEPTH_MAX);
        let writer =
            Writer { shared: Arc::clone(&shared), log, clock: config.clock, last_accepted_at, size_max_applied: 0 };
        thread::Builder::new()
            .name("truce-writer".to_owned())
            .spawn(move || writer.run(receiver))
            .map_err(|err| StoreError::Config(format!("cannot start the writer thread: {err}")))?;
        Ok(Node { shared, sender })
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

    /// Queues a submission; the receiver resolves once its batch is durable or refused.
    pub fn submit(&self, submission: Submission) -> oneshot::Receiver<Result<Receipt, SubmitError>> {
        let (reply, receiver) = oneshot::channel();
        match self.sender.try_send(Request { submission, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(request)) => {
                let _ = request.reply.send(Err(SubmitError::Busy));
            }
            Err(TrySendError::Disconnected(request)) => {
                let _ = request.reply.send(Err(SubmitError::Stopped));
            }
        }
        receiver
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
        fold_stored(&replayer, Ok(&self.shared.sealer), &mut state, entries_count, |_, _, _| {})?;
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

/// The projection as known at a record time, made by `Node::state_known_at` or
/// `Node::latest_state`; cheap to clone and to keep.
#[derive(Clone)]
pub struct KnownState {
    node: Node,
    view: KnownView,
}

#[derive(Clone)]
enum KnownView {
    /// Everything recorded, as it stands when read.
    Latest,
    /// The live projection, which held nothing recorded after this instant when made.
    LiveBy(Timestamp),
    /// A past prefix of the log, folded.
    Past(Arc<State>),
}

impl KnownState {
    /// Runs `read` on the state. A live one is read under its lock; should the writer have
    /// added, since this was made, an entry accepted after the instant asked about, the
    /// past state is folded now instead (rare, and then this call can take long).
    ///
    /// # Errors
    /// Only from that fold: see `Node::read_state_known_at`.
    pub fn read<T>(&self, read: impl FnOnce(&State) -> T) -> Result<T, StoreError> {
        match &self.view {
            KnownView::Latest => Ok(self.node.read_state(read)),
            KnownView::LiveBy(known_at) => self.node.read_state_known_at(*known_at, read),
            KnownView::Past(state) => Ok(read(state)),
        }
    }
}

/// Folded prefixes of the log by entries count, least recently used first; at most
/// `KNOWN_AT_STATES_CACHED_MAX`.
#[derive(Default)]
struct PastStates {
    states: VecDeque<(u64, Arc<State>)>,
}

impl PastStates {
    fn get(&mut self, entries_count: u64) -> Option<Arc<State>> {
        let idx = self.states.iter().position(|(count, _)| *count == entries_count)?;
        let found = self.states.remove(idx)?;
        let state = Arc::clone(&found.1);
        self.states.push_back(found);
        Some(state)
    }

    /// The longest kept prefix shorter than `entries_count`, to fold on from.
    fn longest_before(&self, entries_count: u64) -> Option<Arc<State>> {
        let shorter = self.states.iter().filter(|(count, _)| *count < entries_count);
        shorter.max_by_key(|(count, _)| *count).map(|(_, state)| Arc::clone(state))
    }

    fn insert(&mut self, entries_count: u64, state: Arc<State>) {
        if self.states.iter().any(|(count, _)| *count == entries_count) {
            return;
        }
        if self.states.len() == KNOWN_AT_STATES_CACHED_MAX {
            self.states.pop_front();
        }
        self.states.push_back((entries_count, state));
    }
}

/// Rebuilds the projection and the tree, checking every stored leaf hash against its text
/// and opening sealed entries; with the acceptance time of every entry, by seq. Refuses a
/// log holding confidential entries written open, naming all of them.
fn replay(
    log: &SqliteLog,
    sealer: Result<&Sealer, &StoreError>,
) -> Result<(State, MerkleTree, Vec<Timestamp>), StoreError> {
    let mut state = State::default();
    let mut tree = MerkleTree::new();
    let mut accepted_ats = Vec::new();
    let mut unsealed = Vec::new();
    fold_stored(log, sealer, &mut state, u64::MAX, |stored, accepted_at, sealed_as_classified| {
        tree.push(stored.leaf_hash);
        accepted_ats.push(accepted_at);
        if !sealed_as_classified {
            unsealed.push(stored.seq);
        }
    })?;
    if !unsealed.is_empty() {
        return Err(StoreError::UnsealedConfidential { seqs: unsealed });
    }
    Ok((state, tree, accepted_ats))
}

/// Folds the stored entries from `state.entries_count` up to, not including, `until_seq`
/// (or the end of the log) into `state`, as the writer applied them: `State::apply` on the
/// events stored with each command, never `decide` again. Checks that seqs follow on and
/// that each stored leaf hash matches its text, and opens sealed entries; `visit` sees each
/// entry once applied, with its acceptance time and whether it was written sealed exactly
/// when the classification says it is confidential.
fn fold_stored(
    log: &SqliteLog,
    sealer: Result<&Sealer, &StoreError>,
    state: &mut State,
    until_seq: u64,
    mut visit: impl FnMut(&StoredEntry, Timestamp, bool),
) -> Result<(), StoreError> {
    log.for_each_entry_before(state.entries_count, until_seq, |stored| {
        let seq = stored.seq;
        let corrupt = |problem: String| StoreError::Corrupt { seq, problem };
        if seq != state.entries_count {
            return Err(corrupt(format!("expected seq {}", state.entries_count)));
        }
        if leaf_hash_of(&stored.text) != stored.leaf_hash {
            return Err(corrupt("the stored leaf hash does not match the entry text".to_owned()));
        }
        let read = read_back(sealer, seq, &stored.text)?;
        let (context, command, events) = decode_entry(&read.entry).map_err(corrupt)?;
        let sealed_as_classified = check_sealing(state, seq, &command, read.sealed_parties.as_deref())?;
        state.apply(&context, &command, &events);
        visit(&stored, context.accepted_at, sealed_as_classified);
        Ok(())
    })
}

/// The typed content of an entry, as the projection needs it.
///
/// # Errors
/// A plain sentence saying which part does not parse.
pub fn decode_entry(entry: &Entry) -> Result<(Context, Command, Vec<Event>), String> {
    let accepted_at = Timestamp::parse(entry.accepted_at()).map_err(|err| format!("accepted_at: {err}"))?;
    let signer = PublicKeyText::parse(&entry.signer().to_base64()).map_err(|err| format!("signer: {err}"))?;
    let command: Command =
        serde_json::from_value(entry.command().clone()).map_err(|err| format!("command does not parse: {err}"))?;
    let events: Vec<Event> =
        serde_json::from_value(entry.events().clone()).map_err(|err| format!("events do not parse: {err}"))?;
    Ok((context_of(entry.seq(), accepted_at, signer, &command), command, events))
}

/// What the projection knows of a command besides its content: its place, its acceptance
/// time, its verified signer, and the hash of an `enrol_key`'s code (core hashes nothing).
pub fn context_of(seq: u64, accepted_at: Timestamp, signer: PublicKeyText, command: &Command) -> Context {
    // Only one command carries a code; a `match` would list every other one to say so.
    let code_sha256 = if let CommandBody::EnrolKey { code } = &command.body {
        let hash = truce_ledger::enrolment_code_sha256(code.as_str());
        Some(CodeHash::parse(&hash).expect("SHA-256 in hexadecimal is 64 lowercase digits"))
    } else {
        None
    };
    Context { seq, accepted_at, signer, code_sha256 }
}

fn check_origin(origin: &str) -> Result<(), StoreError> {
    match Checkpoint::new(origin, 0, truce_ledger::EMPTY_ROOT) {
        Ok(_) => Ok(()),
        Err(err) => Err(StoreError::Config(format!("checkpoint origin {origin:?}: {err}"))),
    }
}

/// Checks that `tree` extends the checkpoint saved at `path`: it is at least as large, and
/// its root at the checkpoint's size is the checkpoint's root.
fn check_extends_saved(path: &Path, log_key: &LogKey, tree: &MerkleTree) -> Result<(), StoreError> {
    let invalid = |problem: String| StoreError::CheckpointInvalid { path: path.to_owned(), problem };
    let note = match fs::read_to_string(path) {
        Ok(note) => note,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Err(StoreError::CheckpointMissing { entries: tree.len(), path: path.to_owned() });
        }
        Err(err) => return Err(invalid(format!("it cannot be read: {err}"))),
    };
    let checkpoint = open_checkpoint(&note, &log_key.verifier())
        .map_err(|err| invalid(format!("it is not a checkpoint signed by the log key: {err}")))?;
    let (entries, size) = (tree.len(), checkpoint.size());
    if size > entries {
        return Err(StoreError::CutShort { entries, size, path: path.to_owned() });
    }
    let root = tree.root_at(size).map_err(|err| invalid(err.to_string()))?;
    if &root != checkpoint.root() {
        return Err(StoreError::Replaced { entries, size, path: path.to_owned() });
    }
    Ok(())
}

/// Saves `note` at `path` so that a crash leaves either the old note or the new one, whole:
/// written to a temporary file beside it, fsynced, renamed over it, and the directory
/// fsynced so that the rename itself is durable.
///
/// # Errors
/// Any I/O error; `path` then still holds the previous note.
pub fn save_checkpoint(path: &Path, note: &str) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp_name = path.file_name().ok_or_else(|| io::Error::other("the path names no file"))?.to_owned();
    temp_name.push(".tmp");
    let temp_path = dir.join(temp_name);
    let mut temp = fs::File::create(&temp_path)?;
    temp.write_all(note.as_bytes())?;
    temp.sync_all()?;
    drop(temp);
    fs::rename(&temp_path, path)?;
    // A directory is opened as a file to be fsynced on Unix; Windows has no such call, and
    // its rename (MoveFileEx) is made durable by the file system's own journal.
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn sign_checkpoint(log_key: &LogKey, origin: &str, tree: &MerkleTree) -> String {
    let checkpoint =
        Checkpoint::new(origin, tree.len(), tree.root()).expect("the origin was checked when the node opened");
    log_key.sign_checkpoint(&checkpoint)
}

struct Writer {
    shared: Arc<Shared>,
    log: SqliteLog,
    clock: Arc<dyn Clock>,
    last_accepted_at: Option<Timestamp>,
    /// The size limit last applied to the log's connection.
    size_max_applied: u64,
}

struct Pending {
    reply: oneshot::Sender<Result<Receipt, SubmitError>>,
    stored: StoredEntry,
    accepted: AcceptedEntry,
}

impl Writer {
    fn run(mut self, receiver: Receiver<Request>) {
        while let Ok(first) = receiver.recv() {
            let mut batch = vec![first];
            while batch.len() < BATCH_ENTRIES_MAX {
                match receiver.try_recv() {
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
            self.process(batch);
        }
    }

    /// Applies a size limit set since the last batch.
    fn apply_size_max(&mut self) {
        let size_max = self.shared.size_max.load(Ordering::Acquire);
        if size_max == self.size_max_applied {
            return;
        }
        match self.log.set_size_max((size_max != SIZE_UNLIMITED).then_some(size_max)) {
            Ok(()) => self.size_max_applied = size_max,
            Err(err) => tracing::error!(%err, "the log's size limit cannot be set"),
        }
    }

    fn next_accepted_at(&mut self) -> Timestamp {
        // Acceptance times never go backwards along the log, whatever the clock does.
        let now = self.clock.now();
        let at = match self.last_accepted_at {
            Some(last) if last > now => last,
            _ => now,
        };
        self.last_accepted_at = Some(at);
        at
    }

    fn process(&mut self, batch: Vec<Request>) {
        self.apply_size_max();
        let mut pending: Vec<Pending> = Vec::with_capacity(batch.len());
        {
            let shared = Arc::clone(&self.shared);
            let mut live = shared.live.write();
            for request in batch {
                let accepted_at = self.next_accepted_at();
                match encode(&live.state, accepted_at, &request.submission, &shared.sealer, &shared.log_key) {
                    Ok((stored, accepted, context)) => {
                        live.state.apply(&context, &request.submission.command, &accepted.events);
                        live.last_accepted_at = Some(accepted_at);
                        pending.push(Pending { reply: request.reply, stored, accepted });
                    }
                    Err(err) => {
                        let _ = request.reply.send(Err(err));
                    }
                }
            }
        }
        if pending.is_empty() {
            return;
        }
        // The tree stays write-locked until the batch is durable, so that no reader is ever
        // shown a tree size or root (in a proof) that a crash could still take back.
        let mut tree = self.shared.tree.write();
        for item in &pending {
            tree.push(item.stored.leaf_hash);
        }
        let checkpoint = sign_checkpoint(&self.shared.log_key, &self.shared.origin, &tree);
        let (tree_size, root) = (tree.len(), tree.root());
        let stored: Vec<StoredEntry> = pending.iter().map(|p| p.stored.clone()).collect();
        if let Err(err) = self.log.append(&stored, Some((tree_size, &checkpoint))) {
            // The projection and the tree already hold this batch, the disk does not.
            let Some(cause) = err.storage_unavailable() else {
                // The only safe move is to stop and let the next start replay what is durable.
                tracing::error!(%err, "writing a batch failed; stopping so that a restart rebuilds from the log");
                std::process::exit(70);
            };
            // Storage refuses for now (the transaction rolled back): take the batch back out
            // of the projection and the tree by replaying what is durable, refuse it, and go on
            // serving reads; the next batch is tried afresh.
            tracing::error!(%err, cause, "the batch cannot be written; refused, reads go on");
            let mut live = self.shared.live.write();
            match replay(&self.log, Ok(&self.shared.sealer)) {
                Ok((state, durable_tree, accepted_ats)) => {
                    assert_eq!(durable_tree.len(), tree_size - u64::try_from(pending.len()).expect("a batch is small"));
                    live.state = state;
                    live.last_accepted_at = accepted_ats.last().copied();
                    *tree = durable_tree;
                }
                Err(err) => {
                    tracing::error!(%err, "replaying the durable log failed; stopping");
                    std::process::exit(70);
                }
            }
            drop(live);
            drop(tree);
            for item in pending {
                let _ = item.reply.send(Err(SubmitError::Unavailable { cause }));
            }
            return;
        }
        // Saved before it is served: the next start refuses a log that does not extend it.
        if let Err(err) = save_checkpoint(&self.shared.checkpoint_path, &checkpoint) {
            // The batch is durable but its checkpoint is not saved, so it must not be served:
            // stop; the next start signs the durable tree again and saves that first.
            let path = self.shared.checkpoint_path.display();
            tracing::error!(%err, %path, "saving the checkpoint failed; stopping so that a restart saves it");
            std::process::exit(70);
        }
        drop(tree);
        *self.shared.checkpoint.write() = checkpoint.clone();
        // Durable now: reads as known at a record time may fold up to these entries.
        self.shared.accepted_ats.write().extend(pending.iter().map(|p| p.accepted.accepted_at));
        let tree = self.shared.tree.read();
        for item in pending {
            let proof =
                tree.inclusion_proof(item.stored.seq, tree_size).expect("the entry is in the tree just written");
            let receipt = Receipt {
                seq: item.stored.seq,
                leaf_hash: item.stored.leaf_hash,
                accepted_at: item.accepted.accepted_at,
                events: item.accepted.events.clone(),
                sealed: item.accepted.sealed,
                tree_size,
                root,
                inclusion_proof: proof,
                checkpoint: checkpoint.clone(),
            };
            let _ = item.reply.send(Ok(receipt));
            let _ = self.shared.accepted.send(Arc::new(item.accepted));
        }
    }
}

/// Decides the submission on the full state and makes its stored entry: its public text,
/// sealed when the command is confidential (decided on the same state).
fn encode(
    state: &State,
    accepted_at: Timestamp,
    submission: &Submission,
    sealer: &Sealer,
    log_key: &LogKey,
) -> Result<(StoredEntry, AcceptedEntry, Context), SubmitError> {
    let seq = state.entries_count;
    let signer = PublicKeyText::parse(&submission.signer.to_base64()).expect("a verified key encodes to 32 bytes");
    let context = context_of(seq, accepted_at, signer, &submission.command);
    let events = decide(state, &context, &submission.command)?;
    let events_value = serde_json::to_value(&events).map_err(|err| SubmitError::Encoding(err.to_string()))?;
    let entry = Entry::new(
        seq,
        &accepted_at.to_string(),
        submission.command_value.clone(),
        submission.signer,
        submission.signature,
        events_value,
    )
    .map_err(|err| SubmitError::Encoding(err.to_string()))?;
    // Pair assertion: what is written must read back as the same entry.
    debug_assert!(Entry::parse_canonical(entry.canonical_text()).is_ok(), "a fresh entry is canonical");
    let (text, sealed) =
        sealer.public_text(state, &submission.command, &entry, log_key).map_err(SubmitError::Encoding)?;
    let nonce = submission.command.nonce.as_str();
    let (signer_column, nonce_column) = match sealed {
        true => (SEALED_SIGNER_COLUMN.to_owned(), sealed_nonce_column(&submission.signer, nonce)),
        false => (submission.signer.to_base64(), nonce.to_owned()),
    };
    let stored = StoredEntry { seq, leaf_hash: leaf_hash_of(&text), signer: signer_column, nonce: nonce_column, text };
    let accepted = AcceptedEntry {
        seq,
        accepted_at,
        command: submission.command.clone(),
        events,
        leaf_hash: stored.leaf_hash,
        sealed,
    };
    Ok((stored, accepted, context))
}
