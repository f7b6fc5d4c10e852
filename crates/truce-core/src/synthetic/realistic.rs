//! The realistic set: roads, district outlines and dense cities.
//!
//! - Cities: `CITIES_COUNT` centres drawn in the box. `SCOPES_IN_CITIES` of the scopes start
//!   near a city (a distance from its centre that is the sum of three uniforms, at most
//!   `CITY_SPREAD_M` each, folded to be positive), the rest anywhere in the box; incidents
//!   likewise, `INCIDENTS_IN_CITIES` of them within `INCIDENT_SPREAD_M`, so they pile up
//!   where the scopes do.
//! - Corridors (`CORRIDORS` of the scopes): a road-like random walk of 20 to 300 vertices,
//!   80 to 400 m apart (one step length per road), whose heading drifts by up to 8 degrees
//!   a vertex and turns by 30 to 100 degrees at one vertex in 20: 1.6 to 120 km long, about
//!   40 km on average. Half-widths of 20 to 500 m.
//! - Zones (the rest): star-shaped outlines about a centre, 50 to 1,000 vertices, whose
//!   radius (200 m to 2.5 km, log-uniform) is modulated by a few random harmonics and a
//!   jitter of 3 % a vertex, like a district's outline. One in five has a hole (a smaller
//!   outline of 8 to 60 vertices about the same centre, well inside the outer one); one in
//!   ten is multi-part (`multi_part_zone`): two or three such outlines side by side, apart,
//!   as one scope whose boundary is a MultiPolygon.
//! - Incidents: uncertainty 0 to 200 m for 60 % of them, 200 m to 1 km for 30 %, 1 to 5 km
//!   for the rest; times as in the easy set.
//!
//! At 10,000 scopes, an incident matches about 19 scopes on average (55 pass the R-tree),
//! dozens in a city's centre; `benches/matcher.rs` and `truce-postgis-compare` print the
//! figures. Vertices are
//! placed with a local flat approximation (metres to degrees at the current latitude): the
//! shapes only need to look like roads and districts, not to be exact.

use std::f64::consts::TAU;

use rand::{rngs::StdRng, Rng, SeedableRng};

use super::{
    easy::{hour, position, windows, LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, WEEK_H},
    Synthetic,
};
use crate::{
    matcher::{IncidentProbe, Scope},
    vocab::geometry::{LineString, Polygon, Position},
    vocab::time::Window,
};

const SEED: u64 = 20_161_213;
const CITIES_COUNT: usize = 8;
/// Share of scopes that start near a city.
const SCOPES_IN_CITIES: f64 = 0.5;
/// Share of incidents near a city.
const INCIDENTS_IN_CITIES: f64 = 0.9;
/// Spread of scopes about a city's centre: a sum of three uniforms in 0..this, centred.
const CITY_SPREAD_M: f64 = 30_000.0;
/// Spread of incidents about a city's centre, likewise.
const INCIDENT_SPREAD_M: f64 = 15_000.0;
/// Share of scopes that are corridors.
const CORRIDORS: f64 = 0.6;
/// Share of zones with a hole.
const ZONES_WITH_HOLE: f64 = 0.2;
/// Share of zones in several parts.
const ZONES_MULTI_PART: f64 = 0.1;
const METRES_PER_DEGREE: f64 = 111_320.0;

