//! Where some scopes can match: the boxes the R-tree holds for them, for asking which
//! incidents a change to those scopes can concern without matching every incident.
//!
//! The projection re-derives the violations of the incidents a change concerns
//! (`projection/raise.rs`). When an agreement act changes some commitments' active scopes,
//! the incidents whose violations can change are those that matched an old scope or match a
//! new one; matching needs the probe's box to meet the scope's box in the R-tree (the first
//! tier, `Matcher::matches`), so an incident whose box meets none of the changed scopes'
//! boxes has the violations it had. The boxes are made by the very code that makes the
//! tree's (`Shapes::push`, `QueryBox::from_envelope`) and the probe's (`ProbeQuery`), so the
//! test here can only say "may match" where the tree would.
//!
//! The same boxes tell the server's planner where an incident can have a violation of a
//! commitment (`State::commitment_violations_reach`), and, made for a notified site or
//! movement, the projection which incidents a new notification can reach
//! (`incidents_reached_by`): grown by the largest uncertainty of an incident and read back as
//! longitudes and latitudes (`Reach::lon_lat_boxes`, whose comments give the argument), they
//! hold every incident whose probe's box can meet one.

use super::{
    cap_growth_with, pieces, tree::QueryBox, Arc, CapAngle, IncidentProbe, ProbeQuery, Scope, ScopeGeometry,
    ScopeWindows, Shapes, SpherePoint, BOX_EPS, F32_MARGIN, K_MAX, V3, WGS84_E2,
};
use crate::vocab::geometry::{LineString, Position};

/// The boxes of some scopes (every piece of a long corridor, as the tree has them).
#[derive(Debug, Clone, Default)]
pub struct Reach {
    boxes: Vec<QueryBox>,
}

impl Reach {
    /// Where `scopes` can match, windows aside (a scope without windows too).
    pub fn of<'a>(scopes: impl IntoIterator<Item = &'a Scope>) -> Reach {
        let mut reach = Reach::default();
        for scope in scopes {
            reach.add_geometry(&scope.geometry);
        }
        reach
    }

    /// Adds the boxes the tree would hold for `geometry`: one per piece of a long corridor.
    fn add_geometry(&mut self, geometry: &ScopeGeometry) {
        let mut scratch = Shapes::default();
        for piece in pieces(geometry) {
            let (_, envelope) = scratch.push(&piece, ScopeWindows::Spilled { start: 0, end: 0 });
            self.boxes.push(QueryBox::from_envelope(&envelope));
        }
    }

    /// These boxes, as the tree holds them.
    pub(super) fn from_boxes(boxes: Vec<QueryBox>) -> Reach {
        Reach { boxes }
    }

    pub fn is_empty(&self) -> bool {
        self.boxes.is_empty()
    }

    /// The boxes: one per piece of each scope, site and route.
    pub fn len(&self) -> usize {
        self.boxes.len()
    }

    /// Whether the probe's box meets one of the scopes' boxes: when it does not, the probe
    /// matches none of the scopes, whatever their windows.
    pub fn may_match(&self, probe: &IncidentProbe) -> bool {
        if self.boxes.is_empty() {
            return false;
        }
        let query = ProbeQuery::new(probe).query_box;
        self.boxes.iter().any(|scope_box| scope_box.meets(&query))
    }
}

/// A box of longitudes and latitudes in degrees that does not cross the antimeridian:
/// `min_lon <= max_lon`, `min_lat <= max_lat`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLatBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl LonLatBox {
    /// Whether `position` is in the box, its sides included.
    pub fn contains(&self, position: Position) -> bool {
        (self.min_lon..=self.max_lon).contains(&position.lon())
            && (self.min_lat..=self.max_lat).contains(&position.lat())
    }

    /// The part of the box within `other`, if they share a point.
    pub fn intersection(&self, other: &LonLatBox) -> Option<LonLatBox> {
        let both = LonLatBox {
            min_lon: self.min_lon.max(other.min_lon),
            min_lat: self.min_lat.max(other.min_lat),
            max_lon: self.max_lon.min(other.max_lon),
            max_lat: self.max_lat.min(other.max_lat),
        };
        (both.min_lon <= both.max_lon && both.min_lat <= both.max_lat).then_some(both)
    }
}

