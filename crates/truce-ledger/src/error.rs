//! The error types of this crate, one per area: canonical encoding, keys and
//! entries share `LedgerError`; Merkle proofs have `ProofError`; signed notes
//! and checkpoints have `NoteError`.
//!
//! Variants carry the offending data rather than preformatted strings, so
//! callers can match on them; none of them wraps an I/O error because this
//! crate does no I/O.

use crate::Hash;

/// Errors from canonical JSON, keys, signatures and ledger entries.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("integer {number} is outside ±(2^53 - 1), so canonical json would change its value")]
    NumberOutOfRange { number: String },
    #[error("json nests deeper than {depth_max} arrays and objects")]
    JsonTooDeep { depth_max: usize },
    #[error("text is not valid json")]
    InvalidJson(#[source] serde_json::Error),
    #[error("text is not canonical json (rfc 8785)")]
    NotCanonical,
    #[error("{what} is not valid padded standard base64")]
    InvalidBase64 {
        what: &'static str,
        #[source]
        source: base64::DecodeError,
    },
    #[error("{what} has {len} bytes, expected {expected}")]
    WrongLength { what: &'static str, len: usize, expected: usize },
    #[error("public key is not a valid ed25519 point")]
    InvalidPublicKey,
    #[error("public key has small order and cannot check signatures")]
    WeakPublicKey,
    #[error("signature does not verify")]
    BadSignature,
    #[error("key file is not a json object with exactly kind, public_key and secret_key")]
    KeyFileMalformed(#[source] serde_json::Error),
    #[error("key file kind is {kind:?}, expected {expected:?}")]
    KeyFileKind { kind: String, expected: &'static str },
    #[error("key file public key does not belong to its secret key")]
    KeyFileMismatch,
    #[error("key file is not an Ed25519 PKCS#8 key: {0}")]
    KeyFilePkcs8(String),
    #[error("key file is encrypted: a passphrase is needed")]
    KeyFilePassphraseNeeded,
    #[error("key file does not decrypt with this passphrase, or is damaged")]
    KeyFileDecrypt,
    #[error("entry is {len} bytes, at most {len_max} allowed")]
    EntryTooLarge { len: usize, len_max: usize },
    #[error("entry is not a json object")]
    EntryNotObject,
    #[error("entry has no field {field:?}")]
    EntryMissingField { field: &'static str },
    #[error("entry has the unexpected field {field:?}")]
    EntryUnknownField { field: String },
    #[error("entry field {field:?} is not {expected}")]
    EntryFieldType { field: &'static str, expected: &'static str },
    #[error("entry field {field:?} is invalid")]
    EntryField {
        field: &'static str,
        #[source]
        source: Box<LedgerError>,
    },
    #[error("timestamp {text:?} is not rfc 3339 utc like 2016-12-12T10:00:00Z")]
    InvalidTimestamp { text: String },
    #[error("sealed entry parties are malformed: {problem}")]
    SealedParties { problem: &'static str },
    #[error("sealed entry ciphertext is not an age file")]
    SealedCiphertext(#[source] age::DecryptError),
    #[error("cannot seal the entry")]
    Encrypt(#[source] age::EncryptError),
    #[error("the sealed entry does not decrypt with this identity")]
    Decrypt(#[source] age::DecryptError),
    #[error("the decrypted content is not a canonical {{content, salt}} object")]
    SealedContent {
        #[source]
        source: Box<LedgerError>,
    },
    #[error("the decrypted content does not match the envelope's commitment")]
    CommitmentMismatch,
    #[error("encryption key {text:?} is not an age x25519 recipient (age1...)")]
    InvalidEncryptionKey { text: String },
    #[error("age identity file is malformed: {problem}")]
    AgeIdentityFile { problem: &'static str },
}

impl LedgerError {
    /// Whether this is the error of opening a sealed entry with an identity that is not
    /// among its recipients (rather than of a damaged or forged one).
    pub fn is_not_a_recipient(&self) -> bool {
        matches!(self, LedgerError::Decrypt(age::DecryptError::NoMatchingKeys))
    }
}

/// Errors from making or checking Merkle inclusion and consistency proofs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {leaf_index} is not below the tree size {tree_size}")]
    LeafIndexOutOfRange { leaf_index: u64, tree_size: u64 },
    #[error("tree size {tree_size} is larger than the {len} leaves in the tree")]
    TreeSizeBeyondTree { tree_size: u64, len: u64 },
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizesOutOfOrder { old_size: u64, new_size: u64 },
    #[error("old tree size is 0; consistency with an empty tree needs no proof")]
    OldTreeEmpty,
    #[error("proof has {len} hashes, expected {expected}")]
    WrongProofLength { len: usize, expected: usize },
    #[error("trees of equal size {size} have different roots")]
    EqualSizesDifferentRoots { size: u64 },
    #[error(
        "proof leads to root {}, expected {}",
        hex::encode(.computed),
        hex::encode(.expected)
    )]
    RootMismatch { computed: Hash, expected: Hash },
    #[error(
        "proof leads to old root {}, expected {}",
        hex::encode(.computed),
        hex::encode(.expected)
    )]
    OldRootMismatch { computed: Hash, expected: Hash },
    #[error(
        "proof leads to new root {}, expected {}",
        hex::encode(.computed),
        hex::encode(.expected)
    )]
    NewRootMismatch { computed: Hash, expected: Hash },
    /// A shedding tree (`MerkleTree::shedding`) needed hashes it had let go of, and could not
    /// read their leaves back.
    #[error("the hashes of leaves {start}.. ({count}) could not be read back: {reason}")]
    LeavesUnread { start: u64, count: u64, reason: String },
}

/// Errors from signing, parsing and opening signed notes and checkpoints.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error("note is {len} bytes, at most {len_max} allowed")]
    TooLarge { len: usize, len_max: usize },
    #[error("note has a control character at byte {offset}; only newline is allowed")]
    ControlCharacter { offset: usize },
    #[error("note does not end with a newline")]
    MissingFinalNewline,
    #[error("note has no blank line followed by signature lines")]
    MissingSignatures,
    #[error("note line {line_no} is not a signature line \"— <key name> <base64>\"")]
    MalformedSignatureLine { line_no: usize },
    #[error("note has {count} signatures, at most {count_max} allowed")]
    TooManySignatures { count: usize, count_max: usize },
    #[error("key name {name:?} is empty or contains a space or a plus sign")]
    InvalidKeyName { name: String },
    #[error("verifier key is not <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte key>")]
    MalformedVerifierKey,
    #[error("verifier key has signature type {found:#04x}, expected 0x01 (ed25519)")]
    UnsupportedSignatureType { found: u8 },
    #[error("verifier key id {found} does not match its name and key, expected {expected}")]
    VerifierKeyIdMismatch { found: String, expected: String },
    #[error("verifier key holds an invalid public key")]
    InvalidVerifierPublicKey(#[source] LedgerError),
    #[error("signature by {name} does not verify")]
    BadSignature { name: String },
    #[error("note has no signature by {name} with key id {key_id}")]
    NotSignedByKey { name: String, key_id: String },
    #[error("origin {origin:?} is empty or contains a control character")]
    InvalidOrigin { origin: String },
    #[error("checkpoint has {count} lines, expected exactly 3: origin, tree size and root hash")]
    WrongLineCount { count: usize },
    #[error("checkpoint has an empty line")]
    EmptyLine,
    #[error("tree size {text:?} is not a decimal 64-bit number without leading zeros")]
    InvalidTreeSize { text: String },
    #[error("root hash {text:?} is not base64 of 32 bytes")]
    InvalidRootHash { text: String },
}
