//! A corridor as an area: its route buffered by its half-width, for GIS users and alert
//! areas (CAP's `<polygon>`), beside the centre-line the record keeps.
//!
//! The `geo` crate's buffer works in the plane, in the units of its coordinates, and degrees
//! are not metres (nor the same length east and north). So the route is first projected to
//! an azimuthal equidistant plane about its centre (geodesic distance and azimuth from the
//! centre, exact on the WGS84 ellipsoid, via geographiclib-rs), buffered there in metres
//! with round joins and caps, and brought back by the direct geodesic. Distances from the
//! centre are exact and others are distorted by well under one percent within a few hundred
//! kilometres, which is the size of a corridor; an offset curve computed geodesically
//! vertex by vertex would be ours to get right at every join, for no gain at that scale.

use geo::Buffer;
use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};

use super::{LineString, Polygon, Position};
use crate::vocab::error::DomainError;

/// The area within `half_width_m` of `route`: a Polygon (a MultiPolygon only if the buffer
/// falls apart, which a connected route does not).
///
/// # Errors
/// `TooManyVertices` for a route whose buffer would have more vertices than a zone may.
pub fn corridor_area(route: &LineString, half_width_m: f64) -> Result<Polygon, DomainError> {
    let geodesic = Geodesic::wgs84();
    let positions = route.positions();
    let centre = centre_of(positions);
    let plane: geo::LineString = positions
        .iter()
        .map(|position| {
            let (distance_m, azimuth, _, _) =
                geodesic.inverse(centre.lat(), centre.lon(), position.lat(), position.lon());
            let radians = f64::to_radians(azimuth);
            geo::coord! { x: distance_m * radians.sin(), y: distance_m * radians.cos() }
        })
        .collect();
    let buffered = plane.buffer(half_width_m);
    let back = |coord: &geo::Coord| -> Result<Position, DomainError> {
        let distance_m = coord.x.hypot(coord.y);
        let azimuth = coord.x.atan2(coord.y).to_degrees();
        let (lat, lon) = geodesic.direct(centre.lat(), centre.lon(), azimuth, distance_m);
        Position::new(lon, lat)
    };
    let parts = buffered
        .0
        .iter()
        .map(|part| {
            std::iter::once(part.exterior())
                .chain(part.interiors())
                .map(|ring| ring.0.iter().map(back).collect::<Result<Vec<_>, _>>())
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Polygon::multi(parts)
}

/// The middle of the route's bounding box, in longitude and latitude: only the projection's
/// centre, so any point near the route does.
fn centre_of(positions: &[Position]) -> Position {
    let fold = |pick: fn(&Position) -> f64| {
        positions.iter().map(pick).fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), v| (low.min(v), high.max(v)))
    };
    let (lon_low, lon_high) = fold(Position::lon);
    let (lat_low, lat_high) = fold(Position::lat);
    Position::new((lon_low + lon_high) / 2.0, (lat_low + lat_high) / 2.0).unwrap_or(positions[0])
}
