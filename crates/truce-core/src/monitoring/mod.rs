//! Monitoring: incidents and their sources' claims, grades, statements (and outside
//! bodies' mandates and resolutions) about any record, readings of agreement versions,
//! counted observations, population estimates, passages, reported totals, convoys and
//! humanitarian notifications. `model` holds the values (with `statement` and
//! `observation`), `record` what has been recorded (nothing overwritten), `index` the
//! incidents by start, place and kind (derived, for reads), `side_by_side`
//! every organisation's figures of one thing beside the others', and `decide` the rules for
//! the monitoring commands.
//!
//! What the record means against the agreements (violations) is derived in `projection`.

pub(crate) mod decide;
pub(crate) mod index;
pub(crate) mod model;
pub(crate) mod observation;
pub(crate) mod record;
pub(crate) mod side_by_side;
pub(crate) mod statement;
