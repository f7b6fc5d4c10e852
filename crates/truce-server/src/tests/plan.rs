//! The planner of incident reads (`select.rs`): for many random filters and cursors, the
//! incidents and violations it finds are exactly those a walk over every incident finds,
//! whichever index it picks and whether it picks one at all.

use std::ops::Bound;

use axum::{extract::FromRequestParts, http::Request};
use serde_json::{json, Value};
use truce_core::{IncidentId, IncidentKey, IncidentKind, IncidentRecord, Placed, Position, Square, State, Violation};

use super::{
    id,
    monitoring::{strike_notified_site, world_in_force},
    OPP_FORCE, SAA,
};
use crate::{
    filters::Filters,
    monitoring::violation_shown,
    select::{IncidentFilter, Plan, Selects, Spans},
};

const INCIDENTS_COUNT: u32 = 240;

/// A small deterministic generator (xorshift64*): the test must see the same filters on
/// every run.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).expect("a small index")]
    }
}

const KINDS: [&str; 4] = ["shelling", "airstrike", "gunfire", "obstruction"];

/// Incidents around East Aleppo over two days: several kinds, some on the corridor (so that
/// they violate RU's commitment), some a few kilometres off it known only to within 5 km
/// (which may violate it too), some in Idlib, far from any scope; sources blaming either
/// side's force or none, a second source for some (other grades), and corrections that move
/// some in place, time and kind. And a notified hospital, struck.
async fn world_with_incidents(draw: &mut Draw) -> super::Fixture {
    let (world, monitor) = world_in_force().await;
    strike_notified_site(&world, &monitor).await;
    let fixture = &world.fixture;
    for n in 0..INCIDENTS_COUNT {
        let mut uncertainty_m = 50.0;
        let (lon, lat, start) = match draw.below(6) {
            // EA-1's first vertex, inside the corridor, while it is open and the commitment
            // active.
            0 => (37.17, 36.20, format!("2016-12-12T09:{:02}:00Z", draw.below(60))),
            // 3 to 5 km west of it, within 5 km.
            1 => {
                uncertainty_m = 5_000.0;
                (37.115 + 0.02 * draw.unit(), 36.20, format!("2016-12-12T09:{:02}:00Z", draw.below(60)))
            }
            // Idlib, 60 km away.
            2 => (
                36.6 + 0.05 * draw.unit(),
                35.9 + 0.05 * draw.unit(),
                format!("2016-12-12T09:{:02}:00Z", draw.below(60)),
            ),
            _ => (
                37.10 + 0.2 * draw.unit(),
                36.15 + 0.15 * draw.unit(),
                format!("2016-12-{:02}T{:02}:{:02}:00Z", 11 + draw.below(2), draw.below(10), draw.below(60)),
            ),
        };
        let force = match draw.below(3) {
            0 => json!(id(SAA)),
            1 => json!(id(OPP_FORCE)),
            _ => Value::Null,
        };
        let source = |s: u32, organisation: &str| json!({"source_id": id(s), "organisation": organisation, "kind": "media", "responsible_force_id": force});
        let incident_id = id(20_000 + n);
        fixture
            .accept(
                &monitor,
                json!({"type": "report_incident", "incident_id": incident_id, "kind": draw.pick(&KINDS),
                       "location": {"position": [lon, lat], "uncertainty_m": uncertainty_m}, "when": {"start": start},
                       "description": "Reported", "source": source(30_000 + n, "EFE")}),
            )
            .await;
        if draw.below(4) == 0 {
            fixture
                .accept(
                    &monitor,
                    json!({"type": "add_source", "incident_id": incident_id, "source": source(40_000 + n, "Reuters")}),
                )
                .await;
        }
        if draw.below(5) == 0 {
            let (lon, lat) = (37.10 + 0.2 * draw.unit(), 36.15 + 0.15 * draw.unit());
            fixture
                .accept(
                    &monitor,
                    json!({"type": "correct_incident", "incident_id": incident_id, "reason": "Geolocated",
                           "kind": draw.pick(&KINDS), "location": {"position": [lon, lat], "uncertainty_m": 20.0},
                           "when": {"start": format!("2016-12-11T{:02}:00:00Z", draw.below(24))}}),
                )
                .await;
        }
    }
    world.fixture
}

