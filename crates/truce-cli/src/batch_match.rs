//! `truce match`: matches a CSV file of incidents against a GeoJSON file of scopes, offline
//! and in bulk, with the core's matcher (the same test the server applies to each incident).
//!
//! Scopes are a FeatureCollection: LineString corridors with properties `id`,
//! `half_width_m` and `windows` (a list of `[start, end]` RFC 3339 pairs, half-open), and
//! Polygon or MultiPolygon zones with `id` and `windows`. The server's own layers read as
//! they are: `corridors.geojson` (one feature per window, `corridor_id`, `start`, `end`: the
//! features of one corridor are its windows) and `zones.geojson` (`zone_id`, no windows: a
//! zone without windows is a scope at every instant). Incidents are a CSV file with the
//! header `id,lon,lat,uncertainty_m,start,end` (in any order; other columns are ignored;
//! `incident_id` for `id`, as the server's export names it), where `start == end` or an
//! empty `end` is an instant (as the server matches an incident with no end); the server's
//! GeoJSON export of incidents (points, with `uncertainty_m`, `start` and `end` among their
//! properties); or ACLED's CSV export (a header with `event_id_cnty`; time and radius from its
//! precision codes, docs/acled.md). The output is a CSV file of `incident_id,scope_id` pairs,
//! sorted.
//!
//! Every input is checked before anything is written: the first bad feature or row stops
//! the run with an error naming it (`features[i]`, or the CSV line number), and no output
//! file is created. Deliberately not here: deciding which scopes are active (the file says
//! so) and attributing matches to parties.

use std::{
    collections::HashMap,
    fs::{self, File},
    io::{self, BufReader, BufWriter, IsTerminal},
    path::Path,
};

use anyhow::{anyhow, bail, Context as _};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use truce_core::{
    matcher::{IncidentProbe, Matcher, Scope},
    LineString, Polygon, Position, Timestamp, Window,
};

/// Incidents matched between two updates of the matching progress bar.
const MATCH_CHUNK_INCIDENTS: usize = 1 << 16;

/// Reads the scopes and the incidents, matches every incident, writes the sorted pairs.
///
/// # Errors
/// Unreadable files, a scope file that is not a FeatureCollection of valid corridors and
/// zones with unique ids, an incident row that is missing a field or holds a bad value (the
/// error names its line), a duplicated incident id, or an unwritable output.
pub fn run(scopes: &Path, incidents: &Path, out: &Path) -> anyhow::Result<()> {
    let scopes_list = read_scopes(scopes)?;
    let scopes_count = scopes_list.len();
    let matcher = Matcher::new(scopes_list);
    let matched = match_incidents(&matcher, incidents)?;
    write_matches(out, &matcher, &matched)?;
    println!(
        "{} incidents against {} scopes: {} matches written to {}",
        matched.incident_ids.len(),
        scopes_count,
        matched.pairs.len(),
        out.display()
    );
    Ok(())
}

/// Incident ids in file order, and `(incident, scope)` index pairs.
struct Matched {
    incident_ids: Vec<String>,
    pairs: Vec<(usize, usize)>,
}

/// Where each needed column is in the incidents file.
struct Columns {
    id: usize,
    lon: usize,
    lat: usize,
    uncertainty_m: usize,
    start: usize,
    end: usize,
}

/// A feature read: its scope's id, shape and windows, and whether it is one window of a
/// scope that other features continue (the server's `corridors.geojson`).
struct ScopeFeature {
    id: String,
    shape: Shape,
    windows: Vec<Window>,
    per_window: bool,
}

enum Shape {
    Corridor { route: LineString, half_width_m: f64 },
    Zone { boundary: Polygon },
}