/// Degrees added on every side of a box read back from the sphere, for the rounding of the
/// trigonometry (far below it, but within `POLAR_LAT_DEG` of a pole, which is then taken in).
const LON_LAT_MARGIN_DEG: f64 = 1e-6;
/// Beyond this latitude a box read back reaches the pole: there the height changes too
/// slowly with the latitude for its inverse to be trusted to `LON_LAT_MARGIN_DEG`.
const POLAR_LAT_DEG: f64 = 89.9;

impl Reach {
    /// Adds the places within `radius_m` of `position` (a notified site): the box of a
    /// segment from the point to itself, buffered as a corridor's.
    pub fn add_site(&mut self, position: Position, radius_m: f64) {
        let v = SpherePoint::new(position).v;
        self.boxes.push(QueryBox::from_envelope(&Arc::new(v, v).envelope(radius_m)));
    }

    /// Adds the places within `half_width_m` of `route` (a notified movement), as the tree
    /// would hold a corridor of that route and half-width.
    pub fn add_route(&mut self, route: &LineString, half_width_m: f64) {
        self.add_geometry(&ScopeGeometry::Corridor { route: route.clone(), half_width_m });
    }

    /// Where an incident whose uncertainty is at most `uncertainty_m` must be for its
    /// probe's box to meet one of the boxes (`may_match`): each box grown by the most a
    /// probe's box grows on each axis, read back as longitudes and latitudes.
    ///
    /// `ProbeQuery` grows the probe's point `v` on axis `i` by `cap_growth_with(|v_i|,
    /// reach)`, then by `F32_MARGIN`, and rounds to `f32` (by at most 1.2e-7, less than
    /// `F32_MARGIN`). The growth is largest at `v_i = 0`, so the point of a probe whose box
    /// meets a box is within that box grown by `g = cap_growth_with(0, reach) + 2
    /// F32_MARGIN` on every axis; there `|v_i|` is at least its least on that axis of the
    /// grown box, which bounds the growth more tightly (by the cosine of the latitude, for
    /// the height), as `Arc::envelope` bounds a buffer's.
    pub fn lon_lat_boxes(&self, uncertainty_m: f64) -> Vec<LonLatBox> {
        let reach = CapAngle::new(K_MAX * uncertainty_m * (1.0 + 1e-9) + BOX_EPS);
        let growth_max = cap_growth_with(0.0, reach) + 2.0 * F32_MARGIN;
        let mut boxes = Vec::new();
        for scope_box in &self.boxes {
            let mut lower = [0.0; 3];
            let mut upper = [0.0; 3];
            for axis in 0..3 {
                let (low, high) = (f64::from(scope_box.lower[axis]), f64::from(scope_box.upper[axis]));
                let smallest = match low - growth_max <= 0.0 && 0.0 <= high + growth_max {
                    true => 0.0,
                    false => (low - growth_max).abs().min((high + growth_max).abs()),
                };
                let growth = cap_growth_with(smallest, reach) + 2.0 * F32_MARGIN;
                lower[axis] = low - growth;
                upper[axis] = high + growth;
            }
            boxes.extend(lon_lat_of(lower, upper));
        }
        boxes
    }
}

