//! PostGIS's side: the synthetic scopes and incidents loaded into PostgreSQL, and the best
//! query PostGIS has for the matcher's question, run on several connections at once.
//!
//! Tables (in the schema `truce_compare`, dropped and made anew on each run):
//! `scopes(scope_idx, half_width_m, windows tstzmultirange, geog geography)`, corridors as
//! LineStrings with their half-width and zones as Polygons with a half-width of 0, with a
//! GiST index on their geography (`Index` says which); `incidents(incident_idx,
//! uncertainty_m, period tstzrange, geog geography(Point))`. An instant incident's period is `[t,t]` and an interval's
//! `[start,end)`, so `windows && period` is `IncidentProbe::overlaps` against any window.
//! Rows go in with COPY, as text (WKT with every coordinate written in full, so PostGIS
//! reads the very same doubles), then ANALYZE.
//!
//! Deliberately not here: timing the matcher, comparing the results.

use std::{
    fmt::Write as _,
    io::{Read, Write as _},
    time::{Duration, Instant},
};

use anyhow::{bail, Context as _};
use postgres::{Client, NoTls};
use truce_core::{
    matcher::{IncidentProbe, Scope, ScopeGeometry},
    Position, Timestamp, Window,
};

use crate::{
    pairs::{parse_copy_rows, Pair},
    usage::{self, Meter, Usage},
};

/// Rows are sent to COPY in chunks of about this many bytes.
const COPY_CHUNK_BYTES: usize = 1 << 20;
/// Bytes read from a COPY TO at a time.
const READ_CHUNK_BYTES: usize = 1 << 16;

/// The GiST index on the scopes, and the query that goes with it.
///
/// `ST_DWithin` with a distance that depends on the scope cannot use an index on
/// `scopes.geog` by itself: PostGIS's index support turns `ST_DWithin(s.geog, i.geog, d)`
/// into `s.geog && _ST_Expand(i.geog, d)`, which an index on the scopes can serve only if
/// `d` does not depend on the scope; without it, the join compares every pair. So the
/// index condition is spelt out, one of two ways. `_ST_Expand` on geography grows a box by
/// 1 % more than asked, so that neither box filter drops a pair within the distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Index {
    /// On each scope's box grown by its own half-width, `_ST_Expand(geog, half_width_m)`,
    /// met by the incident's box grown by its uncertainty: the tighter filter, and the
    /// faster query (1.6 to 1.8 times per CPU second at full size, measured).
    Expanded,
    /// On `geog` itself, met by the incident's box grown by its uncertainty plus the
    /// largest half-width: what PostGIS derives for `ST_DWithin(s.geog, i.geog,
    /// uncertainty_m + the largest half-width)`.
    Plain,
}

impl Index {
    /// What PostGIS was asked, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Index::Expanded => {
                "ST_DWithin(scope.geog, incident.geog, half_width_m + uncertainty_m) on geography (spheroid) and \
                 windows && period, with a GiST index on _ST_Expand(scope.geog, half_width_m) met by \
                 _ST_Expand(incident.geog, uncertainty_m)"
            }
            Index::Plain => {
                "ST_DWithin(scope.geog, incident.geog, half_width_m + uncertainty_m) on geography (spheroid) and \
                 windows && period, with a GiST index on scope.geog met by _ST_Expand(incident.geog, \
                 uncertainty_m + the largest half-width)"
            }
        }
    }

    fn create_statement(self) -> &'static str {
        match self {
            Index::Expanded => {
                "CREATE INDEX scopes_geog_expanded ON truce_compare.scopes
                 USING gist (_ST_Expand(geog, half_width_m))"
            }
            Index::Plain => "CREATE INDEX scopes_geog ON truce_compare.scopes USING gist (geog)",
        }
    }
}

/// # Errors
/// The server cannot be reached or refuses the session settings.
pub fn connect(database_url: &str) -> anyhow::Result<Client> {
    let mut client = Client::connect(database_url, NoTls).with_context(|| format!("connecting to {database_url}"))?;
    // The program runs its own connections, one per core; a parallel plan would put more
    // processes than that on the cores. JIT compilation measured slower here (it compiles
    // per connection and the work is in PostGIS's C functions).
    client
        .batch_execute("SET max_parallel_workers_per_gather = 0; SET jit = off; SET TIME ZONE 'UTC'")
        .context("setting up the session")?;
    Ok(client)
}

