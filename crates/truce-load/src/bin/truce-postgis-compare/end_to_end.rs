//! `truce match` end to end, for the bar's second ratio: the scopes written as its GeoJSON
//! input and the incidents as its CSV input (untimed), then the command run as a child
//! process, timed from its start to its exit: the files read and parsed, the index built,
//! every incident matched, the sorted output written. Best of a few runs; the pairs of its
//! output, read back, must be the matcher's.
//!
//! Scope `i` gets the id `s<i>`, incident `i` the id `i<i>`, so the output maps back to
//! indices.

use std::{
    fmt::Write as _,
    fs,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, Context as _};
use serde_json::{json, Value};
use truce_core::{
    matcher::{IncidentProbe, Scope, ScopeGeometry},
    Position,
};

use crate::pairs::{self, Pair};

pub struct EndToEnd {
    /// The fastest run, process start to exit.
    pub best: Duration,
    pub runs: usize,
    /// The pairs of the last run's output, sorted.
    pub pairs: Vec<Pair>,
    /// The input files' sizes, bytes.
    pub scopes_bytes: u64,
    pub incidents_bytes: u64,
}

/// Writes the inputs into a temporary directory, runs `truce match` `runs` times, reads the
/// pairs back.
pub fn run(truce_bin: &Path, scopes: &[Scope], incidents: &[IncidentProbe], runs: usize) -> anyhow::Result<EndToEnd> {
    let dir = tempfile::tempdir().context("creating a temporary directory for truce match")?;
    let scopes_path = dir.path().join("scopes.geojson");
    let incidents_path = dir.path().join("incidents.csv");
    let out_path = dir.path().join("matches.csv");
    fs::write(&scopes_path, scopes_geojson(scopes).to_string()).context("writing the scopes")?;
    fs::write(&incidents_path, incidents_csv(incidents)).context("writing the incidents")?;
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let _ = fs::remove_file(&out_path);
        let started = Instant::now();
        let status = Command::new(truce_bin)
            .arg("match")
            .arg("--scopes")
            .arg(&scopes_path)
            .arg("--incidents")
            .arg(&incidents_path)
            .arg("--out")
            .arg(&out_path)
            .stdout(Stdio::null())
            .status()
            .with_context(|| format!("running {}", truce_bin.display()))?;
        let elapsed = started.elapsed();
        if !status.success() {
            bail!("{} match failed: {status}", truce_bin.display());
        }
        best = best.min(elapsed);
    }
    let mut pairs = read_pairs(&out_path)?;
    let duplicates_count = pairs::normalize(&mut pairs);
    if duplicates_count > 0 {
        bail!("truce match wrote {duplicates_count} duplicate pairs");
    }
    Ok(EndToEnd {
        best,
        runs,
        pairs,
        scopes_bytes: fs::metadata(&scopes_path)?.len(),
        incidents_bytes: fs::metadata(&incidents_path)?.len(),
    })
}

fn coordinates(positions: &[Position]) -> Value {
    Value::Array(positions.iter().map(|position| json!([position.lon(), position.lat()])).collect())
}

fn scopes_geojson(scopes: &[Scope]) -> Value {
    let features: Vec<Value> = scopes
        .iter()
        .enumerate()
        .map(|(scope_idx, scope)| {
            let windows: Vec<Value> = scope
                .windows()
                .iter()
                .map(|window| json!([window.start().to_string(), window.end().to_string()]))
                .collect();
            let (geometry, properties) = match scope.geometry() {
                ScopeGeometry::Corridor { route, half_width_m } => (
                    json!({"type": "LineString", "coordinates": coordinates(route.positions())}),
                    json!({"id": format!("s{scope_idx}"), "half_width_m": half_width_m, "windows": windows}),
                ),
                ScopeGeometry::Zone { boundary } => (
                    {
                        // A zone in several parts is a MultiPolygon: its parts' rings as one
                        // Polygon would put a part's outline among the holes of the first.
                        let parts: Vec<Vec<_>> =
                            boundary.parts().map(|part| part.iter().map(|ring| coordinates(ring)).collect()).collect();
                        match parts.len() {
                            1 => json!({"type": "Polygon", "coordinates": parts[0]}),
                            _ => json!({"type": "MultiPolygon", "coordinates": parts}),
                        }
                    },
                    json!({"id": format!("s{scope_idx}"), "windows": windows}),
                ),
            };
            json!({"type": "Feature", "geometry": geometry, "properties": properties})
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

fn incidents_csv(incidents: &[IncidentProbe]) -> String {
    let mut csv = String::from("id,lon,lat,uncertainty_m,start,end\n");
    for (incident_idx, incident) in incidents.iter().enumerate() {
        let position = incident.position();
        writeln!(
            csv,
            "i{incident_idx},{},{},{},{},{}",
            position.lon(),
            position.lat(),
            incident.uncertainty_m(),
            incident.start(),
            incident.end()
        )
        .expect("writing to a String does not fail");
    }
    csv
}

/// The `incident_id,scope_id` rows after the header, as indices.
fn read_pairs(path: &Path) -> anyhow::Result<Vec<Pair>> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut pairs = Vec::new();
    for (line_idx, line) in text.lines().enumerate().skip(1) {
        let parsed = line.split_once(',').and_then(|(incident, scope)| {
            Some(Pair {
                incident_idx: incident.strip_prefix('i')?.parse().ok()?,
                scope_idx: scope.strip_prefix('s')?.parse().ok()?,
            })
        });
        match parsed {
            Some(pair) => pairs.push(pair),
            None => bail!("{}: line {}: expected i<n>,s<n>, found {line:?}", path.display(), line_idx + 1),
        }
    }
    Ok(pairs)
}
