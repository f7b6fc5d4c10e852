//! The Merkle tree of RFC 9162 section 2.1 (the same tree as RFC 6962):
//! leaf and node hashing, an append-only in-memory tree that answers root,
//! inclusion-proof and consistency-proof queries for any past tree size, and
//! the verifiers for both kinds of proof.
//!
//! The tree shape and proofs are exactly those of the RFC, so any Certificate
//! Transparency verifier can check what this module produces. The tree keeps
//! every complete aligned subtree hash (about two hashes per leaf), which makes
//! every query O(log^2 n) hash lookups and at most O(log n) hash computations
//! per proof element; it does not persist anything and does not know what the
//! leaves contain. Nothing here recurses: the RFC's recursive definitions are
//! walked with loops.
//!
//! A tree made by [`MerkleTree::shedding`] lets go of its lowest levels once they are old:
//! below a height it keeps only the subtrees of its recent leaves, and reads the leaf
//! hashes of an older one back from where the log keeps them ([`LeafHashes`]) when a query
//! needs it (`shed`). Those levels are nearly all of the tree's memory: a tree of ten
//! million leaves keeps 640 MB of hashes, and 20 MB without the five lowest levels.

use sha2::{Digest, Sha256};

use crate::{Hash, ProofError};

mod compact;
mod shed;
#[cfg(test)]
mod tests;

pub use compact::CompactRange;
pub use shed::{LeafHashes, NoLeafHashes};

use shed::ReadBack;

/// The root of the empty tree: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// An append-only Merkle tree over leaf hashes.
///
/// Invariant: `levels[k][i - shed[k]]` is the hash of the complete subtree over
/// leaves `[i * 2^k, (i + 1) * 2^k)`, for every such subtree that is complete
/// and not shed (`i >= shed[k]`); `levels[0]` holds the leaf hashes. Only levels
/// below `shed_below` shed, and each the same leaves: `shed[k] << k` is one
/// multiple of `2^shed_below` for every such level, and 0 above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
    /// How many hashes each level has let go of, from its front.
    shed: Vec<u64>,
    /// The levels below this height shed their old hashes; 0 for a tree that keeps all.
    shed_below: u32,
    /// How many of the latest leaves the shedding levels keep at least (a multiple of
    /// `2^shed_below`); they keep at most twice as many.
    recent: u64,
}

/// `SHA-256(0x00 || data)`: the hash of a leaf holding `data`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    hasher.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the tree over `leaf_hashes`, in O(n) time and O(log n) memory.
pub fn root_from_leaf_hashes(leaf_hashes: &[Hash]) -> Hash {
    // Complete subtrees waiting for a sibling, as (leaf count, hash); their
    // leaf counts strictly decrease from bottom to top of the stack, like the
    // binary digits of the number of leaves seen so far.
    let mut pending: Vec<(u64, Hash)> = Vec::with_capacity(64);
    for leaf in leaf_hashes {
        let mut size = 1u64;
        let mut hash = *leaf;
        while let Some(&(top_size, top_hash)) = pending.last() {
            if top_size != size {
                break;
            }
            pending.pop();
            hash = node_hash(&top_hash, &hash);
            size *= 2;
        }
        pending.push((size, hash));
    }
    // The root folds the remaining subtrees from the right, as MTH does.
    let mut root: Option<Hash> = None;
    while let Some((_, hash)) = pending.pop() {
        root = Some(match root {
            None => hash,
            Some(right) => node_hash(&hash, &right),
        });
    }
    root.unwrap_or(EMPTY_ROOT)
}

/// The number of hashes in an inclusion proof for `leaf_index` in a tree of
/// `tree_size` leaves, or `None` if the index is not below the size.
pub fn inclusion_proof_len(leaf_index: u64, tree_size: u64) -> Option<usize> {
    if leaf_index >= tree_size {
        return None;
    }
    // Below the level where the paths to the leaf and to the last leaf part,
    // every level contributes a sibling; above it, only levels where the leaf
    // is a right child (the "border" of the tree's right edge) do.
    let inner = u64::BITS - (leaf_index ^ (tree_size - 1)).leading_zeros();
    let border = leaf_index.checked_shr(inner).unwrap_or(0).count_ones();
    Some(usize_from(inner + border))
}

