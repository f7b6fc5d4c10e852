//! Matcher tests: distances against references computed independently (a densified search
//! along the geodesic, using geographiclib's Direct and Inverse as black boxes), the bounds
//! the fast tier relies on, zones, window boundaries, and the R-tree matcher against a
//! brute-force scan, near the antimeridian and the poles as well as in mid-latitudes.

use chrono::{TimeZone, Utc};
use geographiclib_rs::{DirectGeodesic, InverseGeodesic};
use proptest::{
    prelude::*,
    test_runner::{Config, RngAlgorithm, RngSeed},
};
use rand::{rngs::StdRng, Rng, SeedableRng};

use super::*;
use crate::vocab::geometry::geodesic_distance_m;

mod brute_force;
mod buckets;
mod distances;
mod fast_tier;
mod windows;

const SEED: u64 = 0x6d61_7463_6865_7221;

/// Centres of the regions the random cases are drawn around, `[lon, lat]`: mid-latitudes
/// (Aleppo), the equator, the antimeridian, high latitudes and both poles.
const REGIONS: [[f64; 2]; 7] =
    [[37.16, 36.2], [0.0, 0.0], [180.0, 10.0], [-179.99, -45.0], [25.0, 70.0], [0.0, 89.95], [120.0, -89.9]];

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(SEED),
        ..Config::default()
    }
}

fn pos(lon: f64, lat: f64) -> Position {
    Position::new(lon, lat).expect("a test position is in range")
}

/// The point `distance_m` from `from` at `azimuth_deg`.
fn travel(from: Position, azimuth_deg: f64, distance_m: f64) -> Position {
    let (lat, lon): (f64, f64) = wgs84().direct(from.lat(), from.lon(), azimuth_deg, distance_m);
    pos(lon, lat)
}

/// The reference point-to-segment distance: the least Inverse distance over points 1/2000
/// of the segment apart, then over points 1/500 of that apart around the best. It uses no
/// azimuths, no derivatives and no iteration; it overestimates by at most the sagitta of
/// half a fine step (under 0.1 m for a 200 km segment).
fn reference_segment_distance_m(p: Position, a: Position, b: Position) -> f64 {
    let geod = wgs84();
    let (length_m, azimuth_deg, _, _): (f64, f64, f64, f64) = geod.inverse(a.lat(), a.lon(), b.lat(), b.lon());
    let at = |along_m: f64| {
        let (lat, lon): (f64, f64) = geod.direct(a.lat(), a.lon(), azimuth_deg, along_m.clamp(0.0, length_m));
        let distance_m: f64 = geod.inverse(lat, lon, p.lat(), p.lon());
        distance_m
    };
    let coarse_step_m = length_m / 2000.0;
    let mut best_along_m = 0.0;
    let mut best_m = f64::INFINITY;
    for step_idx in 0..=2000 {
        let along_m = coarse_step_m * f64::from(step_idx);
        let distance_m = at(along_m);
        if distance_m < best_m {
            best_m = distance_m;
            best_along_m = along_m;
        }
    }
    let fine_step_m = coarse_step_m / 500.0;
    for step_idx in -500..=500 {
        best_m = best_m.min(at(best_along_m + fine_step_m * f64::from(step_idx)));
    }
    best_m
}

fn reference_route_distance_m(p: Position, route: &LineString) -> f64 {
    route
        .positions()
        .windows(2)
        .map(|pair| reference_segment_distance_m(p, pair[0], pair[1]))
        .fold(f64::INFINITY, f64::min)
}

/// docs/design.md section 5: 0.5 % or 5 m, whichever is larger.
fn tolerance_m(distance_m: f64) -> f64 {
    (0.005 * distance_m).max(5.0)
}

fn at(hour: u32) -> Timestamp {
    Timestamp::from_datetime(Utc.with_ymd_and_hms(2016, 12, 12, hour, 0, 0).single().expect("a valid time"))
}

fn window(start_h: u32, end_h: u32) -> Window {
    Window::new(at(start_h), at(end_h)).expect("a valid window")
}

/// A route of `vertices_count` vertices from `start`, edges of 200 m to 20 km.
fn route_of(rng: &mut StdRng, start: Position, vertices_count: usize) -> LineString {
    let mut positions = vec![start];
    let mut azimuth_deg: f64 = rng.gen_range(0.0..360.0);
    for _ in 1..vertices_count {
        azimuth_deg += rng.gen_range(-90.0..90.0);
        let last = *positions.last().expect("a route has a start");
        positions.push(travel(last, azimuth_deg, rng.gen_range(200.0..20_000.0)));
    }
    LineString::new(positions).expect("a random route")
}
