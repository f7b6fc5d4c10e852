//! Projection snapshots: the projection, with the acceptance times and the tree's size and
//! root it goes with, saved to two files beside the log (the monitoring record apart from the
//! rest, so that each half is encoded and decoded on a thread of its own) so that a start
//! folds only the entries written after it instead of the whole log.
//!
//! A snapshot is derived, never the record: it is used only once checked against the log
//! (the log's tree at the snapshot's size, built from the stored leaf hashes, must have the
//! snapshot's root), and anything wrong with it (unreadable, of another format version,
//! longer than the log, another root) makes the start replay the whole log instead, with a
//! warning. The leaf hashes it is checked with are not checked against the entries' texts on
//! start (that would be reading the whole log again); `truce verify` checks every one.
//!
//! The file holds what the projection holds, confidential content opened with the sealing
//! key included, so it is written readable by its owner only (mode 0600), like the sealing
//! key itself. Its content is authenticated with a key derived from the sealing identity
//! (HMAC-SHA-256): a snapshot edited by anyone without the sealing key, or cut or damaged,
//! is refused, and with the sealing key one could read everything anyway. Written whole or
//! not at all: each file to a temporary file, fsynced, then renamed; the two parts name the
//! tree they were taken at, and parts of two snapshots are refused.
//!
//! The encoding is CBOR (`cbor4ii`): self-describing, so the projection's types serialize
//! as they already do for the API (tagged enums, fields left out when empty), which compact
//! formats without field names (postcard, bincode) cannot read back.

use std::{
    fs,
    io::{self, BufReader, BufWriter, Read, Seek as _, SeekFrom, Write},
    path::{Path, PathBuf},
    thread,
    time::Instant,
};

use hmac::{Hmac, Mac as _};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use truce_core::{Monitoring, State, Timestamp};
use truce_ledger::{AgeIdentity, Hash, MerkleTree};

use super::replay::{replace_atomically, Readers};
use crate::{error::StoreError, log::Log};

#[cfg(test)]
mod tests;

/// The first bytes of a snapshot file.
const MAGIC: &[u8] = b"truce projection snapshot\n";
/// The snapshot format: raised whenever `State` or anything in it changes shape, so that a
/// snapshot of another build is ignored rather than misread. A snapshot that does not
/// decode is ignored as well, whatever its version says.
pub(super) const SNAPSHOT_FORMAT_VERSION: u32 = 4;
/// The bytes of the authentication tag after the magic and the version.
const TAG_BYTES: usize = 32;
/// The buffer between the CBOR encoder or decoder and the MAC and the file.
const BUFFER_BYTES: usize = 1 << 20;
/// What the snapshot key is derived with from the sealing identity.
const KEY_CONTEXT: &[u8] = b"truce/projection-snapshot/v1\n";

/// Entries written between two snapshots taken while serving, at the least.
pub const SNAPSHOT_EVERY_ENTRIES: u64 = 100_000;
/// Past `SNAPSHOT_EVERY_ENTRIES` entries times this, snapshots are spaced by a `1/this` of the
/// log instead (`snapshot_due`).
const SNAPSHOT_SPACING_DIVISOR: u64 = 10;
/// `Shared::snapshot_every` when no snapshot is to be taken while writing.
pub(super) const SNAPSHOTS_NEVER: u64 = u64::MAX;

/// Whether a log of `tree_size` entries is due a snapshot, the last one having covered `last`
/// entries and snapshots being `every` entries apart at the least (`None`: never while
/// writing).
///
/// A snapshot costs as much as the projection is large (written whole, and the projection
/// copied once by the writer while it is written), so past a million entries they are spaced
/// by a tenth of the log: a start after a crash folds at most a tenth of the log, and the
/// snapshots' cost stays a bounded share of the writer's time at any size. At a fixed spacing
/// it grows with the log: at a few million `register_party` entries a snapshot took longer to
/// write than the writer took to add the next 100,000 entries, and halved its rate.
pub(super) fn snapshot_due(tree_size: u64, last: u64, every: Option<u64>) -> bool {
    let Some(every) = every else { return false };
    let spacing = every.max(last / SNAPSHOT_SPACING_DIVISOR);
    last.checked_add(spacing).is_some_and(|due| tree_size >= due)
}

/// The snapshot of a log whose database is at `db_path`: `truce.snapshot` beside `truce.db`,
/// with its monitoring part (`monitoring_part_path`).
pub(super) fn snapshot_path(db_path: &Path) -> PathBuf {
    db_path.with_extension("snapshot")
}

/// The monitoring record's part of the snapshot at `path`: `truce.monitoring.snapshot`.
pub(super) fn monitoring_part_path(path: &Path) -> PathBuf {
    path.with_extension("monitoring.snapshot")
}

/// The two files of a snapshot, each written and read on a thread of its own: the monitoring
/// record (incidents, sources, statements) is about half of a large projection.
#[derive(Clone, Copy)]
enum Part {
    /// `truce.snapshot`: the tree's size and root, the acceptance times and the projection
    /// without its monitoring record.
    Main,
    /// `truce.monitoring.snapshot`: the tree's size and root and the monitoring record.
    Monitoring,
}

