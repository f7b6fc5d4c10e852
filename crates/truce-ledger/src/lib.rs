//! truce-ledger.
