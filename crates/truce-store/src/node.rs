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

use std::{
    path::PathBuf,
    sync::{
        mpsc::{self, Receiver, SyncSender, TrySendError},
        Arc,
    },
    thread,
};

use parking_lot::{Mutex, RwLock};
use serde_json::Value;
use tokio::sync::{broadcast, oneshot};
use truce_core::{decide, Command, Context, DomainError, Event, ParseError, PublicKeyText, State, Timestamp};
use truce_ledger::{leaf_hash_of, verify_command, Checkpoint, Entry, Hash, LogKey, MerkleTree, PublicKey, Signature};

use crate::{
    error::StoreError,
    sqlite::{SqliteLog, StoredEntry},
};

/// Submissions written in one transaction at the most.
pub const BATCH_ENTRIES_MAX: usize = 1024;
/// Submissions waiting for the writer at the most; past it, `submit` answers `Busy`.
pub const QUEUE_DEPTH_MAX: usize = 16_384;
/// Accepted entries buffered for live subscribers; a slower one misses entries.
pub const BROADCAST_DEPTH_MAX: usize = 4_096;

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
    pub path: PathBuf,
    pub log_key: LogKey,
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
}

/// An accepted entry, as live subscribers see it.
#[derive(Debug, Clone)]
pub struct AcceptedEntry {
    pub seq: u64,
    pub accepted_at: Timestamp,
    pub command: Command,
    pub events: Vec<Event>,
    pub leaf_hash: Hash,
}

struct Request {
    submission: Submission,
    reply: oneshot::Sender<Result<Receipt, SubmitError>>,
}

struct Shared {
    state: RwLock<State>,
    tree: RwLock<MerkleTree>,
    checkpoint: RwLock<String>,
    reader: Mutex<SqliteLog>,
    log_key: LogKey,
    origin: String,
    accepted: broadcast::Sender<Arc<AcceptedEntry>>,
}

/// A handle on one log: submit commands, read the projection, the tree and the entries.
#[derive(Clone)]
pub struct Node {
    shared: Arc<Shared>,
    sender: SyncSender<Request>,
}

impl Node {
    /// Opens the log, rebuilds the projection and the tree from it, and starts the writer.
    ///
    /// # Errors
    /// The file cannot be opened, or an entry in it is corrupt (named by its seq).
    pub fn open(config: NodeConfig) -> Result<Node, StoreError> {
        if let Err(err) = Checkpoint::new(&config.origin, 0, truce_ledger::EMPTY_ROOT) {
            return Err(StoreError::Config(format!("checkpoint origin {:?}: {err}", config.origin)));
        }
        let log = SqliteLog::open(&config.path)?;
        let (state, tree, last_accepted_at) = replay(&log)?;
        let reader = SqliteLog::open(&config.path)?;
        let (accepted, _) = broadcast::channel(BROADCAST_DEPTH_MAX);
        let checkpoint = sign_checkpoint(&config.log_key, &config.origin, &tree);
        let shared = Arc::new(Shared {
            state: RwLock::new(state),
            tree: RwLock::new(tree),
            checkpoint: RwLock::new(checkpoint),
            reader: Mutex::new(reader),
            log_key: config.log_key,
            origin: config.origin,
            accepted,
        });
        let (sender, receiver) = mpsc::sync_channel(QUEUE_DEPTH_MAX);
        let writer = Writer { shared: Arc::clone(&shared), log, clock: config.clock, last_accepted_at };
        thread::Builder::new()
            .name("truce-writer".to_owned())
            .spawn(move || writer.run(receiver))
            .map_err(|err| StoreError::Config(format!("cannot start the writer thread: {err}")))?;
        Ok(Node { shared, sender })
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
        read(&self.shared.state.read())
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

/// Rebuilds the projection and the tree, checking every stored leaf hash against its text.
fn replay(log: &SqliteLog) -> Result<(State, MerkleTree, Option<Timestamp>), StoreError> {
    let mut state = State::default();
    let mut tree = MerkleTree::new();
    let mut last_accepted_at = None;
    log.for_each_entry(0, |stored| {
        let seq = stored.seq;
        let corrupt = |problem: String| StoreError::Corrupt { seq, problem };
        if seq != tree.len() {
            return Err(corrupt(format!("expected seq {}", tree.len())));
        }
        if leaf_hash_of(&stored.text) != stored.leaf_hash {
            return Err(corrupt("the stored leaf hash does not match the entry text".to_owned()));
        }
        let entry = Entry::parse_canonical(&stored.text).map_err(|err| corrupt(err.to_string()))?;
        let (context, command, events) = decode_entry(&entry).map_err(corrupt)?;
        state.apply(&context, &command, &events);
        tree.push(stored.leaf_hash);
        last_accepted_at = Some(context.accepted_at);
        Ok(())
    })?;
    Ok((state, tree, last_accepted_at))
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
    Ok((Context { seq: entry.seq(), accepted_at, signer }, command, events))
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
        let mut pending: Vec<Pending> = Vec::with_capacity(batch.len());
        {
            let shared = Arc::clone(&self.shared);
            let mut state = shared.state.write();
            for request in batch {
                let accepted_at = self.next_accepted_at();
                match encode(&state, accepted_at, &request.submission) {
                    Ok((stored, accepted, context)) => {
                        state.apply(&context, &request.submission.command, &accepted.events);
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
            // The projection and the tree already hold this batch, the disk does not: the
            // only safe move is to stop and let the next start replay what is durable.
            tracing::error!(%err, "writing a batch failed; stopping so that a restart rebuilds from the log");
            std::process::exit(70);
        }
        drop(tree);
        *self.shared.checkpoint.write() = checkpoint.clone();
        let tree = self.shared.tree.read();
        for item in pending {
            let proof =
                tree.inclusion_proof(item.stored.seq, tree_size).expect("the entry is in the tree just written");
            let receipt = Receipt {
                seq: item.stored.seq,
                leaf_hash: item.stored.leaf_hash,
                accepted_at: item.accepted.accepted_at,
                events: item.accepted.events.clone(),
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

fn encode(
    state: &State,
    accepted_at: Timestamp,
    submission: &Submission,
) -> Result<(StoredEntry, AcceptedEntry, Context), SubmitError> {
    let seq = state.entries_count;
    let signer = PublicKeyText::parse(&submission.signer.to_base64()).expect("a verified key encodes to 32 bytes");
    let context = Context { seq, accepted_at, signer };
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
    let text = entry.to_canonical();
    // Pair assertion: what is written must read back as the same entry.
    debug_assert!(Entry::parse_canonical(&text).is_ok(), "a fresh entry is canonical");
    let stored = StoredEntry {
        seq,
        leaf_hash: leaf_hash_of(&text),
        signer: submission.signer.to_base64(),
        nonce: submission.command.nonce.as_str().to_owned(),
        text,
    };
    let accepted =
        AcceptedEntry { seq, accepted_at, command: submission.command.clone(), events, leaf_hash: stored.leaf_hash };
    Ok((stored, accepted, context))
}