fn read_scopes(path: &Path) -> anyhow::Result<Vec<Scope>> {
    let text = fs::read_to_string(path).with_context(|| format!("reading scopes {}", path.display()))?;
    let collection: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if collection.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        bail!("{}: expected a GeoJSON FeatureCollection", path.display());
    }
    let features = collection
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("{}: the FeatureCollection has no \"features\" list", path.display()))?;
    // Each scope with the index of its first feature, for errors.
    let mut read: Vec<(usize, ScopeFeature)> = Vec::with_capacity(features.len());
    let mut first_feature_by_id: HashMap<String, (usize, usize)> = HashMap::new();
    for (feature_idx, feature) in features.iter().enumerate() {
        let scope = parse_feature(feature).with_context(|| format!("{}: features[{feature_idx}]", path.display()))?;
        match first_feature_by_id.get(&scope.id) {
            // Another window of a corridor already read.
            Some((_, scope_idx)) if scope.per_window && read[*scope_idx].1.per_window => {
                read[*scope_idx].1.windows.extend(scope.windows);
            }
            Some((first_idx, _)) => bail!(
                "{}: features[{feature_idx}]: id {:?} is already used by features[{first_idx}]",
                path.display(),
                scope.id
            ),
            None => {
                first_feature_by_id.insert(scope.id.clone(), (feature_idx, read.len()));
                read.push((feature_idx, scope));
            }
        }
    }
    read.into_iter()
        .map(|(feature_idx, scope)| {
            let built = match scope.shape {
                Shape::Corridor { route, half_width_m } => {
                    Scope::corridor(scope.id, route, half_width_m, scope.windows)
                }
                Shape::Zone { boundary } => Scope::zone(scope.id, boundary, scope.windows),
            };
            built.map_err(|err| anyhow!("{}: features[{feature_idx}]: {err}", path.display()))
        })
        .collect()
}

fn parse_feature(feature: &Value) -> anyhow::Result<ScopeFeature> {
    let geometry = feature.get("geometry").filter(|value| !value.is_null()).ok_or_else(|| anyhow!("no geometry"))?;
    let properties = feature.get("properties").and_then(Value::as_object).ok_or_else(|| anyhow!("no properties"))?;
    let (key, id) =
        match ["id", "corridor_id", "zone_id"].iter().find_map(|key| properties.get(*key).map(|v| (*key, v))) {
            Some((key, Value::String(id))) if !id.trim().is_empty() => (key, id.trim().to_owned()),
            Some((key, _)) => bail!("{key}: expected a non-empty string"),
            None => bail!("no id (nor corridor_id, nor zone_id)"),
        };
    // The server's layers: one window per feature (`start`, `end`), or none for a zone.
    let per_window = properties.contains_key("start") || properties.contains_key("end");
    let windows = match (properties.get("windows"), per_window, key) {
        (Some(windows), _, _) => parse_windows(Some(windows)).context("windows")?,
        (None, true, _) => window_of(properties.get("start"), properties.get("end"))?,
        (None, false, "zone_id") => {
            vec![Window::new(Timestamp::parse("0001-01-01T00:00:00Z")?, Timestamp::parse("9999-12-31T23:59:59Z")?)?]
        }
        (None, false, _) => parse_windows(None).context("windows")?,
    };
    let shape = match geometry.get("type").and_then(Value::as_str) {
        Some("LineString") => {
            let route: LineString = serde_json::from_value(geometry.clone()).context("geometry")?;
            let half_width_m = match properties.get("half_width_m") {
                Some(value) => value.as_f64().ok_or_else(|| anyhow!("half_width_m: expected a number of metres"))?,
                None => bail!("no half_width_m (a corridor needs one)"),
            };
            Shape::Corridor { route, half_width_m }
        }
        Some("Polygon" | "MultiPolygon") => {
            Shape::Zone { boundary: serde_json::from_value(geometry.clone()).context("geometry")? }
        }
        Some(other) => {
            bail!("geometry type {other:?}: expected LineString (a corridor) or Polygon or MultiPolygon (a zone)")
        }
        None => bail!("geometry: no type"),
    };
    Ok(ScopeFeature { id, shape, windows, per_window })
}