/// The number of hashes in a consistency proof from `old_size` to
/// `new_size`, or `None` if `old_size` is 0 or above `new_size`.
pub fn consistency_proof_len(old_size: u64, new_size: u64) -> Option<usize> {
    if old_size == 0 || old_size > new_size {
        return None;
    }
    if old_size == new_size {
        return Some(0);
    }
    let inclusion_len =
        inclusion_proof_len(old_size - 1, new_size).expect("old_size - 1 < new_size because old_size < new_size");
    // The proof omits the levels inside the largest complete subtree that
    // ends at old_size, and adds that subtree's hash unless it is the whole
    // old tree, whose root the verifier already has.
    let shift = usize_from(old_size.trailing_zeros());
    let seed = usize::from(!old_size.is_power_of_two());
    Some(inclusion_len - shift + seed)
}

/// Checks that `proof` shows the leaf `leaf_hash` at `leaf_index` in the tree
/// of `tree_size` leaves whose root is `root` (RFC 9162 section 2.1.3.2).
///
/// # Errors
///
/// [`ProofError::LeafIndexOutOfRange`] if the index is not below the size,
/// [`ProofError::WrongProofLength`] if the proof has the wrong number of
/// hashes, and [`ProofError::RootMismatch`] if it leads to another root.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    leaf_index: u64,
    tree_size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let expected_len =
        inclusion_proof_len(leaf_index, tree_size).ok_or(ProofError::LeafIndexOutOfRange { leaf_index, tree_size })?;
    if proof.len() != expected_len {
        return Err(ProofError::WrongProofLength { len: proof.len(), expected: expected_len });
    }
    // The names follow the RFC: fn is the node's index on its level and sn
    // the index of the last node on that level.
    let mut fn_ = leaf_index;
    let mut sn = tree_size - 1;
    let mut hash = *leaf_hash;
    for sibling in proof {
        if sn == 0 {
            return Err(ProofError::WrongProofLength { len: proof.len(), expected: expected_len });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            hash = node_hash(sibling, &hash);
            // A last node that is a left child is promoted unchanged to the
            // levels above until it becomes a right child.
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            hash = node_hash(&hash, sibling);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength { len: proof.len(), expected: expected_len });
    }
    if hash != *root {
        return Err(ProofError::RootMismatch { computed: hash, expected: *root });
    }
    Ok(())
}

/// Checks that `proof` shows the tree of `old_size` leaves with root
/// `old_root` to be a prefix of the tree of `new_size` leaves with root
/// `new_root` (RFC 9162 section 2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots. An old size of 0 is
/// refused, as RFC 9162 defines proofs only from non-empty trees: the empty
/// tree is a prefix of every tree, so a caller has nothing to check.
///
/// # Errors
///
/// [`ProofError::SizesOutOfOrder`], [`ProofError::OldTreeEmpty`],
/// [`ProofError::WrongProofLength`], [`ProofError::EqualSizesDifferentRoots`],
/// [`ProofError::OldRootMismatch`] and [`ProofError::NewRootMismatch`].
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder { old_size, new_size });
    }
    let expected_len = consistency_proof_len(old_size, new_size).ok_or(ProofError::OldTreeEmpty)?;
    if proof.len() != expected_len {
        return Err(ProofError::WrongProofLength { len: proof.len(), expected: expected_len });
    }
    if old_size == new_size {
        if old_root != new_root {
            return Err(ProofError::EqualSizesDifferentRoots { size: old_size });
        }
        return Ok(());
    }
    // A power-of-two old tree is itself a complete subtree of the new one, so
    // the RFC has the verifier prepend its root instead of sending it.
    let (seed, rest) = match (old_size.is_power_of_two(), proof.split_first()) {
        (true, _) => (old_root, proof),
        (false, Some((first, rest))) => (first, rest),
        (false, None) => return Err(ProofError::WrongProofLength { len: 0, expected: expected_len }),
    };
    let mut fn_ = old_size - 1;
    let mut sn = new_size - 1;
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut old_hash = *seed;
    let mut new_hash = *seed;
    for node in rest {
        if sn == 0 {
            return Err(ProofError::WrongProofLength { len: proof.len(), expected: expected_len });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            old_hash = node_hash(node, &old_hash);
            new_hash = node_hash(node, &new_hash);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            new_hash = node_hash(&new_hash, node);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength { len: proof.len(), expected: expected_len });
    }
    if old_hash != *old_root {
        return Err(ProofError::OldRootMismatch { computed: old_hash, expected: *old_root });
    }
    if new_hash != *new_root {
        return Err(ProofError::NewRootMismatch { computed: new_hash, expected: *new_root });
    }
    Ok(())
}

impl Default for MerkleTree {
    fn default() -> Self {
        Self::new()
    }
}

