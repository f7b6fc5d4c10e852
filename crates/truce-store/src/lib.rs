//! Durable storage of the ledger and the single writer that appends to it.
//!
//! `Log` is what the node needs of a log's storage (`log.rs`, with the conformance suite every
//! backend passes); `SqliteLog` is the embedded default: one SQLite file in WAL mode with
//! `synchronous=FULL`, holding entries, their leaf hashes and signed checkpoints; the latest
//! checkpoint is also saved in a file beside it, which the log must extend to be opened.
//! `Node` owns one log: a dedicated writer thread decides commands against the projection,
//! batches the accepted ones into one durable transaction (group commit) and replies only
//! after that transaction is on disk. Confidential entries are written sealed (`sealing`),
//! so the file holds only public texts. `verify_log` checks a log offline, entry by entry.
//! `Outbox` keeps the webhook deliveries owed, in a file of its own beside the log.
//!
//! `Credentials` keeps the server's secrets (password hashes, sessions, API tokens) in a file
//! of their own, never in the log.
//!
//! This crate knows nothing about HTTP; it speaks core commands and ledger entries.

mod credentials;
mod error;
mod log;
#[cfg(test)]
mod log_conformance;
mod node;
mod outbox;
mod sealing;
mod sqlite;
mod verify;

#[cfg(test)]
mod tests;

pub use crate::{
    credentials::{Credentials, TokenRow},
    error::{LogRefusal, StoreError},
    node::{
        context_of, decode_entry, metric, save_checkpoint, AcceptedEntry, Clock, KnownState, Node, NodeConfig, Receipt,
        Submission, SubmissionError, SubmitError, SystemClock, BATCH_ENTRIES_MAX, CHAIN_LEN_MAX,
        KNOWN_AT_STATES_CACHED_MAX, QUEUE_DEPTH_MAX, SNAPSHOT_EVERY_ENTRIES, TREE_RECENT_LEAVES, TREE_SHED_BELOW,
    },
    outbox::{Outbox, Pending, SubscriptionRow},
    sealing::{create_sealing_identity, read_sealing_identity, SEALED_SIGNER_COLUMN},
    sqlite::{fold_wal, snapshot_database, StoredEntry, SEQ_MAX},
    verify::{verify_log, verify_log_with_progress, Progress, VerifyFailure, VerifyReport, PROGRESS_EVERY},
};
