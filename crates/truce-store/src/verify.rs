//! Offline verification of a log: every entry's encoding, hash, signature and events, the
//! tree, the stored checkpoint and, when given, an older checkpoint's consistency.
//!
//! Verification re-runs `decide` on every command against the projection rebuilt so far,
//! so an entry whose events were edited, or whose command could never have been accepted
//! (unregistered key, replayed nonce), is caught as surely as a flipped bit. It stops at
//! the first bad entry and names it; it never writes.
//!
//! Sealed entries (docs/sealing.md): without any key, their envelope's form and the log
//! key's signature are checked, and they are passed over (`State::pass_sealed`); the state
//! is then the fold of the public entries only, which is all that public commands are
//! decided on (no public decision reads sealed facts), so `decide` is still re-run on every
//! public entry. Given an age identity, every sealed entry it opens is checked against its
//! commitment and its command's signature; with the server's sealing identity every entry
//! opens, and `decide` is re-run on everything. With a party's identity, entries it cannot
//! open are passed over, and those it opens after the first it could not are checked but
//! not decided again (the state then lacks what it could not read).

use std::{fmt, path::Path, sync::mpsc, thread};

use truce_core::{decide, Command, Context, Event, State};
use truce_ledger::{
    canonical_json, leaf_hash_of, open_checkpoint, verify_consistency, AgeIdentity, Entry, Hash, LogEntry, MerkleTree,
    NoLeafHashes, SealedEntry, Verifier,
};

use crate::{
    error::StoreError,
    log::Log as _,
    node::decode_entry,
    sealing::{check_sealing, error_chain, sealed_nonce_column},
    sqlite::{SqliteLog, StoredEntry},
    SEALED_SIGNER_COLUMN,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries_count: u64,
    pub root: Hash,
    /// The tree size of the checkpoint stored in the log.
    pub stored_checkpoint_size: Option<u64>,
    /// The tree size of the older checkpoint given, proven consistent.
    pub older_checkpoint_size: Option<u64>,
    /// Sealed entries in the log; how many of them the identity given opened.
    pub sealed_count: u64,
    pub opened_count: u64,
    /// Whether `decide` was re-run on every entry (every sealed one was opened).
    pub decided_all: bool,
}

/// Why a log does not verify. `seq` names the first bad entry when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    pub seq: Option<u64>,
    pub problem: String,
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "entry {seq}: {}", self.problem),
            None => f.write_str(&self.problem),
        }
    }
}

fn fail(seq: Option<u64>, problem: impl Into<String>) -> VerifyFailure {
    VerifyFailure { seq, problem: problem.into() }
}

/// The walk over the entries: the state rebuilt so far, the tree, and what was opened.
struct Walk<'a> {
    verifier: &'a Verifier,
    identity: Option<&'a AgeIdentity>,
    state: State,
    tree: MerkleTree,
    sealed_count: u64,
    opened_count: u64,
    /// No sealed entry was passed over so far: the state is the full projection.
    full: bool,
}

/// Verifies the log in the SQLite file at `path` against the log's verifier key, opening
/// the sealed entries that `identity` (the server's sealing identity, or an account's)
/// can open.
///
/// # Errors
/// The first problem found, naming the entry where there is one.
pub fn verify_log(
    path: &Path,
    verifier: &Verifier,
    older_checkpoint: Option<&str>,
    identity: Option<&AgeIdentity>,
) -> Result<VerifyReport, VerifyFailure> {
    verify_log_with_progress(path, verifier, older_checkpoint, identity, &mut |_| {})
}

/// Entries checked ahead of the walk, at the most: bounds the memory of the pipeline.
const CHECKED_AHEAD_MAX: usize = 1_024;

