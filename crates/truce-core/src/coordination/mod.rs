//! Coordination: parties, forces, zones, agreements of numbered versions, corridors,
//! commitments and consents. `model` holds the terms parties agree on, `record` what the
//! ledger has established about them, `status` what those facts mean at an instant, and
//! `decide` the rules for the coordination commands; `acts` names each act on an agreement
//! by the entry that recorded it.
//!
//! Knows nothing about incidents: monitoring and the derived views that combine both halves
//! live in `monitoring` and `projection`.

pub(crate) mod acts;
pub(crate) mod decide;
pub(crate) mod model;
pub(crate) mod record;
pub(crate) mod status;
