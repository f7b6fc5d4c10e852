//! The inclusion and consistency proof vectors of transparency-dev/merkle
//! (see `vectors/README.md`), every case of which must be accepted or
//! rejected as published.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use expect_test::expect;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use truce_ledger::{leaf_hash, verify_consistency, verify_inclusion, Hash, MerkleTree, NoLeafHashes};

const INCLUSION_JSON: &str = include_str!("vectors/inclusion.json");
const CONSISTENCY_JSON: &str = include_str!("vectors/consistency.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionCase {
    file: String,
    desc: String,
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: String,
    root: String,
    proof: Vec<String>,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyCase {
    file: String,
    desc: String,
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Vec<String>,
    want_err: bool,
}

/// The RFC 6962 test tree whose leaves the vectors' happy paths use.
fn rfc6962_tree() -> MerkleTree {
    let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
    MerkleTree::from_leaf_hashes(leaves.iter().map(|text| leaf_hash(&hex::decode(text).expect("test leaf is hex"))))
}

/// A vector hash that must be a real hash (a leaf hash or a proof element).
///
/// A few vectors use values that are not 32 bytes ("", "WrongRoot"). Our
/// API cannot even hold them, so such a case counts as rejected, as the
/// reference implementation rejects a leaf hash of the wrong size and could
/// never reach a valid root through a proof element of the wrong size.
fn vector_hash(text: &str) -> Option<Hash> {
    let bytes = STANDARD.decode(text).expect("vector hashes are base64");
    Hash::try_from(bytes.as_slice()).ok()
}

/// A vector root, which the reference implementation only ever compares for
/// equality. Roots that are not 32 bytes ("don't care 1", "") become
/// stand-in hashes that preserve which roots are equal and match no real
/// hash, so that equal-size cases keep their published outcome.
fn vector_root(text: &str) -> Hash {
    vector_hash(text).unwrap_or_else(|| {
        let mut hasher = Sha256::new();
        hasher.update(b"stand-in for a vector root that is not 32 bytes:");
        hasher.update(STANDARD.decode(text).expect("vector hashes are base64"));
        hasher.finalize().into()
    })
}

fn vector_proof(proof: &[String]) -> Option<Vec<Hash>> {
    proof.iter().map(|text| vector_hash(text)).collect()
}

#[test]
fn every_published_inclusion_vector_is_accepted_or_rejected_as_published() {
    let cases: Vec<InclusionCase> = serde_json::from_str(INCLUSION_JSON).expect("inclusion vectors parse");
    let mut mismatches = Vec::new();
    let mut rejected = 0;
    for case in &cases {
        let result = match (vector_hash(&case.leaf_hash), vector_proof(&case.proof)) {
            (Some(leaf), Some(proof)) => {
                verify_inclusion(&leaf, case.leaf_index, case.tree_size, &proof, &vector_root(&case.root))
                    .map_err(|err| err.to_string())
            }
            _ => Err("not a 32-byte hash".to_owned()),
        };
        rejected += usize::from(result.is_err());
        if result.is_err() != case.want_err {
            mismatches.push(format!("{} ({}): {result:?}", case.file, case.desc));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    expect!["98 cases, 92 rejected"].assert_eq(&format!("{} cases, {rejected} rejected", cases.len()));
}

#[test]
fn every_published_consistency_vector_is_accepted_or_rejected_as_published() {
    let cases: Vec<ConsistencyCase> = serde_json::from_str(CONSISTENCY_JSON).expect("consistency vectors parse");
    let mut mismatches = Vec::new();
    let mut rejected = 0;
    for case in &cases {
        let result = match vector_proof(&case.proof) {
            Some(proof) => {
                verify_consistency(case.size1, case.size2, &vector_root(&case.root1), &vector_root(&case.root2), &proof)
                    .map_err(|err| err.to_string())
            }
            None => Err("not a 32-byte hash".to_owned()),
        };
        rejected += usize::from(result.is_err());
        if result.is_err() != case.want_err {
            mismatches.push(format!("{} ({}): {result:?}", case.file, case.desc));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    expect!["98 cases, 92 rejected"].assert_eq(&format!("{} cases, {rejected} rejected", cases.len()));
}

#[test]
fn our_proofs_equal_the_published_happy_path_proofs() {
    let tree = rfc6962_tree();
    let inclusion: Vec<InclusionCase> = serde_json::from_str(INCLUSION_JSON).expect("inclusion vectors parse");
    let mut compared = 0;
    for case in inclusion.iter().filter(|case| case.desc == "happy path") {
        assert_eq!(tree.leaf_hash(case.leaf_index, &NoLeafHashes), Ok(vector_hash(&case.leaf_hash)));
        assert_eq!(tree.root_at(case.tree_size, &NoLeafHashes), Ok(vector_root(&case.root)));
        let proof = tree
            .inclusion_proof(case.leaf_index, case.tree_size, &NoLeafHashes)
            .expect("happy paths are inside the tree");
        assert_eq!(Some(proof), vector_proof(&case.proof), "{}", case.file);
        compared += 1;
    }
    let consistency: Vec<ConsistencyCase> = serde_json::from_str(CONSISTENCY_JSON).expect("consistency vectors parse");
    for case in consistency.iter().filter(|case| case.desc == "happy path") {
        assert_eq!(tree.root_at(case.size1, &NoLeafHashes), Ok(vector_root(&case.root1)));
        assert_eq!(tree.root_at(case.size2, &NoLeafHashes), Ok(vector_root(&case.root2)));
        let proof =
            tree.consistency_proof(case.size1, case.size2, &NoLeafHashes).expect("happy paths are inside the tree");
        assert_eq!(Some(proof), vector_proof(&case.proof), "{}", case.file);
        compared += 1;
    }
    expect!["10"].assert_eq(&compared.to_string());
}
