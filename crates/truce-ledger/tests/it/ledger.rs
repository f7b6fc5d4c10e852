//! A small ledger built through the public API the way the server and
//! `truce verify` use it: signed commands become entries, entries become
//! leaves, checkpoints are signed notes, and everything is checked again
//! from the bytes alone.

use rand::{rngs::StdRng, SeedableRng};
use serde_json::json;
use truce_ledger::{
    open_checkpoint, sign_command, verify_consistency, verify_inclusion, Checkpoint, Entry, Hash, LogKey, MerkleTree,
    NoLeafHashes, SecretKey, Verifier,
};

const ORIGIN: &str = "truce.example/log";
const ENTRIES_COUNT: u64 = 12;

struct Ledger {
    entry_texts: Vec<String>,
    /// Each entry's inclusion proof against the latest checkpoint, as the
    /// log hands them out; they let a verifier name the entry that is bad.
    receipts: Vec<Vec<Hash>>,
    /// Signed checkpoints after 5 entries and after all of them.
    checkpoint_notes: [String; 2],
    verifier: Verifier,
}

fn build_ledger() -> Ledger {
    let mut rng = StdRng::seed_from_u64(20161212);
    let author = SecretKey::generate(&mut rng);
    let log_key = LogKey::new(ORIGIN, SecretKey::generate(&mut rng)).expect("valid name");
    let mut tree = MerkleTree::new();
    let mut entry_texts = Vec::new();
    let mut checkpoint_notes = Vec::new();
    for seq in 0..ENTRIES_COUNT {
        let command = json!({"kind": "report_incident", "nonce": format!("n-{seq}"), "grade": seq % 3});
        let signature = sign_command(&author, &command).expect("canonicalisable");
        let accepted_at = format!("2016-12-12T10:{:02}:00Z", seq);
        let events = json!([{"type": "incident_reported", "seq": seq}]);
        let entry =
            Entry::new(seq, &accepted_at, command, author.public_key(), signature, events).expect("valid entry");
        assert_eq!(tree.push(entry.leaf_hash()), seq);
        entry_texts.push(entry.to_canonical());
        if tree.len() == 5 || tree.len() == ENTRIES_COUNT {
            let checkpoint = Checkpoint::new(ORIGIN, tree.len(), tree.root()).expect("valid origin");
            checkpoint_notes.push(log_key.sign_checkpoint(&checkpoint));
        }
    }
    let receipts = (0..ENTRIES_COUNT)
        .map(|leaf_index| tree.inclusion_proof(leaf_index, ENTRIES_COUNT, &NoLeafHashes).expect("index below size"))
        .collect();
    Ledger {
        entry_texts,
        receipts,
        checkpoint_notes: checkpoint_notes.try_into().expect("two checkpoints"),
        verifier: Verifier::parse(&log_key.verifier_key()).expect("own verifier key parses"),
    }
}

/// What `truce verify` does, from bytes alone: returns the index of the
/// first bad entry (or `None` if a checkpoint is bad) and why.
fn verify_ledger(ledger: &Ledger, entry_texts: &[String]) -> Result<(), (Option<usize>, String)> {
    let earlier =
        open_checkpoint(&ledger.checkpoint_notes[0], &ledger.verifier).map_err(|err| (None, err.to_string()))?;
    let latest =
        open_checkpoint(&ledger.checkpoint_notes[1], &ledger.verifier).map_err(|err| (None, err.to_string()))?;
    let mut tree = MerkleTree::new();
    for (index, text) in entry_texts.iter().enumerate() {
        let bad = |reason: String| (Some(index), reason);
        let entry = Entry::parse_canonical(text).map_err(|err| bad(err.to_string()))?;
        entry.verify_signature().map_err(|err| bad(err.to_string()))?;
        if entry.seq() != tree.len() {
            return Err(bad(format!("seq {} where {} belongs", entry.seq(), tree.len())));
        }
        let receipt = ledger.receipts.get(index).ok_or_else(|| bad("entry past the latest checkpoint".to_owned()))?;
        verify_inclusion(&entry.leaf_hash(), entry.seq(), latest.size(), receipt, latest.root())
            .map_err(|err| bad(err.to_string()))?;
        tree.push(entry.leaf_hash());
    }
    if tree.len() != latest.size() || tree.root() != *latest.root() {
        return Err((None, "entries do not add up to the latest checkpoint".to_owned()));
    }
    let proof =
        tree.consistency_proof(earlier.size(), latest.size(), &NoLeafHashes).map_err(|err| (None, err.to_string()))?;
    verify_consistency(earlier.size(), latest.size(), earlier.root(), latest.root(), &proof)
        .map_err(|err| (None, err.to_string()))
}

