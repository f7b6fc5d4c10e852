//! Errors of the storage layer.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("entry {seq} is corrupt: {problem}")]
    Corrupt { seq: u64, problem: String },
    #[error("ledger error: {0}")]
    Ledger(#[from] truce_ledger::LedgerError),
    #[error("{0}")]
    Config(String),
    /// The log file is not there: `Node::open` never makes a new one (`Node::create` does).
    #[error("the log {} does not exist: it was deleted or moved (restore it from a backup; `truce init` makes a new log in a new directory)", path.display())]
    Missing { path: PathBuf },
    /// The log holds no entry, not even its genesis.
    #[error("the log {} holds no entries, not even its genesis: `truce init` was cut off, or the log was emptied", path.display())]
    Empty { path: PathBuf },
    /// The log is smaller than the checkpoint saved beside it.
    #[error("the log has {entries} entries but checkpoint {} was signed at size {size}: it was cut short or replaced", path.display())]
    CutShort { entries: u64, size: u64, path: PathBuf },
    /// The log's tree at the saved checkpoint's size has another root.
    #[error("the log has {entries} entries but its root at size {size} is not the root checkpoint {} was signed with: it was replaced", path.display())]
    Replaced { entries: u64, size: u64, path: PathBuf },
    /// The log has entries but no checkpoint is saved beside it.
    #[error("the log has {entries} entries but its checkpoint {} is missing: it was deleted, or the log was put in another's place", path.display())]
    CheckpointMissing { entries: u64, path: PathBuf },
    /// The saved checkpoint cannot be read, or is not signed by this log's key.
    #[error("checkpoint {} cannot be trusted: {problem}", path.display())]
    CheckpointInvalid { path: PathBuf, problem: String },
    #[error("cannot save checkpoint {}: {source}", path.display())]
    CheckpointSave { path: PathBuf, source: std::io::Error },
    /// A projection snapshot cannot be written; the log is untouched.
    #[error("cannot save the projection snapshot {}: {source}", path.display())]
    SnapshotSave { path: PathBuf, source: std::io::Error },
    /// The sealing key file is missing, unreadable or not an age identity.
    #[error("sealing key {} cannot be used: {problem}", path.display())]
    SealingKey { path: PathBuf, problem: String },
    /// A sealed entry does not open with the sealing key.
    #[error("entry {seq} is sealed and does not open with the sealing key {}: {problem} (the key was replaced, or the log belongs to another data directory)", path.display())]
    Unseal { seq: u64, path: PathBuf, problem: String },
    /// Confidential entries written open, before entries were sealed.
    #[error("the log holds confidential entries written in clear before sealing (seqs {seqs:?}); it is refused so that they are not served: start a new log (docs/sealing.md)")]
    UnsealedConfidential { seqs: Vec<u64> },
    /// A seq or tree size past what the log's integers hold (`SEQ_MAX`); never wrapped.
    #[error("{what} {value} is past the largest seq a log can hold")]
    OutOfRange { what: &'static str, value: u64 },
}

/// Why `Node::open` refused a log, for callers that must tell these apart from other
/// failures (the `truce` binary's exit codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogRefusal {
    /// No log, or one without even its genesis entry.
    Missing,
    /// The log does not extend the checkpoint saved beside it, or that checkpoint is gone
    /// or not the log key's: it was cut short, replaced or tampered with.
    NotExtending,
}

impl StoreError {
    /// Why storage refuses writes for now, if that is the failure: the disk (or the log's
    /// size limit) is full, or the database is read-only. The writer then refuses the batch,
    /// keeps serving reads and tries the next batch afresh, rather than stopping.
    pub fn storage_unavailable(&self) -> Option<&'static str> {
        let StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) = self else {
            return None;
        };
        match failure.code {
            rusqlite::ErrorCode::DiskFull => Some("the disk is full, or the log reached its size limit"),
            rusqlite::ErrorCode::ReadOnly => Some("the log's database is read-only"),
            rusqlite::ErrorCode::SystemIoFailure => Some("the disk failed a write (full or failing)"),
            _ => None,
        }
    }

    pub fn log_refusal(&self) -> Option<LogRefusal> {
        match self {
            StoreError::Missing { .. } | StoreError::Empty { .. } => Some(LogRefusal::Missing),
            StoreError::CutShort { .. }
            | StoreError::Replaced { .. }
            | StoreError::CheckpointMissing { .. }
            | StoreError::CheckpointInvalid { .. } => Some(LogRefusal::NotExtending),
            StoreError::Sqlite(_)
            | StoreError::Corrupt { .. }
            | StoreError::Ledger(_)
            | StoreError::Config(_)
            | StoreError::OutOfRange { .. }
            | StoreError::SealingKey { .. }
            | StoreError::Unseal { .. }
            | StoreError::UnsealedConfidential { .. }
            | StoreError::CheckpointSave { .. }
            | StoreError::SnapshotSave { .. } => None,
        }
    }
}
