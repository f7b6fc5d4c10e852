//! The words every other module speaks: ids, bounded text, instants and intervals, GeoJSON
//! geometry with geodesic distances, named limits, and the one error type of the domain.
//!
//! Values only, and no rules beyond each value's own invariant: nothing here knows about
//! agreements, incidents or the projection.

pub(crate) mod error;
pub(crate) mod geometry;
pub(crate) mod ids;
pub(crate) mod limits;
pub mod packed;
pub(crate) mod refusal;
pub(crate) mod require;
#[cfg(feature = "schema")]
mod schema;
pub(crate) mod scoped_flag;
pub(crate) mod source;
pub(crate) mod text;
pub(crate) mod time;
