//! A compact range: the roots of the perfect subtrees that make up the first `size` leaves
//! of a tree, largest first (one per bit set in `size`). It is all an outside verifier needs
//! to keep between runs: appending the leaves that came since gives the new root, and if that
//! root is the one the log signed, the new tree extends the old one, with no proof asked of
//! the server.

use crate::{node_hash, Hash, EMPTY_ROOT};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompactRange {
    size: u64,
    /// Perfect subtree roots, largest (leftmost) first; their sizes are the bits of `size`.
    roots: Vec<Hash>,
}

impl CompactRange {
    /// The range of the empty tree.
    pub fn new() -> CompactRange {
        CompactRange::default()
    }

    /// A range kept from before: `None` unless there is one root per bit set in `size`.
    pub fn from_parts(size: u64, roots: Vec<Hash>) -> Option<CompactRange> {
        (usize::try_from(size.count_ones()).ok()? == roots.len()).then_some(CompactRange { size, roots })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn roots(&self) -> &[Hash] {
        &self.roots
    }

    /// Appends one leaf hash: it merges with the subtrees of equal size at the right edge.
    pub fn push(&mut self, leaf_hash: Hash) {
        let mut hash = leaf_hash;
        // Each trailing 1-bit of the old size is a subtree of the same size as the one
        // being carried, which it completes.
        let mut carries = self.size.trailing_ones();
        while carries > 0 {
            let left = self.roots.pop().expect("one root per bit set in the size");
            hash = node_hash(&left, &hash);
            carries -= 1;
        }
        self.roots.push(hash);
        self.size += 1;
    }

    /// The root of the tree of `size` leaves (RFC 9162 section 2.1.1).
    pub fn root(&self) -> Hash {
        let mut roots = self.roots.iter().rev();
        let Some(last) = roots.next() else { return EMPTY_ROOT };
        roots.fold(*last, |right, left| node_hash(left, &right))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{leaf_hash, MerkleTree};

    #[test]
    fn the_root_is_the_trees_at_every_size_and_a_kept_range_goes_on_growing() {
        let mut tree = MerkleTree::new();
        let mut range = CompactRange::new();
        assert_eq!(range.root(), EMPTY_ROOT);
        for n in 0..300u32 {
            let leaf = leaf_hash(&n.to_be_bytes());
            tree.push(leaf);
            range.push(leaf);
            assert_eq!(range.root(), tree.root(), "size {}", n + 1);
            assert_eq!(range.roots().len(), usize::try_from((n + 1).count_ones()).expect("small"));
            if n == 150 {
                let kept = CompactRange::from_parts(range.size(), range.roots().to_vec()).expect("a whole range");
                assert_eq!(kept, range);
            }
        }
        assert!(CompactRange::from_parts(5, vec![EMPTY_ROOT]).is_none(), "5 needs two roots");
    }
}
