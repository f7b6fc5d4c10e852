//! Counts of people over HTTP: passages and totals with their source, figure, basis, period
//! and breakdown; population estimates by kind and destination; every organisation's
//! figures side by side in the movement and population views, by valid time; convoys with
//! their passages and the incidents that struck them; and the refusals of bad counts and
//! of links to what does not exist, each naming its field.

use expect_test::expect;
use serde_json::{json, Value};

use super::{
    id,
    monitoring::{read, world_in_force, EA_1},
    Fixture, Signer, EAST_ALEPPO, WEST_ALEPPO,
};

const CONVOY: u32 = 810;
const STRIKE: u32 = 910;

/// A source of `organisation` with id `n`.
fn source(n: u32, organisation: &str) -> Value {
    json!({"source_id": id(n), "organisation": organisation, "kind": "media"})
}

/// A count of `people` by `organisation` (source `n`), `basis`, over `period`.
fn count(n: u32, organisation: &str, people: Value, basis: &str, period: Value) -> Value {
    json!({"people": people, "basis": basis, "period": period, "source": source(n, organisation)})
}

fn at(time: &str) -> Value {
    json!({"start": format!("2016-12-12T{time}Z")})
}

fn passage(n: u32, count: Value) -> Value {
    json!({"type": "record_passage", "passage_id": id(n), "corridor_id": id(EA_1), "direction": "outbound",
           "count": count})
}

fn total(n: u32, scope: Value, count: Value) -> Value {
    json!({"type": "report_total", "total_id": id(n), "scope": scope, "count": count})
}

/// Each organisation's series as lines: name, direction or kind, basis or destination, the
/// latest figure and the history's figures with their valid times.
fn side_lines(view: &Value, series_key: &str, other_key: &str, figure: fn(&Value) -> String) -> Vec<String> {
    let mut lines = Vec::new();
    for side in view["organisations"].as_array().expect("organisations") {
        for series in side["series"].as_array().expect("series") {
            let history: Vec<String> = series["history"].as_array().expect("history").iter().map(figure).collect();
            lines.push(format!(
                "{} [{}] {} {}: latest {} | {}",
                side["organisation"].as_str().unwrap_or(""),
                side["organisation_key"].as_str().unwrap_or(""),
                series[series_key],
                series[other_key],
                figure(&series["latest"]),
                history.join(", ")
            ));
        }
    }
    lines
}

fn movement_figure(figure: &Value) -> String {
    let count = &figure["count"];
    let valid = count["period"]["end"].as_str().or(count["period"]["start"].as_str()).unwrap_or("");
    format!(
        "{} {} as of {} ({})",
        figure["record"].as_str().unwrap_or(""),
        count["people"],
        &valid[11..16],
        figure["weighed"]["counts_as"].as_str().unwrap_or("")
    )
}

fn estimate_figure(estimate: &Value) -> String {
    format!("{} as of {}", estimate["people"], &estimate["as_of"].as_str().unwrap_or("")[..16])
}

/// The problem of `body` refused: status, type, field and detail.
async fn refusal(fixture: &Fixture, signer: &Signer, body: Value) -> String {
    let reply = fixture.submit(signer, body).await;
    let problem = reply.json();
    format!("{} {} {}: {}", reply.status.as_u16(), problem["type"], problem["field"], problem["detail"])
}

/// The convoy of the page at valid time `at` (on 12 December), in a line.
async fn convoy_line(fixture: &Fixture, at: &str) -> String {
    let page = read(fixture, &format!("/api/v1/convoys?at=2016-12-12T{at}Z")).await;
    let convoy = &page["items"][0];
    let updates: Vec<String> = convoy["updates"]
        .as_array()
        .expect("updates")
        .iter()
        .map(|u| format!("{} at {}", u["status"].as_str().unwrap_or(""), &u["at"].as_str().unwrap_or("")[11..16]))
        .collect();
    format!(
        "{at}: {} after {:?}; passages {}; incidents {}",
        convoy["status"].as_str().unwrap_or(""),
        updates,
        convoy["passage_ids"],
        convoy["incident_ids"]
    )
}

