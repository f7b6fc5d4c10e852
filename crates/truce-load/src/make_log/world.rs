//! One "world" of a generated log: the demo's story (`scenarios/aleppo-2016-12-12.json`)
//! told again in another place, with fresh ids and codes, corridors that follow roads and
//! extra districts from `truce_core::synthetic::realistic`, followed by the long tail a real
//! log has after its agreements: incidents (most of it) and what monitors and analysts
//! record about them.
//!
//! Everything here is JSON in the scenario format (`truce_core::scenario`); nothing is
//! signed or sent here. The draws come from the caller's seeded generator, so a run's
//! shapes and mix are the same each time; ids are fresh UUIDv7s.

use std::collections::HashMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::{rngs::StdRng, Rng};
use serde_json::{json, Value};

/// The instant the tail of each world starts from: after the last step of the story.
const TAIL_START: &str = "2016-12-13T13:00:00Z";
/// Seconds between two steps of the tail, in the story's time.
const TAIL_STEP_S: i64 = 30;
/// Sources added to one incident at the most (well under the core's list limit).
const SOURCES_PER_INCIDENT_MAX: u32 = 3;

/// A line or ring as `[lon, lat]` pairs.
pub type Shape = Vec<[f64; 2]>;

/// Shapes to place in the worlds, from the realistic synthetic set.
pub struct Shapes {
    pub roads: Vec<Shape>,
    pub districts: Vec<Shape>,
}

/// The tail's mix: the share of each kind of step, in per mille; the rest are incidents.
const MIX: [(TailKind, u32); 9] = [
    (TailKind::AddSource, 150),
    (TailKind::GradeIncident, 80),
    (TailKind::CorrectIncident, 50),
    (TailKind::RecordPassage, 50),
    (TailKind::MakeStatement, 30),
    (TailKind::ReportTotal, 20),
    (TailKind::EstimatePopulation, 15),
    (TailKind::DefineZone, 10),
    (TailKind::RecordZoneControl, 10),
];

#[derive(Debug, Clone, Copy)]
enum TailKind {
    ReportIncident,
    AddSource,
    GradeIncident,
    CorrectIncident,
    RecordPassage,
    MakeStatement,
    ReportTotal,
    EstimatePopulation,
    DefineZone,
    RecordZoneControl,
}

const INCIDENT_KINDS: [&str; 5] = ["shelling", "casualties", "displacement", "atrocity", "front_line_change"];
const GRADES: [&str; 5] = ["single_source", "corroborated", "verified", "contested", "discounted"];
/// Monitors that report incidents, by handle in the story.
const REPORTERS: [&str; 3] = ["efe", "un", "media2"];

/// An incident of the tail, for the steps that refer back to one.
struct Reported {
    incident_id: String,
    reporter: &'static str,
    sources_count: u32,
}

/// The scenario of world `world_idx`: the story moved by `(dlon, dlat)`, then `tail_count`
/// tail steps.
pub fn world(
    story: &Value,
    shapes: &Shapes,
    world_idx: usize,
    tail_count: usize,
    rng: &mut StdRng,
) -> anyhow::Result<Value> {
    let mut world = story.clone();
    let mut fresh_ids = HashMap::new();
    remap(&mut world, world_idx, &mut fresh_ids);
    // Worlds on a grid of 20 by 10 places about a degree apart, over and around the story's.
    let offset = [(world_idx % 20) as f64 * 0.9 - 9.0, ((world_idx / 20) % 10) as f64 * 0.7 - 3.5];
    shift(&mut world, offset);
    let steps = world["steps"].as_array_mut().ok_or_else(|| anyhow::anyhow!("the story has no steps"))?;
    let mut road_idx = world_idx * 3;
    for step in steps.iter_mut() {
        lay_roads(&mut step["body"], shapes, &mut road_idx);
    }
    let tail = Tail::new(steps, shapes, world_idx)?.steps(tail_count, rng);
    steps.extend(tail);
    world["name"] = json!(format!("generated world {world_idx}"));
    Ok(world)
}

