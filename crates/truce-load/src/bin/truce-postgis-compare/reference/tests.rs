use expect_test::{expect, Expect};
use geographiclib_rs::{Geodesic, InverseGeodesic};
use truce_core::{matcher::ScopeGeometry, LineString, Polygon, Position};

use super::signed_distance_m;

fn position(lon: f64, lat: f64) -> Position {
    Position::new(lon, lat).expect("test positions are in range")
}

fn route(positions: &[(f64, f64)]) -> ScopeGeometry {
    let positions = positions.iter().map(|&(lon, lat)| position(lon, lat)).collect();
    ScopeGeometry::Corridor { route: LineString::new(positions).expect("a valid route"), half_width_m: 0.0 }
}

fn inverse_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    Geodesic::wgs84().inverse(a.1, a.0, b.1, b.0)
}

/// Prints the reference distance and its difference from `expected_m`, in millimetres.
#[track_caller]
fn check(at: (f64, f64), geometry: &ScopeGeometry, expected_m: f64, expect: Expect) {
    let distance_m = signed_distance_m(position(at.0, at.1), geometry);
    let actual = format!("{distance_m:.3} m, off by {:.3} mm", (distance_m - expected_m).abs() * 1000.0);
    expect.assert_eq(&actual);
}

#[test]
fn a_point_abeam_the_equator_is_its_meridian_distance_away() {
    // The equator is a geodesic, and the shortest way to it is along a meridian.
    let expected_m = inverse_m((0.5, 0.01), (0.5, 0.0));
    check((0.5, 0.01), &route(&[(0.0, 0.0), (1.0, 0.0)]), expected_m, expect!["1105.743 m, off by 0.000 mm"]);
}

#[test]
fn a_point_beyond_an_end_is_as_far_as_that_end() {
    let expected_m = inverse_m((36.5, 35.0), (36.2, 35.1));
    check((36.5, 35.0), &route(&[(36.0, 35.0), (36.2, 35.1)]), expected_m, expect!["29532.762 m, off by 0.000 mm"]);
}

#[test]
fn a_point_on_a_vertex_of_a_bent_route_is_on_it() {
    check((36.1, 35.1), &route(&[(36.0, 35.0), (36.1, 35.1), (36.3, 35.0)]), 0.0, expect!["0.000 m, off by 0.000 mm"]);
}

fn square_zone() -> ScopeGeometry {
    let ring = [(36.0, 35.0), (36.1, 35.0), (36.1, 35.1), (36.0, 35.1), (36.0, 35.0)];
    let ring = ring.iter().map(|&(lon, lat)| position(lon, lat)).collect();
    ScopeGeometry::Zone { boundary: Polygon::new(vec![ring]).expect("a valid zone") }
}

// The south edge is a geodesic about 9 km long, which bulges 1.14 m poleward of the
// parallel it starts and ends on: a point 111 m north of the parallel is 1.14 m nearer to it,
// and one 111 m south 1.14 m farther.

#[test]
fn a_point_inside_a_zone_is_the_distance_to_its_boundary_below_zero() {
    let along_meridian_m = inverse_m((36.05, 35.001), (36.05, 35.0));
    check((36.05, 35.001), &square_zone(), -along_meridian_m, expect!["-109.798 m, off by 1142.334 mm"]);
}

#[test]
fn a_point_outside_a_zone_is_the_distance_to_its_boundary() {
    let along_meridian_m = inverse_m((36.05, 34.999), (36.05, 35.0));
    check((36.05, 34.999), &square_zone(), along_meridian_m, expect!["112.083 m, off by 1142.334 mm"]);
}