/// The longitudes and latitudes of every point of the sphere within the box
/// `[lower, upper]`: none, one box, or two either side of the antimeridian.
///
/// A point's height `z` is the sine of its conformal latitude alone, which grows with the
/// latitude, so its latitude is between those of heights `lower_z` and `upper_z`. Its
/// longitude is the angle of its `(x, y)`, which lies in the box's rectangle: a rectangle
/// that holds the origin holds every angle; any other is convex and spans less than a
/// half-turn, bounded by the angles of its corners.
fn lon_lat_of(lower: V3, upper: V3) -> Vec<LonLatBox> {
    let (z_min, z_max) = (lower[2].max(-1.0), upper[2].min(1.0));
    if z_min > z_max {
        return Vec::new();
    }
    let min_lat = match latitude_of_height(z_min) {
        lat if lat < -POLAR_LAT_DEG => -90.0,
        lat => lat - LON_LAT_MARGIN_DEG,
    };
    let max_lat = match latitude_of_height(z_max) {
        lat if lat > POLAR_LAT_DEG => 90.0,
        lat => lat + LON_LAT_MARGIN_DEG,
    };
    let spanning = |min_lon: f64, max_lon: f64| LonLatBox { min_lon, min_lat, max_lon, max_lat };
    let holds_origin = lower[0] <= 0.0 && 0.0 <= upper[0] && lower[1] <= 0.0 && 0.0 <= upper[1];
    if holds_origin {
        return vec![spanning(-180.0, 180.0)];
    }
    // The corners' angles as turns from the centre's, within a half-turn either way.
    let centre_deg = ((lower[1] + upper[1]) / 2.0).atan2((lower[0] + upper[0]) / 2.0).to_degrees();
    let corners = [(lower[0], lower[1]), (lower[0], upper[1]), (upper[0], lower[1]), (upper[0], upper[1])];
    let (mut west_off, mut east_off) = (0.0_f64, 0.0_f64);
    for (x, y) in corners {
        let off = (y.atan2(x).to_degrees() - centre_deg + 180.0).rem_euclid(360.0) - 180.0;
        west_off = west_off.min(off);
        east_off = east_off.max(off);
    }
    let span = east_off - west_off + 2.0 * LON_LAT_MARGIN_DEG;
    if span >= 360.0 {
        return vec![spanning(-180.0, 180.0)];
    }
    let west = (centre_deg + west_off - LON_LAT_MARGIN_DEG + 180.0).rem_euclid(360.0) - 180.0;
    let east = west + span;
    match (east <= 180.0, west <= -180.0) {
        (true, false) => vec![spanning(west, east)],
        // A position may give the antimeridian as 180 or as -180.
        (true, true) => vec![spanning(west, east), spanning(180.0, 180.0)],
        (false, _) => vec![spanning(west, 180.0), spanning(-180.0, east - 360.0)],
    }
}

/// The geodetic latitude, degrees, whose point's height on the sphere is `z` (within
/// [-1, 1]): the conformal latitude `asin(z)` taken back to the geodetic by its series in
/// the eccentricity (to the eighth power, whose next term is below 1e-12 degrees), which a
/// test checks against a bisection of `SpherePoint::new` itself, the mapping a probe's
/// point goes through, to within 1e-9 degrees. A bisection here cost 6 us a box; a
/// violations read converts one box per piece of every active scope.
pub(super) fn latitude_of_height(z: f64) -> f64 {
    let chi = z.clamp(-1.0, 1.0).asin();
    let [e2, e4, e6, e8] = [WGS84_E2, WGS84_E2.powi(2), WGS84_E2.powi(3), WGS84_E2.powi(4)];
    let c2 = e2 / 2.0 + 5.0 * e4 / 24.0 + e6 / 12.0 + 13.0 * e8 / 360.0;
    let c4 = 7.0 * e4 / 48.0 + 29.0 * e6 / 240.0 + 811.0 * e8 / 11_520.0;
    let c6 = 7.0 * e6 / 120.0 + 81.0 * e8 / 1_120.0;
    let c8 = 4_279.0 * e8 / 161_280.0;
    let phi = chi + c2 * (2.0 * chi).sin() + c4 * (4.0 * chi).sin() + c6 * (6.0 * chi).sin() + c8 * (8.0 * chi).sin();
    phi.to_degrees().clamp(-90.0, 90.0)
}

/// The same by bisection of `SpherePoint::new`: the reference of `latitude_of_height`.
#[cfg(test)]
pub(super) fn latitude_of_height_bisected(z: f64) -> f64 {
    let height = |lat: f64| SpherePoint::new(Position::new(0.0, lat).expect("a latitude within [-90, 90]")).v[2];
    let (mut south, mut north) = (-90.0_f64, 90.0_f64);
    for _ in 0..64 {
        let middle = (south + north) / 2.0;
        match height(middle) < z {
            true => south = middle,
            false => north = middle,
        }
    }
    (south + north) / 2.0
}
