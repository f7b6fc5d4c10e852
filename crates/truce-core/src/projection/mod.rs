//! The projection: `State`, the fold of every entry of the ledger, and what is derived from
//! it: the index of active commitments' scopes, grades and violations, and the alerts each
//! entry raises.
//!
//! Layered so that nothing imports upward: `alert` and `active_scopes` know nothing of
//! `State` (the index is built from the coordination record alone); `state` holds the facts
//! and the places for what is derived; `verification` and `raise` read the state; `kept`
//! keeps each incident's grade and accused forces (derived by `verification`); `apply`
//! is the one place that runs them in order after each entry; `visibility` says which
//! entries are sealed and who is entitled to them. `warnings` reads the state for what a
//! command says that looks wrong, beside `decide`, never in it.

pub(crate) mod accounts;
pub(crate) mod active_scopes;
pub(crate) mod alert;
pub(crate) mod apply;
pub(crate) mod conditions;
pub(crate) mod decide;
pub(crate) mod kept;
pub(crate) mod nonces;
mod raise;
pub(crate) mod retraction;
pub(crate) mod state;
pub(crate) mod verification;
pub mod visibility;
pub(crate) mod warnings;