/// `verify_log`, telling `progress` how many entries are verified so far (every
/// `PROGRESS_EVERY` entries and at the end), with the log's size first as `Progress::Total`.
///
/// Two threads: this one reads the rows and checks what needs no state (hash, canonical form,
/// signature, decoding; `check_alone`), a second one decides and applies them in order,
/// through a bounded channel; on two cores a verification takes about half as long.
///
/// # Errors
/// The first problem found, naming the entry where there is one.
pub fn verify_log_with_progress(
    path: &Path,
    verifier: &Verifier,
    older_checkpoint: Option<&str>,
    identity: Option<&AgeIdentity>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<VerifyReport, VerifyFailure> {
    if !path.exists() {
        return Err(fail(None, format!("{} does not exist", path.display())));
    }
    let log = SqliteLog::open_read_only(path).map_err(|err| fail(None, format!("cannot open the log: {err}")))?;
    let mut walk = Walk {
        verifier,
        identity,
        state: State::default(),
        tree: MerkleTree::new(),
        sealed_count: 0,
        opened_count: 0,
        full: true,
    };
    let total = log.entries_end().map_err(|err| fail(None, format!("cannot read the log: {err}")))?;
    progress(Progress::Total(total));
    let walked = thread::scope(|scope| {
        let (sender, receiver) = mpsc::sync_channel::<Checked>(CHECKED_AHEAD_MAX);
        let walker = scope.spawn(|| -> Result<(), StoreError> {
            for checked in receiver {
                walk.entry(checked)?;
                let done = walk.tree.len();
                if done.is_multiple_of(PROGRESS_EVERY) {
                    progress(Progress::Done(done));
                }
            }
            progress(Progress::Done(walk.tree.len()));
            Ok(())
        });
        let mut expected_seq = 0;
        let read = log.for_each_entry(0, |stored| {
            let checked = check_alone(stored, expected_seq)?;
            expected_seq += 1;
            // The walker stopped at an error of its own, which it returns below.
            sender.send(checked).map_err(|_| StoreError::Config("the walk stopped".to_owned()))
        });
        drop(sender);
        let walked = walker.join().expect("the verification thread does not panic");
        // The walker's error is about an earlier entry than anything read after it.
        walked.and(read.map_err(|err| match err {
            StoreError::Corrupt { .. } => err,
            err => StoreError::Corrupt { seq: expected_seq, problem: format!("cannot be read: {err}") },
        }))
    });
    if let Err(err) = walked {
        return Err(match err {
            StoreError::Corrupt { seq, problem } => fail(Some(seq), problem),
            err => fail(Some(walk.tree.len()), format!("cannot be read: {err}")),
        });
    }
    let tree = walk.tree;
    if let Ok(Err(report)) = log.integrity_check() {
        return Err(fail(None, format!("the database file is damaged: {report}")));
    }

    let stored_checkpoint_size = match log.latest_checkpoint() {
        Err(err) => return Err(fail(None, format!("cannot read the stored checkpoint: {err}"))),
        Ok(None) if tree.is_empty() => None,
        Ok(None) => return Err(fail(None, "the log has entries but no checkpoint")),
        Ok(Some((_, note))) => Some(check_against(&tree, verifier, &note, "the stored checkpoint")?),
    };
    let older_checkpoint_size = match older_checkpoint {
        None => None,
        Some(note) => Some(check_against(&tree, verifier, note, "the given checkpoint")?),
    };
    Ok(VerifyReport {
        entries_count: tree.len(),
        root: tree.root(),
        stored_checkpoint_size,
        older_checkpoint_size,
        sealed_count: walk.sealed_count,
        opened_count: walk.opened_count,
        decided_all: walk.full,
    })
}

/// How far a verification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The entries in the log, told once before the first is verified.
    Total(u64),
    /// The entries verified so far.
    Done(u64),
}

/// Entries verified between two calls of the progress callback.
pub const PROGRESS_EVERY: u64 = 4_096;

/// A stored entry with what could be checked of it without the state before it.
struct Checked {
    stored: StoredEntry,
    entry: CheckedEntry,
}

enum CheckedEntry {
    /// An open entry whose signature verifies, decoded, with its events' canonical text.
    Open {
        decoded: Box<(Context, Command, Vec<Event>)>,
        events_text: String,
    },
    Sealed(SealedEntry),
}

/// What needs no state: the seq, the leaf hash, the canonical form, and for an open entry
/// its signer column, its signature and its decoding.
fn check_alone(stored: StoredEntry, expected_seq: u64) -> Result<Checked, StoreError> {
    let seq = stored.seq;
    let bad = |problem: String| StoreError::Corrupt { seq, problem };
    if seq != expected_seq {
        return Err(bad(format!("found where entry {expected_seq} was expected (an entry is missing)")));
    }
    if leaf_hash_of(&stored.text) != stored.leaf_hash {
        return Err(bad("its stored leaf hash does not match its text".to_owned()));
    }
    let entry = LogEntry::parse_canonical(&stored.text).map_err(|err| bad(format!("not a canonical entry: {err}")))?;
    if entry.seq() != seq {
        return Err(bad(format!("its text says seq {}", entry.seq())));
    }
    let entry = match entry {
        LogEntry::Open(entry) => {
            if entry.signer().to_base64() != stored.signer {
                return Err(bad("its signer column does not match its text".to_owned()));
            }
            if entry.verify_signature().is_err() {
                return Err(bad("the command's signature does not verify".to_owned()));
            }
            let decoded = decode_entry(&entry).map_err(bad)?;
            let events_text = canonical_json(entry.events()).map_err(|err| bad(err.to_string()))?;
            CheckedEntry::Open { decoded: Box::new(decoded), events_text }
        }
        LogEntry::Sealed(sealed) => CheckedEntry::Sealed(sealed),
    };
    Ok(Checked { stored, entry })
}

