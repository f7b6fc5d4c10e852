//! Errors of the storage layer.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("entry {seq} is corrupt: {problem}")]
    Corrupt { seq: u64, problem: String },
    #[error("the log holds {found} entries but its checkpoint says {expected}")]
    Truncated { found: u64, expected: u64 },
    #[error("ledger error: {0}")]
    Ledger(#[from] truce_ledger::LedgerError),
    #[error("{0}")]
    Config(String),
    #[error("the log is empty: run `truce init` first")]
    Empty,
    /// A seq or tree size past what the log's integers hold (`SEQ_MAX`); never wrapped.
    #[error("{what} {value} is past the largest seq a log can hold")]
    OutOfRange { what: &'static str, value: u64 },
}