/// Makes the tables, fills them, indexes and analyzes them; returns how long that took.
///
/// # Errors
/// PostGIS missing, or any SQL error.
pub fn load(
    client: &mut Client,
    scopes: &[Scope],
    incidents: &[IncidentProbe],
    index: Index,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    client
        .batch_execute(
            "CREATE EXTENSION IF NOT EXISTS postgis;
             DROP SCHEMA IF EXISTS truce_compare CASCADE;
             CREATE SCHEMA truce_compare;
             CREATE TABLE truce_compare.scopes (
                 scope_idx integer PRIMARY KEY,
                 half_width_m double precision NOT NULL,
                 windows tstzmultirange NOT NULL,
                 geog geography NOT NULL);
             CREATE TABLE truce_compare.incidents (
                 incident_idx integer PRIMARY KEY,
                 uncertainty_m double precision NOT NULL,
                 period tstzrange NOT NULL,
                 geog geography(Point) NOT NULL);",
        )
        .context("creating the tables (is PostGIS installed?)")?;
    copy_in(
        client,
        "COPY truce_compare.scopes (scope_idx, half_width_m, windows, geog) FROM STDIN",
        scopes.iter().enumerate(),
        |(scope_idx, scope), row| scope_row(scope_idx, scope, row),
    )?;
    copy_in(
        client,
        "COPY truce_compare.incidents (incident_idx, uncertainty_m, period, geog) FROM STDIN",
        incidents.iter().enumerate(),
        |(incident_idx, incident), row| incident_row(incident_idx, incident, row),
    )?;
    client.batch_execute(index.create_statement()).context("indexing the scopes")?;
    client.batch_execute("ANALYZE truce_compare.scopes; ANALYZE truce_compare.incidents").context("analyzing")?;
    Ok(started.elapsed())
}

/// What running the query gave.
pub struct QueryRun {
    /// Unsorted.
    pub pairs: Vec<Pair>,
    /// From the first query sent to the last row read.
    pub elapsed: Duration,
    pub usage: Usage,
}

/// Runs the query over all incidents, split into `connections_count` ranges of incident
/// indices, one per connection, all at once.
///
/// # Errors
/// A connection or query that fails.
pub fn run_query(
    database_url: &str,
    connections_count: usize,
    incidents_count: usize,
    index: Index,
) -> anyhow::Result<QueryRun> {
    let mut clients = (0..connections_count).map(|_| connect(database_url)).collect::<anyhow::Result<Vec<_>>>()?;
    let half_width_m_max: f64 = clients[0]
        .query_one("SELECT coalesce(max(half_width_m), 0) FROM truce_compare.scopes", &[])
        .context("reading the largest half-width")?
        .get(0);
    let mut backend_pids = Vec::new();
    for client in &mut clients {
        let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[]).context("asking for the backend")?.get(0);
        backend_pids.extend(u32::try_from(pid).ok().filter(|&pid| usage::is_local_postgres(pid)));
    }
    if backend_pids.len() < connections_count {
        // A server elsewhere: its CPU cannot be read from here.
        backend_pids.clear();
    }
    let queries: Vec<String> = (0..connections_count)
        .map(|part_idx| {
            let start = incidents_count * part_idx / connections_count;
            let end = incidents_count * (part_idx + 1) / connections_count;
            query_text(index, start, end, half_width_m_max)
        })
        .collect();
    let meter = Meter::start(&backend_pids);
    let started = Instant::now();
    let parts: Vec<anyhow::Result<Vec<Pair>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .iter_mut()
            .zip(&queries)
            .map(|(client, query)| scope.spawn(move || copy_out_pairs(client, query)))
            .collect();
        handles.into_iter().map(|handle| handle.join().expect("a query thread does not panic")).collect()
    });
    let elapsed = started.elapsed();
    let mut usage = meter.stop();
    if backend_pids.is_empty() {
        usage.watched_cores = None;
        usage.rest_cores = None;
    }
    let mut pairs = Vec::new();
    for part in parts {
        pairs.extend(part?);
    }
    Ok(QueryRun { pairs, elapsed, usage })
}

/// PostgreSQL's and PostGIS's versions, for the report.
///
/// # Errors
/// Any SQL error (PostGIS not installed).
pub fn versions(client: &mut Client) -> anyhow::Result<String> {
    let row = client
        .query_one("SELECT current_setting('server_version'), postgis_lib_version(), postgis_geos_version()", &[])
        .context("asking for versions")?;
    Ok(format!(
        "PostgreSQL {}, PostGIS {} (GEOS {})",
        row.get::<_, String>(0),
        row.get::<_, String>(1),
        row.get::<_, String>(2)
    ))
}

