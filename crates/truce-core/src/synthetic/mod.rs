//! Synthetic scopes and incidents for measuring the matcher: the data of `benches/matcher.rs`
//! and of `truce-postgis-compare`, which must be the same to compare their figures.
//!
//! Two sets, both from a fixed seed, both in the box of the 2016 Syrian case (35.5..42.2 E,
//! 32.3..37.3 N), both with the same windows (every scope active in the week the incidents
//! fall in: 80 % all week, the others in 1 to 3 windows of 6 to 72 hours) and incidents
//! that are instants or intervals of up to 12 hours, in random order:
//!
//! - `easy` (`Set::Easy`): short corridors (2 to 10 vertices) and small zones (3 to 8),
//!   spread over about 75 km around 25 towns, about 6.5 matches per incident. Easier than
//!   the world; kept so that figures stay comparable with earlier ones.
//! - `realistic` (`Set::Realistic`): shaped like the world. Corridors follow roads, a
//!   random walk of 20 to 300 vertices 80 to 400 m apart that mostly goes straight and
//!   sometimes turns; zones are district outlines of 50 to 1,000 vertices, wiggly and
//!   star-shaped, some with a hole, some in two or three parts; scopes and incidents pile
//!   up in a few dense cities where dozens of scopes overlap; uncertainty up to 5 km. The
//!   module `realistic` gives the exact shares.
//!
//! A multi-part zone is made in one place (`realistic::multi_part_zone`), as one scope
//! whose boundary is a MultiPolygon of two or three parts (`Polygon::multi`).
//!
//! Only behind the `synthetic` feature, for benchmarks: the rest of the crate has no
//! randomness, and this has none that a run can tell from the next (the seed is fixed).
//! Deliberately not here: timing, or any use of the data.

mod easy;
pub mod realistic;

pub use easy::generate;

use crate::matcher::{IncidentProbe, Scope};

/// The scopes of the design's matcher bar.
pub const SCOPES_COUNT: usize = 10_000;
/// The incidents of the design's matcher bar.
pub const INCIDENTS_COUNT: usize = 1_000_000;

/// Scopes and incidents; an incident's or a scope's index in its `Vec` is its id.
pub struct Synthetic {
    pub scopes: Vec<Scope>,
    pub incidents: Vec<IncidentProbe>,
}

/// Which synthetic set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Set {
    Easy,
    Realistic,
}

impl Set {
    pub const ALL: [Set; 2] = [Set::Easy, Set::Realistic];

    pub fn name(self) -> &'static str {
        match self {
            Set::Easy => "easy",
            Set::Realistic => "realistic",
        }
    }

    /// `scopes_count` scopes and `incidents_count` incidents of this set.
    pub fn generate(self, scopes_count: usize, incidents_count: usize) -> Synthetic {
        match self {
            Set::Easy => easy::generate(scopes_count, incidents_count),
            Set::Realistic => realistic::generate(scopes_count, incidents_count),
        }
    }
}
