//! GeoJSON geometries (RFC 7946): positions are `[longitude, latitude]`, WGS84.
//!
//! Parsed once at the edge of the domain (`input`): a `LineString` or `Polygon` that exists
//! has finite, in-range coordinates, a bounded number of vertices and, for a zone, simple
//! rings wound as RFC 7946 says. Distances are geodesic on the WGS84 ellipsoid (Karney's
//! algorithm, via geographiclib-rs); this module does no spatial indexing.
//!
//! Input goes through the `geojson` crate (any of Geometry, Feature or FeatureCollection,
//! positions with an altitude) and the `geo` crate (ring validity, winding); `area` buffers a
//! corridor's route with `geo`. The values kept are our own compact types rather than the
//! crates' ones: they are the stable wire format of signed commands and logged events (a
//! `[lon, lat]` pair, never an altitude or foreign members), they carry their invariant
//! (a `geojson::Geometry` may be anything), and the matcher reads their rings directly.

mod area;
mod input;
mod simplify;
#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use geographiclib_rs::{Geodesic, InverseGeodesic};
use serde::{Deserialize, Serialize};

pub use area::corridor_area;
pub use input::decoding_trusted;
pub use simplify::simplified_ring;

use crate::{vocab::error::DomainError, vocab::limits::VERTICES_MAX};

/// A `[lon, lat]` pair in degrees.
///
/// Invariant: both finite, `-180 <= lon <= 180`, `-90 <= lat <= 90`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[f64; 2]", into = "[f64; 2]")]
pub struct Position {
    lon: f64,
    lat: f64,
}

impl Position {
    /// # Errors
    /// `Coordinate` for NaN, infinities and out-of-range values.
    pub fn new(lon: f64, lat: f64) -> Result<Position, DomainError> {
        // `contains` is false for NaN, so this also rejects non-finite values.
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(DomainError::Coordinate { lon, lat });
        }
        Ok(Position { lon, lat })
    }
    pub fn lon(&self) -> f64 {
        self.lon
    }
    pub fn lat(&self) -> f64 {
        self.lat
    }
}

impl TryFrom<[f64; 2]> for Position {
    type Error = DomainError;
    fn try_from(pair: [f64; 2]) -> Result<Position, DomainError> {
        Position::new(pair[0], pair[1]).map_err(crate::vocab::refusal::note)
    }
}

impl From<Position> for [f64; 2] {
    fn from(position: Position) -> [f64; 2] {
        [position.lon, position.lat]
    }
}

/// WGS84 for geographiclib, made once: `Geodesic::wgs84` works out its series' coefficients
/// on every call.
static WGS84: LazyLock<Geodesic> = LazyLock::new(Geodesic::wgs84);

/// Geodesic distance in metres between two positions on the WGS84 ellipsoid.
pub fn geodesic_distance_m(a: Position, b: Position) -> f64 {
    WGS84.inverse(a.lat, a.lon, b.lat, b.lon)
}

/// The position on the WGS84 ellipsoid as Earth-centred, Earth-fixed coordinates, in metres.
/// The straight line between two such points is no longer than any path on the surface
/// between them, so their distance apart is a lower bound of the geodesic distance, and
/// within a part in 10^7 of it for points a few kilometres apart.
pub fn ecef_m(position: Position) -> [f64; 3] {
    const A_M: f64 = 6_378_137.0;
    const F: f64 = 1.0 / 298.257_223_563;
    const E2: f64 = F * (2.0 - F);
    let (lat, lon) = (position.lat.to_radians(), position.lon.to_radians());
    // The radius of curvature in the prime vertical.
    let n_m = A_M / (1.0 - E2 * lat.sin() * lat.sin()).sqrt();
    [n_m * lat.cos() * lon.cos(), n_m * lat.cos() * lon.sin(), n_m * (1.0 - E2) * lat.sin()]
}

#[derive(Serialize)]
struct GeometryOut<'a, C> {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: &'a C,
}

/// A GeoJSON LineString: a corridor's route.
///
/// Invariant: 2..=VERTICES_MAX positions and a geodesic length above zero.
///
/// Read from a LineString geometry, or a Feature or a FeatureCollection of one feature
/// holding one (`input`).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "geojson::GeoJson")]
pub struct LineString {
    positions: Vec<Position>,
    /// How many input positions had an altitude, which was dropped; not part of the value.
    altitudes_dropped: usize,
}

impl PartialEq for LineString {
    fn eq(&self, other: &LineString) -> bool {
        self.positions == other.positions
    }
}

impl LineString {
    /// # Errors
    /// Fewer than 2 positions, too many, or a route of zero length.
    pub fn new(positions: Vec<Position>) -> Result<LineString, DomainError> {
        LineString::checked(positions, LengthTest::Tested)
    }