/// PostGIS's own distance (`ST_Distance` on geography, on the spheroid) for each pair.
///
/// # Errors
/// Any SQL error, or a pair that names no row.
pub fn distances_m(client: &mut Client, pairs: &[Pair]) -> anyhow::Result<Vec<f64>> {
    // The indices are the program's own, bounded far below `i32::MAX` by its limits.
    let as_integer = |idx: u32| i32::try_from(idx).expect("indices fit in a PostgreSQL integer");
    let incident_idxs: Vec<i32> = pairs.iter().map(|pair| as_integer(pair.incident_idx)).collect();
    let scope_idxs: Vec<i32> = pairs.iter().map(|pair| as_integer(pair.scope_idx)).collect();
    let rows = client
        .query(
            "SELECT ST_Distance(s.geog, i.geog)
             FROM unnest($1::integer[], $2::integer[]) WITH ORDINALITY AS p(incident_idx, scope_idx, n)
             JOIN truce_compare.incidents i USING (incident_idx)
             JOIN truce_compare.scopes s USING (scope_idx)
             ORDER BY p.n",
            &[&incident_idxs, &scope_idxs],
        )
        .context("asking PostGIS for distances")?;
    if rows.len() != pairs.len() {
        bail!("asked for {} distances, got {}", pairs.len(), rows.len());
    }
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// # Errors
/// Any SQL error.
pub fn drop_tables(client: &mut Client) -> anyhow::Result<()> {
    client.batch_execute("DROP SCHEMA IF EXISTS truce_compare CASCADE").context("dropping the tables")
}

/// The query over the incidents `incident_idx_start..incident_idx_end`, as a COPY to the
/// client: the cheapest way PostgreSQL has to send rows.
fn query_text(index: Index, incident_idx_start: usize, incident_idx_end: usize, half_width_m_max: f64) -> String {
    let index_condition = match index {
        Index::Expanded => "_ST_Expand(s.geog, s.half_width_m) && _ST_Expand(i.geog, i.uncertainty_m)".to_owned(),
        Index::Plain => format!("s.geog && _ST_Expand(i.geog, i.uncertainty_m + {half_width_m_max})"),
    };
    format!(
        "COPY (SELECT i.incident_idx, s.scope_idx
               FROM truce_compare.incidents i
               JOIN truce_compare.scopes s
                 ON {index_condition}
                AND ST_DWithin(s.geog, i.geog, s.half_width_m + i.uncertainty_m)
                AND s.windows && i.period
               WHERE i.incident_idx >= {incident_idx_start} AND i.incident_idx < {incident_idx_end})
         TO STDOUT"
    )
}

fn copy_out_pairs(client: &mut Client, query: &str) -> anyhow::Result<Vec<Pair>> {
    let mut reader = client.copy_out(query).context("running the PostGIS query")?;
    let mut pairs = Vec::new();
    let mut buffer = vec![0u8; READ_CHUNK_BYTES];
    let mut carried = Vec::new();
    loop {
        let read_count = reader.read(&mut buffer).context("reading the PostGIS query's rows")?;
        if read_count == 0 {
            break;
        }
        carried.extend_from_slice(&buffer[..read_count]);
        let rest_len = parse_copy_rows(&carried, &mut pairs).map_err(anyhow::Error::msg)?.len();
        carried.drain(..carried.len() - rest_len);
    }
    if !carried.is_empty() {
        bail!("the PostGIS query's rows end in the middle of a row");
    }
    Ok(pairs)
}

fn copy_in<T>(
    client: &mut Client,
    statement: &str,
    items: impl Iterator<Item = T>,
    mut write_row: impl FnMut(T, &mut String),
) -> anyhow::Result<()> {
    let mut writer = client.copy_in(statement).with_context(|| format!("starting {statement}"))?;
    let mut chunk = String::with_capacity(COPY_CHUNK_BYTES + 4096);
    for item in items {
        write_row(item, &mut chunk);
        if chunk.len() >= COPY_CHUNK_BYTES {
            writer.write_all(chunk.as_bytes()).with_context(|| format!("sending rows to {statement}"))?;
            chunk.clear();
        }
    }
    writer.write_all(chunk.as_bytes()).with_context(|| format!("sending rows to {statement}"))?;
    writer.finish().with_context(|| format!("finishing {statement}"))?;
    Ok(())
}

