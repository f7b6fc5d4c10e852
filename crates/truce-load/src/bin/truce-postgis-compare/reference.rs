//! A reference distance, independent of both the matcher and PostGIS, to judge a pair
//! they disagree on: at the threshold (both right within their accuracy), or which one is
//! wrong, and by how much.
//!
//! The distance from a point to a scope's route or boundary is the least geodesic distance
//! on the WGS84 ellipsoid to any point of any of its geodesic edges, found by golden-section
//! search along each edge with geographiclib's Direct and Inverse solutions: slow (about a
//! millisecond a scope) and simple, which is the point. Whether a point is inside a zone is
//! an even-odd test in a plane tangent at the point (equirectangular, edges straight):
//! right except within about 0.1 m of the boundary of a zone a few kilometres across,
//! where the distance alone decides anyway.

#[cfg(test)]
mod tests;

use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};
use truce_core::{matcher::ScopeGeometry, Position};

/// The search stops once the bracket along an edge is this short.
const BRACKET_M_MIN: f64 = 1e-6;
/// Enough halvings (by the golden ratio) to bring a 20,000 km edge under `BRACKET_M_MIN`.
const GOLDEN_ITERATIONS_MAX: usize = 120;

/// The distance in metres from `position` to a scope, negative inside a zone: the least
/// geodesic distance to the route or to the boundary, negated when inside.
pub fn signed_distance_m(position: Position, geometry: &ScopeGeometry) -> f64 {
    let distance_m = boundary_distance_m(position, geometry);
    match geometry {
        ScopeGeometry::Zone { boundary } if inside(position, boundary.rings()) => -distance_m,
        _ => distance_m,
    }
}

/// Even-odd over all rings, in a plane tangent at `position` where a degree of longitude is
/// `cos(lat)` degrees of latitude.
fn inside(position: Position, rings: &[Vec<Position>]) -> bool {
    let lon_scale = position.lat().to_radians().cos();
    let plane = |vertex: &Position| ((vertex.lon() - position.lon()) * lon_scale, vertex.lat() - position.lat());
    let mut inside = false;
    for ring in rings {
        for pair in ring.windows(2) {
            let ((xa, ya), (xb, yb)) = (plane(&pair[0]), plane(&pair[1]));
            // A ray from the origin along +x; half-open in y, so a vertex on it counts once.
            if (ya > 0.0) != (yb > 0.0) && 0.0 < xa + (xb - xa) * (0.0 - ya) / (yb - ya) {
                inside = !inside;
            }
        }
    }
    inside
}

/// The least geodesic distance in metres from `position` to the route of a corridor or to
/// the rings of a zone.
fn boundary_distance_m(position: Position, geometry: &ScopeGeometry) -> f64 {
    let geod = Geodesic::wgs84();
    let parts: Vec<&[Position]> = match geometry {
        ScopeGeometry::Corridor { route, .. } => vec![route.positions()],
        ScopeGeometry::Zone { boundary } => boundary.rings().iter().map(Vec::as_slice).collect(),
    };
    let mut best_m = f64::INFINITY;
    for part in parts {
        if let [only] = part {
            best_m = best_m.min(geod.inverse(position.lat(), position.lon(), only.lat(), only.lon()));
        }
        for pair in part.windows(2) {
            best_m = best_m.min(segment_distance_m(&geod, position, pair[0], pair[1]));
        }
    }
    best_m
}

/// The least distance from `p` to the geodesic from `a` to `b`. The distance along a
/// geodesic edge far shorter than the Earth's radius is unimodal, so golden-section search
/// finds its minimum.
fn segment_distance_m(geod: &Geodesic, p: Position, a: Position, b: Position) -> f64 {
    let (length_m, azimuth_deg, _, _): (f64, f64, f64, f64) = geod.inverse(a.lat(), a.lon(), b.lat(), b.lon());
    let distance_at = |along_m: f64| -> f64 {
        let (lat, lon): (f64, f64) = geod.direct(a.lat(), a.lon(), azimuth_deg, along_m);
        geod.inverse(lat, lon, p.lat(), p.lon())
    };
    let at_ends_m = distance_at(0.0).min(geod.inverse(b.lat(), b.lon(), p.lat(), p.lon()));
    // NaN, which geographiclib does not return for valid input, counts as no length.
    if length_m.is_nan() || length_m <= BRACKET_M_MIN {
        return at_ends_m;
    }
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut low_m, mut high_m) = (0.0, length_m);
    let mut inner_low_m = high_m - ratio * (high_m - low_m);
    let mut inner_high_m = low_m + ratio * (high_m - low_m);
    let (mut at_inner_low, mut at_inner_high) = (distance_at(inner_low_m), distance_at(inner_high_m));
    for _ in 0..GOLDEN_ITERATIONS_MAX {
        if high_m - low_m <= BRACKET_M_MIN {
            break;
        }
        if at_inner_low <= at_inner_high {
            high_m = inner_high_m;
            inner_high_m = inner_low_m;
            at_inner_high = at_inner_low;
            inner_low_m = high_m - ratio * (high_m - low_m);
            at_inner_low = distance_at(inner_low_m);
        } else {
            low_m = inner_low_m;
            inner_low_m = inner_high_m;
            at_inner_low = at_inner_high;
            inner_high_m = low_m + ratio * (high_m - low_m);
            at_inner_high = distance_at(inner_high_m);
        }
    }
    at_ends_m.min(at_inner_low).min(at_inner_high)
}