impl Part {
    /// Also what its MAC begins with, so that neither part passes for the other.
    fn label(self) -> &'static [u8] {
        match self {
            Part::Main => b"main\n",
            Part::Monitoring => b"monitoring\n",
        }
    }
}

/// The main part, borrowed to be written (its state serialized without the monitoring
/// record, `serializing_without_monitoring`).
#[derive(Serialize)]
struct SnapshotRef<'a> {
    tree_size: u64,
    root: Hash,
    accepted_ats: &'a [Timestamp],
    state: &'a State,
}

/// The main part, read back: its state's monitoring record is empty.
#[derive(Deserialize)]
struct SnapshotOwned {
    tree_size: u64,
    root: Hash,
    accepted_ats: Vec<Timestamp>,
    state: State,
}

/// The monitoring part, borrowed to be written.
#[derive(Serialize)]
struct MonitoringRef<'a> {
    tree_size: u64,
    root: Hash,
    monitoring: &'a Monitoring,
}

/// The monitoring part, read back.
#[derive(Deserialize)]
struct MonitoringOwned {
    tree_size: u64,
    root: Hash,
    monitoring: Monitoring,
}

/// A snapshot checked against the log: the state, the tree and the acceptance times of the
/// log's first `tree.len()` entries.
pub(super) struct Restored {
    pub(super) state: State,
    pub(super) tree: MerkleTree,
    pub(super) accepted_ats: Vec<Timestamp>,
}

/// The snapshot's authentication key: derived from the sealing identity, never stored.
fn mac_of(identity: &AgeIdentity, part: Part) -> Hmac<Sha256> {
    let mut key = Sha256::new();
    key.update(KEY_CONTEXT);
    key.update(identity.to_file_text().as_bytes());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.finalize()).expect("HMAC takes a key of any length");
    mac.update(part.label());
    mac.update(&SNAPSHOT_FORMAT_VERSION.to_le_bytes());
    mac
}

/// Passes bytes through to `inner`, adding them to the MAC on the way.
struct Authenticated<T> {
    inner: T,
    mac: Hmac<Sha256>,
}

