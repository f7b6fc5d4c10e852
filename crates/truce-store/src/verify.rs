//! Offline verification of a log: every entry's encoding, hash, signature and events, the
//! tree, the stored checkpoint and, when given, an older checkpoint's consistency.
//!
//! Verification re-runs `decide` on every command against the projection rebuilt so far,
//! so an entry whose events were edited, or whose command could never have been accepted
//! (unregistered key, replayed nonce), is caught as surely as a flipped bit. It stops at
//! the first bad entry and names it; it never writes.

use std::{fmt, path::Path};

use truce_core::{decide, State};
use truce_ledger::{
    canonical_json, leaf_hash_of, open_checkpoint, verify_consistency, Entry, Hash, MerkleTree, Verifier,
};

use crate::{error::StoreError, node::decode_entry, sqlite::SqliteLog};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries_count: u64,
    pub root: Hash,
    /// The tree size of the checkpoint stored in the log.
    pub stored_checkpoint_size: Option<u64>,
    /// The tree size of the older checkpoint given, proven consistent.
    pub older_checkpoint_size: Option<u64>,
}

/// Why a log does not verify. `seq` names the first bad entry when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    pub seq: Option<u64>,
    pub problem: String,
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "entry {seq}: {}", self.problem),
            None => f.write_str(&self.problem),
        }
    }
}

fn fail(seq: Option<u64>, problem: impl Into<String>) -> VerifyFailure {
    VerifyFailure { seq, problem: problem.into() }
}

/// Verifies the log in the SQLite file at `path` against the log's verifier key.
///
/// # Errors
/// The first problem found, naming the entry where there is one.
pub fn verify_log(
    path: &Path,
    verifier: &Verifier,
    older_checkpoint: Option<&str>,
) -> Result<VerifyReport, VerifyFailure> {
    if !path.exists() {
        return Err(fail(None, format!("{} does not exist", path.display())));
    }
    let log = SqliteLog::open_read_only(path).map_err(|err| fail(None, format!("cannot open the log: {err}")))?;
    let mut state = State::default();
    let mut tree = MerkleTree::new();
    let walk = log.for_each_entry(0, |stored| {
        let seq = stored.seq;
        let bad = |problem: String| StoreError::Corrupt { seq, problem };
        if seq != tree.len() {
            return Err(bad(format!("found where entry {} was expected (an entry is missing)", tree.len())));
        }
        if leaf_hash_of(&stored.text) != stored.leaf_hash {
            return Err(bad("its stored leaf hash does not match its text".to_owned()));
        }
        let entry = Entry::parse_canonical(&stored.text).map_err(|err| bad(format!("not a canonical entry: {err}")))?;
        if entry.seq() != seq {
            return Err(bad(format!("its text says seq {}", entry.seq())));
        }
        if entry.signer().to_base64() != stored.signer {
            return Err(bad("its signer column does not match its text".to_owned()));
        }
        if entry.verify_signature().is_err() {
            return Err(bad("the command's signature does not verify".to_owned()));
        }
        let (context, command, events) = decode_entry(&entry).map_err(bad)?;
        let decided = decide(&state, &context, &command)
            .map_err(|err| bad(format!("the command would have been refused: {err}")))?;
        // Compared as canonical text: JSON values differ in number representation
        // (`300.0` decided, `300` read back) where the canonical bytes do not.
        let decided_value = serde_json::to_value(&decided).map_err(|err| bad(err.to_string()))?;
        let decided_text = canonical_json(&decided_value).map_err(|err| bad(err.to_string()))?;
        let recorded_text = canonical_json(entry.events()).map_err(|err| bad(err.to_string()))?;
        if decided_text != recorded_text {
            return Err(bad("its events are not what the command produces".to_owned()));
        }
        state.apply(&context, &command, &events);
        tree.push(stored.leaf_hash);
        Ok(())
    });
    match walk {
        Ok(()) => {}
        Err(StoreError::Corrupt { seq, problem }) => return Err(fail(Some(seq), problem)),
        Err(err) => return Err(fail(Some(tree.len()), format!("cannot be read: {err}"))),
    }
    if let Ok(Err(report)) = log.integrity_check() {
        return Err(fail(None, format!("the database file is damaged: {report}")));
    }

    let stored_checkpoint_size = match log.latest_checkpoint() {
        Err(err) => return Err(fail(None, format!("cannot read the stored checkpoint: {err}"))),
        Ok(None) if tree.is_empty() => None,
        Ok(None) => return Err(fail(None, "the log has entries but no checkpoint")),
        Ok(Some((_, note))) => Some(check_against(&tree, verifier, &note, "the stored checkpoint")?),
    };
    let older_checkpoint_size = match older_checkpoint {
        None => None,
        Some(note) => Some(check_against(&tree, verifier, note, "the given checkpoint")?),
    };
    Ok(VerifyReport { entries_count: tree.len(), root: tree.root(), stored_checkpoint_size, older_checkpoint_size })
}

/// Opens a checkpoint and proves the log extends it; returns its tree size.
fn check_against(tree: &MerkleTree, verifier: &Verifier, note: &str, what: &str) -> Result<u64, VerifyFailure> {
    let checkpoint =
        open_checkpoint(note, verifier).map_err(|err| fail(None, format!("{what} does not open: {err}")))?;
    if checkpoint.size() > tree.len() {
        return Err(fail(
            Some(tree.len()),
            format!("missing: {what} covers {} entries but the log holds {}", checkpoint.size(), tree.len()),
        ));
    }
    if checkpoint.size() == 0 {
        return Ok(0);
    }
    let proof = tree
        .consistency_proof(checkpoint.size(), tree.len())
        .map_err(|err| fail(None, format!("cannot prove consistency with {what}: {err}")))?;
    if verify_consistency(checkpoint.size(), tree.len(), checkpoint.root(), &tree.root(), &proof).is_err() {
        return Err(fail(None, format!("the log is not consistent with {what} (tree size {})", checkpoint.size())));
    }
    Ok(checkpoint.size())
}
