//! Integration tests of truce-ledger through its public API: the published
//! transparency-dev Merkle vectors, and a small ledger built, signed,
//! checkpointed and verified end to end.

mod ledger;
mod merkle_vectors;
