//! Unit tests of the domain, by area: values parsed at the edge, refusals by `decide`,
//! derived statuses, violations of commitments, alerts raised by time passing, the wire
//! format, and properties of random logs. `fixture` builds the world they run in.

mod counts;
pub(crate) mod fixture;
mod incident_index;
mod keys;
// The layer check reads the crate's own sources; the library itself does no I/O.
#[allow(clippy::disallowed_methods)]
mod layers;
mod monitoring;
mod nonces;
mod notifications;
mod properties;
mod refusals;
mod reported;
mod sealing;
mod statements;
mod statuses;
mod time_alerts;
mod values;
mod verdicts;
mod violations;
mod wire;
