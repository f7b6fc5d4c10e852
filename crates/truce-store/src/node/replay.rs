//! Replaying stored entries into the projection and the tree, and the checkpoint saved beside the log.

use std::{
    fs,
    io::{self, Write as _},
    path::Path,
    sync::mpsc,
    thread,
};

use serde::{de::IgnoredAny, Deserialize};

use truce_core::{CodeHash, Command, CommandBody, Context, Event, PublicKeyText, State, Timestamp};
use truce_ledger::{leaf_hash_of, open_checkpoint, Checkpoint, Entry, LogKey, MerkleTree};

use super::node_tree;
use crate::{
    error::StoreError,
    log::{Log, LogLeaves},
    sealing::{check_sealing, read_back, Sealer},
    sqlite::StoredEntry,
};

/// Rebuilds the projection and the tree, checking every stored leaf hash against its text
/// and opening sealed entries; with the acceptance time of every entry, by seq. Refuses a
/// log holding confidential entries written open, naming all of them.
pub(super) fn replay(
    log: &dyn Log,
    sealer: Result<&Sealer, &StoreError>,
) -> Result<(State, MerkleTree, Vec<Timestamp>), StoreError> {
    replay_from(log, sealer, (State::default(), node_tree(), Vec::new()))
}

/// `replay`, from a projection of the log's first entries (a snapshot checked against the
/// log) rather than from nothing: folds the entries after it.
pub(super) fn replay_from(
    log: &dyn Log,
    sealer: Result<&Sealer, &StoreError>,
    (mut state, mut tree, mut accepted_ats): (State, MerkleTree, Vec<Timestamp>),
) -> Result<(State, MerkleTree, Vec<Timestamp>), StoreError> {
    assert!(state.entries_count == tree.len(), "the projection is the fold of the tree's entries");
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

/// Entries decoded ahead of the fold, at the most: bounds the memory of the pipeline.
const DECODED_AHEAD_MAX: usize = 1_024;

/// Folds the stored entries from `state.entries_count` up to, not including, `until_seq`
/// (or the end of the log) into `state`, as the writer applied them: `State::apply` on the
/// events stored with each command, never `decide` again. Checks that seqs follow on and
/// that each stored leaf hash matches its text, and opens sealed entries; `visit` sees each
/// entry once applied, with its acceptance time and whether it was written sealed exactly
/// when the classification says it is confidential.
///
/// Two threads: this one reads the rows, checks their hashes and decodes them (`decode_stored`,
/// which needs no state), while a second folds them in order, through a bounded channel.
/// Decoding is about as costly as applying, so on two cores a replay takes about half as long.
pub(super) fn fold_stored(
    log: &dyn Log,
    sealer: Result<&Sealer, &StoreError>,
    state: &mut State,
    until_seq: u64,
    mut visit: impl FnMut(&StoredEntry, Timestamp, bool) + Send,
) -> Result<(), StoreError> {
    let from_seq = state.entries_count;
    thread::scope(|scope| {
        let (sender, receiver) = mpsc::sync_channel::<Decoded>(DECODED_AHEAD_MAX);
        let folder = thread::Builder::new()
            .name("truce-replay".to_owned())
            .spawn_scoped(scope, move || -> Result<(), StoreError> {
                for decoded in receiver {
                    let Decoded { stored, context, command, events, sealed_parties } = decoded;
                    let sealed_as_classified = check_sealing(state, stored.seq, &command, sealed_parties.as_deref())?;
                    state.apply(&context, &command, &events);
                    visit(&stored, context.accepted_at, sealed_as_classified);
                }
                Ok(())
            })
            .map_err(|err| StoreError::Config(format!("cannot start the replay thread: {err}")))?;
        let mut expected_seq = from_seq;
        let read = log.for_each_entry_before(from_seq, until_seq, &mut |stored| {
            if stored.seq != expected_seq {
                let problem = format!("expected seq {expected_seq}");
                return Err(StoreError::Corrupt { seq: stored.seq, problem });
            }
            expected_seq += 1;
            let decoded = decode_stored(sealer, stored)?;
            // The folder stopped at an error of its own, which it returns below.
            sender.send(decoded).map_err(|_| StoreError::Config("the replay stopped".to_owned()))
        });
        drop(sender);
        let folded = folder.join().expect("the replay thread does not panic");
        // The folder's error is about an earlier entry than anything read after it.
        folded?;
        read
    })
}

/// A stored entry decoded for the fold, with what was read from it.
struct Decoded {
    stored: StoredEntry,
    context: Context,
    command: Command,
    events: Vec<Event>,
    sealed_parties: Option<Vec<String>>,
}

/// An open entry's text, decoded straight into the typed command and events. The leaf hash
/// has been checked against the text, so the text is the one the writer made, canonical:
/// it is not canonicalized again here (`truce verify` does), nor parsed into a JSON value
/// first (that doubled the cost of a replay).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenText {
    seq: u64,
    accepted_at: Timestamp,
    command: Command,
    signer: String,
    /// Checked by `truce verify`, not on replay.
    #[serde(rename = "signature")]
    _signature: IgnoredAny,
    events: Vec<Event>,
}