/// A random query string of filters: each alone, some together, boxes small and broad (and
/// one across the antimeridian), time intervals open on either side.
fn random_query(draw: &mut Draw) -> String {
    let mut params = Vec::new();
    match draw.below(6) {
        0 | 1 => {}
        2 => params.push("bbox=37.0,36.0,37.4,36.4".to_owned()),
        3 => params.push("bbox=170,-10,-170,10".to_owned()),
        _ => {
            let (lon, lat, size) = (37.10 + 0.2 * draw.unit(), 36.15 + 0.15 * draw.unit(), 0.005 + 0.05 * draw.unit());
            params.push(format!("bbox={lon:.4},{lat:.4},{:.4},{:.4}", lon + size, lat + size));
        }
    }
    let hour =
        |draw: &mut Draw| format!("2016-12-{:02}T{:02}:{:02}:00Z", 11 + draw.below(2), draw.below(24), draw.below(60));
    match draw.below(4) {
        0 => params.push(format!("from={}", hour(draw))),
        1 => params.push(format!("to={}", hour(draw))),
        2 => {
            let (a, b) = (hour(draw), hour(draw));
            if a != b {
                let (from, to) = if a < b { (a, b) } else { (b, a) };
                params.push(format!("from={from}&to={to}"));
            }
        }
        _ => {}
    }
    if draw.below(2) == 0 {
        params.push(format!("kind={}", draw.pick(&["shelling", "airstrike", "gunfire", "obstruction", "atrocity"])));
    }
    if draw.below(4) == 0 {
        params.push(format!("grade={}", draw.pick(&["single_source", "corroborated", "verified", "contested"])));
    }
    if draw.below(4) == 0 {
        params.push(format!("party={}", draw.pick(&["RU", "OPP", "UN"])));
    }
    params.join("&")
}

async fn filters_of(query: &str) -> Filters {
    let request = Request::builder().uri(format!("/api/v1/incidents?{query}")).body(()).expect("a request");
    let (mut parts, ()) = request.into_parts();
    Filters::from_request_parts(&mut parts, &()).await.unwrap_or_else(|err| panic!("{query}: {err:?}"))
}

fn ids<'s>(incidents: impl Iterator<Item = (&'s IncidentId, &'s truce_core::IncidentRecord)>) -> Vec<String> {
    incidents.map(|(incident_id, _)| incident_id.to_string()).collect()
}