    /// The same, with the test of a length above zero (a geodesic per segment) left out
    /// when `length` says so: only for what `decoding_trusted` reads.
    fn checked(positions: Vec<Position>, length: LengthTest) -> Result<LineString, DomainError> {
        if positions.len() < 2 {
            return Err(DomainError::LineStringTooShort { count: positions.len() });
        }
        if positions.len() > VERTICES_MAX {
            return Err(DomainError::TooManyVertices { count: positions.len(), count_max: VERTICES_MAX });
        }
        let line = LineString { positions, altitudes_dropped: 0 };
        let tested = match length {
            LengthTest::Tested => true,
            LengthTest::Trusted => false,
        };
        if tested && line.length_m().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(DomainError::ZeroLength);
        }
        Ok(line)
    }

    pub fn positions(&self) -> &[Position] {
        &self.positions
    }

    /// Sum of the geodesic lengths of the segments, metres.
    pub fn length_m(&self) -> f64 {
        self.positions.windows(2).map(|pair| geodesic_distance_m(pair[0], pair[1])).sum()
    }

    /// How many positions of the input this was read from had an altitude, dropped
    /// (`truce_core::warnings` says so); 0 for one built or served.
    pub fn altitudes_dropped(&self) -> usize {
        self.altitudes_dropped
    }
}

/// Whether a route's length is tested to be above zero when it is read.
#[derive(Clone, Copy)]
enum LengthTest {
    Tested,
    /// Read back from what this build wrote and authenticated (`decoding_trusted`).
    Trusted,
}

impl TryFrom<geojson::GeoJson> for LineString {
    type Error = DomainError;
    fn try_from(value: geojson::GeoJson) -> Result<LineString, DomainError> {
        input::line_string(value).map_err(crate::vocab::refusal::note)
    }
}

impl Serialize for LineString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        GeometryOut { kind: "LineString", coordinates: &self.positions }.serialize(serializer)
    }
}

/// A zone's boundary: a GeoJSON Polygon (an exterior ring and any holes), or a MultiPolygon
/// of several such parts.
///
/// Invariant: 1..=RINGS_MAX rings in all, at most VERTICES_MAX positions in all; every ring
/// closed, of at least 4 positions, simple (no edge crosses or touches another of the same
/// ring); holes inside their exterior, rings of a part not crossing, parts not overlapping;
/// exteriors counter-clockwise and holes clockwise (RFC 7946 section 3.1.6), whatever the
/// input's winding. So a point is inside when an odd number of rings, of all parts, surround
/// it: the matcher's even-odd test holds for MultiPolygons as for Polygons.
///
/// Read from a Polygon or MultiPolygon geometry, a Feature holding one, or a
/// FeatureCollection whose features' polygons are the parts (`input`).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "geojson::GeoJson")]
pub struct Polygon {
    /// Every ring of every part, in order: each part's exterior, then its holes.
    rings: Vec<Vec<Position>>,
    /// How many rings each part has, in order; one part is served as a Polygon.
    parts: Vec<usize>,
    /// How many input positions had an altitude, which was dropped; not part of the value.
    altitudes_dropped: usize,
    /// Where the polygon is, for `may_be_within_m`: the box of its vertices
    /// `[min_lon, min_lat, max_lon, max_lat]`, and how far a point of an edge can be from the
    /// nearer of its ends (half the longest edge, bounded from above); `None` for a polygon
    /// that crosses the antimeridian, which a box of longitudes does not hold. Made from
    /// `rings`, so not part of the value either.
    bounds: Option<([f64; 4], f64)>,
}

/// The least radius of curvature of a WGS84 meridian, `a (1 - e²)` (at the equator): no path
/// on the ellipsoid changes latitude by an angle θ in less than this times θ.
const MERIDIAN_RADIUS_MIN_M: f64 = 6_335_439.327;
/// WGS84's equatorial radius, the least radius of curvature in the prime vertical: at
/// latitude φ, no path changes longitude by θ in less than `a cos φ θ`.
const PRIME_VERTICAL_RADIUS_MIN_M: f64 = 6_378_137.0;
/// The largest radius of curvature of WGS84, `a / sqrt(1 - e²)` (at the poles), rounded up:
/// a path that changes latitude by `dφ` and longitude by `dλ` along a meridian and a parallel
/// is at most this times `|dφ| + |dλ|` long.
const RADIUS_OF_CURVATURE_MAX_M: f64 = 6_399_594.0;
/// Beyond this latitude `may_be_within_m` does not bound longitudes.
const POLAR_REACH_DEG: f64 = 89.0;

impl PartialEq for Polygon {
    fn eq(&self, other: &Polygon) -> bool {
        self.rings == other.rings && self.parts == other.parts
    }
}

