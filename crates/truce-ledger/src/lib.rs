//! The truce ledger format: canonical JSON, Ed25519 keys and command
//! signatures, the RFC 9162 Merkle tree with its inclusion and consistency
//! proofs, signed checkpoints in the C2SP note format, and ledger entries.
//!
//! Everything here is pure computation over bytes that callers hand in: no
//! files, no database, no clock, no async. Storage lives in `truce-store`;
//! this crate only defines what is stored and how it is hashed and signed,
//! which is a versioned, stable format.

mod canonical;
mod entry;
mod error;
mod keys;
mod merkle;
mod note;
mod seal;

pub use canonical::{canonical_json, is_canonical, Canonical, JSON_DEPTH_MAX, MAX_SAFE_INTEGER};
pub use entry::{is_rfc3339_utc, leaf_hash_of, Entry, ENTRY_BYTES_MAX, ENTRY_FIELDS};
pub use error::{LedgerError, NoteError, ProofError};
pub use keys::{
    command_signing_bytes, enrolment_code_sha256, sign_command, sign_request, verify_canonical_command, verify_command,
    verify_request, PublicKey, PublicKeys, SecretKey, Signature, COMMAND_CONTEXT, KEY_FILE_KIND, PUBLIC_KEYS_KEPT_MAX,
    REQUEST_CONTEXT,
};
pub use merkle::{
    consistency_proof_len, inclusion_proof_len, leaf_hash, node_hash, root_from_leaf_hashes, verify_consistency,
    verify_inclusion, CompactRange, LeafHashes, MerkleTree, NoLeafHashes, EMPTY_ROOT,
};
pub use note::{
    key_id, open_checkpoint, open_note, verifier_key, Checkpoint, KeyId, LogKey, Verifier, NOTE_BYTES_MAX,
    SIGNATURES_PER_NOTE_MAX,
};
pub use seal::{
    AgeIdentity, EncryptionKey, LogEntry, SealedEntry, CONTENT_FIELDS, ENVELOPE_FIELDS, SALT_BYTES,
    SEALED_ENTRY_FIELDS, SEALED_PARTIES_MAX, SEAL_COMMITMENT_CONTEXT, SEAL_SIGNATURE_CONTEXT,
};

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];
