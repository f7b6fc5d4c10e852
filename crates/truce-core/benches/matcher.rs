//! Matcher throughput (docs/design.md section 9): 10,000 active scopes and 1,000,000 incidents,
//! checked on one core. The bar is 1,000,000 incidents per second.
//!
//! The data come from `truce_core::synthetic` (feature `synthetic`), which describes them:
//! a fixed seed, scopes and incidents that look like the 2016 Syrian case, about 6.5
//! matches per incident. `truce-postgis-compare` (in `truce-load`) runs PostGIS on the same
//! data, for the bar's ratio.
//!
//! Run with `cargo bench -p truce-core --bench matcher`. Besides criterion's report, it
//! prints the figures in incidents per second, measured over whole passes (best of three):
//! with `Matcher::matches_batch`, and with `Matcher::matches` one incident at a time in
//! random order. `TRUCE_MATCHER_BENCH_QUICK=1` prints only those.
// A benchmark measures time: the clock the crate's clippy.toml keeps out of the library.
#![allow(clippy::disallowed_methods)]

use std::{hint::black_box, time::Duration, time::Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use truce_core::{
    matcher::{IncidentProbe, Matcher},
    synthetic::{self, INCIDENTS_COUNT, SCOPES_COUNT},
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
    let data = synthetic::generate(SCOPES_COUNT, INCIDENTS_COUNT);
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