/// The one window of a feature of the server's `corridors.geojson`; none when both are null
/// (a corridor without windows).
fn window_of(start: Option<&Value>, end: Option<&Value>) -> anyhow::Result<Vec<Window>> {
    match (start, end) {
        (Some(Value::String(start)), Some(Value::String(end))) => {
            let start = Timestamp::parse(start).context("start")?;
            let end = Timestamp::parse(end).context("end")?;
            Ok(vec![Window::new(start, end).context("start, end")?])
        }
        (None | Some(Value::Null), None | Some(Value::Null)) => Ok(Vec::new()),
        _ => bail!("start, end: expected two RFC 3339 strings, or both null"),
    }
}

fn parse_windows(value: Option<&Value>) -> anyhow::Result<Vec<Window>> {
    let list = match value {
        Some(Value::Array(list)) => list,
        Some(_) => bail!("expected a list of [start, end] pairs"),
        None => bail!("missing (a list of [start, end] pairs)"),
    };
    let mut windows = Vec::with_capacity(list.len());
    for (window_idx, pair) in list.iter().enumerate() {
        let (start, end) = match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(start), Value::String(end)]) => (start, end),
            _ => bail!("[{window_idx}]: expected a pair of RFC 3339 strings [start, end]"),
        };
        let start = Timestamp::parse(start).with_context(|| format!("[{window_idx}] start"))?;
        let end = Timestamp::parse(end).with_context(|| format!("[{window_idx}] end"))?;
        windows.push(Window::new(start, end).with_context(|| format!("[{window_idx}]"))?);
    }
    Ok(windows)
}

fn match_incidents(matcher: &Matcher, path: &Path) -> anyhow::Result<Matched> {
    let (incident_ids, probes) = read_incidents(path)?;
    let progress = progress_bar(probes.len() as u64, "matching {wide_bar} {pos}/{len} incidents ({eta})");
    let mut pairs = Vec::new();
    // In chunks, for the progress bar; each is still large enough for `matches_batch` to
    // find locality in.
    for (chunk_idx, chunk) in probes.chunks(MATCH_CHUNK_INCIDENTS).enumerate() {
        let offset = chunk_idx * MATCH_CHUNK_INCIDENTS;
        matcher.matches_batch(chunk, &mut |probe_idx, scope_idxs| {
            pairs.extend(scope_idxs.iter().map(|scope_idx| (offset + probe_idx, *scope_idx)));
        });
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    Ok(Matched { incident_ids, pairs })
}

/// Reads and checks every row: incident ids in file order and their probes.
fn read_incidents(path: &Path) -> anyhow::Result<(Vec<String>, Vec<IncidentProbe>)> {
    let mut file = File::open(path).with_context(|| format!("reading incidents {}", path.display()))?;
    let bytes_total = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    if starts_with_brace(&mut file).with_context(|| format!("reading incidents {}", path.display()))? {
        return read_geojson_incidents(path);
    }
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(BufReader::new(file));
    let headers = reader.headers().with_context(|| format!("{}: line 1", path.display()))?.clone();
    if crate::acled::is_acled_header(&headers) {
        return read_acled(path);
    }
    let column = |name: &str| {
        headers.iter().position(|header| header == name).ok_or_else(|| {
            anyhow!(
                "{}: line 1: the header has no column {name:?} (expected id,lon,lat,uncertainty_m,start,end)",
                path.display()
            )
        })
    };
    let columns = Columns {
        id: column("id").or_else(|err| column("incident_id").map_err(|_| err))?,
        lon: column("lon")?,
        lat: column("lat")?,
        uncertainty_m: column("uncertainty_m")?,
        start: column("start")?,
        end: column("end")?,
    };
    let progress = progress_bar(bytes_total, "reading {wide_bar} {bytes}/{total_bytes} ({eta})");
    let mut incident_ids = Vec::new();
    let mut probes = Vec::new();
    let mut first_line_by_id: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => match (err.kind(), err.position()) {
                (csv::ErrorKind::UnequalLengths { expected_len, len, .. }, Some(position)) => {
                    bail!(
                        "{}: line {}: {len} fields where the header has {expected_len}",
                        path.display(),
                        position.line()
                    )
                }
                (_, Some(position)) => bail!("{}: line {}: {err}", path.display(), position.line()),
                (_, None) => return Err(err).with_context(|| format!("reading incidents {}", path.display())),
            },
        }
        let line = record.position().map_or(0, csv::Position::line);
        let (id, probe) =
            parse_incident(&record, &columns).with_context(|| format!("{}: line {line}", path.display()))?;
        if let Some(first_line) = first_line_by_id.insert(id.clone(), line) {
            bail!("{}: line {line}: incident id {id:?} is already on line {first_line}", path.display());
        }
        incident_ids.push(id);
        probes.push(probe);
        // Cheap: indicatif stores the position and redraws at most 20 times a second.
        progress.set_position(reader.position().byte());
    }
    progress.finish_and_clear();
    Ok((incident_ids, probes))
}