/// Gives every UUID a fresh one (the same one wherever it appears) and every code a suffix
/// naming the world, so that worlds never collide.
fn remap(value: &mut Value, world_idx: usize, fresh_ids: &mut HashMap<String, String>) {
    match value {
        Value::String(text) => {
            if text.len() == 36 && uuid::Uuid::parse_str(text).is_ok() {
                let fresh = fresh_ids.entry(text.clone()).or_insert_with(|| uuid::Uuid::now_v7().to_string());
                *text = fresh.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| remap(item, world_idx, fresh_ids)),
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match (key.as_str(), &mut *field) {
                    ("code", Value::String(code)) => *code = format!("{code}-{world_idx}"),
                    _ => remap(field, world_idx, fresh_ids),
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Adds `offset` to every position (`position`, and the leaves of `coordinates`).
fn shift(value: &mut Value, offset: [f64; 2]) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|item| shift(item, offset)),
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match key.as_str() {
                    "coordinates" | "position" => shift_positions(field, offset),
                    _ => shift(field, offset),
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

fn shift_positions(value: &mut Value, offset: [f64; 2]) {
    let Value::Array(items) = value else { return };
    if let [Value::Number(lon), Value::Number(lat)] = items.as_slice() {
        let (lon, lat) = (lon.as_f64().unwrap_or(0.0), lat.as_f64().unwrap_or(0.0));
        *value = json!([round6(lon + offset[0]), round6(lat + offset[1])]);
        return;
    }
    items.iter_mut().for_each(|item| shift_positions(item, offset));
}

/// Degrees to six decimals (about 10 cm), as a real client would send them.
fn round6(degrees: f64) -> f64 {
    (degrees * 1e6).round() / 1e6
}

/// Replaces every corridor's route by a road of the realistic set, starting where the
/// story's route starts. The same corridor in a later version gets the same road again.
fn lay_roads(body: &mut Value, shapes: &Shapes, road_idx: &mut usize) {
    let Some(corridors) = body.pointer_mut("/terms/corridors").and_then(Value::as_array_mut) else { return };
    for (corridor_idx, corridor) in corridors.iter_mut().enumerate() {
        let Some(start) = corridor.pointer("/route/coordinates/0").and_then(position_of) else { continue };
        let road = &shapes.roads[(*road_idx + corridor_idx) % shapes.roads.len()];
        corridor["route"]["coordinates"] = placed(road, start);
    }
}

/// `shape` moved so that its first vertex is at `at`, as GeoJSON positions.
fn placed(shape: &Shape, at: [f64; 2]) -> Value {
    let first = shape[0];
    Value::Array(
        shape
            .iter()
            .map(|[lon, lat]| json!([round6(lon - first[0] + at[0]), round6(lat - first[1] + at[1])]))
            .collect(),
    )
}

fn position_of(value: &Value) -> Option<[f64; 2]> {
    Some([value.get(0)?.as_f64()?, value.get(1)?.as_f64()?])
}

/// What the tail refers to in its world, and what it has made so far.
struct Tail<'a> {
    shapes: &'a Shapes,
    world_idx: usize,
    /// Templates: steps of the story copied with fresh ids.
    estimate: Value,
    statement: Value,
    passage: Value,
    total: Value,
    zone_ids: Vec<String>,
    force_ids: Vec<String>,
    /// Where the story happens (its first zone's first vertex), and its roads.
    center: [f64; 2],
    roads: Vec<Shape>,
    incidents: Vec<Reported>,
    total_at_least: u64,
}

impl<'a> Tail<'a> {
    fn new(steps: &[Value], shapes: &'a Shapes, world_idx: usize) -> anyhow::Result<Tail<'a>> {
        let first = |kind: &str| {
            steps
                .iter()
                .find(|step| step["body"]["type"] == kind)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("the story has no {kind} step to copy"))
        };
        let ids_of = |kind: &str, field: &str| -> Vec<String> {
            steps
                .iter()
                .filter(|step| step["body"]["type"] == kind)
                .filter_map(|step| step["body"][field].as_str().map(str::to_owned))
                .collect()
        };
        let zone = first("define_zone")?;
        let center = zone["body"]
            .pointer("/boundary/coordinates/0/0")
            .and_then(position_of)
            .ok_or_else(|| anyhow::anyhow!("the story's first zone has no boundary"))?;
        let roads = steps
            .iter()
            .filter_map(|step| step["body"].pointer("/terms/corridors").and_then(Value::as_array))
            .flatten()
            .filter_map(|corridor| corridor.pointer("/route/coordinates").and_then(Value::as_array))
            .map(|route| route.iter().filter_map(position_of).collect())
            .collect();
        Ok(Tail {
            shapes,
            world_idx,
            estimate: first("estimate_population")?,
            statement: first("make_statement")?,
            passage: first("record_passage")?,
            total: first("report_total")?,
            zone_ids: ids_of("define_zone", "zone_id"),
            force_ids: ids_of("register_force", "force_id"),
            center,
            roads,
            incidents: Vec::new(),
            total_at_least: 200,
        })
    }

    fn steps(mut self, count: usize, rng: &mut StdRng) -> Vec<Value> {
        let start: DateTime<Utc> = TAIL_START.parse().expect("a valid RFC 3339 instant");
        (0..count)
            .map(|step_idx| {
                let at = start + Duration::seconds(TAIL_STEP_S * step_idx as i64);
                let kind = self.pick(rng);
                self.step(kind, at, rng)
            })
            .collect()
    }

    fn pick(&self, rng: &mut StdRng) -> TailKind {
        // Steps about an incident need one; the first steps of the tail report one.
        if self.incidents.is_empty() {
            return TailKind::ReportIncident;
        }
        let mut draw = rng.gen_range(0..1000);
        for (kind, per_mille) in MIX {
            if draw < per_mille {
                return kind;
            }
            draw -= per_mille;
        }
        TailKind::ReportIncident
    }

    fn step(&mut self, kind: TailKind, at: DateTime<Utc>, rng: &mut StdRng) -> Value {
        let at_text = instant(at);
        let (handle, body) = match kind {
            TailKind::ReportIncident => self.report_incident(at, rng),
            TailKind::AddSource => self.add_source(&at_text, rng),
            TailKind::GradeIncident => {
                let incident = &self.incidents[rng.gen_range(0..self.incidents.len())];
                let grade = GRADES[rng.gen_range(0..GRADES.len())];
                let body = json!({"type": "grade_incident", "incident_id": incident.incident_id, "grade": grade,
                    "reason": "Graded by the verification cell after comparing the sources (generated)."});
                ("cell", body)
            }
            TailKind::CorrectIncident => {
                let incident = &self.incidents[rng.gen_range(0..self.incidents.len())];
                let body = json!({"type": "correct_incident", "incident_id": incident.incident_id,
                    "location": self.location(rng),
                    "reason": "A later report places it more precisely (generated)."});
                (incident.reporter, body)
            }
            TailKind::RecordPassage => {
                let mut body = self.passage["body"].clone();
                body["passage_id"] = json!(uuid::Uuid::now_v7().to_string());
                body["count"]["period"] = json!({"start": instant(at - Duration::hours(2)),
                    "end": instant(at - Duration::minutes(30))});
                body["count"]["people"] = json!({"about": rng.gen_range(10..400)});
                body.as_object_mut().expect("a body is an object").remove("breakdown");
                body["count"].as_object_mut().expect("a count is an object").remove("breakdown");
                ("cell", body)
            }
            TailKind::MakeStatement => {
                let mut body = self.statement["body"].clone();
                body["statement_id"] = json!(uuid::Uuid::now_v7().to_string());
                let incident = &self.incidents[rng.gen_range(0..self.incidents.len())];
                body["incident_ids"] = json!([incident.incident_id]);
                body["effective_at"] = json!(at_text);
                ("cell", body)
            }
            TailKind::ReportTotal => {
                let mut body = self.total["body"].clone();
                body["total_id"] = json!(uuid::Uuid::now_v7().to_string());
                self.total_at_least += rng.gen_range(10..200);
                body["count"]["people"] = json!({"at_least": self.total_at_least});
                ("media2", body)
            }
            TailKind::EstimatePopulation => {
                let mut body = self.estimate["body"].clone();
                body["estimate_id"] = json!(uuid::Uuid::now_v7().to_string());
                let people = rng.gen_range(50_000..120_000);
                body["people"] = json!({"about": people});
                body["breakdown"] = json!({"civilians": {"about": people}});
                body["as_of"] = json!(instant(at - Duration::minutes(30)));
                ("un", body)
            }
            TailKind::DefineZone => self.define_zone(&at_text, rng),
            TailKind::RecordZoneControl => {
                let zone_id = &self.zone_ids[rng.gen_range(0..self.zone_ids.len())];
                let force_id = &self.force_ids[rng.gen_range(0..self.force_ids.len())];
                let body = json!({"type": "record_zone_control", "zone_id": zone_id, "force_id": force_id,
                    "since": instant(at - Duration::hours(1))});
                ("un", body)
            }
        };
        let mut step = json!({"at": at_text, "as": handle, "body": body});
        fresh_sources(&mut step["body"], &at_text);
        step
    }

    fn report_incident(&mut self, at: DateTime<Utc>, rng: &mut StdRng) -> (&'static str, Value) {
        let reporter = REPORTERS[rng.gen_range(0..REPORTERS.len())];
        let incident_id = uuid::Uuid::now_v7().to_string();
        let kind = INCIDENT_KINDS[rng.gen_range(0..INCIDENT_KINDS.len())];
        let start = at - Duration::minutes(rng.gen_range(10..360));
        let mut when = json!({"start": instant(start)});
        if rng.gen_bool(0.3) {
            when["end"] = json!(instant(start + Duration::minutes(rng.gen_range(5..120))));
        }
        let body = json!({
            "type": "report_incident",
            "incident_id": incident_id,
            "kind": kind,
            "location": self.location(rng),
            "when": when,
            "description": format!("A {} reported by a team on the ground (generated, world {}).",
                kind.replace('_', " "), self.world_idx),
            "source": {"source_id": "", "organisation": reporter.to_uppercase(), "kind": "media",
                "text": "What the team saw and heard (generated).", "published_at": ""},
        });
        self.incidents.push(Reported { incident_id, reporter, sources_count: 1 });
        (reporter, body)
    }

    fn add_source(&mut self, at_text: &str, rng: &mut StdRng) -> (&'static str, Value) {
        let incident_idx = rng.gen_range(0..self.incidents.len());
        let incident = &mut self.incidents[incident_idx];
        if incident.sources_count >= SOURCES_PER_INCIDENT_MAX {
            // Enough sources on this one: a new incident instead.
            let at = at_text.parse().expect("an instant of ours");
            return self.report_incident(at, rng);
        }
        incident.sources_count += 1;
        let adder = REPORTERS.iter().copied().find(|handle| *handle != incident.reporter).unwrap_or("un");
        let mut source = json!({"source_id": "", "organisation": adder.to_uppercase(), "kind": "media",
            "published_at": ""});
        if rng.gen_bool(0.5) {
            let min = rng.gen_range(0..10);
            source["casualties"] = json!({"injured": {"min": min, "max": min + rng.gen_range(0..10)}});
        }
        (adder, json!({"type": "add_source", "incident_id": incident.incident_id, "source": source}))
    }

    fn define_zone(&mut self, at_text: &str, rng: &mut StdRng) -> (&'static str, Value) {
        let district = &self.shapes.districts[rng.gen_range(0..self.shapes.districts.len())];
        let near = [self.center[0] + rng.gen_range(-0.05..0.05), self.center[1] + rng.gen_range(-0.05..0.05)];
        let zone_id = uuid::Uuid::now_v7().to_string();
        let code = format!("D{}-{}", self.world_idx, self.zone_ids.len());
        self.zone_ids.push(zone_id.clone());
        let body = json!({"type": "define_zone", "zone_id": zone_id, "code": code,
            "name": format!("District {code} (generated)"), "kind": "neighbourhood",
            "boundary": {"type": "Polygon", "coordinates": [placed(district, near)]},
            "illustrative": true, "effective_at": at_text});
        ("operator", body)
    }

    /// Near a road of the world (a third of the time) or anywhere in its city.
    fn location(&self, rng: &mut StdRng) -> Value {
        let [lon, lat] = match rng.gen_bool(0.33) && !self.roads.is_empty() {
            true => {
                let road = &self.roads[rng.gen_range(0..self.roads.len())];
                let [lon, lat] = road[rng.gen_range(0..road.len())];
                [lon + rng.gen_range(-0.002..0.002), lat + rng.gen_range(-0.002..0.002)]
            }
            false => [self.center[0] + rng.gen_range(-0.06..0.06), self.center[1] + rng.gen_range(-0.06..0.06)],
        };
        let uncertainty_m: u32 = match rng.gen_bool(0.8) {
            true => rng.gen_range(50..1_000),
            false => rng.gen_range(1_000..5_000),
        };
        json!({"position": [round6(lon), round6(lat)], "uncertainty_m": uncertainty_m})
    }
}

/// A fresh `source_id` for every source in `body`, published at `at`.
fn fresh_sources(body: &mut Value, at: &str) {
    match body {
        Value::Array(items) => items.iter_mut().for_each(|item| fresh_sources(item, at)),
        Value::Object(fields) => {
            if fields.contains_key("source_id") {
                fields.insert("source_id".to_owned(), json!(uuid::Uuid::now_v7().to_string()));
                fields.insert("published_at".to_owned(), json!(at));
            }
            fields.values_mut().for_each(|field| fresh_sources(field, at));
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}