/// The number of entries in the log.
async fn log_size(fixture: &Fixture) -> usize {
    fixture.log_view().await.0["entries"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn the_movement_view_shows_every_organisations_counts_side_by_side_by_valid_time() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    fixture.clock.set("2016-12-12T18:00:00Z");
    let corridor = json!({"corridor_id": id(EA_1)});
    let zone = json!({"zone_id": id(EAST_ALEPPO)});
    let mut counted = count(
        700,
        "ICRC",
        json!(120),
        "increment",
        json!({"start": "2016-12-12T10:00:00Z", "end": "2016-12-12T11:00:00Z"}),
    );
    counted["breakdown"] = json!({"civilians": 100, "wounded": {"about": 20}});
    counted["note"] = json!("Counted at the checkpoint");
    let mut in_buses = passage(710, counted);
    in_buses["vehicles"] = json!(4);
    fixture.accept(&monitor, in_buses).await;
    // Recorded out of valid-time order, a minute apart, under names that differ in case and
    // spacing: the organisation is shown by the name it was first recorded under.
    for (n, organisation, people, time, recorded_at) in [
        (720, "UN OCHA", json!({"about": 5000}), "14:00:00", "18:01:00"),
        (721, "un  ocha ", json!({"range": {"min": 2000, "max": 3000}}), "11:00:00", "18:02:00"),
        (722, "Russian MoD", json!(12000), "13:00:00", "18:03:00"),
    ] {
        fixture.clock.set(&format!("2016-12-12T{recorded_at}Z"));
        fixture
            .accept(&monitor, total(n, corridor.clone(), count(n, organisation, people, "cumulative", at(time))))
            .await;
    }
    // A total for the origin zone, published only at 17:00 about 16:00, recorded by a party:
    // its claim, whatever the source.
    let mut late = count(723, "SARC", json!({"at_least": 4000}), "cumulative", at("16:00:00"));
    late["source"]["published_at"] = json!("2016-12-12T17:00:00Z");
    fixture.accept(&world.ru, total(723, zone, late)).await;

    let movement = read(fixture, "/api/v1/corridors/EA-1/movement").await;
    expect![[r#"
        [
            "ICRC [icrc] \"outbound\" \"increment\": latest passage 120 as of 11:00 (media) | passage 120 as of 11:00 (media)",
            "Russian MoD [russian mod] \"outbound\" \"cumulative\": latest total 12000 as of 13:00 (media) | total 12000 as of 13:00 (media)",
            "SARC [sarc] \"outbound\" \"cumulative\": latest total {\"at_least\":4000} as of 16:00 (party) | total {\"at_least\":4000} as of 16:00 (party)",
            "UN OCHA [un ocha] \"outbound\" \"cumulative\": latest total {\"about\":5000} as of 14:00 (media) | total {\"range\":{\"max\":3000,\"min\":2000}} as of 11:00 (media), total {\"about\":5000} as of 14:00 (media)",
        ]
    "#]].assert_debug_eq(&side_lines(&movement, "direction", "basis", movement_figure));
    // One figure whole: the count as given, who recorded it and what its source counts as.
    expect![[r#"
        {
          "convoy_id": null,
          "corridor_id": "01900000-0000-7000-8000-0000000001f4",
          "count": {
            "basis": "increment",
            "breakdown": {
              "civilians": 100,
              "wounded": {
                "about": 20
              }
            },
            "note": "Counted at the checkpoint",
            "people": 120,
            "period": {
              "end": "2016-12-12T11:00:00Z",
              "start": "2016-12-12T10:00:00Z"
            },
            "source": {
              "kind": "media",
              "organisation": "ICRC",
              "source_id": "01900000-0000-7000-8000-0000000002bc"
            }
          },
          "direction": "outbound",
          "observer": "01900000-0000-7000-8000-000000000078",
          "passage_id": "01900000-0000-7000-8000-0000000002c6",
          "record": "passage",
          "recorded_at": "2016-12-12T18:00:00Z",
          "statements": [],
          "vehicles": 4,
          "weighed": {
            "claimed": "media",
            "counts_as": "media",
            "organisation": "ICRC",
            "source_id": "01900000-0000-7000-8000-0000000002bc"
          }
        }"#]]
    .assert_eq(&serde_json::to_string_pretty(&movement["organisations"][0]["series"][0]["latest"]).expect("JSON"));
    // As the world stood at 13:30: SARC's figure not yet given, OCHA's 14:00 not yet.
    let earlier = read(fixture, "/api/v1/corridors/EA-1/movement?at=2016-12-12T13:30:00Z").await;
    expect![[r#"
        [
            "ICRC [icrc] \"outbound\" \"increment\": latest passage 120 as of 11:00 (media) | passage 120 as of 11:00 (media)",
            "Russian MoD [russian mod] \"outbound\" \"cumulative\": latest total 12000 as of 13:00 (media) | total 12000 as of 13:00 (media)",
            "un  ocha [un ocha] \"outbound\" \"cumulative\": latest total {\"range\":{\"max\":3000,\"min\":2000}} as of 11:00 (media) | total {\"range\":{\"max\":3000,\"min\":2000}} as of 11:00 (media)",
        ]
    "#]].assert_debug_eq(&side_lines(&earlier, "direction", "basis", movement_figure));
    // Before the passage's hour had ended, nothing.
    let before = read(fixture, "/api/v1/corridors/EA-1/movement?at=2016-12-12T10:59:59Z").await;
    assert_eq!(before["organisations"], json!([]));
    // As known before anything was recorded, nothing either.
    let unknown = read(fixture, "/api/v1/corridors/EA-1/movement?known_at=2016-12-12T10:00:00Z").await;
    assert_eq!(unknown["organisations"], json!([]));
    let passages = read(fixture, "/api/v1/passages?at=2016-12-12T11:00:00Z").await;
    assert_eq!(passages["items"][0]["vehicles"], json!(4));
    assert_eq!(read(fixture, "/api/v1/passages?at=2016-12-12T10:30:00Z").await["items"], json!([]));
}

#[tokio::test]
async fn the_population_view_shows_every_organisations_estimates_by_kind_and_destination() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    let estimate = |n: u32, organisation: &str, kind: &str, people: Value, destination: Option<Value>, as_of: &str| {
        let mut body = json!({"type": "estimate_population", "estimate_id": id(n), "zone_id": id(EAST_ALEPPO),
                              "kind": kind, "people": people, "as_of": format!("2016-12-12T{as_of}Z"),
                              "source": source(n, organisation)});
        if let Some(destination) = destination {
            body["destination"] = destination;
        }
        body
    };
    let mut trapped = estimate(730, "UN OCHA", "trapped", json!({"about": 100000}), None, "06:00:00");
    trapped["breakdown"] = json!({"children": {"about": 40000}, "wounded": {"at_least": 500}});
    for body in [
        trapped,
        estimate(731, "UN OCHA", "trapped", json!({"range": {"min": 80000, "max": 90000}}), None, "09:00:00"),
        estimate(732, "Russian MoD", "trapped", json!({"range": {"min": 40000, "max": 50000}}), None, "08:00:00"),
        estimate(733, "UN OCHA", "displaced", json!({"about": 20000}), Some(json!({"name": "Idlib"})), "07:00:00"),
        estimate(734, "un ocha", "displaced", json!({"about": 25000}), Some(json!({"name": "IDLIB"})), "09:30:00"),
        estimate(
            735,
            "UN OCHA",
            "displaced",
            json!({"more_than": 6000}),
            Some(json!({"zone_id": id(WEST_ALEPPO), "name": "West Aleppo"})),
            "09:30:00",
        ),
    ] {
        fixture.accept(&monitor, body).await;
    }
    let population = read(fixture, "/api/v1/zones/EA/population").await;
    expect![[r#"
        [
            "Russian MoD [russian mod] \"trapped\" null: latest {\"range\":{\"max\":50000,\"min\":40000}} as of 2016-12-12T08:00 | {\"range\":{\"max\":50000,\"min\":40000}} as of 2016-12-12T08:00",
            "UN OCHA [un ocha] \"trapped\" null: latest {\"range\":{\"max\":90000,\"min\":80000}} as of 2016-12-12T09:00 | {\"about\":100000} as of 2016-12-12T06:00, {\"range\":{\"max\":90000,\"min\":80000}} as of 2016-12-12T09:00",
            "UN OCHA [un ocha] \"displaced\" {\"name\":\"IDLIB\"}: latest {\"about\":25000} as of 2016-12-12T09:30 | {\"about\":20000} as of 2016-12-12T07:00, {\"about\":25000} as of 2016-12-12T09:30",
            "UN OCHA [un ocha] \"displaced\" {\"name\":\"West Aleppo\",\"zone_id\":\"01900000-0000-7000-8000-00000000012d\"}: latest {\"more_than\":6000} as of 2016-12-12T09:30 | {\"more_than\":6000} as of 2016-12-12T09:30",
        ]
    "#]].assert_debug_eq(&side_lines(&population, "kind", "destination", estimate_figure));
    expect![[r#"
        {
          "as_of": "2016-12-12T06:00:00Z",
          "breakdown": {
            "children": {
              "about": 40000
            },
            "wounded": {
              "at_least": 500
            }
          },
          "destination": null,
          "estimate_id": "01900000-0000-7000-8000-0000000002da",
          "kind": "trapped",
          "note": null,
          "people": {
            "about": 100000
          },
          "recorded_at": "2016-12-12T10:00:00Z",
          "reported_by": "01900000-0000-7000-8000-000000000078",
          "source": {
            "kind": "media",
            "organisation": "UN OCHA",
            "source_id": "01900000-0000-7000-8000-0000000002da"
          },
          "statements": [],
          "weighed": {
            "claimed": "media",
            "counts_as": "media",
            "organisation": "UN OCHA",
            "source_id": "01900000-0000-7000-8000-0000000002da"
          }
        }"#]]
    .assert_eq(
        &serde_json::to_string_pretty(&population["organisations"][1]["series"][0]["history"][0]).expect("JSON"),
    );
    let earlier = read(fixture, "/api/v1/zones/EA/population?at=2016-12-12T08:30:00Z").await;
    expect![[r#"
        [
            "Russian MoD [russian mod] \"trapped\" null: latest {\"range\":{\"max\":50000,\"min\":40000}} as of 2016-12-12T08:00 | {\"range\":{\"max\":50000,\"min\":40000}} as of 2016-12-12T08:00",
            "UN OCHA [un ocha] \"trapped\" null: latest {\"about\":100000} as of 2016-12-12T06:00 | {\"about\":100000} as of 2016-12-12T06:00",
            "UN OCHA [un ocha] \"displaced\" {\"name\":\"Idlib\"}: latest {\"about\":20000} as of 2016-12-12T07:00 | {\"about\":20000} as of 2016-12-12T07:00",
        ]
    "#]].assert_debug_eq(&side_lines(&earlier, "kind", "destination", estimate_figure));
}

#[tokio::test]
async fn a_bad_count_or_a_link_to_what_does_not_exist_is_refused_naming_its_field_and_nothing_is_written() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    let entries_count = log_size(fixture).await;
    let one = |people: Value| count(740, "ICRC", people, "increment", at("09:00:00"));
    let mut wounded = one(json!(100));
    wounded["breakdown"] = json!({"civilians": 100, "wounded": {"more_than": 100}});
    let mut children = one(json!(100));
    children["breakdown"] = json!({"children": -3});
    let mut future = one(json!(100));
    future["period"] = json!({"start": "2016-12-12T09:00:00Z", "end": "2016-12-12T11:00:00Z"});
    let mut on_convoy = passage(741, one(json!(5)));
    on_convoy["convoy_id"] = json!(id(CONVOY));
    let mut strike = json!({"type": "report_incident", "incident_id": id(STRIKE), "kind": "attack_on_convoy",
        "location": {"position": [37.16, 36.205], "uncertainty_m": 100.0}, "when": {"start": "2016-12-12T09:30:00Z"},
        "description": "The convoy was fired on", "source": source(742, "SOHR"), "convoy_id": id(CONVOY)});
    let lines = vec![
        refusal(fixture, &monitor, passage(741, wounded)).await,
        refusal(fixture, &monitor, passage(741, one(json!({"range": {"min": 10, "max": 5}})))).await,
        refusal(fixture, &monitor, passage(741, children)).await,
        refusal(fixture, &monitor, total(741, json!({"corridor_id": id(EA_1)}), future)).await,
        refusal(fixture, &monitor, on_convoy).await,
        refusal(fixture, &monitor, strike.clone()).await,
        refusal(
            fixture,
            &monitor,
            json!({"type": "estimate_population", "estimate_id": id(743), "zone_id": id(EAST_ALEPPO),
            "kind": "displaced", "people": 10, "as_of": "2016-12-12T09:00:00Z", "source": source(743, "UN OCHA"),
            "destination": {"zone_id": id(999), "name": "Nowhere"}}),
        )
        .await,
    ];
    expect![[r#"
        [
            "422 \"/problems/invalid-input\" \"count.breakdown.wounded\": \"count.breakdown.wounded (more than 100) is larger than the whole count (100)\"",
            "422 \"/problems/invalid-input\" \"command.body.count.people.range\": \"the command is not valid at `command.body.count.people.range`: range has min 10 above max 5\"",
            "422 \"/problems/invalid-input\" \"command.body.count.breakdown.children\": \"the command is not valid at `command.body.count.breakdown.children`: invalid value: integer `-3`, expected a whole number of people from 0 to 4294967295, or an object with one of the keys `range`, `about`, `at_least`, `up_to`, `more_than`\"",
            "422 \"/problems/valid-time-in-future\" \"count.period.end\": \"count.period.end 2016-12-12T11:00:00Z is after the time the server accepts it, 2016-12-12T10:00:00Z, by more than 600 s\"",
            "422 \"/problems/unknown-reference\" \"convoy_id\": \"convoy 01900000-0000-7000-8000-00000000032a does not exist\"",
            "422 \"/problems/unknown-reference\" \"convoy_id\": \"convoy 01900000-0000-7000-8000-00000000032a does not exist\"",
            "422 \"/problems/unknown-reference\" \"destination.zone_id\": \"zone 01900000-0000-7000-8000-0000000003e7 does not exist (named by destination.zone_id)\"",
        ]
    "#]].assert_debug_eq(&lines);
    strike.as_object_mut().map(|s| s.remove("convoy_id"));
    fixture.accept(&monitor, strike).await;
    let correction = json!({"type": "correct_incident", "incident_id": id(STRIKE), "convoy_id": id(CONVOY),
                            "reason": "It was the convoy"});
    expect![[
        r#"422 "/problems/unknown-reference" "convoy_id": "convoy 01900000-0000-7000-8000-00000000032a does not exist""#
    ]]
    .assert_eq(&refusal(fixture, &monitor, correction).await);
    assert_eq!(log_size(fixture).await, entries_count + 1, "only the incident without a convoy was written");
    assert_eq!(read(fixture, "/api/v1/passages").await["items"], json!([]));
}

#[tokio::test]
async fn a_convoy_shows_its_status_by_valid_time_its_passages_and_the_incidents_that_struck_it() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    fixture.clock.set("2016-12-12T13:00:00Z");
    fixture
        .accept(
            &world.ru,
            json!({"type": "schedule_convoy", "convoy_id": id(CONVOY), "corridor_id": id(EA_1), "buses": 20,
                   "ambulances": 5, "departs_at": "2016-12-12T11:00:00Z"}),
        )
        .await;
    // Reported out of order: stopped at 12:00, then that it had moved at 11:00.
    for (status, effective_at) in [("stopped", "2016-12-12T12:00:00Z"), ("moving", "2016-12-12T11:00:00Z")] {
        fixture
            .accept(
                &world.ru,
                json!({"type": "update_convoy", "convoy_id": id(CONVOY), "status": status, "effective_at": effective_at}),
            )
            .await;
    }
    let mut in_convoy = passage(750, count(750, "ICRC", json!(400), "increment", at("11:30:00")));
    in_convoy["convoy_id"] = json!(id(CONVOY));
    fixture.accept(&monitor, in_convoy).await;
    fixture
        .accept(
            &monitor,
            json!({"type": "report_incident", "incident_id": id(STRIKE), "kind": "attack_on_convoy",
                   "location": {"position": [37.16, 36.205], "uncertainty_m": 100.0},
                   "when": {"start": "2016-12-12T11:50:00Z"}, "description": "The convoy was fired on",
                   "source": source(751, "SOHR"), "convoy_id": id(CONVOY)}),
        )
        .await;
    let lines = vec![
        convoy_line(fixture, "10:59:00").await,
        convoy_line(fixture, "11:30:00").await,
        convoy_line(fixture, "11:50:00").await,
        convoy_line(fixture, "12:00:00").await,
    ];
    expect![[r#"
        [
            "10:59:00: scheduled after []; passages []; incidents []",
            "11:30:00: moving after [\"moving at 11:00\"]; passages [\"01900000-0000-7000-8000-0000000002ee\"]; incidents []",
            "11:50:00: moving after [\"moving at 11:00\"]; passages [\"01900000-0000-7000-8000-0000000002ee\"]; incidents [\"01900000-0000-7000-8000-00000000038e\"]",
            "12:00:00: stopped after [\"moving at 11:00\", \"stopped at 12:00\"]; passages [\"01900000-0000-7000-8000-0000000002ee\"]; incidents [\"01900000-0000-7000-8000-00000000038e\"]",
        ]
    "#]].assert_debug_eq(&lines);
    let incident = read(fixture, &format!("/api/v1/incidents/{}", id(STRIKE))).await;
    assert_eq!(
        (incident["convoy_id"].clone(), incident["revisions"][0]["convoy_id"].clone()),
        (json!(id(CONVOY)), json!(id(CONVOY)))
    );
}