#[tokio::test]
async fn the_planner_finds_exactly_what_a_walk_over_every_incident_finds() {
    let mut draw = Draw(0x5eed_0011);
    let fixture = world_with_incidents(&mut draw).await;
    let state: std::sync::Arc<State> = fixture.state.node.snapshot();
    let views = [state.as_of(super::ts("2016-12-11T12:00:00Z")), State::clone(&state)];
    let incident_ids: Vec<String> = state.monitoring.incidents.keys().map(ToString::to_string).collect();
    let (mut scans, mut narrowed, mut selected, mut violations_selected) = (0, 0, 0, 0);
    let (mut narrowed_by_share, mut narrowed_by_reach, mut by_squares) = (0, 0, 0);
    for round in 0..300 {
        let state = &views[round % 2];
        let query = random_query(&mut draw);
        let filters = filters_of(&query).await;
        let cursor = match draw.below(4) {
            0 => String::new(),
            1 => "0".to_owned(),
            2 => draw.pick(&incident_ids).clone(),
            // Between two ids, as no id is.
            _ => format!("{}~", draw.pick(&incident_ids)),
        };
        let walk = IncidentFilter::planned(&filters, state, 0, false, Selects::Incidents)
            .expect("the filters name what exists");
        let expected: Vec<String> = ids(state
            .monitoring
            .incidents
            .iter()
            .filter(|(id, incident)| *id.text() > *cursor.as_str() && walk.admits(state, incident)));
        // What a list answers: the violations shown to anyone (of commitments only). The walk
        // derives every violation, notifications' too; the planned read, as the handlers do,
        // only those of commitments.
        let shown = |filter: &IncidentFilter, violations: Vec<Violation>| {
            let shown = violations.into_iter().filter(|v| filter.admits_violation(v) && violation_shown(state, v));
            shown.map(|v| format!("{v:?}")).collect::<Vec<_>>()
        };
        let violations_of = |filter: &IncidentFilter, incident: &IncidentRecord| {
            shown(filter, state.violations_of(&incident.incident_id))
        };
        let violations_of_commitments = |filter: &IncidentFilter, incident: &IncidentRecord| {
            shown(filter, state.violations_of_commitments(&incident.incident_id))
        };
        let expected_violations: Vec<String> = state
            .monitoring
            .incidents
            .iter()
            .filter(|(id, incident)| *id.text() >= *cursor.as_str() && walk.admits_event(incident))
            .flat_map(|(_, incident)| violations_of(&walk, incident))
            .collect();
        selected += expected.len();
        violations_selected += expected_violations.len();
        // Each threshold alone, and with filters narrowed when together they select few.
        let limits = [0, 8, 60, usize::MAX].into_iter().flat_map(|max| [(max, false), (max, true)]);
        let mut scanned_alone = false;
        for (candidates_max, by_combined_share) in limits {
            let filter =
                IncidentFilter::planned(&filters, state, candidates_max, by_combined_share, Selects::Incidents)
                    .expect("the filters are valid");
            match filter.plan().narrowed() {
                false => scans += 1,
                true => narrowed += 1,
            }
            if matches!(filter.plan(), Plan::Squares(_)) {
                by_squares += 1;
            }
            // Narrowed only because the filters together select few.
            if by_combined_share && filter.plan().narrowed() && scanned_alone {
                narrowed_by_share += 1;
            }
            scanned_alone = matches!(filter.plan(), Plan::Scan);
            let found = ids(filter
                .candidates(state, Bound::Excluded(cursor.as_str()))
                .filter(|(_, incident)| filter.admits(state, incident)));
            assert_eq!(found, expected, "{query} after {cursor:?}, at most {candidates_max}, {by_combined_share}");
            let incidents_plan = filter.plan().clone();
            let filter =
                IncidentFilter::planned(&filters, state, candidates_max, by_combined_share, Selects::Violations)
                    .expect("the filters are valid");
            // Narrowed only because violations are near scopes and notified sites.
            if incidents_plan == Plan::Scan && filter.plan().narrowed() {
                narrowed_by_reach += 1;
            }
            let found_violations: Vec<String> = filter
                .candidates(state, Bound::Included(cursor.as_str()))
                .filter(|(_, incident)| filter.admits_event(incident))
                .flat_map(|(_, incident)| violations_of_commitments(&filter, incident))
                .collect();
            assert_eq!(
                found_violations, expected_violations,
                "{query} from {cursor:?}, at most {candidates_max}, {by_combined_share}"
            );
        }
    }
    // Both ways were taken, and the filters selected something.
    assert!(scans > 200 && narrowed > 200 && selected > 1000, "{scans} scans, {narrowed} narrowed, {selected}");
    assert!(violations_selected > 100, "{violations_selected} violations selected");
    assert!(narrowed_by_share > 10, "{narrowed_by_share} narrowed by the filters' combined share");
    assert!(narrowed_by_reach > 100, "{narrowed_by_reach} narrowed by where violations can be");
    assert!(by_squares > 100, "{by_squares} merged from squares of the grid");
    // Among the violations, some of incidents kilometres from the corridor, within their
    // uncertainty, and of the notified hospital's, which no list shows.
    let violations = state.violations();
    let far = violations
        .iter()
        .filter(|v| state.monitoring.incidents[&v.incident_id].current().location.uncertainty_m > 1_000.0);
    assert!(far.count() > 5, "{violations:?}");
    assert!(violations.iter().any(|v| v.notification_id.is_some()), "{violations:?}");
}

