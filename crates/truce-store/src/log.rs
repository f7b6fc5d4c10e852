//! The seam between the node and the storage of its log: what a backend must do, whatever
//! it keeps the entries in. `SqliteLog` is the embedded one; a second backend (PostgreSQL
//! next) implements `Log` and must pass the same conformance suite
//! (`log_conformance::check`, run on `SqliteLog` by the tests).
//!
//! Crate-private on purpose: only the node's writer appends, after `decide` and with the
//! checkpoint of the batch, so nothing outside this crate can write an entry to a log.

use truce_ledger::{Hash, LeafHashes, ProofError};

use crate::{error::StoreError, sqlite::StoredEntry};

/// A log's storage: entries by seq, and the signed checkpoints of their tree.
pub(crate) trait Log: Send {
    /// Appends a batch and the checkpoint that signs the tree it ends: all of it durable when
    /// this returns `Ok`, or none of it (a failed append leaves the log as it was). Entries
    /// come with consecutive seqs from `entries_count`; a seq or a `(signer, nonce)` already
    /// stored fails the whole batch.
    fn append(&mut self, entries: &[StoredEntry], checkpoint: Option<(u64, &str)>) -> Result<(), StoreError>;

    /// Calls `visit` on every entry from `from_seq` up to, not including, `until_seq`, in
    /// seq order; a range past the last entry is empty, never an error.
    fn for_each_entry_before(
        &self,
        from_seq: u64,
        until_seq: u64,
        visit: &mut dyn FnMut(StoredEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Calls `visit` with the seq and stored leaf hash of every entry before `until_seq`, in
    /// seq order, without reading their texts: what a projection snapshot is checked with.
    fn for_each_leaf_hash_before(
        &self,
        until_seq: u64,
        visit: &mut dyn FnMut(u64, Hash) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// The leaf hashes of the stored entries among `start..start + count`, in seq order: what
    /// the node's Merkle tree reads back of the leaves it let go of (`MerkleTree::shedding`).
    fn leaf_hashes(&self, start: u64, count: u64) -> Result<Vec<Hash>, StoreError>;

    /// Up to `limit` entries from `from_seq` on, in seq order.
    fn entries(&self, from_seq: u64, limit: u32) -> Result<Vec<StoredEntry>, StoreError>;

    /// The checkpoint with the largest tree size, if any.
    fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, StoreError>;

    /// Refuses appends that would grow the log past about `bytes` (`None`: no limit), as a
    /// full disk does: `StoreError::storage_unavailable` says so, and nothing is written.
    fn set_size_max(&mut self, bytes: Option<u64>) -> Result<(), StoreError>;
}

/// A log as the place a shedding Merkle tree reads its leaves back from.
pub(crate) struct LogLeaves<'a>(pub(crate) &'a dyn Log);

impl LeafHashes for LogLeaves<'_> {
    fn leaf_hashes(&self, start: u64, count: u64) -> Result<Vec<Hash>, ProofError> {
        self.0.leaf_hashes(start, count).map_err(|err| ProofError::LeavesUnread {
            start,
            count,
            reason: err.to_string(),
        })
    }
}
