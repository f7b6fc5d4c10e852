//! GeoJSON in: what a client pastes where a geometry is expected, read with the `geojson`
//! crate and checked with the `geo` crate, into our own compact types.
//!
//! Accepted: a bare geometry, a Feature holding one, or a FeatureCollection (one feature for
//! a route; for a zone, each feature's Polygon or MultiPolygon is one or more parts).
//! Positions may carry an altitude (GeoJSON allows a third number): it is dropped, and
//! counted so that the reply can say so. Rings are checked in planar longitude/latitude, as
//! RFC 7946 defines winding: closed, at least 4 positions and 3 distinct, in range, simple,
//! holes inside their exterior and not crossing, parts not overlapping; then wound exterior
//! counter-clockwise, holes clockwise. A bad ring is refused with its path inside the value
//! given (`features[2].geometry.coordinates[0][1]`). A zone with an edge across the
//! antimeridian (or around a pole) means nothing in that plane: RFC 7946 asks that such
//! geometries be cut, but the matcher reads rings on the sphere, so it is kept as given,
//! checked for range, closure and length only.

use geo::{
    validation::{InvalidMultiPolygon, InvalidPolygon, RingRole},
    Validation, Winding,
};
use geojson::{GeoJson, GeometryValue};
use std::cell::Cell;

use super::{LengthTest, LineString, Polygon, Position};
use crate::vocab::{
    error::{DomainError, RingProblem},
    limits::{RINGS_MAX, VERTICES_MAX},
};

/// The path of each part's rings inside the value given: ring `r` of part `p` is
/// `{prefixes[p]}[r]`.
pub(super) struct RingPaths {
    prefixes: Vec<String>,
}

impl RingPaths {
    /// For a value built in code: a Polygon's rings (`coordinates[r]`) or a MultiPolygon's
    /// (`coordinates[p][r]`).
    pub(super) fn of_geometry(multi: bool) -> RingPaths {
        RingPaths {
            prefixes: match multi {
                false => vec!["coordinates".to_owned()],
                true => Vec::new(),
            },
        }
    }

    fn ring(&self, part: usize, ring: usize) -> String {
        match self.prefixes.get(part) {
            Some(prefix) => format!("{prefix}[{ring}]"),
            None => format!("coordinates[{part}][{ring}]"),
        }
    }
}

/// Each geometry of the value with the path that leads to it (`""`, `"geometry."`,
/// `"features[3].geometry."`).
fn geometries(value: GeoJson, expected: &'static str) -> Result<Vec<(String, GeometryValue)>, DomainError> {
    let feature = |prefix: String, feature: geojson::Feature| match feature.geometry {
        Some(geometry) => Ok((format!("{prefix}geometry."), geometry.value)),
        None => Err(DomainError::GeometryType { expected, found: "a Feature without geometry".to_owned() }),
    };
    match value {
        GeoJson::Geometry(geometry) => Ok(vec![(String::new(), geometry.value)]),
        GeoJson::Feature(one) => Ok(vec![feature(String::new(), one)?]),
        GeoJson::FeatureCollection(collection) => collection
            .features
            .into_iter()
            .enumerate()
            .map(|(index, one)| feature(format!("features[{index}]."), one))
            .collect(),
    }
}

/// A GeoJSON position as ours, counting a dropped altitude.
fn position(raw: &geojson::Position, altitudes: &mut usize) -> Option<Position> {
    let [lon, lat, rest @ ..] = raw.as_slice() else {
        return None;
    };
    if !rest.is_empty() {
        *altitudes += 1;
    }
    Position::new(*lon, *lat).ok()
}

fn out_of_range(raw: &geojson::Position) -> (f64, f64) {
    let slice = raw.as_slice();
    (slice.first().copied().unwrap_or(f64::NAN), slice.get(1).copied().unwrap_or(f64::NAN))
}