/// Checks the stored leaf hash against the text and decodes the entry: an open one straight
/// from its text, anything else (a sealed entry, or one that does not decode so) through
/// `read_back`, which opens it or says what is wrong with it.
fn decode_stored(sealer: Result<&Sealer, &StoreError>, stored: StoredEntry) -> Result<Decoded, StoreError> {
    let seq = stored.seq;
    let corrupt = |problem: String| StoreError::Corrupt { seq, problem };
    if leaf_hash_of(&stored.text) != stored.leaf_hash {
        return Err(corrupt("the stored leaf hash does not match the entry text".to_owned()));
    }
    if let Ok(open) = serde_json::from_str::<OpenText>(&stored.text) {
        if open.seq != seq {
            return Err(corrupt(format!("its text says seq {}", open.seq)));
        }
        let signer = PublicKeyText::parse(&open.signer).map_err(|err| corrupt(format!("signer: {err}")))?;
        let context = context_of(seq, open.accepted_at, signer, &open.command);
        return Ok(Decoded { stored, context, command: open.command, events: open.events, sealed_parties: None });
    }
    let read = read_back(sealer, seq, &stored.text)?;
    let (context, command, events) = decode_entry(&read.entry).map_err(corrupt)?;
    if context.seq != seq {
        return Err(corrupt(format!("its text says seq {}", context.seq)));
    }
    Ok(Decoded { stored, context, command, events, sealed_parties: read.sealed_parties })
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

pub(super) fn check_origin(origin: &str) -> Result<(), StoreError> {
    match Checkpoint::new(origin, 0, truce_ledger::EMPTY_ROOT) {
        Ok(_) => Ok(()),
        Err(err) => Err(StoreError::Config(format!("checkpoint origin {origin:?}: {err}"))),
    }
}

/// Checks that `tree` extends the checkpoint saved at `path`: it is at least as large, and
/// its root at the checkpoint's size is the checkpoint's root.
pub(super) fn check_extends_saved(
    path: &Path,
    log_key: &LogKey,
    tree: &MerkleTree,
    log: &dyn Log,
) -> Result<(), StoreError> {
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
    let root = tree.root_at(size, &LogLeaves(log)).map_err(|err| invalid(err.to_string()))?;
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
    replace_atomically(path, Readers::Anyone, |mut temp| {
        temp.write_all(note.as_bytes())?;
        Ok(temp)
    })
}

/// Who may read a file the store writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Readers {
    /// The process's default mode (the checkpoint: a public, signed note).
    Anyone,
    /// Its owner only, mode 0600 (the snapshot: it holds opened confidential content).
    Owner,
}

/// Replaces the file at `path` so that a crash leaves either the old file or the new one,
/// whole: `write` fills a temporary file beside it (and hands it back), which is fsynced,
/// renamed over `path`, and the directory fsynced so that the rename itself is durable.
///
/// # Errors
/// Any I/O error, `write`'s included; `path` then still holds the previous file.
pub(super) fn replace_atomically(
    path: &Path,
    readers: Readers,
    write: impl FnOnce(fs::File) -> io::Result<fs::File>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp_name = path.file_name().ok_or_else(|| io::Error::other("the path names no file"))?.to_owned();
    temp_name.push(".tmp");
    let temp_path = dir.join(temp_name);
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if readers == Readers::Owner {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let temp = write(options.open(&temp_path)?)?;
    temp.sync_all()?;
    drop(temp);
    fs::rename(&temp_path, path)?;
    // A directory is opened as a file to be fsynced on Unix; Windows has no such call, and
    // its rename (MoveFileEx) is made durable by the file system's own journal.
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}

pub(super) fn sign_checkpoint(log_key: &LogKey, origin: &str, tree: &MerkleTree) -> String {
    let checkpoint =
        Checkpoint::new(origin, tree.len(), tree.root()).expect("the origin was checked when the node opened");
    log_key.sign_checkpoint(&checkpoint)
}