/// ACLED's export as incidents: `event_id_cnty` as the id, the time and the radius from its
/// precision codes.
fn read_acled(path: &Path) -> anyhow::Result<(Vec<String>, Vec<IncidentProbe>)> {
    let file = File::open(path).with_context(|| format!("reading incidents {}", path.display()))?;
    let mut incident_ids = Vec::new();
    let mut probes = Vec::new();
    let mut first_line_by_id: HashMap<String, u64> = HashMap::new();
    crate::acled::read(BufReader::new(file), |event| {
        if let Some(first_line) = first_line_by_id.insert(event.event_id_cnty.clone(), event.line) {
            bail!("line {}: event_id_cnty {:?} is already on line {first_line}", event.line, event.event_id_cnty);
        }
        let (start, end) = event.when();
        probes.push(IncidentProbe::new(event.position, event.uncertainty_m(), start, end)?);
        incident_ids.push(event.event_id_cnty);
        Ok(())
    })
    .with_context(|| path.display().to_string())?;
    Ok((incident_ids, probes))
}

fn parse_incident(record: &csv::StringRecord, columns: &Columns) -> anyhow::Result<(String, IncidentProbe)> {
    let field = |column_idx: usize, name: &str| match record.get(column_idx) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(anyhow!("missing {name}")),
    };
    let number = |column_idx: usize, name: &str| -> anyhow::Result<f64> {
        let raw = field(column_idx, name)?;
        raw.parse().map_err(|_| anyhow!("{name} {raw:?} is not a number"))
    };
    let id = field(columns.id, "id")?.to_owned();
    let position = Position::new(number(columns.lon, "lon")?, number(columns.lat, "lat")?)?;
    let uncertainty_m = number(columns.uncertainty_m, "uncertainty_m")?;
    let start = Timestamp::parse(field(columns.start, "start")?).context("start")?;
    let end = match record.get(columns.end) {
        // No end: an instant, as the server matches an incident with no end.
        Some("") | None => start,
        Some(end) => Timestamp::parse(end).context("end")?,
    };
    let probe = IncidentProbe::new(position, uncertainty_m, start, end)?;
    Ok((id, probe))
}

/// Whether the file's first byte that is not white space is `{`: JSON, not CSV. The file is
/// left at its start.
fn starts_with_brace(file: &mut File) -> io::Result<bool> {
    use std::io::{Read as _, Seek as _};
    let mut head = [0u8; 256];
    let read = file.read(&mut head)?;
    file.rewind()?;
    Ok(head[..read].iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'{'))
}