/// A corridor's route: one LineString, bare, in a Feature, or in a FeatureCollection of one.
pub(super) fn line_string(value: GeoJson) -> Result<LineString, DomainError> {
    let mut geometries = geometries(value, "LineString")?;
    if geometries.len() != 1 {
        return Err(DomainError::GeometryType {
            expected: "LineString",
            found: format!("a FeatureCollection of {} features", geometries.len()),
        });
    }
    let (_, geometry) = geometries.remove(0);
    let GeometryValue::LineString { coordinates } = geometry else {
        return Err(DomainError::GeometryType { expected: "LineString", found: geometry.type_name().to_owned() });
    };
    let mut altitudes = 0;
    let positions = coordinates
        .iter()
        .map(|raw| {
            position(raw, &mut altitudes).ok_or_else(|| {
                let (lon, lat) = out_of_range(raw);
                DomainError::Coordinate { lon, lat }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // `decoding_trusted` leaves out the length test (a geodesic per segment), and only it.
    let length = if TRUSTED.with(Cell::get) { LengthTest::Trusted } else { LengthTest::Tested };
    let mut line = LineString::checked(positions, length)?;
    line.altitudes_dropped = altitudes;
    Ok(line)
}

/// A zone's boundary: the Polygons and MultiPolygons of the value, each polygon one part.
pub(super) fn polygon(value: GeoJson) -> Result<Polygon, DomainError> {
    let mut parts = Vec::new();
    let mut prefixes = Vec::new();
    let mut altitudes = 0;
    for (prefix, geometry) in geometries(value, "Polygon or MultiPolygon")? {
        let polygons = match geometry {
            GeometryValue::Polygon { coordinates } => {
                prefixes.push(format!("{prefix}coordinates"));
                vec![coordinates]
            }
            GeometryValue::MultiPolygon { coordinates } => {
                prefixes.extend((0..coordinates.len()).map(|index| format!("{prefix}coordinates[{index}]")));
                coordinates
            }
            other @ (GeometryValue::Point { .. }
            | GeometryValue::MultiPoint { .. }
            | GeometryValue::LineString { .. }
            | GeometryValue::MultiLineString { .. }
            | GeometryValue::GeometryCollection { .. }) => {
                return Err(DomainError::GeometryType {
                    expected: "Polygon or MultiPolygon",
                    found: other.type_name().to_owned(),
                })
            }
        };
        for rings in polygons {
            let part_prefix = prefixes[parts.len()].clone();
            let part = rings
                .iter()
                .enumerate()
                .map(|(ring_index, ring)| {
                    ring.iter()
                        .map(|raw| {
                            position(raw, &mut altitudes).ok_or_else(|| {
                                let (lon, lat) = out_of_range(raw);
                                DomainError::RingInvalid {
                                    ring: format!("{part_prefix}[{ring_index}]"),
                                    problem: RingProblem::OutOfRange { lon, lat },
                                }
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            parts.push(part);
        }
    }
    let mut polygon = polygon_of_parts(parts, &RingPaths { prefixes })?;
    polygon.altitudes_dropped = altitudes;
    Ok(polygon)
}

thread_local! {
    /// Set while `decoding_trusted` runs on this thread.
    static TRUSTED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `decode` with the validity test of polygons (rings that cross, parts that overlap:
/// quadratic in the vertices, most of a start from a snapshot of district outlines) and the
/// test of routes' lengths (a geodesic per segment) left out, every other check kept. Only for reading back what this build wrote and
/// authenticated itself, a projection snapshot, whose polygons were tested when their
/// commands were accepted; what does not authenticate is thrown away whatever it decoded to.
/// Its names are read once each (`interning_names`).
pub fn decoding_trusted<T>(decode: impl FnOnce() -> T) -> T {
    crate::vocab::scoped_flag::with_flag_set(&TRUSTED, || crate::vocab::text::interning_names(decode))
}

/// Checks and winds `parts` (each an exterior ring then its holes).
pub(super) fn polygon_of_parts(parts: Vec<Vec<Vec<Position>>>, paths: &RingPaths) -> Result<Polygon, DomainError> {
    if parts.is_empty() || parts.iter().any(Vec::is_empty) {
        return Err(DomainError::PolygonEmpty);
    }
    let ring_count: usize = parts.iter().map(Vec::len).sum();
    if ring_count > RINGS_MAX {
        return Err(DomainError::TooMany { field: "rings", len: ring_count, len_max: RINGS_MAX });
    }
    let count: usize = parts.iter().flatten().map(Vec::len).sum();
    if count > VERTICES_MAX {
        return Err(DomainError::TooManyVertices { count, count_max: VERTICES_MAX });
    }
    for (part_index, part) in parts.iter().enumerate() {
        for (ring_index, ring) in part.iter().enumerate() {
            if ring.len() < 4 {
                return Err(DomainError::RingTooShort { ring: paths.ring(part_index, ring_index), count: ring.len() });
            }
            if ring.first() != ring.last() {
                return Err(DomainError::RingNotClosed { ring: paths.ring(part_index, ring_index) });
            }
        }
    }
    // A part that crosses the antimeridian or surrounds a pole has no sense in the plane of
    // longitude and latitude: it is kept as given and read on the sphere (the matcher does).
    let planar = !parts.iter().flatten().any(|ring| crosses_antimeridian(ring));
    if !planar {
        let counts = parts.iter().map(Vec::len).collect();
        return Ok(Polygon::of(parts.into_iter().flatten().collect(), counts, false));
    }
    let shapes: Vec<geo::Polygon> = parts.iter().map(|part| to_geo(part)).collect();
    // `decoding_trusted` leaves out the validity test, and only it.
    let tested = !TRUSTED.with(Cell::get);
    if tested {
        for (part_index, shape) in shapes.iter().enumerate() {
            shape.check_validation().map_err(|invalid| polygon_refusal(&invalid, part_index, paths))?;
        }
    }
    if tested && shapes.len() > 1 {
        let multi = geo::MultiPolygon(shapes.clone());
        multi.check_validation().map_err(|invalid| match invalid {
            InvalidMultiPolygon::InvalidPolygon(index, invalid) => polygon_refusal(&invalid, index.0, paths),
            InvalidMultiPolygon::ElementsOverlaps(a, b) | InvalidMultiPolygon::ElementsTouchOnALine(a, b) => {
                DomainError::RingInvalid {
                    ring: paths.ring(b.0, 0),
                    problem: RingProblem::Overlaps { other: paths.ring(a.0, 0) },
                }
            }
        })?;
    }
    let mut rings = Vec::with_capacity(ring_count);
    let mut counts = Vec::with_capacity(parts.len());
    for (part, shape) in parts.iter().zip(shapes) {
        counts.push(part.len());
        rings.extend(wound(part, &shape));
    }
    Ok(Polygon::of(rings, counts, true))
}

/// An edge between longitudes more than 180° apart: the short way round crosses the
/// antimeridian.
fn crosses_antimeridian(ring: &[Position]) -> bool {
    ring.windows(2).any(|pair| (pair[0].lon() - pair[1].lon()).abs() > 180.0)
}

fn to_geo(part: &[Vec<Position>]) -> geo::Polygon {
    let ring = |ring: &Vec<Position>| -> geo::LineString {
        ring.iter().map(|position| geo::coord! { x: position.lon(), y: position.lat() }).collect()
    };
    geo::Polygon::new(ring(&part[0]), part[1..].iter().map(ring).collect())
}

/// `part`'s rings wound as RFC 7946 says (section 3.1.6): the exterior counter-clockwise,
/// holes clockwise; a ring is reversed where it is not, so every position stays the one
/// given, bit for bit.
fn wound(part: &[Vec<Position>], shape: &geo::Polygon) -> Vec<Vec<Position>> {
    let shape_rings = std::iter::once(shape.exterior()).chain(shape.interiors());
    part.iter()
        .zip(shape_rings)
        .enumerate()
        .map(|(index, (ring, shape_ring))| {
            let want_ccw = index == 0;
            match shape_ring.is_ccw() == want_ccw {
                true => ring.clone(),
                false => ring.iter().rev().copied().collect(),
            }
        })
        .collect()
}

fn polygon_refusal(invalid: &InvalidPolygon, part: usize, paths: &RingPaths) -> DomainError {
    let path = |role: &RingRole| match role {
        RingRole::Exterior => paths.ring(part, 0),
        RingRole::Interior(index) => paths.ring(part, index + 1),
    };
    let (role, problem) = match invalid {
        InvalidPolygon::TooFewPointsInRing(role) => (role, RingProblem::Degenerate),
        InvalidPolygon::SelfIntersection(role) => (role, RingProblem::SelfIntersection),
        InvalidPolygon::NonFiniteCoord(role, _) => (role, RingProblem::OutOfRange { lon: f64::NAN, lat: f64::NAN }),
        InvalidPolygon::InteriorRingNotContainedInExteriorRing(role) => (role, RingProblem::HoleOutside),
        InvalidPolygon::IntersectingRingsOnALine(a, b) | InvalidPolygon::IntersectingRingsOnAnArea(a, b) => {
            (b, RingProblem::Crosses { other: path(a) })
        }
    };
    DomainError::RingInvalid { ring: path(role), problem }
}
