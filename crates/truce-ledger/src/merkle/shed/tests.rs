//! A shedding tree answers every query as the tree that keeps all, reading back only what it
//! let go: the group of leaves under the kept hash where a path leaves the kept levels, and
//! the one at the right edge of an older tree.

use std::cell::RefCell;

use proptest::prelude::*;

use crate::{leaf_hash, verify_consistency, verify_inclusion, Hash, LeafHashes, MerkleTree, NoLeafHashes, ProofError};

/// The leaves as a store would give them back, counting the reads.
struct Stored {
    leaves: Vec<Hash>,
    reads: RefCell<Vec<(u64, u64)>>,
}

impl Stored {
    fn new(count: u64) -> Stored {
        Stored { leaves: (0..count).map(|i| leaf_hash(&i.to_le_bytes())).collect(), reads: RefCell::default() }
    }

    fn reads(&self) -> usize {
        self.reads.borrow().len()
    }
}

impl LeafHashes for Stored {
    fn leaf_hashes(&self, start: u64, count: u64) -> Result<Vec<Hash>, ProofError> {
        self.reads.borrow_mut().push((start, count));
        let start = usize::try_from(start).expect("small");
        let end = start + usize::try_from(count).expect("small");
        Ok(self.leaves[start..end].to_vec())
    }
}

/// A store that fails every read.
struct Unreadable;

impl LeafHashes for Unreadable {
    fn leaf_hashes(&self, start: u64, count: u64) -> Result<Vec<Hash>, ProofError> {
        Err(ProofError::LeavesUnread { start, count, reason: "the disk is gone".to_owned() })
    }
}

fn both(stored: &Stored, shed_below: u32, recent: u64) -> (MerkleTree, MerkleTree) {
    let kept = MerkleTree::from_leaf_hashes(stored.leaves.iter().copied());
    let mut shedding = MerkleTree::shedding(shed_below, recent);
    for leaf in &stored.leaves {
        shedding.push(*leaf);
    }
    (kept, shedding)
}

#[test]
fn a_shedding_tree_lets_go_of_old_low_levels_and_keeps_the_rest() {
    let stored = Stored::new(1000);
    let (kept, shedding) = both(&stored, 3, 64);
    assert!(shedding.invariant_holds());
    assert_eq!(shedding.len(), 1000);
    assert_eq!(shedding.root(), kept.root());
    // The shedding levels keep between 64 and 128 of the latest leaves' subtrees.
    let kept_leaves = shedding.levels[0].len();
    assert!((64..128).contains(&kept_leaves), "{kept_leaves} leaves kept");
    assert_eq!(shedding.shed[0], 1000 - u64::try_from(kept_leaves).expect("small"));
    assert_eq!(shedding.shed[1] * 2, shedding.shed[0]);
    assert_eq!(shedding.shed[3], 0, "the kept levels shed nothing");
    assert_eq!(shedding.levels[3], kept.levels[3]);
    assert_eq!(stored.reads(), 0, "building reads nothing back");
}

#[test]
fn a_proof_through_shed_levels_reads_back_one_group_of_leaves() {
    let stored = Stored::new(1000);
    let (kept, shedding) = both(&stored, 3, 64);
    let proof = shedding.inclusion_proof(17, 1000, &stored).expect("a leaf in the tree");
    assert_eq!(proof, kept.inclusion_proof(17, 1000, &NoLeafHashes).expect("a leaf in the tree"));
    assert_eq!(*stored.reads.borrow(), [(16, 8)], "the eight leaves under leaf 17's kept ancestor, once");
    assert_eq!(verify_inclusion(&stored.leaves[17], 17, 1000, &proof, &kept.root()), Ok(()));
    // A recent leaf's path is all kept.
    stored.reads.borrow_mut().clear();
    shedding.inclusion_proof(990, 1000, &stored).expect("a leaf in the tree");
    assert_eq!(stored.reads(), 0);
}

