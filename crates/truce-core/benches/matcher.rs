//! Matcher throughput (docs/design.md section 9): 10,000 active scopes and 1,000,000 incidents,
//! checked on one core. The bar is 1,000,000 incidents per second.
//!
//! The data come from `truce_core::synthetic` (feature `synthetic`), which describes them:
//! two sets from a fixed seed, `easy` (short corridors and small zones, about 6.5 matches
//! per incident) and `realistic` (roads of 20 to 300 vertices, district outlines of 50 to
//! 1,000, dense cities). `truce-postgis-compare` (in `truce-load`) runs PostGIS on the same
//! data, for the bar's ratio.
//!
//! Run with `cargo bench -p truce-core --bench matcher`. Besides criterion's report, it
//! prints, for each set, the figures in incidents per second, measured over whole passes
//! (best of three): with `Matcher::matches_batch`, and with `Matcher::matches` one incident
//! at a time in random order; and the matches and the candidates (scopes the R-tree hands
//! on) per incident; and both figures again per second of the thread's CPU time, which is
//! the fairer one on a busy machine. `TRUCE_MATCHER_BENCH_QUICK=1` prints only those;
//! `TRUCE_MATCHER_BENCH_SET=easy` (or `realistic`) runs one set only, and
//! `TRUCE_MATCHER_BENCH_INCIDENTS=100000` fewer incidents (for a quick look, not the bar).
// A benchmark measures time: the clock the crate's clippy.toml keeps out of the library.
#![allow(clippy::disallowed_methods)]

use std::{hint::black_box, time::Duration, time::Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use truce_core::{
    matcher::{IncidentProbe, Matcher, ScopeGeometry},
    synthetic::{Set, INCIDENTS_COUNT, SCOPES_COUNT},
};

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

/// The best of three timed passes, after one to warm up: incidents per second of the clock,
/// and per second of this thread's CPU time (`thread_cpu_s`), which other processes on a busy
/// machine change far less.
fn incidents_per_s(incidents_count: usize, mut pass: impl FnMut() -> usize) -> (f64, f64) {
    black_box(pass());
    let mut best_s = f64::INFINITY;
    let mut best_cpu_s = f64::INFINITY;
    for _ in 0..3 {
        let started = Instant::now();
        let started_cpu_s = thread_cpu_s();
        black_box(pass());
        best_s = best_s.min(started.elapsed().as_secs_f64());
        best_cpu_s = best_cpu_s.min(thread_cpu_s() - started_cpu_s);
    }
    (incidents_count as f64 / best_s, incidents_count as f64 / best_cpu_s)
}

/// This thread's time on a CPU so far, from Linux's `/proc/thread-self/schedstat` (its
/// first field, in nanoseconds); NaN elsewhere, so that the figure reads NaN.
fn thread_cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|stat| stat.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |cpu_ns| cpu_ns * 1e-9)
}

fn matcher_throughput(c: &mut Criterion) {
    let only = std::env::var("TRUCE_MATCHER_BENCH_SET").ok();
    for set in Set::ALL.into_iter().filter(|set| only.as_deref().is_none_or(|only| only == set.name())) {
        set_throughput(c, set);
    }
}

fn set_throughput(c: &mut Criterion, set: Set) {
    let name = set.name();
    let incidents_count = std::env::var("TRUCE_MATCHER_BENCH_INCIDENTS")
        .ok()
        .map(|count| count.parse().expect("TRUCE_MATCHER_BENCH_INCIDENTS is a number"))
        .unwrap_or(INCIDENTS_COUNT);
    let data = set.generate(SCOPES_COUNT, incidents_count);
    let vertices_count: usize = data
        .scopes
        .iter()
        .map(|scope| match scope.geometry() {
            ScopeGeometry::Corridor { route, .. } => route.positions().len(),
            ScopeGeometry::Zone { boundary } => boundary.rings().iter().map(Vec::len).sum(),
        })
        .sum();
    let built = Instant::now();
    let matcher = Matcher::new(data.scopes);
    let build_s = built.elapsed().as_secs_f64();
    let mut out = Vec::new();
    let matches_count = pass(&matcher, &data.incidents, &mut out);
    assert_eq!(pass_batch(&matcher, &data.incidents), matches_count, "both ways find the same matches");
    let candidates_count: usize = data.incidents.iter().map(|incident| matcher.candidates_count(incident)).sum();

    // Our own figures, over whole passes.
    let (batch_per_s, batch_per_cpu_s) = incidents_per_s(incidents_count, || pass_batch(&matcher, &data.incidents));
    let (single_per_s, single_per_cpu_s) =
        incidents_per_s(incidents_count, || pass(&matcher, &data.incidents, &mut out));
    println!(
        "matcher ({name} set): {batch_per_s:.0} incidents per second on one core with matches_batch, \
         {single_per_s:.0} with matches one by one in random order; \
         per second of CPU time: {batch_per_cpu_s:.0} and {single_per_cpu_s:.0} \
         ({incidents_count} incidents against {SCOPES_COUNT} scopes of {:.1} vertices on average, \
         {:.2} matches and {:.2} candidates per incident; index built in {build_s:.2} s)",
        vertices_count as f64 / SCOPES_COUNT as f64,
        matches_count as f64 / incidents_count as f64,
        candidates_count as f64 / incidents_count as f64,
    );
    if std::env::var_os("TRUCE_MATCHER_BENCH_QUICK").is_some() {
        return;
    }

    let mut group = c.benchmark_group(format!("matcher/{name}"));
    group.throughput(Throughput::Elements(incidents_count as u64));
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
