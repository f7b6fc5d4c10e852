//! GeoJSON geometries (RFC 7946): positions are `[longitude, latitude]`, WGS84.
//!
//! Parsed once at the edge of the domain: a `LineString` or `Polygon` that exists has
//! finite, in-range coordinates and a bounded number of vertices. Distances are geodesic on
//! the WGS84 ellipsoid (Karney's algorithm, via geographiclib-rs); this module does no
//! spatial indexing.

use geographiclib_rs::{Geodesic, InverseGeodesic};
use serde::{Deserialize, Serialize};

use crate::{
    vocab::error::DomainError,
    vocab::limits::{RINGS_MAX, VERTICES_MAX},
};

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

/// Geodesic distance in metres between two positions on the WGS84 ellipsoid.
pub fn geodesic_distance_m(a: Position, b: Position) -> f64 {
    Geodesic::wgs84().inverse(a.lat, a.lon, b.lat, b.lon)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeometry<C> {
    #[serde(rename = "type")]
    kind: String,
    coordinates: C,
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawGeometry<Vec<Position>>")]
pub struct LineString {
    positions: Vec<Position>,
}

impl LineString {
    /// # Errors
    /// Fewer than 2 positions, too many, or a route of zero length.
    pub fn new(positions: Vec<Position>) -> Result<LineString, DomainError> {
        if positions.len() < 2 {
            return Err(DomainError::LineStringTooShort { count: positions.len() });
        }
        if positions.len() > VERTICES_MAX {
            return Err(DomainError::TooManyVertices { count: positions.len(), count_max: VERTICES_MAX });
        }
        let line = LineString { positions };
        if line.length_m().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
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
}

impl TryFrom<RawGeometry<Vec<Position>>> for LineString {
    type Error = DomainError;
    fn try_from(raw: RawGeometry<Vec<Position>>) -> Result<LineString, DomainError> {
        if raw.kind != "LineString" {
            return Err(crate::vocab::refusal::note(DomainError::GeometryType {
                expected: "LineString",
                found: raw.kind,
            }));
        }
        LineString::new(raw.coordinates).map_err(crate::vocab::refusal::note)
    }
}

impl Serialize for LineString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        GeometryOut { kind: "LineString", coordinates: &self.positions }.serialize(serializer)
    }
}

/// A GeoJSON Polygon: an outer ring and optional holes.
///
/// Invariant: 1..=RINGS_MAX rings, each closed with at least 4 positions, at most
/// VERTICES_MAX positions in all.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawGeometry<Vec<Vec<Position>>>")]
pub struct Polygon {
    rings: Vec<Vec<Position>>,
}

impl Polygon {
    /// # Errors
    /// No ring, too many rings or vertices, a ring under 4 positions or not closed.
    pub fn new(rings: Vec<Vec<Position>>) -> Result<Polygon, DomainError> {
        if rings.is_empty() {
            return Err(DomainError::PolygonEmpty);
        }
        if rings.len() > RINGS_MAX {
            return Err(DomainError::TooMany { field: "rings", len: rings.len(), len_max: RINGS_MAX });
        }
        let count: usize = rings.iter().map(Vec::len).sum();
        if count > VERTICES_MAX {
            return Err(DomainError::TooManyVertices { count, count_max: VERTICES_MAX });
        }
        for ring in &rings {
            if ring.len() < 4 {
                return Err(DomainError::RingTooShort { count: ring.len() });
            }
            if ring.first() != ring.last() {
                return Err(DomainError::RingNotClosed);
            }
        }
        Ok(Polygon { rings })
    }

    pub fn rings(&self) -> &[Vec<Position>] {
        &self.rings
    }

    pub fn exterior(&self) -> &[Position] {
        &self.rings[0]
    }
}

impl TryFrom<RawGeometry<Vec<Vec<Position>>>> for Polygon {
    type Error = DomainError;
    fn try_from(raw: RawGeometry<Vec<Vec<Position>>>) -> Result<Polygon, DomainError> {
        if raw.kind != "Polygon" {
            return Err(crate::vocab::refusal::note(DomainError::GeometryType {
                expected: "Polygon",
                found: raw.kind,
            }));
        }
        Polygon::new(raw.coordinates).map_err(crate::vocab::refusal::note)
    }
}

impl Serialize for Polygon {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        GeometryOut { kind: "Polygon", coordinates: &self.rings }.serialize(serializer)
    }
}
