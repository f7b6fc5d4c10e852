//! The node's tree lets go of its old low levels (`TREE_SHED_BELOW`) and reads their leaves
//! back from the log: proofs and tiles over old entries are those of the whole tree, before
//! and after a restart.

use truce_ledger::{verify_consistency, verify_inclusion, NoLeafHashes, ProofError};

use super::{body_of, copy_log, open, Fixture, Step};
use crate::{BATCH_ENTRIES_MAX, TREE_RECENT_LEAVES, TREE_SHED_BELOW};

/// A log past twice the recent leaves, so that the oldest have been shed.
fn shed_log() -> Fixture {
    // A millisecond a reading of the clock: a chunk's commands are all within the skew.
    let mut fixture = Fixture::with_clock_step(1_000_000);
    let count = 2 * TREE_RECENT_LEAVES + 40;
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let mut next = 0;
    while next < count {
        let chunk = next..count.min(next + BATCH_ENTRIES_MAX as u64);
        next = chunk.end;
        let replies: Vec<_> = chunk
            .map(|n| {
                let command = fixture.command(body_of(&Step::Party { n }));
                fixture.node.submit(fixture.signed(command))
            })
            .collect();
        for reply in replies {
            runtime.block_on(reply).expect("writer replies").expect("accepted");
        }
    }
    fixture
}

#[test]
fn proofs_and_tiles_of_old_entries_are_read_back_from_the_log() {
    let fixture = shed_log();
    let node = &fixture.node;
    let leaves = node.leaves();
    let size = node.read_tree(|tree| tree.len());
    assert!(size > 2 * TREE_RECENT_LEAVES, "{size}");
    let root = node.read_tree(|tree| tree.root());
    // The first entries' lower levels are gone: a tree given no log cannot prove them.
    let unread = node.read_tree(|tree| tree.inclusion_proof(3, size, &NoLeafHashes));
    assert!(matches!(unread, Err(ProofError::LeavesUnread { start: 0, count: 32, .. })), "{unread:?}");
    for seq in [0, 3, 31, 32, 1000, TREE_RECENT_LEAVES, size - 1] {
        let stored = node.entries(seq, 1).expect("reads")[0].leaf_hash;
        let leaf = node.read_tree(|tree| tree.leaf_hash(seq, &leaves)).expect("read back").expect("a leaf");
        assert_eq!(leaf, stored, "leaf {seq}");
        let proof = node.read_tree(|tree| tree.inclusion_proof(seq, size, &leaves)).expect("a proof");
        assert_eq!(verify_inclusion(&leaf, seq, size, &proof, &root), Ok(()), "leaf {seq}");
    }
    // From an old tree whose right edge was shed, to now and to another old one.
    for (old, new) in [(37, size), (37, 5000), (1, 33), (TREE_RECENT_LEAVES + 5, size)] {
        let (proof, old_root, new_root) = node.read_tree(|tree| {
            (
                tree.consistency_proof(old, new, &leaves).expect("a proof"),
                tree.root_at(old, &leaves).expect("a root"),
                tree.root_at(new, &leaves).expect("a root"),
            )
        });
        assert_eq!(verify_consistency(old, new, &old_root, &new_root, &proof), Ok(()), "{old} to {new}");
    }
    // A tile of level 0 holds the leaf hashes, as stored.
    let tile =
        node.read_tree(|tree| tree.subtree_hashes(0, 256, 256, &leaves).map(|tile| tile.map(|t| t.into_owned())));
    let tile = tile.expect("read back").expect("a tile");
    let stored: Vec<_> = node.entries(256, 256).expect("reads").iter().map(|entry| entry.leaf_hash).collect();
    assert_eq!(*tile, *stored);
    // The hashes of level-1 tiles (of 256 leaves each) are kept: read without the log.
    const { assert!(TREE_SHED_BELOW < 8) };
    let kept = node.read_tree(|tree| {
        tree.subtree_hashes(8, 0, 64, &NoLeafHashes).map(|kept| kept.map(|hashes| hashes.into_owned()))
    });
    let kept = kept.expect("kept").expect("hashes");
    assert_eq!(kept.len(), 64);
    // Opened again (a copy, replayed from its log), the tree sheds and reads back the same.
    let (_dir, path) = copy_log(&fixture, true);
    let reopened = open(&path, &fixture.log_secret, &fixture.clock);
    let again = reopened.read_tree(|tree| tree.inclusion_proof(3, size, &reopened.leaves())).expect("a proof");
    let before = node.read_tree(|tree| tree.inclusion_proof(3, size, &leaves)).expect("a proof");
    assert_eq!(again, before);
    assert_eq!(reopened.read_tree(|tree| tree.root()), root);
}