/// The scopes, then the incidents, from one generator with a fixed seed: the same counts
/// always give the same data.
pub fn generate(scopes_count: usize, incidents_count: usize) -> Synthetic {
    let mut rng = StdRng::seed_from_u64(SEED);
    let cities: Vec<Position> = (0..CITIES_COUNT)
        .map(|_| position(rng.gen_range(LON_MIN + 1.0..LON_MAX - 1.0), rng.gen_range(LAT_MIN + 1.0..LAT_MAX - 1.0)))
        .collect();
    let mut scopes = Vec::with_capacity(scopes_count);
    while scopes.len() < scopes_count {
        let scope_idx = scopes.len();
        let start = somewhere(&mut rng, &cities, SCOPES_IN_CITIES, CITY_SPREAD_M);
        if rng.gen_bool(CORRIDORS) {
            scopes.push(corridor(&mut rng, start, scope_idx));
        } else if rng.gen_bool(ZONES_MULTI_PART) {
            scopes.push(multi_part_zone(&mut rng, start, scope_idx));
        } else {
            let radius_m = zone_radius_m(&mut rng);
            let with_hole = rng.gen_bool(ZONES_WITH_HOLE);
            let vertices_count = rng.gen_range(50..=1_000);
            let outline = zone_rings(&mut rng, start, vertices_count, radius_m, with_hole);
            let boundary = Polygon::new(outline.rings).expect("generated zones are valid");
            scopes.push(Scope::zone(format!("zone-{scope_idx}"), boundary, windows(&mut rng)).expect("a valid zone"));
        }
    }
    let incidents = (0..incidents_count)
        .map(|_| {
            let at = somewhere(&mut rng, &cities, INCIDENTS_IN_CITIES, INCIDENT_SPREAD_M);
            let start_h = rng.gen_range(0..WEEK_H);
            let end_h = if rng.gen_bool(0.5) { start_h } else { start_h + rng.gen_range(1..=12) };
            let uncertainty_m = match rng.gen_range(0.0..1.0) {
                share if share < 0.6 => rng.gen_range(0.0..200.0),
                share if share < 0.9 => rng.gen_range(200.0..1_000.0),
                _ => rng.gen_range(1_000.0..5_000.0),
            };
            IncidentProbe::new(at, uncertainty_m, hour(start_h), hour(end_h)).expect("a valid incident")
        })
        .collect();
    Synthetic { scopes, incidents }
}

/// A point near a city with probability `in_cities`, else anywhere in the box.
fn somewhere(rng: &mut StdRng, cities: &[Position], in_cities: f64, spread_m: f64) -> Position {
    if rng.gen_bool(in_cities) {
        let city = cities[rng.gen_range(0..cities.len())];
        let offset_m: f64 = (0..3).map(|_| rng.gen_range(0.0..spread_m)).sum::<f64>() - 1.5 * spread_m;
        return step(city, rng.gen_range(0.0..360.0), offset_m.abs());
    }
    position(rng.gen_range(LON_MIN..LON_MAX), rng.gen_range(LAT_MIN..LAT_MAX))
}

/// `distance_m` from `from` towards `azimuth_deg`, on a local flat approximation.
fn step(from: Position, azimuth_deg: f64, distance_m: f64) -> Position {
    let (sin, cos) = azimuth_deg.to_radians().sin_cos();
    let lat = from.lat() + distance_m * cos / METRES_PER_DEGREE;
    let lon = from.lon() + distance_m * sin / (METRES_PER_DEGREE * from.lat().to_radians().cos());
    position(lon, lat)
}

/// A road: a random walk that mostly goes straight and sometimes turns.
fn corridor(rng: &mut StdRng, start: Position, scope_idx: usize) -> Scope {
    let vertices_count: usize = rng.gen_range(20..=300);
    let step_m = rng.gen_range(80.0..400.0);
    let mut azimuth_deg: f64 = rng.gen_range(0.0..360.0);
    let mut positions = Vec::with_capacity(vertices_count);
    positions.push(start);
    for _ in 1..vertices_count {
        azimuth_deg += match rng.gen_bool(0.05) {
            true => rng.gen_range(30.0..100.0) * if rng.gen_bool(0.5) { 1.0 } else { -1.0 },
            false => rng.gen_range(-8.0..8.0),
        };
        let last = *positions.last().expect("a route has a start");
        positions.push(step(last, azimuth_deg, step_m * rng.gen_range(0.7..1.3)));
    }
    let route = LineString::new(positions).expect("generated routes are valid");
    let half_width_m = rng.gen_range(20.0..500.0);
    Scope::corridor(format!("corridor-{scope_idx}"), route, half_width_m, windows(rng)).expect("a valid corridor")
}

