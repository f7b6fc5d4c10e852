//! One route and its half-width, indexed for the question "is this point within reach of
//! it?": the test of a humanitarian notification's movement (`projection/verification.rs`).
//!
//! `distance_to_route_m` measures every segment exactly, some 10 µs each: a road of 9,000
//! vertices cost 90 ms a point, and the point is every incident near the road, once when the
//! movement is notified and again in every derivation of its violations. Here the route is a
//! corridor in a `Matcher` of its own, in pieces of `PIECE_EDGES` edges: the R-tree hands on
//! the few pieces near the point, the conformal bracket decides most of them, and the exact
//! solution is left for points within centimetres of the edge of reach, as for a
//! commitment's corridor. The answer is `distance_to_route_m`'s up to the rounding of the
//! exact solution at the threshold (`matcher/tests` checks the matcher against it).

use std::sync::LazyLock;

use super::{distance_to_route_m, IncidentProbe, Matcher, Scope};
use crate::{
    vocab::geometry::{LineString, Position},
    vocab::time::{Timestamp, Window},
};

/// The one window of every route's scope, and the instant every probe is at: time plays no
/// part in `IndexedRoute::within`, the caller checks it.
static ALWAYS: LazyLock<(Window, Timestamp)> = LazyLock::new(|| {
    let start = Timestamp::parse("1970-01-01T00:00:00Z").expect("a fixed valid time");
    let end = Timestamp::parse("1970-01-01T00:00:01Z").expect("a fixed valid time");
    (Window::new(start, end).expect("a fixed window that ends after it starts"), start)
});

/// A route with its half-width, indexed.
pub struct IndexedRoute {
    route: LineString,
    half_width_m: f64,
    /// The route as the one scope of a matcher; `None` for a half-width the matcher refuses
    /// (past `HALF_WIDTH_M_MAX`, which `decide` refuses too, so only in a log written before
    /// that check), which is then measured exactly.
    matcher: Option<Matcher>,
}

impl IndexedRoute {
    pub fn new(route: &LineString, half_width_m: f64) -> IndexedRoute {
        let (window, _) = *ALWAYS;
        let scope = Scope::corridor(String::new(), route.clone(), half_width_m, vec![window]);
        IndexedRoute { route: route.clone(), half_width_m, matcher: scope.ok().map(|scope| Matcher::new(vec![scope])) }
    }

    /// Whether `position`, known to within `uncertainty_m`, is within the half-width of the
    /// route: `distance_to_route_m(position, route) <= half_width_m + uncertainty_m`.
    pub fn within(&self, position: Position, uncertainty_m: f64) -> bool {
        let (_, at) = *ALWAYS;
        // A probe is refused an uncertainty that is not a finite number of metres at least 0
        // (which `decide` refuses too): then as the distance compares with it.
        match (&self.matcher, IncidentProbe::new(position, uncertainty_m, at, at)) {
            (Some(matcher), Ok(probe)) => {
                let mut matched = Vec::with_capacity(1);
                matcher.matches(&probe, &mut matched);
                !matched.is_empty()
            }
            (None, _) | (_, Err(_)) => distance_to_route_m(position, &self.route) <= self.half_width_m + uncertainty_m,
        }
    }
}

impl std::fmt::Debug for IndexedRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedRoute")
            .field("vertices", &self.route.positions().len())
            .field("half_width_m", &self.half_width_m)
            .field("indexed", &self.matcher.is_some())
            .finish()
    }
}