impl MerkleTree {
    /// The empty tree, keeping every level.
    pub fn new() -> MerkleTree {
        MerkleTree { levels: vec![Vec::new()], shed: vec![0], shed_below: 0, recent: 0 }
    }

    /// The empty tree that keeps, below height `shed_below`, only the subtrees of its latest
    /// `recent` to `2 * recent` leaves: a query that needs an older one reads its leaves back
    /// through the [`LeafHashes`] it is given. Levels from `shed_below` up are all kept, so a
    /// query reads back the `2^shed_below` leaves under a kept hash at most twice: where an
    /// inclusion proof's path leaves the kept levels, and at the right edge of an older tree
    /// (for a consistency proof, the right edges of the two trees).
    ///
    /// # Panics
    /// If `shed_below` is 0 or above 32, or `recent` is not a positive multiple of
    /// `2^shed_below`: the recent leaves must fill whole subtrees of that height.
    pub fn shedding(shed_below: u32, recent: u64) -> MerkleTree {
        assert!((1..=32).contains(&shed_below), "a shedding tree sheds between 1 and 32 levels");
        assert!(
            recent > 0 && recent.is_multiple_of(1 << shed_below),
            "the recent leaves fill whole subtrees of the kept height"
        );
        MerkleTree { shed_below, recent, ..MerkleTree::new() }
    }

    /// The tree over `leaf_hashes`, in order.
    pub fn from_leaf_hashes(leaf_hashes: impl IntoIterator<Item = Hash>) -> MerkleTree {
        let mut tree = MerkleTree::new();
        for leaf in leaf_hashes {
            tree.push(leaf);
        }
        tree
    }

    /// The number of leaves.
    pub fn len(&self) -> u64 {
        self.count_at(0)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many complete subtrees of height `level` the tree has, shed or not.
    fn count_at(&self, level: usize) -> u64 {
        self.shed[level] + u64_from(self.levels[level].len())
    }

    /// The leaf hash at `leaf_index`, if there is one; a shed one is read back from `leaves`.
    ///
    /// # Errors
    /// [`ProofError::LeavesUnread`] if it was shed and `leaves` could not give it back.
    pub fn leaf_hash(&self, leaf_index: u64, leaves: &dyn LeafHashes) -> Result<Option<Hash>, ProofError> {
        if leaf_index >= self.len() {
            return Ok(None);
        }
        self.complete_subtree(0, leaf_index, &mut ReadBack::new(leaves, self.shed_below)).map(Some)
    }

    /// Appends a leaf hash and returns its index, in amortised O(1).
    pub fn push(&mut self, leaf_hash: Hash) -> u64 {
        let leaf_index = self.len();
        self.levels[0].push(leaf_hash);
        // Every level that reaches an even count has just completed a pair,
        // whose parent completes a subtree one level up. At most 64 levels.
        // A level's shed hashes are whole pairs, so its parity is that of what it keeps.
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let nodes = &self.levels[level];
            let parent = node_hash(&nodes[nodes.len() - 2], &nodes[nodes.len() - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
                self.shed.push(0);
            }
            self.levels[level + 1].push(parent);
            level += 1;
        }
        self.shed_old();
        debug_assert!((1..self.levels.len()).all(|level| self.count_at(level) == self.count_at(level - 1) / 2));
        leaf_index
    }

    /// Lets go of the shedding levels' hashes over the oldest `recent` leaves they keep,
    /// once they keep twice that many: each level drains its front, so a leaf costs O(1)
    /// amortised.
    fn shed_old(&mut self) {
        if self.shed_below == 0 {
            return;
        }
        let kept_from = self.shed[0];
        if self.len() - kept_from < 2 * self.recent {
            return;
        }
        for level in 0..usize_from(self.shed_below).min(self.levels.len()) {
            let count = self.recent >> level;
            self.levels[level].drain(..usize_from(count));
            self.shed[level] += count;
        }
        debug_assert!((0..usize_from(self.shed_below).min(self.levels.len()))
            .all(|level| self.shed[level] << level == self.shed[0]));
    }

    /// The hashes of `count` complete subtrees of height `level`, from the `start`-th (the
    /// subtree over leaves `[start * 2^level, (start + 1) * 2^level)`), if all are complete:
    /// a C2SP tlog-tiles tile of level `L` holds those of height `8 * L`. Borrowed where the
    /// tree keeps them, made again from the leaves read back from `leaves` where it shed them.
    ///
    /// # Errors
    /// [`ProofError::LeavesUnread`] if some were shed and `leaves` could not give them back.
    pub fn subtree_hashes(
        &self,
        level: usize,
        start: u64,
        count: u64,
        leaves: &dyn LeafHashes,
    ) -> Result<Option<std::borrow::Cow<'_, [Hash]>>, ProofError> {
        let Some(end) =
            start.checked_add(count).filter(|end| level < self.levels.len() && *end <= self.count_at(level))
        else {
            return Ok(None);
        };
        let shed = self.shed[level];
        if start >= shed {
            let kept = &self.levels[level][usize_from(start - shed)..usize_from(end - shed)];
            return Ok(Some(std::borrow::Cow::Borrowed(kept)));
        }
        let height = u32::try_from(level).expect("a tree has at most 64 levels");
        let mut read_back = ReadBack::new(leaves, self.shed_below);
        let hashes = (start..end)
            .map(|index| self.complete_subtree(height, index << height, &mut read_back))
            .collect::<Result<Vec<Hash>, ProofError>>()?;
        Ok(Some(std::borrow::Cow::Owned(hashes)))
    }

