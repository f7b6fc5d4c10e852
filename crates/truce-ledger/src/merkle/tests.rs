use expect_test::{expect, Expect};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

use crate::{
    consistency_proof_len, inclusion_proof_len, leaf_hash, node_hash, root_from_leaf_hashes, verify_consistency,
    verify_inclusion, Hash, MerkleTree, NoLeafHashes, ProofError, EMPTY_ROOT,
};

/// The tree size up to which every (index, size) and (old, new) pair is
/// checked against the reference definitions.
const EXHAUSTIVE_SIZE_MAX: u64 = 70;

/// The leaves of the RFC 6962 test tree used across CT implementations.
const RFC6962_LEAVES_HEX: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

/// Published roots of the first 1..=8 leaves of that tree.
const RFC6962_ROOTS_HEX: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn numbered_leaves(count: u64) -> Vec<Hash> {
    (0..count).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

fn hex_hash(text: &str) -> Hash {
    hex::decode(text).expect("test hash is hex").try_into().expect("test hash has 32 bytes")
}

// Reference definitions, transcribed from RFC 9162 section 2.1 as literally
// as possible. Recursion is fine here: it is test code over small trees, and
// the point is to compare against the RFC's own recursive wording.

fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest(b"").into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}

fn reference_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut path = reference_path(m, &leaves[..k]);
        path.push(reference_root(&leaves[k..]));
        path
    } else {
        let mut path = reference_path(m - k, &leaves[k..]);
        path.push(reference_root(&leaves[..k]));
        path
    }
}

fn reference_subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if whole { Vec::new() } else { vec![reference_root(leaves)] };
    }
    let k = split(n);
    if m <= k {
        let mut proof = reference_subproof(m, &leaves[..k], whole);
        proof.push(reference_root(&leaves[k..]));
        proof
    } else {
        let mut proof = reference_subproof(m - k, &leaves[k..], false);
        proof.push(reference_root(&leaves[..k]));
        proof
    }
}

