//! The easy set: short corridors and small zones spread over the whole box.
//!
//! The data come from a fixed seed and look like the 2016 Syrian case: a 600 km × 550 km
//! box (35.5..42.2 E, 32.3..37.3 N); 70 % corridors, 1 to 30 km long with 2 to 10 vertices
//! and half-widths of 100 to 2,000 m; 30 % zones, polygons of 3 to 8 vertices and 200 m to
//! 3 km across. Every scope is active in the week the incidents fall in: 80 % all week, the
//! others in 1 to 3 windows of 6 to 72 hours. Half the scopes and incidents cluster around
//! 25 towns (within about 75 km), as they do on the ground; the rest are spread over the
//! box. The clustering is set so that an incident matches about 6.5 scopes at the full size
//! (10,000 scopes), as in the PostGIS measurement docs/design.md section 9 quotes. Incidents have
//! an uncertainty of 0 to 5 km and are instants or intervals of up to 12 hours; they come in
//! random order.

use chrono::{TimeZone, Utc};
use geographiclib_rs::{DirectGeodesic, Geodesic};
use rand::{rngs::StdRng, Rng, SeedableRng};

use super::Synthetic;
use crate::{
    matcher::{IncidentProbe, Scope},
    vocab::geometry::{LineString, Polygon, Position},
    vocab::time::{Timestamp, Window},
};

const SEED: u64 = 20_161_212;
const TOWNS_COUNT: usize = 25;
pub(super) const LON_MIN: f64 = 35.5;
pub(super) const LON_MAX: f64 = 42.2;
pub(super) const LAT_MIN: f64 = 32.3;
pub(super) const LAT_MAX: f64 = 37.3;
/// Share of scopes and incidents near a town.
const CLUSTERED: f64 = 0.5;
/// Spread about a town: a sum of three uniforms in 0..SPREAD_M, centred.
const SPREAD_M: f64 = 50_000.0;
/// Share of scopes open all week.
const ALL_WEEK: f64 = 0.8;
pub(super) const WEEK_H: u32 = 7 * 24;

/// The scopes, then the incidents, from one generator with a fixed seed: the same counts
/// always give the same data, and fewer scopes give the first of them, but then other
/// incidents.
pub fn generate(scopes_count: usize, incidents_count: usize) -> Synthetic {
    let mut rng = StdRng::seed_from_u64(SEED);
    let towns: Vec<Position> =
        (0..TOWNS_COUNT).map(|_| position(rng.gen_range(LON_MIN..LON_MAX), rng.gen_range(LAT_MIN..LAT_MAX))).collect();
    let scopes = (0..scopes_count)
        .map(|scope_idx| {
            let start = somewhere(&mut rng, &towns);
            match rng.gen_bool(0.7) {
                true => corridor(&mut rng, start, scope_idx),
                false => zone(&mut rng, start, scope_idx),
            }
        })
        .collect();
    let incidents = (0..incidents_count)
        .map(|_| {
            let at = somewhere(&mut rng, &towns);
            let start_h = rng.gen_range(0..WEEK_H);
            let end_h = if rng.gen_bool(0.5) { start_h } else { start_h + rng.gen_range(1..=12) };
            IncidentProbe::new(at, rng.gen_range(0.0..5_000.0), hour(start_h), hour(end_h)).expect("a valid incident")
        })
        .collect();
    Synthetic { scopes, incidents }
}

pub(super) fn position(lon: f64, lat: f64) -> Position {
    Position::new(lon, lat).expect("generated positions are in range")
}

fn travel(from: Position, azimuth_deg: f64, distance_m: f64) -> Position {
    let (lat, lon): (f64, f64) = Geodesic::wgs84().direct(from.lat(), from.lon(), azimuth_deg, distance_m);
    position(lon, lat)
}

pub(super) fn hour(h: u32) -> Timestamp {
    let start = Utc.with_ymd_and_hms(2016, 12, 1, 0, 0, 0).single().expect("a valid date");
    Timestamp::from_datetime(start + chrono::Duration::hours(i64::from(h)))
}

/// A point near a town half the time (Gaussian-ish, about 25 km), else anywhere.
fn somewhere(rng: &mut StdRng, towns: &[Position]) -> Position {
    if rng.gen_bool(CLUSTERED) {
        let town = towns[rng.gen_range(0..towns.len())];
        // The sum of three uniforms is close enough to a normal distribution here.
        let spread_m: f64 = (0..3).map(|_| rng.gen_range(0.0..SPREAD_M)).sum::<f64>() - 1.5 * SPREAD_M;
        return travel(town, rng.gen_range(0.0..360.0), spread_m.abs());
    }
    position(rng.gen_range(LON_MIN..LON_MAX), rng.gen_range(LAT_MIN..LAT_MAX))
}

/// Active scopes: most open all week, the others in 1 to 3 windows of 6 to 72 hours.
pub(super) fn windows(rng: &mut StdRng) -> Vec<Window> {
    if rng.gen_bool(ALL_WEEK) {
        return vec![Window::new(hour(0), hour(WEEK_H)).expect("a week is not empty")];
    }
    (0..rng.gen_range(1..=3))
        .map(|_| {
            let start_h = rng.gen_range(0..WEEK_H - 6);
            let end_h = (start_h + rng.gen_range(6..=72)).min(WEEK_H);
            Window::new(hour(start_h), hour(end_h)).expect("generated windows are not empty")
        })
        .collect()
}

fn corridor(rng: &mut StdRng, start: Position, scope_idx: usize) -> Scope {
    let vertices_count: u32 = rng.gen_range(2..=10);
    let step_m = rng.gen_range(1_000.0..30_000.0) / f64::from(vertices_count - 1);
    let mut azimuth_deg: f64 = rng.gen_range(0.0..360.0);
    let mut positions = vec![start];
    for _ in 1..vertices_count {
        azimuth_deg += rng.gen_range(-40.0..40.0);
        let last = *positions.last().expect("a route has a start");
        positions.push(travel(last, azimuth_deg, step_m));
    }
    let route = LineString::new(positions).expect("generated routes are valid");
    let half_width_m = rng.gen_range(100.0..2_000.0);
    Scope::corridor(format!("corridor-{scope_idx}"), route, half_width_m, windows(rng)).expect("a valid corridor")
}

fn zone(rng: &mut StdRng, center: Position, scope_idx: usize) -> Scope {
    let vertices_count: u32 = rng.gen_range(3..=8);
    let radius_m = rng.gen_range(100.0..1_500.0);
    let mut ring: Vec<Position> = (0..vertices_count)
        .map(|vertex_idx| {
            let azimuth_deg = 360.0 * f64::from(vertex_idx) / f64::from(vertices_count);
            travel(center, azimuth_deg, radius_m * rng.gen_range(0.6..1.0))
        })
        .collect();
    ring.push(ring[0]);
    let boundary = Polygon::new(vec![ring]).expect("generated zones are valid");
    Scope::zone(format!("zone-{scope_idx}"), boundary, windows(rng)).expect("a valid zone")
}
