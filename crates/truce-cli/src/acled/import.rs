//! `truce import --format acled`: an ACLED export as signed `report_incident` commands (and
//! `add_source` for each source after the first), under ids derived from ACLED's, so that
//! importing a file again creates nothing twice (docs/acled.md says every rule).
//!
//! The whole file is read and checked before anything is sent: one bad row, and nothing is.

use std::{collections::BTreeMap, fmt::Write as _, path::Path};

use anyhow::{bail, Context as _};
use serde_json::Value;
use sha2::{Digest, Sha256};
use truce_core::{
    Casualties, CommandBody, CountRange, GeoPrecision, IncidentId, IncidentKind, Location, Name, Reason, SourceId,
    SourceKind, SourceReport, TimePrecision, When,
};

use crate::{
    acled::{
        mapping,
        rows::{self, Row},
    },
    batch_match::progress_bar,
    client::{self, Client, ServerClock, Signer},
};

/// How many rows a dry run shows as examples.
pub const EXAMPLES_COUNT: usize = 5;

/// The organisation of an incident's only source when its row names none.
pub const ACLED: &str = "ACLED";

/// What one row becomes.
#[derive(Debug, Clone)]
pub struct Planned {
    pub line: u64,
    pub event_id_cnty: String,
    pub kind: IncidentKind,
    pub incident_id: IncidentId,
    /// The `report_incident` body, with the first source.
    pub report: CommandBody,
    /// The `add_source` bodies of the other sources.
    pub more_sources: Vec<CommandBody>,
}

/// A row that is not an incident (docs/acled.md, the mapping table).
#[derive(Debug, Clone)]
pub struct Skipped {
    /// `Protests / Peaceful protest`.
    pub types: String,
}

/// A file's plan: every good row, as commands or skipped.
#[derive(Debug, Default)]
pub struct Plan {
    pub incidents: Vec<Planned>,
    pub skipped: Vec<Skipped>,
}

/// Reads, checks and plans a whole file, `text` the contents of `path`.
///
/// # Errors
/// Every bad row, one a line (`FILE:LINE: column `latitude`: ...`).
pub fn plan_file(path: &Path, text: &str) -> anyhow::Result<Plan> {
    let rows = rows::read_all(text.as_bytes()).with_context(|| path.display().to_string())?;
    if !rows.bad.is_empty() {
        let mut message = String::new();
        for bad in &rows.bad {
            let _ = writeln!(message, "{}:{bad}", path.display());
        }
        let mut lines: Vec<u64> = rows.bad.iter().map(|bad| bad.line).collect();
        lines.dedup();
        let plural = if lines.len() == 1 { "" } else { "s" };
        let _ = write!(message, "{}: {} bad row{plural}; nothing was sent", path.display(), lines.len());
        bail!(message);
    }
    Ok(plan(rows.good))
}

pub fn plan(rows: Vec<Row>) -> Plan {
    let mut plan = Plan::default();
    for row in rows {
        match mapping::kind(row.becomes, &row.notes) {
            Some(kind) => plan.incidents.push(planned(row, kind)),
            None => plan.skipped.push(Skipped { types: format!("{} / {}", row.event_type, row.sub_event_type) }),
        }
    }
    plan
}

/// The source reference that carries ACLED's id, on each of an incident's sources.
pub fn reference(event_id_cnty: &str) -> String {
    format!("ACLED {event_id_cnty}")
}

fn planned(row: Row, kind: IncidentKind) -> Planned {
    let event = &row.event;
    let (start, end) = event.valid_time();
    let incident_id = IncidentId::parse(&derived_id(start.as_datetime().timestamp_millis(), &event.event_id_cnty, ""))
        .expect("a derived id is a UUIDv7");
    let reference = Reason::parse(&reference(&event.event_id_cnty)).expect("a short reference");
    let source = |organisation: Name, kind: SourceKind, casualties: Casualties| {
        let millis = start.as_datetime().timestamp_millis();
        let source_id =
            SourceId::parse(&derived_id(millis, &event.event_id_cnty, &organisation.as_str().to_lowercase()))
                .expect("a derived id is a UUIDv7");
        SourceReport {
            reference: Some(reference.clone()),
            casualties,
            ..SourceReport::of(source_id, organisation, kind)
        }
    };
    let killed = Casualties {
        killed: Some(CountRange { min: row.fatalities, max: Some(row.fatalities) }),
        ..Default::default()
    };
    let mut names = row.sources.into_iter();
    let first = match names.next() {
        Some(name) => source(name, SourceKind::Media, killed),
        None => source(Name::parse(ACLED).expect("a short name"), SourceKind::Relayed, killed),
    };
    let more_sources = names
        .map(|name| CommandBody::AddSource {
            incident_id: incident_id.clone(),
            source: source(name, SourceKind::Media, Casualties::default()),
        })
        .collect();
    let report = CommandBody::ReportIncident {
        incident_id: incident_id.clone(),
        kind,
        location: Location {
            position: event.position,
            uncertainty_m: event.uncertainty_m(),
            precision: Some(match event.geo_precision {
                1 => GeoPrecision::Exact,
                2 => GeoPrecision::Near,
                _ => GeoPrecision::Region,
            }),
            zone_id: None,
        },
        when: When {
            start,
            end: Some(end),
            precision: Some(match event.time_precision {
                1 => TimePrecision::Day,
                2 => TimePrecision::Week,
                _ => TimePrecision::Month,
            }),
        },
        description: row.description,
        source: first,
        convoy_id: None,
    };
    Planned { line: event.line, event_id_cnty: event.event_id_cnty.clone(), kind, incident_id, report, more_sources }
}