impl<W: Write> Write for Authenticated<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.mac.update(&bytes[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Authenticated<R> {
    fn read(&mut self, bytes: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(bytes)?;
        self.mac.update(&bytes[..read]);
        Ok(read)
    }
}

/// Writes a snapshot of `state` (the fold of the first `tree_size` entries, whose tree has
/// `root`) to `path` and its monitoring part beside it, on two threads, each file atomically,
/// readable by its owner only, authenticated with a key derived from `identity`, the sealing
/// identity. A crash between the two leaves parts of two snapshots, which `restore` refuses.
///
/// # Errors
/// Any I/O or encoding error; each file then holds its previous part, if any.
pub(super) fn save(
    path: &Path,
    identity: &AgeIdentity,
    state: &State,
    accepted_ats: &[Timestamp],
    tree_size: u64,
    root: Hash,
) -> io::Result<()> {
    assert!(state.entries_count == tree_size, "a snapshot's state is the fold of its tree's entries");
    let monitoring_path = monitoring_part_path(path);
    thread::scope(|scope| {
        let monitoring = MonitoringRef { tree_size, root, monitoring: &state.monitoring };
        let monitoring = scope.spawn(move || write_part(&monitoring_path, identity, Part::Monitoring, &monitoring));
        let main = truce_core::serializing_without_monitoring(|| {
            write_part(path, identity, Part::Main, &SnapshotRef { tree_size, root, accepted_ats, state })
        });
        monitoring.join().expect("encoding a snapshot does not panic")?;
        main
    })
}

/// Writes one part: magic, format version, the tag, then the CBOR it authenticates.
fn write_part(path: &Path, identity: &AgeIdentity, part: Part, value: &impl Serialize) -> io::Result<()> {
    replace_atomically(path, Readers::Owner, |mut file| {
        file.write_all(MAGIC)?;
        file.write_all(&SNAPSHOT_FORMAT_VERSION.to_le_bytes())?;
        // The tag goes here once the content after it is written.
        file.write_all(&[0; TAG_BYTES])?;
        // Buffered outside the MAC: the encoder's many small writes reach the MAC (and the
        // file) as a few large ones.
        let mut writer =
            BufWriter::with_capacity(BUFFER_BYTES, Authenticated { inner: file, mac: mac_of(identity, part) });
        cbor4ii::serde::to_writer(&mut writer, value).map_err(|err| io::Error::other(err.to_string()))?;
        let Authenticated { inner: mut file, mac } = writer.into_inner().map_err(io::IntoInnerError::into_error)?;
        let tag = mac.finalize().into_bytes();
        file.seek(SeekFrom::Start((MAGIC.len() + 4) as u64))?;
        file.write_all(&tag)?;
        Ok(file)
    })?;
    Ok(())
}

/// Reads the snapshot at `path` and its monitoring part, on two threads, checks their tags
/// with the key derived from `identity`, that they are of the same snapshot, and its tree
/// against `log`: `Ok(None)` when there is none, `Err` (a sentence, to warn with) when it
/// cannot be used.
pub(super) fn restore(path: &Path, identity: &AgeIdentity, log: &dyn Log) -> Result<Option<Restored>, String> {
    let monitoring_path = monitoring_part_path(path);
    let started = Instant::now();
    let (main, monitoring, tree_and_scopes) = thread::scope(|scope| {
        let monitoring = scope.spawn(|| read_part::<MonitoringOwned>(&monitoring_path, identity, Part::Monitoring));
        let main = read_part::<SnapshotOwned>(path, identity, Part::Main);
        // Built while the monitoring part is still being decoded: the log's tree, and what
        // the coordination record alone derives.
        let tree_and_scopes = match &main {
            Ok(Some(main)) => Some((tree_of(log, main.tree_size), main.state.scopes_rebuilt())),
            Ok(None) | Err(_) => None,
        };
        (main, monitoring.join().expect("decoding a snapshot does not panic"), tree_and_scopes)
    });
    let Some(SnapshotOwned { tree_size, root, accepted_ats, mut state }) = main? else {
        return Ok(None);
    };
    let (tree, scopes) = tree_and_scopes.expect("built once the main part decoded");
    let part = monitoring_path.display();
    let monitoring = monitoring?.ok_or_else(|| format!("its monitoring part ({part}) is missing"))?;
    if monitoring.tree_size != tree_size || monitoring.root != root {
        return Err(format!("its monitoring part ({part}) is of another snapshot"));
    }
    if state.entries_count != tree_size || accepted_ats.len() as u64 != tree_size {
        return Err("its parts do not agree on its size".to_owned());
    }
    let tree = tree?;
    if tree.len() != tree_size {
        return Err(format!("it is of {tree_size} entries, the log holds {}", tree.len()));
    }
    if tree.root() != root {
        return Err(format!("the log's tree at its size ({tree_size}) has another root"));
    }
    if accepted_ats.windows(2).any(|pair| pair[0] > pair[1]) {
        return Err("its acceptance times go backwards".to_owned());
    }
    state.monitoring = monitoring.monitoring;
    let checked = started.elapsed();
    let state = state.restored(scopes);
    tracing::info!(
        entries = tree_size,
        read_and_checked_ms = checked.as_millis(),
        derived_ms = (started.elapsed() - checked).as_millis(),
        "projection snapshot restored"
    );
    Ok(Some(Restored { state, tree, accepted_ats }))
}

/// Reads one part at `path`: `Ok(None)` when there is no such file.
fn read_part<T: DeserializeOwned>(path: &Path, identity: &AgeIdentity, part: Part) -> Result<Option<T>, String> {
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(format!("it cannot be read: {err}")),
    };
    let mut header = [0_u8; MAGIC.len() + 4 + TAG_BYTES];
    file.read_exact(&mut header).map_err(|err| format!("it is cut short: {err}"))?;
    if &header[..MAGIC.len()] != MAGIC {
        return Err("it is not a projection snapshot".to_owned());
    }
    let version = u32::from_le_bytes(header[MAGIC.len()..MAGIC.len() + 4].try_into().expect("4 bytes"));
    if version != SNAPSHOT_FORMAT_VERSION {
        return Err(format!("it is of format {version}, this build reads {SNAPSHOT_FORMAT_VERSION}"));
    }
    let tag = &header[MAGIC.len() + 4..];
    // Buffered outside the MAC, as when written: the decoder's many small reads come from
    // the buffer, and the MAC and the file see a few large ones.
    let mut reader = BufReader::with_capacity(BUFFER_BYTES, Authenticated { inner: file, mac: mac_of(identity, part) });
    // Decoded before the tag is checked (the tag covers the whole content, read as it is
    // decoded), and thrown away if it does not check. Its polygons were tested when their
    // commands were accepted: not again (`decoding_trusted`).
    let decoded: Result<T, _> = truce_core::decoding_trusted(|| cbor4ii::serde::from_reader(&mut reader));
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).map_err(|err| format!("it cannot be read: {err}"))?;
    if reader.into_inner().mac.verify_slice(tag).is_err() {
        return Err("its content does not match its tag: it was changed, cut or damaged".to_owned());
    }
    let decoded = decoded.map_err(|err| format!("it does not decode: {err}"))?;
    if !rest.is_empty() {
        return Err("it has bytes after its content".to_owned());
    }
    Ok(Some(decoded))
}

/// The tree of the log's first `tree_size` entries (fewer if the log is shorter), from
/// the stored leaf hashes.
fn tree_of(log: &dyn Log, tree_size: u64) -> Result<MerkleTree, String> {
    let mut tree = super::node_tree();
    let mut failure = None;
    let read = log.for_each_leaf_hash_before(tree_size, &mut |seq, leaf_hash| {
        if seq != tree.len() {
            failure = Some(format!("the log has no entry {}", tree.len()));
            return Err(StoreError::Corrupt { seq, problem: "out of sequence".to_owned() });
        }
        tree.push(leaf_hash);
        Ok(())
    });
    if let Some(failure) = failure {
        return Err(failure);
    }
    read.map_err(|err| format!("the log's leaf hashes cannot be read: {err}"))?;
    Ok(tree)
}