/// The server's GeoJSON export of incidents (or its incidents layer): a FeatureCollection of
/// points whose properties hold `uncertainty_m`, `start` and `end` (null or absent for an
/// instant), the id being the feature's `id` or its `incident_id`.
fn read_geojson_incidents(path: &Path) -> anyhow::Result<(Vec<String>, Vec<IncidentProbe>)> {
    let text = fs::read_to_string(path).with_context(|| format!("reading incidents {}", path.display()))?;
    let collection: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if collection.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        bail!("{}: expected a GeoJSON FeatureCollection of incidents", path.display());
    }
    let features = collection
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("{}: the FeatureCollection has no \"features\" list", path.display()))?;
    let mut incident_ids = Vec::with_capacity(features.len());
    let mut probes = Vec::with_capacity(features.len());
    let mut first_feature_by_id: HashMap<String, usize> = HashMap::new();
    for (feature_idx, feature) in features.iter().enumerate() {
        let (id, probe) =
            geojson_incident(feature).with_context(|| format!("{}: features[{feature_idx}]", path.display()))?;
        if let Some(first_idx) = first_feature_by_id.insert(id.clone(), feature_idx) {
            bail!("{}: features[{feature_idx}]: incident id {id:?} is already features[{first_idx}]", path.display());
        }
        incident_ids.push(id);
        probes.push(probe);
    }
    Ok((incident_ids, probes))
}

fn geojson_incident(feature: &Value) -> anyhow::Result<(String, IncidentProbe)> {
    let properties = feature.get("properties").and_then(Value::as_object).ok_or_else(|| anyhow!("no properties"))?;
    let id = match (feature.get("id"), properties.get("incident_id")) {
        (Some(Value::String(id)), _) | (_, Some(Value::String(id))) => id.clone(),
        _ => bail!("no id (the feature's `id` or properties.incident_id)"),
    };
    let geometry = feature.get("geometry").ok_or_else(|| anyhow!("no geometry"))?;
    let coordinates = match (geometry.get("type").and_then(Value::as_str), geometry.get("coordinates")) {
        (Some("Point"), Some(Value::Array(coordinates))) => coordinates,
        _ => bail!("geometry: an incident is a Point"),
    };
    let number = |value: Option<&Value>, name: &str| {
        value.and_then(Value::as_f64).ok_or_else(|| anyhow!("{name}: not a number"))
    };
    let position = Position::new(
        number(coordinates.first(), "geometry.coordinates[0]")?,
        number(coordinates.get(1), "geometry.coordinates[1]")?,
    )?;
    let uncertainty_m = number(properties.get("uncertainty_m"), "properties.uncertainty_m")?;
    let time = |name: &str| -> anyhow::Result<Option<Timestamp>> {
        match properties.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Timestamp::parse(text).map(Some).with_context(|| format!("properties.{name}")),
            Some(_) => bail!("properties.{name}: not an RFC 3339 time"),
        }
    };
    let start = time("start")?.ok_or_else(|| anyhow!("properties.start: missing"))?;
    let end = time("end")?.unwrap_or(start);
    let probe = IncidentProbe::new(position, uncertainty_m, start, end).context("properties")?;
    Ok((id, probe))
}

fn write_matches(path: &Path, matcher: &Matcher, matched: &Matched) -> anyhow::Result<()> {
    let mut pairs = matched.pairs.clone();
    pairs.sort_unstable_by(|left, right| {
        let left_key = (&matched.incident_ids[left.0], matcher.scope(left.1).id());
        let right_key = (&matched.incident_ids[right.0], matcher.scope(right.1).id());
        left_key.cmp(&right_key)
    });
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = csv::Writer::from_writer(BufWriter::new(file));
    let written = (|| -> Result<(), csv::Error> {
        writer.write_record(["incident_id", "scope_id"])?;
        for (incident_idx, scope_idx) in pairs {
            writer.write_record([matched.incident_ids[incident_idx].as_str(), matcher.scope(scope_idx).id()])?;
        }
        writer.flush()?;
        Ok(())
    })();
    written.with_context(|| format!("writing {}", path.display()))
}

/// A bar drawn only when stderr is a terminal.
pub(crate) fn progress_bar(length: u64, template: &str) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let progress = ProgressBar::new(length);
    progress.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    progress
}
