//! Reading back what a shedding tree let go: the leaf hashes under one kept hash, from
//! wherever the log keeps them (the store's covering index of leaf hashes, for a node).
//! A query reads each such group of leaves once, however many of its hashes it needs.

use crate::{merkle::root_from_leaf_hashes, Hash, ProofError};

/// Where a shedding tree reads back the hashes of leaves it let go of.
pub trait LeafHashes {
    /// The hashes of the `count` leaves from `start`, in order; all of them are below the
    /// tree's size.
    ///
    /// # Errors
    /// [`ProofError::LeavesUnread`] when they cannot be read.
    fn leaf_hashes(&self, start: u64, count: u64) -> Result<Vec<Hash>, ProofError>;
}

/// For a tree that keeps every level, which never reads anything back (and for the root of
/// the whole tree, whose right edge is always kept): asked anyway, it says why not.
#[derive(Debug, Clone, Copy)]
pub struct NoLeafHashes;

impl LeafHashes for NoLeafHashes {
    fn leaf_hashes(&self, start: u64, count: u64) -> Result<Vec<Hash>, ProofError> {
        Err(ProofError::LeavesUnread {
            start,
            count,
            reason: "this tree is given no way to read leaves back".to_owned(),
        })
    }
}

/// The leaves read back during one query: at most two groups, which is all a proof needs
/// (where an inclusion proof's path leaves the kept levels and the right edge of an older
/// tree; the right edges of a consistency proof's two trees).
pub(crate) struct ReadBack<'a> {
    leaves: &'a dyn LeafHashes,
    /// The height of the kept levels: leaves are read back `2^height` at a time, aligned.
    height: u32,
    read: [Option<(u64, Vec<Hash>)>; 2],
}

impl<'a> ReadBack<'a> {
    pub(crate) fn new(leaves: &'a dyn LeafHashes, height: u32) -> ReadBack<'a> {
        ReadBack { leaves, height, read: [None, None] }
    }

    /// The hash of the complete subtree of `size` leaves from `start`, made from its leaves;
    /// the subtree lies under one kept hash, whose leaves are all below the tree's size.
    pub(crate) fn subtree(&mut self, start: u64, size: u64) -> Result<Hash, ProofError> {
        let group = start >> self.height;
        assert_eq!((start + size - 1) >> self.height, group, "a shed subtree lies under one kept hash");
        let group_start = group << self.height;
        let slot = match self.read.iter().position(|read| read.as_ref().is_some_and(|(at, _)| *at == group)) {
            Some(slot) => slot,
            None => {
                let count = 1_u64 << self.height;
                let hashes = self.leaves.leaf_hashes(group_start, count)?;
                if u64::try_from(hashes.len()).ok() != Some(count) {
                    let reason = format!("{} leaf hashes came back", hashes.len());
                    return Err(ProofError::LeavesUnread { start: group_start, count, reason });
                }
                // The older of the two goes.
                self.read.swap(0, 1);
                self.read[0] = Some((group, hashes));
                0
            }
        };
        let (_, hashes) = self.read[slot].as_ref().expect("the slot was just found or filled");
        let offset = usize::try_from(start - group_start).expect("a group's offset fits in usize");
        let size = usize::try_from(size).expect("a group's size fits in usize");
        Ok(root_from_leaf_hashes(&hashes[offset..offset + size]))
    }
}

#[cfg(test)]
mod tests;
