//! Matcher throughput (DESIGN.md section 9): 10,000 active scopes and 1,000,000 incidents,
//! checked on one core. The bar is 1,000,000 incidents per second.
//!
//! The data come from a fixed seed and look like the 2016 Syrian case: a 600 km × 550 km
//! box (35.5..42.2 E, 32.3..37.3 N); 70 % corridors, 1 to 30 km long with 2 to 10 vertices
//! and half-widths of 100 to 2,000 m; 30 % zones, polygons of 3 to 8 vertices and 200 m to
//! 3 km across. Every scope is active in the week the incidents fall in: 80 % all week, the
//! others in 1 to 3 windows of 6 to 72 hours. Half the scopes and incidents cluster around
//! 25 towns (within about 75 km), as they do on the ground; the rest are spread over the
//! box. The clustering is set so that an incident matches about 6.5 scopes, as in the
//! PostGIS measurement DESIGN.md quotes. Incidents have an uncertainty of 0 to 5 km and
//! are instants or intervals of up to 12 hours; they come in random order.
//!
//! Run with `cargo bench -p truce-core --bench matcher`. Besides criterion's report, it
//! prints the figures in incidents per second, measured over whole passes (best of three):
//! with `Matcher::matches_batch`, and with `Matcher::matches` one incident at a time in
//! random order. `TRUCE_MATCHER_BENCH_QUICK=1` prints only those.

use std::{hint::black_box, time::Duration, time::Instant};

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use geographiclib_rs::{DirectGeodesic, Geodesic};
use rand::{rngs::StdRng, Rng, SeedableRng};
use truce_core::{
    matcher::{IncidentProbe, Matcher, Scope},
    LineString, Polygon, Position, Timestamp, Window,
};

const SEED: u64 = 20_161_212;
const SCOPES_COUNT: usize = 10_000;
const INCIDENTS_COUNT: usize = 1_000_000;
const TOWNS_COUNT: usize = 25;
const LON_MIN: f64 = 35.5;
const LON_MAX: f64 = 42.2;
const LAT_MIN: f64 = 32.3;
const LAT_MAX: f64 = 37.3;
/// Share of scopes and incidents near a town.
const CLUSTERED: f64 = 0.5;
/// Spread about a town: a sum of three uniforms in 0..SPREAD_M, centred.
const SPREAD_M: f64 = 50_000.0;
/// Share of scopes open all week.
const ALL_WEEK: f64 = 0.8;
const WEEK_H: u32 = 7 * 24;

struct Data {
    scopes: Vec<Scope>,
    incidents: Vec<IncidentProbe>,
}

fn position(lon: f64, lat: f64) -> Position {
    Position::new(lon, lat).expect("generated positions are in range")
}

fn travel(from: Position, azimuth_deg: f64, distance_m: f64) -> Position {
    let (lat, lon): (f64, f64) = Geodesic::wgs84().direct(from.lat(), from.lon(), azimuth_deg, distance_m);
    position(lon, lat)
}

fn hour(h: u32) -> Timestamp {
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
fn windows(rng: &mut StdRng) -> Vec<Window> {
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

fn data() -> Data {
    let mut rng = StdRng::seed_from_u64(SEED);
    let towns: Vec<Position> =
        (0..TOWNS_COUNT).map(|_| position(rng.gen_range(LON_MIN..LON_MAX), rng.gen_range(LAT_MIN..LAT_MAX))).collect();
    let scopes = (0..SCOPES_COUNT)
        .map(|scope_idx| {
            let start = somewhere(&mut rng, &towns);
            match rng.gen_bool(0.7) {
                true => corridor(&mut rng, start, scope_idx),
                false => zone(&mut rng, start, scope_idx),
            }
        })
        .collect();
    let incidents = (0..INCIDENTS_COUNT)
        .map(|_| {
            let at = somewhere(&mut rng, &towns);
            let start_h = rng.gen_range(0..WEEK_H);
            let end_h = if rng.gen_bool(0.5) { start_h } else { start_h + rng.gen_range(1..=12) };
            IncidentProbe::new(at, rng.gen_range(0.0..5_000.0), hour(start_h), hour(end_h)).expect("a valid incident")
        })
        .collect();
    Data { scopes, incidents }
}

/// Checks every incident once; returns the number of matches.
fn pass(matcher: &Matcher, incidents: &[IncidentProbe], out: &mut Vec<usize>) -> usize {
    let mut matches_count = 0;
    for incident in incidents {
        matcher.matches(black_box(incident), out);
        matches_count += out.len();
    }
    matches_count
}

/// Checks every incident once through `matches_batch`; returns the number of matches.
fn pass_batch(matcher: &Matcher, incidents: &[IncidentProbe]) -> usize {
    let mut matches_count = 0;
    matcher.matches_batch(black_box(incidents), &mut |_, scope_idxs| matches_count += scope_idxs.len());
    matches_count
}

/// The best of three timed passes, after one to warm up; incidents per second.
fn incidents_per_s(mut pass: impl FnMut() -> usize) -> f64 {
    black_box(pass());
    let mut best_s = f64::INFINITY;
    for _ in 0..3 {
        let started = Instant::now();
        black_box(pass());
        best_s = best_s.min(started.elapsed().as_secs_f64());
    }
    INCIDENTS_COUNT as f64 / best_s
}

fn matcher_throughput(c: &mut Criterion) {
    let data = data();
    let built = Instant::now();
    let matcher = Matcher::new(data.scopes);
    let build_s = built.elapsed().as_secs_f64();
    let mut out = Vec::new();
    let matches_count = pass(&matcher, &data.incidents, &mut out);
    assert_eq!(pass_batch(&matcher, &data.incidents), matches_count, "both ways find the same matches");

    // Our own figures, over whole passes.
    let batch_per_s = incidents_per_s(|| pass_batch(&matcher, &data.incidents));
    let single_per_s = incidents_per_s(|| pass(&matcher, &data.incidents, &mut out));
    println!(
        "matcher: {batch_per_s:.0} incidents per second on one core with matches_batch, \
         {single_per_s:.0} with matches one by one in random order \
         ({INCIDENTS_COUNT} incidents against {SCOPES_COUNT} scopes, {:.2} matches per incident; \
         index built in {build_s:.2} s)",
        matches_count as f64 / INCIDENTS_COUNT as f64,
    );
    if std::env::var_os("TRUCE_MATCHER_BENCH_QUICK").is_some() {
        return;
    }

    let mut group = c.benchmark_group("matcher");
    group.throughput(Throughput::Elements(INCIDENTS_COUNT as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("matches_batch, 1M incidents x 10k scopes", |b| {
        b.iter(|| pass_batch(&matcher, &data.incidents))
    });
    group.bench_function("matches one by one, 1M incidents x 10k scopes", |b| {
        b.iter(|| pass(&matcher, &data.incidents, &mut out))
    });
    group.finish();
}

criterion_group!(benches, matcher_throughput);
criterion_main!(benches);
