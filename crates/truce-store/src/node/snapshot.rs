//! Projection snapshots: the projection, with the acceptance times and the tree's size and
//! root it goes with, saved to a file beside the log so that a start folds only the entries
//! written after it instead of the whole log.
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
//! not at all: to a temporary file, fsynced, then renamed.
//!
//! The encoding is CBOR (`ciborium`): self-describing, so the projection's types serialize
//! as they already do for the API (tagged enums, fields left out when empty), which compact
//! formats without field names (postcard, bincode) cannot read back.

use std::{
    fs,
    io::{self, BufReader, BufWriter, Read, Seek as _, SeekFrom, Write},
    path::{Path, PathBuf},
};

use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use truce_core::{State, Timestamp};
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
pub(super) const SNAPSHOT_FORMAT_VERSION: u32 = 1;
/// The bytes of the authentication tag after the magic and the version.
const TAG_BYTES: usize = 32;
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

/// The snapshot of a log whose database is at `db_path`: `truce.snapshot` beside `truce.db`.
pub(super) fn snapshot_path(db_path: &Path) -> PathBuf {
    db_path.with_extension("snapshot")
}

/// What a snapshot holds, borrowed to be written.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    tree_size: u64,
    root: Hash,
    accepted_ats: &'a [Timestamp],
    state: &'a State,
}

/// What a snapshot holds, read back.
#[derive(Deserialize)]
struct SnapshotOwned {
    tree_size: u64,
    root: Hash,
    accepted_ats: Vec<Timestamp>,
    state: State,
}

/// A snapshot checked against the log: the state, the tree and the acceptance times of the
/// log's first `tree.len()` entries.
pub(super) struct Restored {
    pub(super) state: State,
    pub(super) tree: MerkleTree,
    pub(super) accepted_ats: Vec<Timestamp>,
}

/// The snapshot's authentication key: derived from the sealing identity, never stored.
fn mac_of(identity: &AgeIdentity) -> Hmac<Sha256> {
    let mut key = Sha256::new();
    key.update(KEY_CONTEXT);
    key.update(identity.to_file_text().as_bytes());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.finalize()).expect("HMAC takes a key of any length");
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
/// `root`) to `path`, atomically, readable by its owner only, authenticated with a key
/// derived from `identity`, the sealing identity.
///
/// # Errors
/// Any I/O or encoding error; `path` then still holds the previous snapshot, if any.
pub(super) fn save(
    path: &Path,
    identity: &AgeIdentity,
    state: &State,
    accepted_ats: &[Timestamp],
    tree_size: u64,
    root: Hash,
) -> io::Result<()> {
    assert!(state.entries_count == tree_size, "a snapshot's state is the fold of its tree's entries");
    replace_atomically(path, Readers::Owner, |mut file| {
        file.write_all(MAGIC)?;
        file.write_all(&SNAPSHOT_FORMAT_VERSION.to_le_bytes())?;
        // The tag goes here once the content after it is written.
        file.write_all(&[0; TAG_BYTES])?;
        let mut writer = Authenticated { inner: BufWriter::new(file), mac: mac_of(identity) };
        let snapshot = SnapshotRef { tree_size, root, accepted_ats, state };
        ciborium::into_writer(&snapshot, &mut writer).map_err(|err| io::Error::other(err.to_string()))?;
        let tag = writer.mac.finalize().into_bytes();
        let mut file = writer.inner.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start((MAGIC.len() + 4) as u64))?;
        file.write_all(&tag)?;
        Ok(file)
    })?;
    Ok(())
}

/// Reads the snapshot at `path`, checks its tag with the key derived from `identity` and
/// its tree against `log`: `Ok(None)` when there is none, `Err` (a sentence, to warn with)
/// when it cannot be used.
pub(super) fn restore(path: &Path, identity: &AgeIdentity, log: &dyn Log) -> Result<Option<Restored>, String> {
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(format!("it cannot be read: {err}")),
    };
    let mut reader = BufReader::new(file);
    let mut header = [0_u8; MAGIC.len() + 4 + TAG_BYTES];
    reader.read_exact(&mut header).map_err(|err| format!("it is cut short: {err}"))?;
    if &header[..MAGIC.len()] != MAGIC {
        return Err("it is not a projection snapshot".to_owned());
    }
    let version = u32::from_le_bytes(header[MAGIC.len()..MAGIC.len() + 4].try_into().expect("4 bytes"));
    if version != SNAPSHOT_FORMAT_VERSION {
        return Err(format!("it is of format {version}, this build reads {SNAPSHOT_FORMAT_VERSION}"));
    }
    let tag = &header[MAGIC.len() + 4..];
    let mut reader = Authenticated { inner: reader, mac: mac_of(identity) };
    // Decoded before the tag is checked (the tag covers the whole content, read as it is
    // decoded), and thrown away if it does not check. Its polygons were tested when their
    // commands were accepted: not again (`decoding_trusted`).
    let decoded: Result<SnapshotOwned, _> = truce_core::decoding_trusted(|| ciborium::from_reader(&mut reader));
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).map_err(|err| format!("it cannot be read: {err}"))?;
    if reader.mac.verify_slice(tag).is_err() {
        return Err("its content does not match its tag: it was changed, cut or damaged".to_owned());
    }
    let snapshot = decoded.map_err(|err| format!("it does not decode: {err}"))?;
    if !rest.is_empty() {
        return Err("it has bytes after its content".to_owned());
    }
    let SnapshotOwned { tree_size, root, accepted_ats, state } = snapshot;
    if state.entries_count != tree_size || accepted_ats.len() as u64 != tree_size {
        return Err("its parts do not agree on its size".to_owned());
    }
    let tree = tree_of(log, tree_size)?;
    if tree.len() != tree_size {
        return Err(format!("it is of {tree_size} entries, the log holds {}", tree.len()));
    }
    if tree.root() != root {
        return Err(format!("the log's tree at its size ({tree_size}) has another root"));
    }
    if accepted_ats.windows(2).any(|pair| pair[0] > pair[1]) {
        return Err("its acceptance times go backwards".to_owned());
    }
    Ok(Some(Restored { state: state.restored(), tree, accepted_ats }))
}

/// The tree of the log's first `tree_size` entries (fewer if the log is shorter), from
/// the stored leaf hashes.
fn tree_of(log: &dyn Log, tree_size: u64) -> Result<MerkleTree, String> {
    let mut tree = MerkleTree::new();
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