#[test]
fn a_query_that_cannot_read_back_says_which_leaves() {
    let stored = Stored::new(1000);
    let (_, shedding) = both(&stored, 3, 64);
    let unread = ProofError::LeavesUnread { start: 16, count: 8, reason: "the disk is gone".to_owned() };
    assert_eq!(shedding.inclusion_proof(17, 1000, &Unreadable), Err(unread.clone()));
    assert_eq!(shedding.leaf_hash(17, &Unreadable), Err(unread));
    assert!(matches!(shedding.consistency_proof(20, 1000, &Unreadable), Err(ProofError::LeavesUnread { .. })));
    assert!(matches!(shedding.root_at(20, &Unreadable), Err(ProofError::LeavesUnread { .. })));
    // A tree that keeps all never needs to read back.
    let (kept, _) = both(&stored, 3, 64);
    assert_eq!(kept.leaf_hash(17, &Unreadable), Ok(Some(stored.leaves[17])));
    // A store that gives back fewer leaves than asked for is refused, not trusted.
    struct Short;
    impl LeafHashes for Short {
        fn leaf_hashes(&self, _: u64, count: u64) -> Result<Vec<Hash>, ProofError> {
            Ok(vec![[0; 32]; usize::try_from(count).expect("small") - 1])
        }
    }
    assert!(matches!(shedding.inclusion_proof(17, 1000, &Short), Err(ProofError::LeavesUnread { .. })));
}

#[test]
fn tiles_of_shed_leaves_are_read_back() {
    let stored = Stored::new(1000);
    let (kept, shedding) = both(&stored, 3, 64);
    for (level, start, count) in [(0, 0, 256), (0, 256, 256), (1, 10, 20), (3, 0, 125), (8, 0, 3)] {
        let expected = kept.subtree_hashes(level, start, count, &NoLeafHashes).expect("kept");
        assert_eq!(shedding.subtree_hashes(level, start, count, &stored), Ok(expected), "{level}/{start}+{count}");
    }
    assert_eq!(shedding.subtree_hashes(0, 900, 101, &stored), Ok(None), "past the tree");
    assert_eq!(shedding.subtree_hashes(9, 1, 1, &stored), Ok(None), "one subtree of 512 leaves is complete");
    assert_eq!(shedding.subtree_hashes(12, 0, 1, &stored), Ok(None), "no level that high");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every query of a shedding tree, at any size and for any leaf, answers as the tree that
    /// keeps all, reading back at most two groups of leaves: one where the path leaves the kept
    /// levels, one at the right edge of an older tree (or of the older of two).
    #[test]
    fn a_shedding_tree_answers_as_the_tree_that_keeps_all(
        len in 1_u64..600,
        shed_below in 1_u32..5,
        recent_groups in 1_u64..4,
        queries in proptest::collection::vec((any::<u64>(), any::<u64>()), 1..40),
    ) {
        let stored = Stored::new(len);
        let (kept, shedding) = both(&stored, shed_below, recent_groups << shed_below);
        prop_assert!(shedding.invariant_holds());
        prop_assert_eq!(shedding.root(), kept.root());
        for (a, b) in queries {
            let size = 1 + a % len;
            let index = b % size;
            let old_size = 1 + b % size;
            stored.reads.borrow_mut().clear();
            let proof = shedding.inclusion_proof(index, size, &stored);
            prop_assert_eq!(&proof, &kept.inclusion_proof(index, size, &NoLeafHashes));
            // The leaf's group, and the group at the right edge of an older tree.
            prop_assert!(stored.reads() <= 2, "{:?}", stored.reads.borrow());
            let root = shedding.root_at(size, &stored).expect("a size in the tree");
            prop_assert_eq!(root, kept.root_at(size, &NoLeafHashes).expect("a size in the tree"));
            let leaf = shedding.leaf_hash(index, &stored).expect("read back").expect("a leaf");
            prop_assert_eq!(verify_inclusion(&leaf, index, size, &proof.expect("a proof"), &root), Ok(()));
            stored.reads.borrow_mut().clear();
            let consistency = shedding.consistency_proof(old_size, size, &stored);
            prop_assert_eq!(&consistency, &kept.consistency_proof(old_size, size, &NoLeafHashes));
            prop_assert!(stored.reads() <= 2, "{:?}", stored.reads.borrow());
            let old_root = kept.root_at(old_size, &NoLeafHashes).expect("a size in the tree");
            prop_assert_eq!(verify_consistency(old_size, size, &old_root, &root, &consistency.expect("a proof")), Ok(()));
        }
    }
}