    /// The root of the whole tree. Never reads back a shed hash: the subtrees at the right
    /// edge of the whole tree lie among its latest leaves.
    pub fn root(&self) -> Hash {
        self.root_at(self.len(), &NoLeafHashes).expect("the tree's own length is a valid tree size")
    }

    /// The root of the tree as it was when it had `tree_size` leaves.
    ///
    /// # Errors
    ///
    /// [`ProofError::TreeSizeBeyondTree`] if `tree_size` exceeds [`Self::len`], and
    /// [`ProofError::LeavesUnread`] if the right edge of that tree was shed and `leaves`
    /// could not give it back.
    pub fn root_at(&self, tree_size: u64, leaves: &dyn LeafHashes) -> Result<Hash, ProofError> {
        self.check_size(tree_size)?;
        if tree_size == 0 {
            return Ok(EMPTY_ROOT);
        }
        self.range_hash(0, tree_size, &mut ReadBack::new(leaves, self.shed_below))
    }

    /// The audit path for `leaf_index` in the tree of `tree_size` leaves
    /// (RFC 9162 section 2.1.3.1), ordered from the leaf's sibling upwards.
    ///
    /// # Errors
    ///
    /// [`ProofError::TreeSizeBeyondTree`] if `tree_size` exceeds [`Self::len`],
    /// [`ProofError::LeafIndexOutOfRange`] if `leaf_index` is not below
    /// `tree_size`, and [`ProofError::LeavesUnread`] if the path crosses shed
    /// levels and `leaves` could not give their leaves back.
    pub fn inclusion_proof(
        &self,
        leaf_index: u64,
        tree_size: u64,
        leaves: &dyn LeafHashes,
    ) -> Result<Vec<Hash>, ProofError> {
        self.check_size(tree_size)?;
        let read_back = &mut ReadBack::new(leaves, self.shed_below);
        if leaf_index >= tree_size {
            return Err(ProofError::LeafIndexOutOfRange { leaf_index, tree_size });
        }
        // PATH(m, D[start:end]) descends into the half holding the leaf and
        // records the other half's hash; the RFC lists those from the bottom.
        let mut proof = Vec::with_capacity(64);
        let (mut start, mut end) = (0, tree_size);
        while end - start > 1 {
            let mid = start + largest_power_of_two_below(end - start);
            if leaf_index < mid {
                proof.push(self.range_hash(mid, end, read_back)?);
                end = mid;
            } else {
                proof.push(self.range_hash(start, mid, read_back)?);
                start = mid;
            }
        }
        proof.reverse();
        debug_assert_eq!(Some(proof.len()), inclusion_proof_len(leaf_index, tree_size));
        Ok(proof)
    }