impl Walk<'_> {
    fn entry(&mut self, checked: Checked) -> Result<(), StoreError> {
        let Checked { stored, entry } = checked;
        match entry {
            CheckedEntry::Open { decoded, events_text } => {
                self.decide_and_apply(stored.seq, *decoded, &events_text, None)?;
            }
            CheckedEntry::Sealed(sealed) => self.sealed(&stored, &sealed)?,
        }
        self.tree.push(stored.leaf_hash);
        Ok(())
    }

    /// A sealed entry: its envelope always; its content when the identity opens it.
    fn sealed(&mut self, stored: &StoredEntry, sealed: &SealedEntry) -> Result<(), StoreError> {
        let seq = stored.seq;
        let bad = |problem: String| StoreError::Corrupt { seq, problem };
        self.sealed_count += 1;
        if sealed.verify_signature(self.verifier.public_key()).is_err() {
            return Err(bad("its sealed envelope is not signed by the log key".to_owned()));
        }
        if stored.signer != SEALED_SIGNER_COLUMN {
            return Err(bad("its signer column does not say it is sealed".to_owned()));
        }
        let opened = match self.identity.map(|identity| sealed.open(identity)) {
            Some(Ok(entry)) => entry,
            // Not a recipient (or no identity): the envelope is all that can be checked.
            None => return self.pass_over(seq, sealed),
            Some(Err(err)) if err.is_not_a_recipient() => return self.pass_over(seq, sealed),
            Some(Err(err)) => return Err(bad(format!("its sealed content does not check: {}", error_chain(&err)))),
        };
        self.opened_count += 1;
        if stored.nonce != sealed_nonce_column(opened.signer(), nonce_of(&opened).unwrap_or_default()) {
            return Err(bad("its nonce column does not match its sealed command".to_owned()));
        }
        if opened.verify_signature().is_err() {
            return Err(bad(match self.full {
                true => "the command's signature does not verify".to_owned(),
                false => "the sealed command's signature does not verify".to_owned(),
            }));
        }
        if !self.full {
            return self.pass_over(seq, sealed);
        }
        let decoded = decode_entry(&opened).map_err(bad)?;
        let events_text = canonical_json(opened.events()).map_err(|err| bad(err.to_string()))?;
        self.decide_and_apply(seq, decoded, &events_text, Some(sealed.parties()))
    }

    fn pass_over(&mut self, seq: u64, sealed: &SealedEntry) -> Result<(), StoreError> {
        let bad = |problem: String| StoreError::Corrupt { seq, problem };
        let accepted_at =
            truce_core::Timestamp::parse(sealed.accepted_at()).map_err(|err| bad(format!("accepted_at: {err}")))?;
        let parties = sealed
            .parties()
            .iter()
            .map(|party| truce_core::PartyId::parse(party))
            .collect::<Result<_, _>>()
            .map_err(|err| bad(format!("its envelope names a party id that is not one: {err}")))?;
        self.state.pass_sealed(seq, accepted_at, parties);
        self.full = false;
        Ok(())
    }

    /// Re-runs `decide` on the entry's command (its signature verified) against the state
    /// so far, compares the events with `recorded_text` (the canonical text of those
    /// recorded), checks that it was sealed exactly when it is confidential, and applies it.
    fn decide_and_apply(
        &mut self,
        seq: u64,
        (context, command, events): (Context, Command, Vec<Event>),
        recorded_text: &str,
        sealed_parties: Option<&[String]>,
    ) -> Result<(), StoreError> {
        let bad = |problem: String| StoreError::Corrupt { seq, problem };
        if !check_sealing(&self.state, seq, &command, sealed_parties)? {
            return Err(bad("its command is confidential but it was written in clear".to_owned()));
        }
        let decided = decide(&self.state, &context, &command)
            .map_err(|err| bad(format!("the command would have been refused: {err}")))?;
        // Compared as canonical text: JSON values differ in number representation
        // (`300.0` decided, `300` read back) where the canonical bytes do not.
        let decided_value = serde_json::to_value(&decided).map_err(|err| bad(err.to_string()))?;
        let decided_text = canonical_json(&decided_value).map_err(|err| bad(err.to_string()))?;
        if decided_text != recorded_text {
            return Err(bad("its events are not what the command produces".to_owned()));
        }
        self.state.apply(&context, &command, &events);
        Ok(())
    }
}

fn nonce_of(entry: &Entry) -> Option<&str> {
    entry.command().get("nonce").and_then(serde_json::Value::as_str)
}

/// Opens a checkpoint and proves the log extends it; returns its tree size.
fn check_against(tree: &MerkleTree, verifier: &Verifier, note: &str, what: &str) -> Result<u64, VerifyFailure> {
    let checkpoint =
        open_checkpoint(note, verifier).map_err(|err| fail(None, format!("{what} does not open: {err}")))?;
    if checkpoint.size() > tree.len() {
        return Err(fail(
            Some(tree.len()),
            format!("missing: {what} covers {} entries but the log holds {}", checkpoint.size(), tree.len()),
        ));
    }
    if checkpoint.size() == 0 {
        return Ok(0);
    }
    let proof = tree
        .consistency_proof(checkpoint.size(), tree.len(), &NoLeafHashes)
        .map_err(|err| fail(None, format!("cannot prove consistency with {what}: {err}")))?;
    if verify_consistency(checkpoint.size(), tree.len(), checkpoint.root(), &tree.root(), &proof).is_err() {
        return Err(fail(None, format!("the log is not consistent with {what} (tree size {})", checkpoint.size())));
    }
    Ok(checkpoint.size())
}
