//! The writer thread: a batch decided, sealed where confidential, committed, then handed to
//! the receipts thread, which saves its checkpoint and answers.
//!
//! Two threads so that the checkpoint file's two `fsync`s (the file, then its directory) run
//! beside the next batch's commit rather than after it. The writer computes every receipt
//! (the inclusion proof against the batch's own tree) before it lets go of the tree; the
//! receipts thread saves the latest checkpoint it has been handed, then sends the receipts of
//! every batch that checkpoint covers. A checkpoint is served (in a receipt, or as the node's
//! latest) only once it, or a later one of the same tree, which extends it, is saved: what the
//! next start requires the log to extend, so no served checkpoint can be taken back.

use std::{
    sync::{
        atomic::Ordering,
        mpsc::{Receiver, SyncSender},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use parking_lot::RwLockWriteGuard;
use tokio::sync::oneshot;
use truce_core::{decide, warnings, Context, PublicKeyText, State, Timestamp, Warning};
use truce_ledger::{leaf_hash_of, Canonical, Entry, LogKey, NoLeafHashes};

use super::{
    metric,
    replay::{context_of, replay, save_checkpoint, sign_checkpoint},
    snapshot::{snapshot_due, SNAPSHOTS_NEVER},
    AcceptedEntry, Clock, Queued, Receipt, Request, Shared, Submission, SubmitError, BATCH_ENTRIES_MAX, SIZE_UNLIMITED,
};
use crate::{
    log::Log,
    sealing::{sealed_nonce_column, Sealer},
    sqlite::StoredEntry,
    SEALED_SIGNER_COLUMN,
};

pub(super) struct Writer {
    pub(super) shared: Arc<Shared>,
    pub(super) log: Box<dyn Log>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) last_accepted_at: Option<Timestamp>,
    /// The size limit last applied to the log's connection.
    pub(super) size_max_applied: u64,
    /// Where committed batches go to have their checkpoint saved and their receipts sent.
    pub(super) receipts: SyncSender<Committed>,
}

pub(super) struct Pending {
    reply: oneshot::Sender<Result<Receipt, SubmitError>>,
    accepted: AcceptedEntry,
    warnings: Vec<Warning>,
}

/// A batch durable in the log, its receipts made, its checkpoint not yet saved.
pub(super) struct Committed {
    checkpoint: String,
    answers: Vec<Answer>,
    /// When its transaction began, for the commit latency (transaction and checkpoint saved).
    commit_started: Instant,
}

/// One accepted submission's receipt, to be sent to its submitter once a checkpoint that
/// covers it is saved, and its entry, to live subscribers then.
struct Answer {
    reply: oneshot::Sender<Result<Receipt, SubmitError>>,
    receipt: Receipt,
    accepted: AcceptedEntry,
}

/// The thread that saves checkpoints and sends receipts, in the order the batches committed.
pub(super) struct Receipts {
    pub(super) shared: Arc<Shared>,
}

impl Writer {
    pub(super) fn run(mut self, receiver: Receiver<Request>) {
        while let Ok(first) = receiver.recv() {
            let mut submissions = first.len();
            let mut batch = vec![first];
            // The last request taken may be a chain, taken whole: `BATCH_ENTRIES_MAX +
            // CHAIN_LEN_MAX` at the most, which the tree's recent leaves cover.
            while submissions < BATCH_ENTRIES_MAX {
                match receiver.try_recv() {
                    Ok(request) => {
                        submissions += request.len();
                        batch.push(request);
                    }
                    Err(_) => break,
                }
            }
            self.shared.queued.fetch_sub(submissions, Ordering::AcqRel);
            self.process(batch);
        }
    }

    /// Applies a size limit set since the last batch.
    pub(super) fn apply_size_max(&mut self) {
        let size_max = self.shared.size_max.load(Ordering::Acquire);
        if size_max == self.size_max_applied {
            return;
        }
        match self.log.set_size_max((size_max != SIZE_UNLIMITED).then_some(size_max)) {
            Ok(()) => self.size_max_applied = size_max,
            Err(err) => tracing::error!(%err, "the log's size limit cannot be set"),
        }
    }

    /// Runs `record` with the node's recorder as the `metrics` crate's, if one is set.
    fn record(&self, record: impl FnOnce()) {
        let recorder = self.shared.recorder.read().clone();
        if let Some(recorder) = recorder {
            metrics::with_local_recorder(recorder.as_ref(), record);
        }
    }

    pub(super) fn next_accepted_at(&mut self) -> Timestamp {
        // Acceptance times never go backwards along the log, whatever the clock does.
        let now = self.clock.now();
        let at = match self.last_accepted_at {
            Some(last) if last > now => last,
            _ => now,
        };
        self.last_accepted_at = Some(at);
        at
    }

    pub(super) fn process(&mut self, batch: Vec<Request>) {
        self.apply_size_max();
        let mut pending: Vec<Pending> = Vec::with_capacity(batch.len());
        // The rows of `pending`, in the same order, as the log appends them.
        let mut stored: Vec<StoredEntry> = Vec::with_capacity(batch.len());
        let mut decided: Vec<(&'static str, Duration)> = Vec::with_capacity(batch.len());
        let mut refused = 0_u64;
        let mut not_tried = 0_u64;
        // The projection stays write-locked from the first command decided until the batch is
        // durable, as the tree below does: no reader is ever shown an entry, an incident or an
        // alert that a failed commit takes back (and whose id the next batch would reuse).
        let shared = Arc::clone(&self.shared);
        let mut live = shared.live.write();
        let mut decide = |queued: Queued| -> bool {
            let accepted_at = self.next_accepted_at();
            let started = Instant::now();
            match encode(&live.state, accepted_at, *queued.submission, &shared.sealer, &shared.log_key) {
                Ok(Encoded { stored: row, accepted, context, warnings }) => {
                    Arc::make_mut(&mut live.state).apply(&context, &accepted.command, &accepted.events);
                    live.last_accepted_at = Some(accepted_at);
                    decided.push((accepted.command.body.kind(), started.elapsed()));
                    stored.push(row);
                    pending.push(Pending { reply: queued.reply, accepted, warnings });
                    true
                }
                Err(err) => {
                    refused += 1;
                    let _ = queued.reply.send(Err(err));
                    false
                }
            }
        };
        for request in batch {
            match request {
                Request::One(queued) => {
                    decide(queued);
                }
                Request::Chain(chain) => {
                    let mut chain = chain.into_iter();
                    // Up to the first refused; the rest are answered without being decided.
                    for queued in chain.by_ref() {
                        if !decide(queued) {
                            break;
                        }
                    }
                    for queued in chain {
                        not_tried += 1;
                        let _ = queued.reply.send(Err(SubmitError::NotTried));
                    }
                }
            }
        }
        self.record(|| {
            metrics::counter!(metric::COMMANDS, "outcome" => "refused").increment(refused);
            metrics::counter!(metric::COMMANDS, "outcome" => "not_tried").increment(not_tried);
            for (kind, took) in &decided {
                metrics::histogram!(metric::DECIDE_SECONDS, "kind" => *kind).record(took.as_secs_f64());
            }
        });
        if pending.is_empty() {
            return;
        }
        // The batch is applied to the projection, not yet written: the projection is one batch
        // ahead of the log, and stays locked.
        assert_eq!(
            live.state.entries_count,
            stored.last().expect("a batch with an accepted entry has its row").seq + 1,
            "the projection holds the batch about to be committed"
        );
        let commit_started = Instant::now();
        // The tree stays write-locked until the batch is durable, so that no reader is ever
        // shown a tree size or root (in a proof) that a crash could still take back.
        let mut tree = self.shared.tree.write();
        for row in &stored {
            tree.push(row.leaf_hash);
        }
        let checkpoint = sign_checkpoint(&self.shared.log_key, &self.shared.origin, &tree);
        let (tree_size, root) = (tree.len(), tree.root());
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
            *self.shared.writes_refused.lock() = Some(cause);
            match replay(self.log.as_ref(), Ok(&self.shared.sealer)) {
                Ok((state, durable_tree, accepted_ats)) => {
                    assert_eq!(durable_tree.len(), tree_size - u64::try_from(pending.len()).expect("a batch is small"));
                    live.state = Arc::new(state);
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
            let count = u64::try_from(pending.len()).unwrap_or(u64::MAX);
            self.record(|| metrics::counter!(metric::COMMANDS, "outcome" => "unavailable").increment(count));
            for item in pending {
                let _ = item.reply.send(Err(SubmitError::Unavailable { cause }));
            }
            return;
        }
        // Durable now: readers waiting for the projection go first (a fair unlock), before the
        // next batch takes it again. The receipts are made against this batch's tree while it
        // is still locked (the next batch may grow it), then the tree is let go: nothing a
        // reader sees in it can be taken back by a crash.
        RwLockWriteGuard::unlock_fair(live);
        let mut answers = Vec::with_capacity(pending.len());
        for item in pending {
            // Among the recent leaves, whose every subtree the tree keeps (`BATCH_ENTRIES_MAX`).
            let proof = tree
                .inclusion_proof(item.accepted.seq, tree_size, &NoLeafHashes)
                .expect("the entry is in the tree just written");
            let receipt = Receipt {
                seq: item.accepted.seq,
                leaf_hash: item.accepted.leaf_hash,
                accepted_at: item.accepted.accepted_at,
                events: item.accepted.events.clone(),
                sealed: item.accepted.sealed,
                tree_size,
                root,
                inclusion_proof: proof,
                checkpoint: checkpoint.clone(),
                warnings: item.warnings,
            };
            answers.push(Answer { reply: item.reply, receipt, accepted: item.accepted });
        }
        drop(tree);
        *self.shared.writes_refused.lock() = None;
        // Reads as known at a record time may fold up to these entries.
        self.shared.accepted_ats.write().extend(answers.iter().map(|answer| answer.accepted.accepted_at));
        let entries = answers.len();
        self.record(|| {
            metrics::counter!(metric::COMMANDS, "outcome" => "accepted")
                .increment(u64::try_from(entries).unwrap_or(u64::MAX));
            // A batch holds at most `BATCH_ENTRIES_MAX` entries: exact as a float.
            metrics::histogram!(metric::BATCH_ENTRIES).record(f64::from(u32::try_from(entries).unwrap_or(u32::MAX)));
        });
        if self.receipts.send(Committed { checkpoint, answers, commit_started }).is_err() {
            // The receipts thread ended, which it does only when the process stops.
            tracing::error!("the receipts thread has stopped; stopping so that a restart saves the checkpoint");
            std::process::exit(70);
        }
        self.snapshot_in_background(tree_size);
    }

    /// When one is due (`snapshot_due`: every `SNAPSHOT_EVERY_ENTRIES` entries, or as
    /// `Node::set_snapshot_every` says, and a tenth of the log apart past a million), a
    /// projection snapshot written on a thread of its own from what the writer has now. The
    /// writer goes on at once: the projection is shared (`Arc`), so the next batch copies it
    /// once (`Arc::make_mut`) while the snapshot holds it.
    fn snapshot_in_background(&self, tree_size: u64) {
        let last = self.shared.snapshot_size.load(Ordering::Acquire);
        let every = Some(self.shared.snapshot_every.load(Ordering::Acquire)).filter(|&every| every != SNAPSHOTS_NEVER);
        if !snapshot_due(tree_size, last, every) {
            return;
        }
        if self.shared.snapshotting.swap(true, Ordering::AcqRel) {
            return;
        }
        let capture = self.shared.capture();
        let shared = Arc::clone(&self.shared);
        let spawned = thread::Builder::new().name("truce-snapshot".to_owned()).spawn(move || {
            if let Err(err) = shared.save_snapshot(capture) {
                tracing::warn!(%err, "the projection snapshot was not saved; the next start replays more");
            }
            shared.snapshotting.store(false, Ordering::Release);
        });
        if let Err(err) = spawned {
            tracing::warn!(%err, "cannot start a thread to save the projection snapshot");
            self.shared.snapshotting.store(false, Ordering::Release);
        }
    }
}

impl Receipts {
    pub(super) fn run(self, receiver: Receiver<Committed>) {
        while let Ok(first) = receiver.recv() {
            let mut batches = vec![first];
            while let Ok(batch) = receiver.try_recv() {
                batches.push(batch);
            }
            self.answer(batches);
        }
    }

    /// Saves the latest checkpoint of `batches` (committed, in order), which extends the
    /// others, then sends their receipts and their entries to live subscribers.
    fn answer(&self, batches: Vec<Committed>) {
        let latest = &batches.last().expect("at least the batch received").checkpoint;
        // Saved before it is served: the next start refuses a log that does not extend it.
        if let Err(err) = save_checkpoint(&self.shared.checkpoint_path, latest) {
            // The batches are durable but their checkpoint is not saved, so it must not be
            // served: stop; the next start signs the durable tree again and saves that first.
            let path = self.shared.checkpoint_path.display();
            tracing::error!(%err, %path, "saving the checkpoint failed; stopping so that a restart saves it");
            std::process::exit(70);
        }
        *self.shared.checkpoint.write() = latest.clone();
        let recorder = self.shared.recorder.read().clone();
        for batch in batches {
            if let Some(recorder) = &recorder {
                metrics::with_local_recorder(recorder.as_ref(), || {
                    metrics::histogram!(metric::COMMIT_SECONDS).record(batch.commit_started.elapsed().as_secs_f64());
                });
            }
            for Answer { reply, receipt, accepted } in batch.answers {
                let _ = reply.send(Ok(receipt));
                let _ = self.shared.accepted.send(Arc::new(accepted));
            }
        }
    }
}

/// What `encode` makes of an accepted submission.
pub(super) struct Encoded {
    pub(super) stored: StoredEntry,
    pub(super) accepted: AcceptedEntry,
    pub(super) context: Context,
    /// `truce_core::warnings`, read on the state the command was decided on.
    pub(super) warnings: Vec<Warning>,
}

/// Decides the submission on the full state and makes its stored entry: its public text,
/// sealed when the command is confidential (decided on the same state). The submission is
/// taken whole: its command's value goes into the entry and its parsed command into the
/// accepted entry, neither copied.
pub(super) fn encode(
    state: &State,
    accepted_at: Timestamp,
    submission: Submission,
    sealer: &Sealer,
    log_key: &LogKey,
) -> Result<Encoded, SubmitError> {
    let seq = state.entries_count;
    let Submission { command_value, command, signer, signature } = submission;
    let signer_text = signer.to_base64();
    let context = context_of(
        seq,
        accepted_at,
        PublicKeyText::parse(&signer_text).expect("a verified key encodes to 32 bytes"),
        &command,
    );
    let events = decide(state, &context, &command)?;
    // On the same state as `decide`, before the command is applied to it.
    let warnings = warnings(state, &command);
    let encoding = |err: truce_ledger::LedgerError| SubmitError::Encoding(err.to_string());
    let events_value = serde_json::to_value(&events).map_err(|err| SubmitError::Encoding(err.to_string()))?;
    // The command's canonical text is the one its signature was checked over.
    let entry = Entry::from_canonical(
        seq,
        &accepted_at.to_string(),
        command_value,
        signer,
        signature,
        Canonical::new(events_value).map_err(encoding)?,
    )
    .map_err(encoding)?;
    // Pair assertion: what is written must read back as the same entry.
    debug_assert!(Entry::parse_canonical(entry.canonical_text()).is_ok(), "a fresh entry is canonical");
    let (text, sealed) = sealer.public_text(state, &command, &entry, log_key).map_err(SubmitError::Encoding)?;
    let nonce = command.nonce.as_str();
    let (signer_column, nonce_column) = match sealed {
        true => (SEALED_SIGNER_COLUMN.to_owned(), sealed_nonce_column(&signer, nonce)),
        false => (signer_text, nonce.to_owned()),
    };
    let stored = StoredEntry { seq, leaf_hash: leaf_hash_of(&text), signer: signer_column, nonce: nonce_column, text };
    let accepted = AcceptedEntry { seq, accepted_at, command, events, leaf_hash: stored.leaf_hash, sealed };
    Ok(Encoded { stored, accepted, context, warnings })
}