/// A zone's rings, and the largest distance of its outer ring from its centre.
struct Outline {
    rings: Vec<Vec<Position>>,
    radius_max_m: f64,
}

/// A district-like outline about `center`: a star-shaped ring whose radius is modulated by
/// a few harmonics and a small jitter, and optionally a hole well inside it.
fn zone_rings(rng: &mut StdRng, center: Position, vertices_count: usize, radius_m: f64, with_hole: bool) -> Outline {
    // Harmonics 2 to 7, amplitudes summing to at most 0.45: the factor stays in 0.5..1.5.
    let harmonics: Vec<(f64, f64, f64)> =
        (2..8).map(|order| (f64::from(order), rng.gen_range(0.0..0.45 / 6.0), rng.gen_range(0.0..TAU))).collect();
    let factor = |angle: f64| {
        1.0 + harmonics.iter().map(|(order, amplitude, phase)| amplitude * (order * angle + phase).sin()).sum::<f64>()
    };
    let outer = star_ring(rng, center, vertices_count, |angle| radius_m * factor(angle));
    let radius_max_m = radius_max_m(radius_m);
    let mut rings = vec![outer];
    if with_hole {
        // The outer ring is at least 0.5 * 0.97 of `radius_m` from the centre everywhere.
        let hole_m = radius_m * rng.gen_range(0.1..0.3);
        let hole_vertices_count = rng.gen_range(8..=60);
        rings.push(star_ring(rng, center, hole_vertices_count, |_| hole_m));
    }
    Outline { rings, radius_max_m }
}

/// A zone's mean radius: 200 m to 2.5 km, log-uniform.
fn zone_radius_m(rng: &mut StdRng) -> f64 {
    rng.gen_range(200.0_f64.ln()..2_500.0_f64.ln()).exp()
}

/// The largest distance from the centre of an outer ring of mean radius `radius_m`.
fn radius_max_m(radius_m: f64) -> f64 {
    radius_m * 1.5 * 1.03
}

/// A closed ring about `center`, counterclockwise, at `radius_m(angle)` with a jitter of 3 %
/// per vertex: star-shaped, so it never crosses itself.
fn star_ring(
    rng: &mut StdRng,
    center: Position,
    vertices_count: usize,
    radius_m: impl Fn(f64) -> f64,
) -> Vec<Position> {
    let mut ring: Vec<Position> = (0..vertices_count)
        .map(|vertex_idx| {
            let angle = TAU * vertex_idx as f64 / vertices_count as f64;
            step(center, 90.0 - angle.to_degrees(), radius_m(angle) * rng.gen_range(0.97..1.03))
        })
        .collect();
    ring.push(ring[0]);
    ring
}

/// A zone in two or three parts side by side, apart: one scope whose boundary is a
/// MultiPolygon. The one place that decides how a multi-part zone becomes a scope.
fn multi_part_zone(rng: &mut StdRng, center: Position, scope_idx: usize) -> Scope {
    let parts_count = rng.gen_range(2..=3);
    let windows: Vec<Window> = windows(rng);
    let mut outlines: Vec<Outline> = Vec::with_capacity(parts_count);
    let mut part_center = center;
    let azimuth_deg = rng.gen_range(0.0..360.0);
    for _ in 0..parts_count {
        let radius_m = zone_radius_m(rng);
        if let Some(previous) = outlines.last() {
            // Far enough from the previous part that the two cannot meet.
            let gap_m = previous.radius_max_m + radius_max_m(radius_m) + rng.gen_range(200.0..3_000.0);
            part_center = step(part_center, azimuth_deg, gap_m);
        }
        let vertices_count = rng.gen_range(50..=400);
        outlines.push(zone_rings(rng, part_center, vertices_count, radius_m, false));
    }
    let parts = outlines.into_iter().map(|outline| outline.rings).collect();
    let boundary = Polygon::multi(parts).expect("generated parts are valid and apart");
    Scope::zone(format!("zone-{scope_idx}"), boundary, windows).expect("a valid zone")
}