#[test]
fn a_freshly_built_ledger_verifies() {
    let ledger = build_ledger();
    assert_eq!(verify_ledger(&ledger, &ledger.entry_texts), Ok(()));
}

#[test]
fn flipping_any_byte_of_any_entry_fails_verification_and_names_that_entry() {
    let ledger = build_ledger();
    for (entry_index, text) in ledger.entry_texts.iter().enumerate() {
        for byte_index in 0..text.len() {
            let mut bytes = text.clone().into_bytes();
            // Flipping the low bit keeps ASCII as ASCII, so the text stays UTF-8.
            bytes[byte_index] ^= 0x01;
            let Ok(tampered) = String::from_utf8(bytes) else {
                continue; // Not text, so it never reaches the parser.
            };
            let mut texts = ledger.entry_texts.clone();
            texts[entry_index] = tampered;
            let result = verify_ledger(&ledger, &texts);
            let Err((bad_index, _reason)) = result else {
                panic!("byte {byte_index} of entry {entry_index} flipped and still verified");
            };
            assert_eq!(bad_index, Some(entry_index), "byte {byte_index}");
        }
    }
}

#[test]
fn dropping_or_reordering_entries_fails_verification() {
    let ledger = build_ledger();
    let mut dropped = ledger.entry_texts.clone();
    dropped.remove(3);
    assert_eq!(verify_ledger(&ledger, &dropped).map_err(|e| e.0), Err(Some(3)));
    let mut swapped = ledger.entry_texts.clone();
    swapped.swap(7, 8);
    assert_eq!(verify_ledger(&ledger, &swapped).map_err(|e| e.0), Err(Some(7)));
}

#[test]
fn a_checkpoint_from_a_forked_log_is_inconsistent() {
    let ledger = build_ledger();
    // Re-sign an honest-looking checkpoint over a history that differs in
    // entry 2: its own tree is fine, but it cannot extend the earlier one.
    let mut rng = StdRng::seed_from_u64(20161212);
    let _author = SecretKey::generate(&mut rng);
    let log_key = LogKey::new(ORIGIN, SecretKey::generate(&mut rng)).expect("valid name");
    let mut texts = ledger.entry_texts.clone();
    let forked = texts[2].replacen("n-2", "n-X", 1);
    texts[2] = forked;
    let mut tree = MerkleTree::new();
    for text in &texts {
        tree.push(truce_ledger::leaf_hash_of(text));
    }
    let checkpoint = Checkpoint::new(ORIGIN, tree.len(), tree.root()).expect("valid origin");
    let forked_note = log_key.sign_checkpoint(&checkpoint);
    let earlier = open_checkpoint(&ledger.checkpoint_notes[0], &ledger.verifier).expect("opens");
    let forked_checkpoint = open_checkpoint(&forked_note, &ledger.verifier).expect("opens");
    let proof = tree.consistency_proof(earlier.size(), forked_checkpoint.size(), &NoLeafHashes).expect("valid sizes");
    assert!(verify_consistency(
        earlier.size(),
        forked_checkpoint.size(),
        earlier.root(),
        forked_checkpoint.root(),
        &proof
    )
    .is_err());
}
