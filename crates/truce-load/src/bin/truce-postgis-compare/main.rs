//! `truce-postgis-compare`: the matcher bar of docs/design.md section 9, side by side with
//! PostGIS in one run, on the same data, with the same matches.
//!
//! It generates the synthetic scopes and incidents of `benches/matcher.rs`
//! (`truce_core::synthetic`, the set `--set` names: `easy` or `realistic`), loads them into
//! PostGIS, times PostGIS's best query for every incident on several connections at once
//! (one per core), times the matcher on one core (whole passes, best of a few, as the bench
//! does) and `truce match` end to end (`end_to_end`: process start to output written, files
//! read and parsed included), and compares the (incident, scope) pairs: `truce match`'s
//! must be the matcher's, and PostGIS's are compared with them. A pair only one side found is a disagreement, judged by a
//! reference geodesic distance (`reference`, `verdict`): at the threshold, where both sides
//! are right within their accuracy, or PostGIS off by less than the design's accuracy, or
//! unexplained.
//!
//! It measures; it asserts no bar. It prints its figures and writes nothing else (it
//! leaves no tables behind unless asked to). Exit status: 0 when the matches agree within
//! the tolerance, 2 when they do not, 1 when the run itself failed.

// Shared with `truce-load`; its per-thread breakdown is not used here.
#[allow(dead_code)]
#[path = "../../cpu.rs"]
mod cpu;
mod end_to_end;
mod pairs;
mod postgis;
mod reference;
mod usage;
mod verdict;