impl Polygon {
    /// The polygon of checked `rings` in `parts`; `planar` when no ring crosses the antimeridian.
    fn of(rings: Vec<Vec<Position>>, parts: Vec<usize>, planar: bool) -> Polygon {
        let bounds = planar.then(|| {
            let mut bounds = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
            let mut edge_max_m: f64 = 0.0;
            for ring in &rings {
                for position in ring {
                    bounds = [
                        bounds[0].min(position.lon()),
                        bounds[1].min(position.lat()),
                        bounds[2].max(position.lon()),
                        bounds[3].max(position.lat()),
                    ];
                }
                for pair in ring.windows(2) {
                    // Along a meridian, then a parallel: no shorter than the geodesic.
                    let turn = (pair[1].lat() - pair[0].lat()).abs() + (pair[1].lon() - pair[0].lon()).abs();
                    edge_max_m = edge_max_m.max(RADIUS_OF_CURVATURE_MAX_M * turn.to_radians());
                }
            }
            (bounds, edge_max_m / 2.0)
        });
        Polygon { rings, parts, altitudes_dropped: 0, bounds }
    }

    /// False when `position` is certainly farther than `distance_m` from the polygon (its
    /// boundary or inside) on the WGS84 ellipsoid, from the box of its vertices alone; true
    /// when only the distance itself can tell. For a cheap test before the exact one.
    ///
    /// Why it is sound: every point of an edge is within half the edge's length of one of its
    /// ends, and every point inside a polygon that does not cross the antimeridian is within
    /// the box of its boundary, so every point of the polygon is within `reach` (half the
    /// longest edge) of the vertices' box. A point within `distance_m` of the polygon is then
    /// within `d = distance_m + reach` of that box, by a path along which the latitude changes
    /// by less than `d / MERIDIAN_RADIUS_MIN_M` and, staying in that band, the longitude by
    /// less than `d / (a cos φ)`, φ the band's latitude nearest a pole.
    pub fn may_be_within_m(&self, position: Position, distance_m: f64) -> bool {
        let Some(([min_lon, min_lat, max_lon, max_lat], reach_m)) = self.bounds else {
            return true;
        };
        let far_m = (distance_m + reach_m) * (1.0 + 1e-9);
        let lat_margin = (far_m / MERIDIAN_RADIUS_MIN_M).to_degrees() + 1e-9;
        let lat = position.lat();
        if lat < min_lat - lat_margin || lat > max_lat + lat_margin {
            return false;
        }
        let lat_reach = lat.abs().max(min_lat.abs()).max(max_lat.abs()) + lat_margin;
        if lat_reach >= POLAR_REACH_DEG {
            return true;
        }
        let lon_margin = (far_m / (PRIME_VERTICAL_RADIUS_MIN_M * lat_reach.to_radians().cos())).to_degrees() + 1e-9;
        let lon = position.lon();
        // How far the longitude is from the box's, the short way round the globe.
        let outside = match (lon < min_lon, lon > max_lon) {
            (true, _) => (min_lon - lon).min(lon + 360.0 - max_lon),
            (_, true) => (lon - max_lon).min(min_lon + 360.0 - lon),
            (false, false) => 0.0,
        };
        outside <= lon_margin
    }

    /// One polygon: its exterior ring, then its holes. Wound to RFC 7946 if it is not.
    ///
    /// # Errors
    /// No ring, too many rings or vertices, a ring under 4 positions, not closed, not
    /// simple, or a hole outside the exterior.
    pub fn new(rings: Vec<Vec<Position>>) -> Result<Polygon, DomainError> {
        Polygon::multi(vec![rings])
    }

    /// Several polygons, each its exterior ring then its holes, served as a MultiPolygon
    /// when there are two or more.
    ///
    /// # Errors
    /// As `new` for each part, and parts that overlap or touch.
    pub fn multi(parts: Vec<Vec<Vec<Position>>>) -> Result<Polygon, DomainError> {
        let paths = input::RingPaths::of_geometry(parts.len() > 1);
        input::polygon_of_parts(parts, &paths)
    }

    /// Every ring of every part: what the even-odd inside test reads.
    pub fn rings(&self) -> &[Vec<Position>] {
        &self.rings
    }

    /// The exterior ring of the first part.
    pub fn exterior(&self) -> &[Position] {
        &self.rings[0]
    }

    /// The parts, each its exterior ring then its holes.
    pub fn parts(&self) -> impl Iterator<Item = &[Vec<Position>]> {
        let mut start = 0;
        self.parts.iter().map(move |count| {
            let part = &self.rings[start..start + count];
            start += count;
            part
        })
    }

    /// How many positions of the input this was read from had an altitude, dropped
    /// (`truce_core::warnings` says so); 0 for one built or served.
    pub fn altitudes_dropped(&self) -> usize {
        self.altitudes_dropped
    }
}

impl TryFrom<geojson::GeoJson> for Polygon {
    type Error = DomainError;
    fn try_from(value: geojson::GeoJson) -> Result<Polygon, DomainError> {
        input::polygon(value).map_err(crate::vocab::refusal::note)
    }
}

impl Serialize for Polygon {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.parts.len() {
            1 => GeometryOut { kind: "Polygon", coordinates: &self.rings }.serialize(serializer),
            _ => {
                let parts: Vec<&[Vec<Position>]> = self.parts().collect();
                GeometryOut { kind: "MultiPolygon", coordinates: &parts }.serialize(serializer)
            }
        }
    }
}
