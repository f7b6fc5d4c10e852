//! truce-store.