/// A UUIDv7 that is the same for the same ACLED event: its time part the event's first
/// instant, its random part the first 80 bits of SHA-256 of `acled/<event_id_cnty>`, with
/// `/<source name>` for a source's id.
pub fn derived_id(start_ms: i64, event_id_cnty: &str, source: &str) -> String {
    let key = match source {
        "" => format!("acled/{event_id_cnty}"),
        source => format!("acled/{event_id_cnty}/{source}"),
    };
    let digest = Sha256::digest(key.as_bytes());
    let mut random = [0u8; 10];
    random.copy_from_slice(&digest[..10]);
    let millis = u64::try_from(start_ms).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid().hyphenated().to_string()
}

/// What a dry run prints: the counts per kind, the rows skipped per type, and the first
/// few incidents.
pub fn dry_run_report(path: &Path, plan: &Plan) -> String {
    let mut text = String::new();
    let sources: usize = plan.incidents.iter().map(|planned| 1 + planned.more_sources.len()).sum();
    let rows = plan.incidents.len() + plan.skipped.len();
    let _ = writeln!(text, "dry run of {}: {rows} rows read and checked; nothing was sent", path.display());
    let _ = writeln!(text, "would report {} incidents, with {sources} sources in all:", plan.incidents.len());
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for planned in &plan.incidents {
        *kinds.entry(mapping::kind_name(planned.kind)).or_default() += 1;
    }
    for (kind, count) in &kinds {
        let _ = writeln!(text, "  {kind:<22} {count}");
    }
    if !plan.skipped.is_empty() {
        let _ = writeln!(text, "would skip {} rows that are not incidents (docs/acled.md):", plan.skipped.len());
        let mut types: BTreeMap<&str, usize> = BTreeMap::new();
        for skipped in &plan.skipped {
            *types.entry(skipped.types.as_str()).or_default() += 1;
        }
        for (types, count) in types {
            let _ = writeln!(text, "  {types:<48} {count}");
        }
    }
    let _ = writeln!(text, "first incidents:");
    for planned in plan.incidents.iter().take(EXAMPLES_COUNT) {
        let _ = writeln!(text, "  {}", example(planned));
    }
    text
}

/// `line 2: SYR31400 -> incident 01592e20-...: airstrike at lat 36.189 lon 37.1513 ±2000 m,
/// 2016-12-24T00:00:00Z to 2016-12-25T00:00:00Z (day), 45 killed; sources Aleppo Media Center, SANA`
fn example(planned: &Planned) -> String {
    let CommandBody::ReportIncident { location, when, source, .. } = &planned.report else {
        return format!("line {}: {}", planned.line, planned.event_id_cnty);
    };
    let mut names = vec![source.organisation.to_string()];
    for more in &planned.more_sources {
        if let CommandBody::AddSource { source, .. } = more {
            names.push(source.organisation.to_string());
        }
    }
    let killed = source.casualties.killed.map_or(0, |range| range.min);
    let precision = when.precision.map(|p| wire_name(&p)).unwrap_or_default();
    let end = when.end.map(|end| format!(" to {end}")).unwrap_or_default();
    format!(
        "line {}: {} -> incident {}: {} at lat {} lon {} ±{} m, {}{end} ({precision}), {killed} killed; sources {}",
        planned.line,
        planned.event_id_cnty,
        planned.incident_id,
        mapping::kind_name(planned.kind),
        location.position.lat(),
        location.position.lon(),
        location.uncertainty_m,
        when.start,
        names.join(", ")
    )
}

/// A value as the server shows it, to compare with what it shows.
fn value(field: &impl serde::Serialize) -> Value {
    serde_json::to_value(field).unwrap_or(Value::Null)
}

fn wire_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

/// What became of the rows sent.
#[derive(Debug, Default)]
pub struct Summary {
    pub created: usize,
    pub already_present: usize,
    /// Of those already present, the ones whose record differs from their row now.
    pub differing: Vec<String>,
    pub sources_added: usize,
    pub skipped: usize,
    /// `line N (SYR1): why`, one per row refused.
    pub refused: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} created, {} already present, {} refused, {} skipped (not incidents); sources added: {}",
            self.created,
            self.already_present,
            self.refused.len(),
            self.skipped,
            self.sources_added
        )
    }
}