/// `scope_idx \t half_width_m \t windows \t geog`, as COPY's text format.
fn scope_row(scope_idx: usize, scope: &Scope, row: &mut String) {
    let half_width_m = match scope.geometry() {
        ScopeGeometry::Corridor { half_width_m, .. } => *half_width_m,
        ScopeGeometry::Zone { .. } => 0.0,
    };
    write!(row, "{scope_idx}\t{half_width_m}\t{{").expect("writing to a String does not fail");
    for (window_idx, window) in scope.windows().iter().enumerate() {
        if window_idx > 0 {
            row.push(',');
        }
        write_window(window, row);
    }
    row.push_str("}\tSRID=4326;");
    match scope.geometry() {
        ScopeGeometry::Corridor { route, .. } => {
            row.push_str("LINESTRING");
            write_positions(route.positions(), row);
        }
        ScopeGeometry::Zone { boundary } => {
            // A zone in several parts is a MULTIPOLYGON: its parts' rings as one POLYGON would
            // put a part's outline among the holes of the first.
            let parts: Vec<&[Vec<Position>]> = boundary.parts().collect();
            let multi = parts.len() > 1;
            row.push_str(if multi { "MULTIPOLYGON(" } else { "POLYGON" });
            for (part_idx, part) in parts.iter().enumerate() {
                if part_idx > 0 {
                    row.push(',');
                }
                row.push('(');
                for (ring_idx, ring) in part.iter().enumerate() {
                    if ring_idx > 0 {
                        row.push(',');
                    }
                    write_positions(ring, row);
                }
                row.push(')');
            }
            if multi {
                row.push(')');
            }
        }
    }
    row.push('\n');
}

/// `incident_idx \t uncertainty_m \t period \t geog`, as COPY's text format.
fn incident_row(incident_idx: usize, incident: &IncidentProbe, row: &mut String) {
    let position = incident.position();
    let (start, end) = (timestamp_text(incident.start()), timestamp_text(incident.end()));
    // An instant is the one-point range `[t,t]`, which overlaps `[s,e)` exactly when
    // `s <= t < e`; an interval is half-open like the windows.
    let close = if incident.start() == incident.end() { ']' } else { ')' };
    writeln!(
        row,
        "{incident_idx}\t{}\t[{start},{end}{close}\tSRID=4326;POINT({} {})",
        incident.uncertainty_m(),
        position.lon(),
        position.lat()
    )
    .expect("writing to a String does not fail");
}

fn write_window(window: &Window, row: &mut String) {
    write!(row, "[{},{})", timestamp_text(window.start()), timestamp_text(window.end()))
        .expect("writing to a String does not fail");
}

/// RFC 3339 with `Z`, which PostgreSQL reads, and which holds no character that a range
/// literal would need to quote.
fn timestamp_text(at: Timestamp) -> String {
    at.to_string()
}

/// `(lon lat,lon lat,…)`; `f64`'s `Display` writes the shortest text that reads back as the
/// same double.
fn write_positions(positions: &[Position], row: &mut String) {
    row.push('(');
    for (position_idx, position) in positions.iter().enumerate() {
        if position_idx > 0 {
            row.push(',');
        }
        write!(row, "{} {}", position.lon(), position.lat()).expect("writing to a String does not fail");
    }
    row.push(')');
}

#[cfg(test)]
mod tests {
    use truce_core::{matcher::ScopeGeometry, synthetic::Set};

    use super::scope_row;

    #[test]
    fn a_zone_in_several_parts_is_written_as_a_multipolygon_and_one_in_one_part_as_a_polygon() {
        let scopes = Set::Realistic.generate(400, 0).scopes;
        let parts_count = |scope: &truce_core::matcher::Scope| match scope.geometry() {
            ScopeGeometry::Zone { boundary } => boundary.parts().count(),
            ScopeGeometry::Corridor { .. } => 0,
        };
        let multi = scopes.iter().find(|scope| parts_count(scope) > 1).expect("the set has a multi-part zone");
        let single = scopes.iter().find(|scope| parts_count(scope) == 1).expect("the set has a one-part zone");
        let (mut multi_row, mut single_row) = (String::new(), String::new());
        scope_row(0, multi, &mut multi_row);
        scope_row(1, single, &mut single_row);
        let geometry = |row: &str| row.split("SRID=4326;").nth(1).expect("a geometry").trim_end().to_owned();
        let multi_text = geometry(&multi_row);
        assert!(multi_text.starts_with("MULTIPOLYGON(((") && multi_text.ends_with(")))"), "{multi_text}");
        assert_eq!(multi_text.matches(")),((").count() + 1, parts_count(multi), "{multi_text}");
        let single_text = geometry(&single_row);
        assert!(single_text.starts_with("POLYGON((") && !single_text.contains(")),(("), "{single_text}");
    }
}