    /// The consistency proof from the tree of `old_size` leaves to the tree
    /// of `new_size` leaves (RFC 9162 section 2.1.4.1); empty when the sizes
    /// are equal.
    ///
    /// # Errors
    ///
    /// [`ProofError::TreeSizeBeyondTree`] if `new_size` exceeds
    /// [`Self::len`], [`ProofError::SizesOutOfOrder`] if `old_size` exceeds
    /// `new_size`, [`ProofError::OldTreeEmpty`] if `old_size` is 0, and
    /// [`ProofError::LeavesUnread`] if the proof needs shed hashes and `leaves`
    /// could not give their leaves back.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
        leaves: &dyn LeafHashes,
    ) -> Result<Vec<Hash>, ProofError> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(ProofError::SizesOutOfOrder { old_size, new_size });
        }
        if old_size == 0 {
            return Err(ProofError::OldTreeEmpty);
        }
        // SUBPROOF(m, D[start:end], whole) with m kept as an absolute leaf
        // count; `whole` is false once we have stepped into a right half, from
        // where the old tree's root is no longer known to the verifier.
        let mut proof = Vec::with_capacity(64);
        let (mut start, mut end) = (0, new_size);
        let mut whole = true;
        let read_back = &mut ReadBack::new(leaves, self.shed_below);
        while old_size != end {
            let mid = start + largest_power_of_two_below(end - start);
            if old_size <= mid {
                proof.push(self.range_hash(mid, end, read_back)?);
                end = mid;
            } else {
                proof.push(self.range_hash(start, mid, read_back)?);
                start = mid;
                whole = false;
            }
        }
        if !whole {
            proof.push(self.range_hash(start, end, read_back)?);
        }
        proof.reverse();
        debug_assert_eq!(Some(proof.len()), consistency_proof_len(old_size, new_size));
        Ok(proof)
    }

    fn check_size(&self, tree_size: u64) -> Result<(), ProofError> {
        let len = self.len();
        if tree_size > len {
            return Err(ProofError::TreeSizeBeyondTree { tree_size, len });
        }
        Ok(())
    }

    /// MTH(D[start:end]) for a range that is a subtree of some RFC tree,
    /// meaning `start` is a multiple of the smallest power of two at least
    /// `end - start`. Such a range splits into complete aligned subtrees, one
    /// per set bit of its size, largest first; MTH folds them from the right.
    fn range_hash(&self, start: u64, end: u64, read_back: &mut ReadBack<'_>) -> Result<Hash, ProofError> {
        assert!(start < end, "a subtree is never empty");
        assert!(end <= self.len(), "a subtree lies inside the tree");
        let size = end - start;
        let mut chunk_end = end;
        let mut hash: Option<Hash> = None;
        for level in 0..u64::BITS {
            if (size >> level) & 1 == 0 {
                continue;
            }
            let chunk_start = chunk_end - (1 << level);
            let chunk = self.complete_subtree(level, chunk_start, read_back)?;
            hash = Some(match hash {
                None => chunk,
                Some(right) => node_hash(&chunk, &right),
            });
            chunk_end = chunk_start;
        }
        assert_eq!(chunk_end, start, "the chunks cover the range");
        Ok(hash.expect("a non-empty range has at least one chunk"))
    }

    /// The hash of the complete subtree of `2^level` leaves from `start`: kept, or made again
    /// from its leaves, read back.
    fn complete_subtree(&self, level: u32, start: u64, read_back: &mut ReadBack<'_>) -> Result<Hash, ProofError> {
        assert!(start.is_multiple_of(1 << level), "a complete subtree starts at a multiple of its size");
        let index = start >> level;
        let shed = self.shed[usize_from(level)];
        match index.checked_sub(shed) {
            Some(kept) => Ok(self.levels[usize_from(level)][usize_from(kept)]),
            None => {
                assert!(level < self.shed_below, "only the levels below the kept height shed");
                read_back.subtree(start, 1 << level)
            }
        }
    }

    /// O(n): every stored level is the pairwise hash of the one below, where both keep it.
    #[cfg(test)]
    fn invariant_holds(&self) -> bool {
        (1..self.levels.len()).all(|level| {
            let (below, above) = (&self.levels[level - 1], &self.levels[level]);
            let (shed_below, shed_above) = (self.shed[level - 1], self.shed[level]);
            self.count_at(level) == self.count_at(level - 1) / 2
                && above.iter().enumerate().all(|(i, hash)| {
                    let index = shed_above + u64_from(i);
                    match (2 * index).checked_sub(shed_below) {
                        Some(left) => {
                            let left = usize_from(left);
                            *hash == node_hash(&below[left], &below[left + 1])
                        }
                        None => true,
                    }
                })
        })
    }
}

/// The largest power of two strictly below `n`, for `n >= 2`: the size of
/// the left subtree in RFC 9162's split of `n` leaves.
fn largest_power_of_two_below(n: u64) -> u64 {
    assert!(n >= 2, "only trees of two or more leaves are split");
    1 << (u64::BITS - 1 - (n - 1).leading_zeros())
}

fn usize_from(value: impl Into<u64>) -> usize {
    usize::try_from(value.into()).expect("tree sizes fit in usize on supported 64-bit targets")
}

fn u64_from(value: usize) -> u64 {
    u64::try_from(value).expect("usize is at most 64 bits")
}