/// Sends every incident of the plan, one row after another. A row refused is counted and
/// the next one sent; a refusal of the signer (its key, roles or party) stops the import,
/// since every row would be refused alike.
///
/// # Errors
/// The server cannot be reached, or refuses the signer (the summary so far is in the message).
pub fn submit(plan: &Plan, client: &Client, signer: &Signer) -> anyhow::Result<Summary> {
    let clock = ServerClock::read(client)?;
    let mut summary = Summary { skipped: plan.skipped.len(), ..Summary::default() };
    let progress = progress_bar(plan.incidents.len() as u64, "importing {wide_bar} {pos}/{len} events ({eta})");
    for planned in &plan.incidents {
        let sent = submit_one(planned, client, signer, &clock, &mut summary);
        progress.inc(1);
        if let Err(err) = sent {
            progress.finish_and_clear();
            return Err(err.context(format!("line {} ({}); so far: {summary}", planned.line, planned.event_id_cnty)));
        }
    }
    progress.finish_and_clear();
    Ok(summary)
}

fn submit_one(
    planned: &Planned,
    client: &Client,
    signer: &Signer,
    clock: &ServerClock,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let send = |body: &CommandBody| -> anyhow::Result<Result<Value, client::Refused>> {
        let command = client::command(signer, serde_json::to_value(body)?, truce_store::Clock::now(clock));
        client.submit_or_refused(&client::sign(signer, command)?)
    };
    let refuse = |summary: &mut Summary, why: String| {
        summary.refused.push(format!("line {} ({}): {why}", planned.line, planned.event_id_cnty));
    };
    let mut present_sources: Vec<String> = Vec::new();
    match send(&planned.report)? {
        Ok(_) => summary.created += 1,
        Err(refused) if refused.is_duplicate() => {
            let path = format!("/api/v1/incidents/{}", planned.incident_id);
            let existing: Value =
                serde_json::from_str(&client.get_text(&path)?).with_context(|| format!("GET {path} is not JSON"))?;
            let sources = existing["sources"].as_array().cloned().unwrap_or_default();
            let wanted = reference(&planned.event_id_cnty);
            if !sources.iter().any(|source| source["reference"] == wanted.as_str()) {
                refuse(summary, format!("incident {} exists, but no source of it is {wanted}", planned.incident_id));
                return Ok(());
            }
            summary.already_present += 1;
            let differs = differences(&planned.report, &existing);
            if !differs.is_empty() {
                summary.differing.push(format!(
                    "line {} ({}): incident {} differs in {}",
                    planned.line,
                    planned.event_id_cnty,
                    planned.incident_id,
                    differs.join(", ")
                ));
            }
            present_sources =
                sources.iter().filter_map(|source| source["source_id"].as_str().map(str::to_owned)).collect();
        }
        Err(refused) if refused.is_about_the_signer() => bail!("the server refused the command: {refused}"),
        Err(refused) => {
            refuse(summary, refused.to_string());
            return Ok(());
        }
    }
    for body in &planned.more_sources {
        let CommandBody::AddSource { source, .. } = body else { continue };
        if present_sources.iter().any(|id| *id == *source.source_id.text()) {
            continue;
        }
        match send(body)? {
            Ok(_) => summary.sources_added += 1,
            Err(refused) if refused.is_duplicate() => {}
            Err(refused) => refuse(summary, format!("source {}: {refused}", source.organisation)),
        }
    }
    Ok(())
}

/// Which of kind, location, time and description the incident on the server has otherwise
/// than the row now says (an edited row: the import does not change the record).
fn differences(report: &CommandBody, existing: &Value) -> Vec<&'static str> {
    let CommandBody::ReportIncident { kind, location, when, description, source, .. } = report else {
        return Vec::new();
    };
    let first_source = existing["sources"]
        .as_array()
        .and_then(|sources| sources.iter().find(|existing| existing["source_id"] == *source.source_id.text()));
    let mut differs = Vec::new();
    if existing["kind"] != value(kind) {
        differs.push("kind");
    }
    if existing["location"] != value(location) {
        differs.push("location");
    }
    if existing["when"] != value(when) {
        differs.push("time");
    }
    if existing["description"] != value(description) {
        differs.push("notes");
    }
    if first_source.is_some_and(|existing| existing["casualties"] != value(&source.casualties)) {
        differs.push("fatalities");
    }
    differs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_event_always_gets_the_same_ids_dated_by_the_event() {
        let start_ms = 1_481_587_200_000; // 2016-12-13T00:00:00Z
        let id = derived_id(start_ms, "SYR12345", "");
        assert_eq!(id, derived_id(start_ms, "SYR12345", ""));
        assert_ne!(id, derived_id(start_ms, "SYR12346", ""));
        assert_ne!(id, derived_id(start_ms, "SYR12345", "sohr"));
        let uuid = uuid::Uuid::parse_str(&id).expect("a UUID");
        assert_eq!(uuid.get_version_num(), 7);
        let (seconds, _) = uuid.get_timestamp().expect("a v7 has a time").to_unix();
        assert_eq!(seconds * 1000, 1_481_587_200_000);
    }
}