/// Squares read a span of keys at a time give their incidents in id order after any bound,
/// however the keys cluster (as report times do) and however few a span holds: every one
/// the filter admits, once.
#[test]
fn squares_read_by_spans_give_their_incidents_in_id_order_after_any_bound() {
    let mut draw = Draw(0x5eed_5a4e);
    let mut squares = vec![Square::new(); 12];
    let kinds = [IncidentKind::Shelling, IncidentKind::Gunfire, IncidentKind::Airstrike];
    for _ in 0..3_000 {
        // Four bursts of reports: one dense, three spread over more time.
        let burst = u128::from(draw.below(4));
        let spread = if burst == 0 { 0x100 } else { 0x10_0000 };
        let time = 0x0190_0000_0000 + burst * 0x1000_0000 + u128::from(draw.below(spread));
        let key = IncidentKey::between(time << 80 | u128::from(draw.next()));
        let placed = Placed {
            start: super::ts("2016-12-12T09:00:00Z"),
            position: Position::new(37.1, 36.2).expect("a position"),
            uncertainty_m: 10.0,
            kind: *draw.pick(&kinds),
        };
        squares[usize::try_from(draw.below(12)).expect("a square")].insert(key, placed);
    }
    let filters: [fn(&Placed) -> bool; 2] = [|_| true, |placed| placed.kind != IncidentKind::Gunfire];
    let mut spans_read = 0;
    for admits in filters {
        let mut all: Vec<IncidentKey> =
            squares.iter().flatten().filter(|(_, placed)| admits(placed)).map(|(key, _)| *key).collect();
        all.sort_unstable();
        assert!(all.len() > 1_500, "{} admitted", all.len());
        let text = |key: IncidentKey| truce_core::uuid_text(uuid::Uuid::from_u128(key.bits())).to_string();
        let some = |draw: &mut Draw| text(*draw.pick(&all));
        let bounds: Vec<(String, Option<bool>)> = vec![
            (String::new(), None),
            (some(&mut draw), Some(false)),
            (some(&mut draw), Some(true)),
            (format!("{}~", some(&mut draw)), Some(false)),
            (format!("{}~", some(&mut draw)), Some(true)),
            ("0".to_owned(), Some(false)),
            ("z".to_owned(), Some(true)),
            (text(*all.last().expect("some")), Some(false)),
            (text(*all.last().expect("some")), Some(true)),
            (text(all[0]), Some(true)),
        ];
        for (bound_text, included) in &bounds {
            let lower = match included {
                None => Bound::Unbounded,
                Some(true) => Bound::Included(bound_text.as_str()),
                Some(false) => Bound::Excluded(bound_text.as_str()),
            };
            let expected: Vec<IncidentKey> = all
                .iter()
                .copied()
                .filter(|key| match included {
                    None => true,
                    Some(true) => text(*key).as_str() >= bound_text.as_str(),
                    Some(false) => text(*key).as_str() > bound_text.as_str(),
                })
                .collect();
            for span_incidents in [1, 7, 100, 4_096] {
                let found: Vec<IncidentKey> =
                    Spans::after(squares.iter(), lower, admits, span_incidents).map(|(key, _)| key).collect();
                assert_eq!(found, expected, "after {lower:?}, {span_incidents} a span");
                spans_read += 1;
            }
        }
    }
    assert_eq!(spans_read, 80);
    let none: Vec<Square> = vec![Square::new(); 3];
    assert_eq!(Spans::after(none.iter(), Bound::Unbounded, |_: &Placed| true, 7).count(), 0);
}

/// Keys packed close together far from 0 (ids numbered under one prefix, as the read load's)
/// are read in about as many spans as they fill, from the start and after a cursor before
/// them (`""` is 0): no span is spent on the empty keys before the first.
#[test]
fn squares_read_by_spans_spend_no_spans_before_the_first_key() {
    let mut draw = Draw(0x9a95);
    let mut squares = vec![Square::new(); 9];
    let placed = Placed {
        start: super::ts("2016-12-12T09:00:00Z"),
        position: Position::new(37.1, 36.2).expect("a position"),
        uncertainty_m: 10.0,
        kind: IncidentKind::Shelling,
    };
    let numbered = |prefix: u128, n: u128| IncidentKey::between(prefix << 48 | n);
    let keys: Vec<IncidentKey> = (0..4_000).map(|n| numbered(0x0190_0000_1c1d_7000_8000, n)).collect();
    for key in &keys {
        squares[usize::try_from(draw.below(9)).expect("a square")].insert(*key, placed);
    }
    for lower in [Bound::Unbounded, Bound::Excluded(""), Bound::Included("0")] {
        let mut spans = Spans::after(squares.iter(), lower, |_: &Placed| true, 100);
        let found: Vec<IncidentKey> = spans.by_ref().map(|(key, _)| key).collect();
        assert_eq!(found, keys, "after {lower:?}");
        // 4,000 keys, about 100 a span: some 40 spans, a few more while the width settles.
        assert!(spans.spans_read() <= 60, "{} spans after {lower:?}", spans.spans_read());
    }
}