use std::{
    hint::black_box,
    path::PathBuf,
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::bail;
use clap::Parser;
use truce_core::{
    matcher::{IncidentProbe, Matcher, Scope, ScopeGeometry},
    synthetic::{Set, INCIDENTS_COUNT, SCOPES_COUNT},
};

use crate::{
    pairs::{Pair, PairsDiff},
    usage::{Meter, Usage},
    verdict::{Facts, Side, Verdict, THRESHOLD_BAND_M},
};

/// The bar: incidents per second on one core.
const MATCHER_PER_S_GOAL: f64 = 1_000_000.0;
/// The bar: the matcher on one core over PostGIS on all of its connections.
const RATIO_GOAL: f64 = 50.0;
/// Ids are PostgreSQL `integer`s; a bound keeps memory in check as well.
const SCOPES_COUNT_MAX: usize = 1_000_000;
const INCIDENTS_COUNT_MAX: usize = 20_000_000;
const CONNECTIONS_MAX: usize = 64;
/// Past this many cores used by other processes while a side is timed, the run competed
/// with something else and its measured ratio says little.
const BUSY_CORES_MAX: f64 = 0.1;
const PASSES_MAX: usize = 100;
/// Disagreements allowed, per million pairs found by either side, all explained.
const DISAGREEMENTS_PER_MILLION_MAX: f64 = 10.0;
/// Disagreements whose reference distance is measured (about a millisecond each); a run
/// with more fails whatever they are.
const MEASURED_COUNT_MAX: usize = 10_000;

#[derive(Parser)]
#[command(
    name = "truce-postgis-compare",
    about = "Time the matcher on one core against PostGIS on the same synthetic data, and compare their matches"
)]
struct Args {
    /// Which synthetic set: `easy` (short corridors, small zones) or `realistic` (roads,
    /// district outlines, dense cities); `truce_core::synthetic` describes both.
    #[arg(long, value_enum, default_value_t = SetArg::Realistic)]
    set: SetArg,
    /// The `truce` binary to time end to end (`truce match`); by default the one beside this
    /// program. `--truce-bin ""` skips that part.
    #[arg(long)]
    truce_bin: Option<PathBuf>,
    /// Runs of `truce match`; the fastest counts.
    #[arg(long, default_value_t = 3)]
    match_runs: usize,
    /// Incidents to check (the bar: 1,000,000).
    #[arg(long, default_value_t = INCIDENTS_COUNT)]
    incidents: usize,
    /// Active scopes, corridors and zones (the bar: 10,000).
    #[arg(long, default_value_t = SCOPES_COUNT)]
    scopes: usize,
    /// The PostgreSQL server with PostGIS, as a URL or `key=value` pairs; its tables go in
    /// the schema `truce_compare`, which is dropped first.
    #[arg(long, env = "DATABASE_URL", default_value = "host=localhost user=postgres dbname=postgres")]
    database_url: String,
    /// PostgreSQL connections, each querying an equal share of the incidents at once: one
    /// per core.
    #[arg(long, default_value_t = 2)]
    connections: usize,
    /// The GiST index on the scopes, and the query that goes with it.
    #[arg(long, value_enum, default_value_t = postgis::Index::Expanded)]
    index: postgis::Index,
    /// Timed passes of the matcher over all incidents; the best counts.
    #[arg(long, default_value_t = 3)]
    matcher_passes: usize,
    /// Disagreements to print: the unexplained first, then the farthest from the threshold.
    #[arg(long, default_value_t = 5)]
    examples: usize,
    /// Leave the tables in `truce_compare` for inspection.
    #[arg(long)]
    keep_tables: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SetArg {
    Easy,
    Realistic,
}

impl SetArg {
    fn set(self) -> Set {
        match self {
            SetArg::Easy => Set::Easy,
            SetArg::Realistic => Set::Realistic,
        }
    }
}

/// A pair only one side found, with what judges it.
struct Disagreement {
    pair: Pair,
    facts: Facts,
    /// PostGIS's `ST_Distance`, for the report.
    postgis_m: Option<f64>,
    verdict: Verdict,
}

struct MatcherFigures {
    matcher: Matcher,
    build: Duration,
    batch: Timing,
    single: Timing,
    pairs: Vec<Pair>,
    /// Scopes the R-tree hands on, summed over the incidents.
    candidates_count: usize,
}

/// Whole passes of the matcher over the incidents.
struct Timing {
    /// The best pass.
    per_s: f64,
    /// Over all timed passes.
    usage: Usage,
    /// Incidents checked in all timed passes, for the rate per CPU second.
    checked_count: usize,
}

impl Timing {
    fn per_cpu_s(&self) -> Option<f64> {
        self.usage.own_cores.map(|cores| self.checked_count as f64 / (cores * self.usage.wall_s))
    }
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(err) => {
            let causes: Vec<String> = err.chain().map(ToString::to_string).collect();
            eprintln!("error: {}", causes.join(": "));
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !(1..=INCIDENTS_COUNT_MAX).contains(&args.incidents) || !(1..=SCOPES_COUNT_MAX).contains(&args.scopes) {
        bail!("--incidents must be 1 to {INCIDENTS_COUNT_MAX} and --scopes 1 to {SCOPES_COUNT_MAX}");
    }
    if !(1..=CONNECTIONS_MAX).contains(&args.connections) || !(1..=PASSES_MAX).contains(&args.matcher_passes) {
        bail!("--connections must be 1 to {CONNECTIONS_MAX} and --matcher-passes 1 to {PASSES_MAX}");
    }
    let set = args.set.set();
    eprintln!("generating {} scopes and {} incidents of the {} set", args.scopes, args.incidents, set.name());
    let data = set.generate(args.scopes, args.incidents);
    let corridors_count =
        data.scopes.iter().filter(|scope| matches!(scope.geometry(), ScopeGeometry::Corridor { .. })).count();

    let mut client = postgis::connect(&args.database_url)?;
    eprintln!("loading them into PostGIS");
    let load = postgis::load(&mut client, &data.scopes, &data.incidents, args.index)?;
    let versions = postgis::versions(&mut client)?;

    let truce_bin = match &args.truce_bin {
        Some(path) if path.as_os_str().is_empty() => None,
        Some(path) => Some(path.clone()),
        None => Some(std::env::current_exe()?.with_file_name("truce")),
    };
    let end_to_end = match truce_bin {
        Some(truce_bin) => {
            eprintln!("timing truce match end to end ({})", truce_bin.display());
            Some(end_to_end::run(&truce_bin, &data.scopes, &data.incidents, args.match_runs)?)
        }
        None => None,
    };

    eprintln!("timing the matcher on one core");
    let matcher = time_matcher(data.scopes, &data.incidents, args.matcher_passes);

    eprintln!("timing PostGIS on {} connections", args.connections);
    let mut postgis_run = postgis::run_query(&args.database_url, args.connections, args.incidents, args.index)?;
    let duplicates_count = pairs::normalize(&mut postgis_run.pairs);
    if duplicates_count > 0 {
        bail!("PostGIS returned {duplicates_count} duplicate pairs");
    }

    let diff = pairs::diff(&matcher.pairs, &postgis_run.pairs);
    eprintln!("judging {} disagreements", diff.disagreements_count());
    let disagreements = explain(&mut client, &matcher.matcher, &data.incidents, &diff)?;
    if !args.keep_tables {
        postgis::drop_tables(&mut client)?;
    }

    let report = Report {
        args: &args,
        end_to_end: end_to_end.as_ref(),
        corridors_count,
        versions,
        load,
        matcher: &matcher,
        postgis_run: &postgis_run,
        diff: &diff,
        disagreements: &disagreements,
    };
    let agree = report.print();
    Ok(if agree { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

struct Report<'a> {
    args: &'a Args,
    end_to_end: Option<&'a end_to_end::EndToEnd>,
    corridors_count: usize,
    versions: String,
    load: Duration,
    matcher: &'a MatcherFigures,
    postgis_run: &'a postgis::QueryRun,
    diff: &'a PairsDiff,
    disagreements: &'a [Disagreement],
}

impl Report<'_> {
    /// Prints the figures; returns whether the matches agree within the tolerance.
    fn print(&self) -> bool {
        let args = self.args;
        let matcher = self.matcher;
        let postgis_run = self.postgis_run;
        let postgis_per_s = args.incidents as f64 / postgis_run.elapsed.as_secs_f64();
        let ratio = matcher.batch.per_s / postgis_per_s;
        println!(
            "data: {} scopes ({} corridors, {} zones) and {} incidents of the {} set from truce_core::synthetic, as \
             in benches/matcher.rs",
            args.scopes,
            self.corridors_count,
            args.scopes - self.corridors_count,
            args.incidents,
            args.set.set().name()
        );
        println!(
            "postgis: {}; loaded in {:.1} s (COPY, GiST index, ANALYZE; not timed)",
            self.versions,
            self.load.as_secs_f64()
        );
        println!(
            "matcher: {:.0} incidents per second on one core with matches_batch, {:.0} with matches one by one in \
             random order (best of {} passes; index built in {:.3} s)",
            matcher.batch.per_s,
            matcher.single.per_s,
            args.matcher_passes,
            matcher.build.as_secs_f64()
        );
        println!(
            "postgis: {postgis_per_s:.0} incidents per second on {} connections at once, each querying 1/{} of the \
             incidents, parallel query off ({:.1} s from the first query sent to the last row read)",
            args.connections,
            args.connections,
            postgis_run.elapsed.as_secs_f64()
        );
        println!("postgis query: {}", args.index.describe());
        println!(
            "ratio: {ratio:.1}x (the matcher with matches_batch on one core over PostGIS on {} connections); {:.1}x \
             with matches one by one",
            args.connections,
            matcher.single.per_s / postgis_per_s
        );
        let end_to_end_ratio = self.end_to_end.map(|end_to_end| {
            let per_s = args.incidents as f64 / end_to_end.best.as_secs_f64();
            let ratio = per_s / postgis_per_s;
            println!(
                "truce match: {per_s:.0} incidents per second end to end ({:.2} s from process start to the output \
                 written, best of {} runs; inputs of {:.1} MB of GeoJSON and {:.1} MB of CSV), {ratio:.1}x PostGIS; \
                 its pairs are the matcher's: {}",
                end_to_end.best.as_secs_f64(),
                end_to_end.runs,
                end_to_end.scopes_bytes as f64 / 1e6,
                end_to_end.incidents_bytes as f64 / 1e6,
                if end_to_end.pairs == matcher.pairs { "yes" } else { "NO" },
            );
            ratio
        });
        let end_to_end_met = self.end_to_end.is_none_or(|end_to_end| end_to_end.pairs == matcher.pairs)
            && end_to_end_ratio.is_none_or(|ratio| ratio >= RATIO_GOAL);
        println!(
            "bar: at least {MATCHER_PER_S_GOAL:.0} incidents per second on one core and {RATIO_GOAL:.0}x (the \
             matcher{}): {}",
            if self.end_to_end.is_some() { " and truce match end to end" } else { "; truce match not timed" },
            if matcher.batch.per_s >= MATCHER_PER_S_GOAL && ratio >= RATIO_GOAL && end_to_end_met {
                "met"
            } else {
                "not met"
            }
        );
        self.print_cpu(postgis_per_s);
        self.print_matches()
    }

    /// Who had the cores, and the ratio per CPU second, which a busy machine skews less.
    fn print_cpu(&self, postgis_per_s: f64) {
        let cores = |cores: Option<f64>| cores.map_or_else(|| "unknown".to_owned(), |cores| format!("{cores:.2}"));
        let batch_usage = &self.matcher.batch.usage;
        println!(
            "cpu: while the matcher was timed (matches_batch), it had {} of a core and the rest of the machine used {} \
             cores; while PostGIS was timed, its backends used {} cores, this program {} and the rest of the machine {}",
            cores(batch_usage.own_cores),
            cores(batch_usage.rest_cores),
            cores(self.postgis_run.usage.watched_cores),
            cores(self.postgis_run.usage.own_cores),
            cores(self.postgis_run.usage.rest_cores),
        );
        let postgis_cpu_s = self.postgis_run.usage.watched_cores.map(|cores| cores * self.postgis_run.usage.wall_s);
        if let (Some(matcher_per_cpu_s), Some(postgis_cpu_s)) = (self.matcher.batch.per_cpu_s(), postgis_cpu_s) {
            let postgis_per_cpu_s = self.args.incidents as f64 / postgis_cpu_s;
            println!(
                "per CPU second: the matcher {matcher_per_cpu_s:.0} incidents (matches_batch, average of the timed \
                 passes), PostGIS {postgis_per_cpu_s:.0}; {:.1}x, so {:.1}x against PostGIS on {} idle cores \
                 (derived, not measured; it was {postgis_per_s:.0} per second measured)",
                matcher_per_cpu_s / postgis_per_cpu_s,
                matcher_per_cpu_s / postgis_per_cpu_s / self.args.connections as f64,
                self.args.connections,
            );
        }
        let rest_cores_max =
            [batch_usage.rest_cores, self.postgis_run.usage.rest_cores].into_iter().flatten().fold(0.0, f64::max);
        if rest_cores_max > BUSY_CORES_MAX {
            println!(
                "warning: other processes used up to {rest_cores_max:.2} cores while a side was timed, so the \
                 measured ratio says little (PostGIS needs both cores, the matcher one); the figures per CPU second \
                 say more; for the bar, run again on an idle machine"
            );
        }
    }

    /// The matches and the disagreements; returns whether they agree within the tolerance.
    fn print_matches(&self) -> bool {
        let (diff, disagreements) = (self.diff, self.disagreements);
        let matcher_pairs_count = self.matcher.pairs.len();
        let postgis_pairs_count = self.postgis_run.pairs.len();
        let count = |verdict: Verdict| disagreements.iter().filter(|d| d.verdict == verdict).count();
        let unexplained_count = count(Verdict::Unexplained);
        let pairs_count = matcher_pairs_count.max(postgis_pairs_count);
        let disagreements_max = (DISAGREEMENTS_PER_MILLION_MAX * pairs_count as f64 / 1e6).floor() as usize;
        let agree = unexplained_count == 0 && diff.disagreements_count() <= disagreements_max;
        let postgis_off_m_max = disagreements
            .iter()
            .filter(|d| d.verdict == Verdict::PostgisOff)
            .filter_map(|d| d.facts.margin_m())
            .fold(0.0, |max: f64, margin_m| max.max(margin_m.abs()));
        println!(
            "matches: the matcher {matcher_pairs_count} ({:.2} per incident, from {:.2} candidates per incident that \
             its R-tree handed on), PostGIS {postgis_pairs_count}; both {}, the matcher only {}, PostGIS only {}",
            matcher_pairs_count as f64 / self.args.incidents as f64,
            self.matcher.candidates_count as f64 / self.args.incidents as f64,
            diff.both_count,
            diff.left_only.len(),
            diff.right_only.len()
        );
        println!(
            "disagreements: {}; by a reference geodesic distance, {} at the threshold (within {THRESHOLD_BAND_M} m), \
             {} where PostGIS is off by less than the design's accuracy (0.5 % or 5 m; by up to \
             {postgis_off_m_max:.2} m), {unexplained_count} unexplained",
            diff.disagreements_count(),
            count(Verdict::AtThreshold),
            count(Verdict::PostgisOff),
        );
        println!(
            "tolerance: no unexplained disagreement, and at most {DISAGREEMENTS_PER_MILLION_MAX} per million pairs \
             ({disagreements_max} here): {}",
            if agree { "within" } else { "exceeded" }
        );
        // The unexplained first, then the largest margins.
        let mut examples: Vec<&Disagreement> = disagreements.iter().collect();
        examples.sort_by(|a, b| {
            let key = |d: &Disagreement| {
                (d.verdict != Verdict::Unexplained, -d.facts.margin_m().map_or(f64::INFINITY, f64::abs))
            };
            key(a).partial_cmp(&key(b)).expect("margins are not NaN")
        });
        for disagreement in examples.into_iter().take(self.args.examples) {
            println!("  {}", describe(disagreement, &self.matcher.matcher));
        }
        agree
    }
}

/// Builds the matcher, collects its pairs (untimed), then times whole passes: one to warm
/// up, then the best of `passes`, with `matches_batch` and with `matches` one by one.
fn time_matcher(scopes: Vec<Scope>, incidents: &[IncidentProbe], passes: usize) -> MatcherFigures {
    let built = Instant::now();
    let matcher = Matcher::new(scopes);
    let build = built.elapsed();
    let mut pairs = Vec::new();
    matcher.matches_batch(incidents, &mut |incident_idx, scope_idxs| {
        pairs.extend(scope_idxs.iter().map(|&scope_idx| Pair {
            incident_idx: u32::try_from(incident_idx).expect("incident counts are bounded by INCIDENTS_COUNT_MAX"),
            scope_idx: u32::try_from(scope_idx).expect("scope counts are bounded by SCOPES_COUNT_MAX"),
        }));
    });
    let duplicates_count = pairs::normalize(&mut pairs);
    assert_eq!(duplicates_count, 0, "the matcher gives each scope once per incident");
    let candidates_count = incidents.iter().map(|incident| matcher.candidates_count(incident)).sum();
    let batch = time_passes(incidents.len(), passes, || {
        let mut matches_count = 0;
        matcher.matches_batch(black_box(incidents), &mut |_, scope_idxs| matches_count += scope_idxs.len());
        matches_count
    });
    let mut out = Vec::new();
    let single = time_passes(incidents.len(), passes, || {
        let mut matches_count = 0;
        for incident in incidents {
            matcher.matches(black_box(incident), &mut out);
            matches_count += out.len();
        }
        matches_count
    });
    MatcherFigures { matcher, build, batch, single, pairs, candidates_count }
}

/// One untimed pass to warm up, then `passes` timed ones.
fn time_passes(incidents_count: usize, passes: usize, mut pass: impl FnMut() -> usize) -> Timing {
    black_box(pass());
    let meter = Meter::start(&[]);
    let mut best_s = f64::INFINITY;
    for _ in 0..passes {
        let started = Instant::now();
        black_box(pass());
        best_s = best_s.min(started.elapsed().as_secs_f64());
    }
    Timing { per_s: incidents_count as f64 / best_s, usage: meter.stop(), checked_count: incidents_count * passes }
}

/// The facts and the verdict of each disagreement (the distances only for the first
/// `MEASURED_COUNT_MAX`).
fn explain(
    client: &mut postgres::Client,
    matcher: &Matcher,
    incidents: &[IncidentProbe],
    diff: &PairsDiff,
) -> anyhow::Result<Vec<Disagreement>> {
    let sides = [(Side::Matcher, &diff.left_only), (Side::Postgis, &diff.right_only)];
    let all: Vec<(Side, Pair)> =
        sides.iter().flat_map(|(side, pairs)| pairs.iter().map(move |&pair| (*side, pair))).collect();
    let measured_count = all.len().min(MEASURED_COUNT_MAX);
    let measured_pairs: Vec<Pair> = all[..measured_count].iter().map(|&(_, pair)| pair).collect();
    let mut postgis_m = postgis::distances_m(client, &measured_pairs)?.into_iter();
    let disagreements = all
        .into_iter()
        .enumerate()
        .map(|(disagreement_idx, (found_by, pair))| {
            let incident = &incidents[pair.incident_idx as usize];
            let scope = matcher.scope(pair.scope_idx as usize);
            let half_width_m = match scope.geometry() {
                ScopeGeometry::Corridor { half_width_m, .. } => *half_width_m,
                ScopeGeometry::Zone { .. } => 0.0,
            };
            let measured = disagreement_idx < measured_count;
            let facts = Facts {
                found_by,
                threshold_m: half_width_m + incident.uncertainty_m(),
                signed_distance_m: measured
                    .then(|| reference::signed_distance_m(incident.position(), scope.geometry())),
                time_overlaps: scope.windows().iter().any(|window| incident.overlaps(window)),
            };
            let postgis_m = if measured { postgis_m.next() } else { None };
            Disagreement { pair, facts, postgis_m, verdict: verdict::judge(&facts) }
        })
        .collect();
    Ok(disagreements)
}

fn describe(disagreement: &Disagreement, matcher: &Matcher) -> String {
    let scope = matcher.scope(disagreement.pair.scope_idx as usize);
    let facts = &disagreement.facts;
    let against = |distance_m: Option<f64>| match distance_m {
        Some(distance_m) => format!("{distance_m:.4} m ({:+.4})", distance_m - facts.threshold_m),
        None => "not measured".to_owned(),
    };
    format!(
        "{:?}: incident {} and {} (scope {}) found by {} only; threshold {:.4} m; reference distance {}; PostGIS \
         ST_Distance {}; time {}",
        disagreement.verdict,
        disagreement.pair.incident_idx,
        scope.id(),
        disagreement.pair.scope_idx,
        match facts.found_by {
            Side::Matcher => "the matcher",
            Side::Postgis => "PostGIS",
        },
        facts.threshold_m,
        against(facts.signed_distance_m),
        against(disagreement.postgis_m),
        if facts.time_overlaps { "overlaps" } else { "does not overlap" },
    )
}