#[track_caller]
fn check_err(result: Result<impl std::fmt::Debug, ProofError>, expect: Expect) {
    let actual = match result {
        Ok(value) => format!("ok {value:?}"),
        Err(err) => format!("err {err}"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn empty_root_is_the_sha256_of_nothing() {
    assert_eq!(EMPTY_ROOT, <Hash>::from(Sha256::digest(b"")));
    assert_eq!(MerkleTree::new().root(), EMPTY_ROOT);
    assert_eq!(root_from_leaf_hashes(&[]), EMPTY_ROOT);
}

#[test]
fn leaf_and_node_hashes_are_domain_separated_sha256() {
    let mut leaf_input = vec![0x00];
    leaf_input.extend_from_slice(b"data");
    assert_eq!(leaf_hash(b"data"), <Hash>::from(Sha256::digest(&leaf_input)));

    let (left, right) = ([1; 32], [2; 32]);
    let mut node_input = vec![0x01];
    node_input.extend_from_slice(&left);
    node_input.extend_from_slice(&right);
    assert_eq!(node_hash(&left, &right), <Hash>::from(Sha256::digest(&node_input)));
}

#[test]
fn roots_of_the_rfc6962_test_tree_match_the_published_values() {
    let leaves: Vec<Hash> =
        RFC6962_LEAVES_HEX.iter().map(|text| leaf_hash(&hex::decode(text).expect("test leaf is hex"))).collect();
    let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
    for (size, root_hex) in (1u64..).zip(RFC6962_ROOTS_HEX) {
        let expected = hex_hash(root_hex);
        assert_eq!(tree.root_at(size, &NoLeafHashes), Ok(expected), "root at size {size}");
        let prefix = &leaves[..usize::try_from(size).expect("small")];
        assert_eq!(root_from_leaf_hashes(prefix), expected, "size {size}");
    }
}

#[test]
fn roots_at_every_size_match_the_reference_definition() {
    let leaves = numbered_leaves(EXHAUSTIVE_SIZE_MAX);
    let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
    assert!(tree.invariant_holds());
    for size in 0..=leaves.len() {
        let expected = reference_root(&leaves[..size]);
        let size_u64 = u64::try_from(size).expect("small");
        assert_eq!(tree.root_at(size_u64, &NoLeafHashes), Ok(expected), "size {size}");
        assert_eq!(root_from_leaf_hashes(&leaves[..size]), expected);
        let grown = MerkleTree::from_leaf_hashes(leaves[..size].iter().copied());
        assert_eq!(grown.root(), expected);
        assert_eq!(grown.len(), size_u64);
    }
}

#[test]
fn inclusion_proofs_for_every_historical_size_match_the_reference_and_verify() {
    let leaves = numbered_leaves(EXHAUSTIVE_SIZE_MAX);
    let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
    for size in 1..=EXHAUSTIVE_SIZE_MAX {
        let prefix = &leaves[..usize::try_from(size).expect("small")];
        let root = reference_root(prefix);
        for index in 0..size {
            let index_usize = usize::try_from(index).expect("small");
            let proof = tree.inclusion_proof(index, size, &NoLeafHashes).expect("index < size <= len");
            assert_eq!(proof, reference_path(index_usize, prefix), "({index}, {size})");
            assert_eq!(Some(proof.len()), inclusion_proof_len(index, size));
            assert_eq!(verify_inclusion(&leaves[index_usize], index, size, &proof, &root), Ok(()), "({index}, {size})");
        }
    }
}

#[test]
fn consistency_proofs_for_every_pair_of_sizes_match_the_reference_and_verify() {
    let leaves = numbered_leaves(EXHAUSTIVE_SIZE_MAX);
    let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
    for new_size in 1..=EXHAUSTIVE_SIZE_MAX {
        let new_prefix = &leaves[..usize::try_from(new_size).expect("small")];
        let new_root = reference_root(new_prefix);
        for old_size in 1..=new_size {
            let old_usize = usize::try_from(old_size).expect("small");
            let old_root = reference_root(&leaves[..old_usize]);
            let proof = tree.consistency_proof(old_size, new_size, &NoLeafHashes).expect("valid sizes");
            assert_eq!(proof, reference_subproof(old_usize, new_prefix, true), "({old_size}, {new_size})");
            assert_eq!(Some(proof.len()), consistency_proof_len(old_size, new_size));
            assert_eq!(
                verify_consistency(old_size, new_size, &old_root, &new_root, &proof),
                Ok(()),
                "({old_size}, {new_size})"
            );
        }
    }
}

#[test]
fn a_proof_for_one_size_does_not_verify_for_the_next() {
    let leaves = numbered_leaves(EXHAUSTIVE_SIZE_MAX);
    let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
    for size in 1..EXHAUSTIVE_SIZE_MAX {
        let next_root = tree.root_at(size + 1, &NoLeafHashes).expect("size + 1 <= len");
        for index in 0..size {
            let proof = tree.inclusion_proof(index, size, &NoLeafHashes).expect("index < size");
            let leaf = leaves[usize::try_from(index).expect("small")];
            assert!(verify_inclusion(&leaf, index, size + 1, &proof, &next_root).is_err());
        }
    }
}

#[test]
fn leaf_hashes_are_kept_in_order() {
    let leaves = numbered_leaves(5);
    let mut tree = MerkleTree::new();
    for (expected_index, leaf) in (0u64..).zip(&leaves) {
        assert_eq!(tree.push(*leaf), expected_index);
    }
    assert_eq!(tree.leaf_hash(4, &NoLeafHashes), Ok(Some(leaves[4])));
    assert_eq!(tree.leaf_hash(5, &NoLeafHashes), Ok(None));
    assert!(!tree.is_empty());
}

#[test]
fn inclusion_proof_for_a_leaf_past_the_tree_size_is_refused() {
    let tree = MerkleTree::from_leaf_hashes(numbered_leaves(8));
    check_err(tree.inclusion_proof(5, 5, &NoLeafHashes), expect!["err leaf index 5 is not below the tree size 5"]);
    check_err(tree.inclusion_proof(0, 0, &NoLeafHashes), expect!["err leaf index 0 is not below the tree size 0"]);
}

#[test]
fn proofs_for_a_size_past_the_tree_length_are_refused() {
    let tree = MerkleTree::from_leaf_hashes(numbered_leaves(8));
    check_err(
        tree.inclusion_proof(0, 9, &NoLeafHashes),
        expect!["err tree size 9 is larger than the 8 leaves in the tree"],
    );
    check_err(
        tree.consistency_proof(1, 9, &NoLeafHashes),
        expect!["err tree size 9 is larger than the 8 leaves in the tree"],
    );
    check_err(tree.root_at(9, &NoLeafHashes), expect!["err tree size 9 is larger than the 8 leaves in the tree"]);
}

#[test]
fn consistency_proof_from_a_larger_or_empty_tree_is_refused() {
    let tree = MerkleTree::from_leaf_hashes(numbered_leaves(8));
    check_err(
        tree.consistency_proof(5, 4, &NoLeafHashes),
        expect!["err old tree size 5 is larger than new tree size 4"],
    );
    check_err(
        tree.consistency_proof(0, 4, &NoLeafHashes),
        expect!["err old tree size is 0; consistency with an empty tree needs no proof"],
    );
    check_err(tree.consistency_proof(4, 4, &NoLeafHashes), expect!["ok []"]);
}

#[test]
fn verification_errors_name_what_was_wrong() {
    let leaves = numbered_leaves(8);
    let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
    let root = tree.root();
    let proof = tree.inclusion_proof(2, 8, &NoLeafHashes).expect("valid");
    check_err(verify_inclusion(&leaves[2], 2, 8, &proof[..2], &root), expect!["err proof has 2 hashes, expected 3"]);
    check_err(
        verify_inclusion(&leaves[3], 2, 8, &proof, &root),
        expect!["err proof leads to root 37390154c7bfd17b0138711b294e40f922d3624d48bb7da53f27c69062b427ee, expected b15acd8b1ccf7a9b81c04f69b27e5cabd67e90be0e6ff6a4d1ed87004a4f0cc1"],
    );
    let old_root = tree.root_at(3, &NoLeafHashes).expect("valid");
    let consistency = tree.consistency_proof(3, 8, &NoLeafHashes).expect("valid");
    check_err(
        verify_consistency(3, 8, &root, &root, &consistency),
        expect!["err proof leads to old root 9b4965f8b220ba42f7039ad0781c966cf90bb1aea15a80586d634b322ab1f4ce, expected b15acd8b1ccf7a9b81c04f69b27e5cabd67e90be0e6ff6a4d1ed87004a4f0cc1"],
    );
    check_err(
        verify_consistency(3, 8, &old_root, &old_root, &consistency),
        expect!["err proof leads to new root b15acd8b1ccf7a9b81c04f69b27e5cabd67e90be0e6ff6a4d1ed87004a4f0cc1, expected 9b4965f8b220ba42f7039ad0781c966cf90bb1aea15a80586d634b322ab1f4ce"],
    );
    check_err(
        verify_consistency(3, 3, &old_root, &root, &[]),
        expect!["err trees of equal size 3 have different roots"],
    );
    check_err(
        verify_consistency(9, 8, &old_root, &root, &[]),
        expect!["err old tree size 9 is larger than new tree size 8"],
    );
}

/// A tree of 1..=200 numbered leaves and a valid (index, size) or
/// (old, new) pair inside it.
fn tree_and_pair() -> impl Strategy<Value = (u64, u64, u64)> {
    (1u64..=200).prop_flat_map(|len| (Just(len), 1..=len)).prop_flat_map(|(len, size)| (Just(len), Just(size), 0..size))
}

fn flip_bit(hash: &mut Hash, bit: usize) {
    hash[bit / 8 % 32] ^= 1 << (bit % 8);
}

proptest! {
    #[test]
    fn a_flipped_bit_in_an_inclusion_proof_root_or_leaf_is_rejected(
        (len, size, index) in tree_and_pair(),
        target in 0usize..3,
        position in any::<usize>(),
        bit in 0usize..256,
    ) {
        let leaves = numbered_leaves(len);
        let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
        let mut proof = tree.inclusion_proof(index, size, &NoLeafHashes).expect("index < size <= len");
        let mut root = tree.root_at(size, &NoLeafHashes).expect("size <= len");
        let mut leaf = leaves[usize::try_from(index).expect("small")];
        prop_assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));
        match target {
            0 if !proof.is_empty() => {
                let element = position % proof.len();
                flip_bit(&mut proof[element], bit);
            }
            1 => flip_bit(&mut root, bit),
            _ => flip_bit(&mut leaf, bit),
        }
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &root).is_err());
    }

    #[test]
    fn a_flipped_bit_in_a_consistency_proof_or_either_root_is_rejected(
        (len, new_size, old_size_minus_one) in tree_and_pair(),
        target in 0usize..3,
        position in any::<usize>(),
        bit in 0usize..256,
    ) {
        let old_size = old_size_minus_one + 1;
        let tree = MerkleTree::from_leaf_hashes(numbered_leaves(len));
        let mut proof = tree.consistency_proof(old_size, new_size, &NoLeafHashes).expect("valid sizes");
        let mut old_root = tree.root_at(old_size, &NoLeafHashes).expect("old_size <= len");
        let mut new_root = tree.root_at(new_size, &NoLeafHashes).expect("new_size <= len");
        prop_assert_eq!(
            verify_consistency(old_size, new_size, &old_root, &new_root, &proof),
            Ok(())
        );
        match target {
            0 if !proof.is_empty() => {
                let element = position % proof.len();
                flip_bit(&mut proof[element], bit);
            }
            1 => flip_bit(&mut old_root, bit),
            _ => flip_bit(&mut new_root, bit),
        }
        prop_assert!(
            verify_consistency(old_size, new_size, &old_root, &new_root, &proof).is_err()
        );
    }

    #[test]
    fn verifiers_never_panic_on_arbitrary_sizes_and_proof_lengths(
        first in any::<u64>(),
        second in any::<u64>(),
        proof_len in 0usize..80,
        seed in any::<u8>(),
    ) {
        let proof: Vec<Hash> = (0..proof_len).map(|i| [seed ^ (i as u8); 32]).collect();
        let root = [seed; 32];
        let _ = verify_inclusion(&root, first, second, &proof, &root);
        let _ = verify_consistency(first, second, &root, &root, &proof);
        let _ = inclusion_proof_len(first, second);
        let _ = consistency_proof_len(first, second);
    }

    #[test]
    fn incremental_and_batch_roots_agree(len in 0u64..300) {
        let leaves = numbered_leaves(len);
        let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
        prop_assert_eq!(tree.root(), root_from_leaf_hashes(&leaves));
        prop_assert!(tree.invariant_holds());
    }
}

#[test]
fn verifiers_accept_the_largest_sizes_without_overflow() {
    let hash = [7; 32];
    let size_max = u64::MAX;
    let expected = inclusion_proof_len(size_max - 1, size_max).expect("index < size");
    assert_eq!(expected, 63);
    let proof = vec![hash; expected];
    assert!(matches!(
        verify_inclusion(&hash, size_max - 1, size_max, &proof, &hash),
        Err(ProofError::RootMismatch { .. })
    ));
    let expected = consistency_proof_len(size_max - 1, size_max).expect("old < new");
    let proof = vec![hash; expected];
    assert!(matches!(
        verify_consistency(size_max - 1, size_max, &hash, &hash, &proof),
        Err(ProofError::OldRootMismatch { .. })
    ));
}