#[test]
fn filters_that_together_select_few_are_narrowed_though_each_selects_many() {
    use crate::select::{narrow_anyway, Reads};
    let page = Reads::Page(100);
    // A million incidents; five filters of a query in one city, each selecting thousands.
    let shares = [0.04, 0.03, 0.2, 0.3, 0.5];
    assert!(narrow_anyway(1_000_000, 30_000, &shares, page), "a few dozen selected: the walk would see the million");
    // One broad filter: a walk fills a page of 100 after about 500 incidents.
    assert!(!narrow_anyway(1_000_000, 200_000, &[0.2], page));
    // Two filters, together 1 %: the walk looks at 10,000 (3 ms), gathering 100,000 costs 6 ms.
    assert!(!narrow_anyway(1_000_000, 100_000, &[0.1, 0.1], page));
    // Five in one city, together 0.16 %: the walk looks at 62,500 (19 ms), gathering the
    // 120,000 of the narrowest (90 days of two years) 7 ms.
    assert!(narrow_anyway(1_000_000, 120_000, &[0.17, 0.12, 0.2, 0.8, 0.5], page));
    // The same two at 0.01 % together: a walk of a million against 100,000 gathered.
    assert!(narrow_anyway(1_000_000, 10_000, &[0.01, 0.01], page));
    // No incidents.
    assert!(!narrow_anyway(0, 0, &[], page));
    // Read to the end (a layer, an export), a walk looks at the million whatever the filters
    // select: a kind in a 20 km box (86,000 of them) is narrowed, where a page of it is not;
    // so is a filter as broad as a fifth of the incidents.
    assert!(!narrow_anyway(1_000_000, 86_000, &[0.2, 0.086], page));
    assert!(narrow_anyway(1_000_000, 86_000, &[0.2, 0.086], Reads::All));
    assert!(narrow_anyway(1_000_000, 200_000, &[0.2], Reads::All));
    // A page as large as what the filters select reads it all too.
    assert!(narrow_anyway(1_000_000, 86_000, &[0.2, 0.086], Reads::Page(20_000)));
}

