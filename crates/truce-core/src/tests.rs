//! Unit tests of the domain, by area: values parsed at the edge, refusals by `decide`,
//! derived statuses, violations of commitments, the wire format, and properties of random
//! logs. `fixture` builds the world they run in.

pub(crate) mod fixture;
mod monitoring;
mod properties;
mod refusals;
mod statuses;
mod values;
mod violations;
mod wire;