/// The list, a page at a time, gives what one page of everything gives; the layer the same
/// incidents; the violations list the violations of the corridor's incidents.
#[tokio::test]
async fn pages_of_a_narrowed_list_put_together_are_the_whole_list() {
    let mut draw = Draw(0x5eed_0012);
    let fixture = world_with_incidents(&mut draw).await;
    for query in ["kind=gunfire", "bbox=37.16,36.19,37.18,36.21", "from=2016-12-12T02:00:00Z&to=2016-12-12T05:00:00Z"] {
        let whole = fixture.get(&format!("/api/v1/incidents?{query}&limit=1000")).await.json();
        let whole: Vec<Value> =
            whole["items"].as_array().expect("items").iter().map(|i| i["incident_id"].clone()).collect();
        assert!(whole.len() > 5, "{query}: {}", whole.len());
        let mut paged = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let uri = match &cursor {
                None => format!("/api/v1/incidents?{query}&limit=7"),
                Some(cursor) => format!("/api/v1/incidents?{query}&limit=7&cursor={cursor}"),
            };
            let page = fixture.get(&uri).await.json();
            paged.extend(page["items"].as_array().expect("items").iter().map(|i| i["incident_id"].clone()));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(paged, whole, "{query}");
        let layer = fixture.get(&format!("/api/v1/incidents.geojson?{query}")).await.json();
        let features: Vec<Value> = layer["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["properties"]["incident_id"].clone())
            .collect();
        assert_eq!(features, whole, "{query}");
    }
    let violations = fixture.get("/api/v1/violations?bbox=37.169,36.199,37.171,36.201&limit=1000").await.json();
    let commitments: Vec<&Value> =
        violations["items"].as_array().expect("items").iter().map(|v| &v["commitment_id"]).collect();
    assert!(!commitments.is_empty() && commitments.iter().all(|c| **c == json!(id(super::monitoring::NO_ATTACK))));
}

/// An incident's feature in the layer, made from its record, says what its view says.
#[tokio::test]
async fn the_incidents_layer_says_what_the_views_say() {
    let mut draw = Draw(0x5eed_0013);
    let fixture = world_with_incidents(&mut draw).await;
    let views = fixture.get("/api/v1/incidents?limit=1000").await.json();
    let views = views["items"].as_array().expect("items");
    let layer = fixture.get("/api/v1/incidents.geojson").await.json();
    let features = layer["features"].as_array().expect("features");
    assert_eq!(features.len(), views.len());
    let mut violating = 0;
    for (feature, view) in features.iter().zip(views) {
        let properties = &feature["properties"];
        assert_eq!(properties["incident_id"], view["incident_id"]);
        let figure = |field: &str, end: &str| {
            let figures = view["figures"].as_array().expect("figures");
            figures.iter().find(|f| f["field"] == json!(field)).map_or(Value::Null, |f| f[end].clone())
        };
        let duplicate_of = view["duplicate_of"].get("duplicate_of").cloned().unwrap_or(Value::Null);
        let expected = [
            ("kind", view["kind"].clone()),
            ("start", view["when"]["start"].clone()),
            ("uncertainty_m", view["location"]["uncertainty_m"].clone()),
            ("grade", view["grade"]["grade"].clone()),
            ("attributed_force_id", view["attributed_force"].clone()),
            ("sources_count", json!(view["sources"].as_array().expect("sources").len())),
            ("violations_count", json!(view["violations"].as_array().expect("violations").len())),
            ("killed_min", figure("killed", "min")),
            ("killed_max", figure("killed", "max")),
            ("injured_min", figure("injured", "min")),
            ("duplicate_of", duplicate_of),
            ("reported_at", view["reported_at"].clone()),
        ];
        for (name, value) in expected {
            assert_eq!(properties[name], value, "{name} of {}", view["incident_id"]);
        }
        violating += usize::from(properties["violations_count"] != json!(0));
    }
    assert!(violating > 10, "{violating} incidents with violations");
}

/// A box holds the positions within it and meets the boxes it shares a point with, edges
/// included, whether it crosses the antimeridian (`170,-10,-170,10`) or not.
#[test]
fn a_box_holds_and_meets_across_the_antimeridian_as_within_it() {
    use crate::filters::BBox;
    let at = |lon: f64, lat: f64| Position::new(lon, lat).expect("a position");
    let city = BBox::parse("37.0,36.0,37.5,36.5").expect("a box");
    let across = BBox::parse("170,-10,-170,10").expect("a box");
    let holds = [(&city, at(37.2, 36.2)), (&city, at(37.0, 36.5)), (&across, at(175.0, 0.0))];
    let holds = holds.into_iter().chain([(&across, at(-175.0, 5.0)), (&across, at(180.0, -10.0))]);
    for (bbox, position) in holds.chain([(&across, at(-180.0, 10.0)), (&across, at(-170.0, 0.0))]) {
        assert!(bbox.contains(position), "{bbox:?} holds {position:?}");
    }
    let outside = [(&city, at(37.6, 36.2)), (&city, at(37.2, 36.6)), (&across, at(0.0, 0.0))];
    for (bbox, position) in outside.into_iter().chain([(&across, at(-169.9, 0.0)), (&across, at(169.9, 0.0))]) {
        assert!(!bbox.contains(position), "{bbox:?} does not hold {position:?}");
    }
    let east_of_it = BBox::parse("-175,-1,-160,1").expect("a box");
    let west_of_it = BBox::parse("160,-1,171,1").expect("a box");
    let between = BBox::parse("-160,-1,160,1").expect("a box");
    assert!(across.meets(&east_of_it) && east_of_it.meets(&across));
    assert!(across.meets(&west_of_it) && west_of_it.meets(&across));
    assert!(!across.meets(&between) && !between.meets(&across));
    assert!(across.meets(&BBox::parse("179,-1,-179,1").expect("a box")), "two boxes across it");
    assert!(!city.meets(&across));
    assert_eq!(across.lon_lat_boxes().len(), 2);
    assert_eq!(city.lon_lat_boxes().len(), 1);
}
