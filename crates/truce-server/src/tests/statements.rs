//! Statements about any record over HTTP, shown on each record; readings of a version shown
//! with it; counted observations listed; and the warnings of a point that looks wrong in the
//! reply to the command.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::{
    id,
    monitoring::{report_shelling, world_in_force, EA_1, INCIDENT, NO_ATTACK, PLAN},
    EAST_ALEPPO, OPP_FORCE,
};

async fn read(fixture: &super::Fixture, uri: &str) -> Value {
    let reply = fixture.get(uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text);
    reply.json()
}

fn source(n: u32, organisation: &str, kind: &str) -> Value {
    json!({"source_id": id(n), "organisation": organisation, "kind": kind})
}

#[tokio::test]
async fn a_statement_about_a_convoy_a_violation_and_an_act_is_shown_on_each() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    report_shelling(&world, &monitor).await;
    fixture
        .accept(
            &world.ru,
            json!({"type": "schedule_convoy", "convoy_id": id(810), "corridor_id": id(EA_1), "buses": 20,
                   "ambulances": 5, "departs_at": "2016-12-12T11:00:00Z"}),
        )
        .await;
    let agreement = read(fixture, &format!("/api/v1/agreements/{}", id(PLAN))).await;
    let acts = agreement["acts"].as_array().expect("acts");
    let endorsement = acts.iter().find(|a| a["act"] == json!("endorsed") && a["party_id"] == json!(id(super::OPP)));
    let seq = endorsement.expect("OPP's endorsement")["seq"].clone();
    let about = json!([
        {"stance": "denies", "record": {"record": "convoy", "convoy_id": id(810)}},
        {"stance": "accuses", "force_id": id(OPP_FORCE),
         "record": {"record": "violation", "incident_id": id(INCIDENT), "commitment_id": id(NO_ATTACK)}},
        {"stance": "denies", "record": {"record": "act", "agreement_id": id(PLAN), "seq": seq}},
        {"stance": "mentions", "record": {"record": "version", "agreement_id": id(PLAN), "version": 1}}
    ]);
    fixture
        .accept(
            &world.ru,
            json!({"type": "make_statement", "statement_id": id(800), "text": "No convoy, and OPP never agreed",
                   "about": about}),
        )
        .await;
    let shows = |view: &Value| view["statements"][0]["statement_id"] == json!(id(800));
    let convoys = read(fixture, "/api/v1/convoys").await;
    assert!(shows(&convoys["items"][0]), "{convoys}");
    let violations = read(fixture, "/api/v1/violations").await;
    assert!(shows(&violations["items"][0]), "{violations}");
    let incident = read(fixture, &format!("/api/v1/incidents/{}", id(INCIDENT))).await;
    assert!(shows(&incident), "a stance on its violation is one on the incident");
    assert!(incident["accused_forces"].as_array().expect("forces").contains(&json!(id(OPP_FORCE))));
    let agreement = read(fixture, &format!("/api/v1/agreements/{}", id(PLAN))).await;
    assert!(shows(&agreement["versions"][0]), "{agreement}");
    let act = agreement["acts"].as_array().expect("acts").iter().find(|a| a["seq"] == seq).cloned();
    assert!(shows(&act.expect("the act")));

    // A reference to nothing is refused naming its field, and nothing is written.
    let reply = fixture
        .submit(
            &world.ru,
            json!({"type": "make_statement", "statement_id": id(801), "text": "No",
                   "about": [{"stance": "denies", "record": {"record": "convoy", "convoy_id": id(811)}}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert_eq!(reply.json()["field"], json!("about[].record.convoy_id"));
    assert_eq!(read(fixture, "/api/v1/statements").await["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn readings_stand_side_by_side_with_the_version_and_observations_are_listed() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    for (n, organisation, groups, people) in [
        (1, "Reuters", json!(["fighters"]), json!({"about": 5000})),
        (2, "SANA", json!(["fighters", "civilians"]), json!(null)),
    ] {
        let mut reading = json!({"topic": "who_may_leave", "says": "Who may leave", "groups": groups});
        if !people.is_null() {
            reading["people"] = people;
        }
        fixture
            .accept(
                &monitor,
                json!({"type": "record_reading", "reading_id": id(700 + n), "agreement_id": id(PLAN), "version": 1,
                       "reading": reading, "source": source(710 + n, organisation, "media")}),
            )
            .await;
    }
    let agreement = read(fixture, &format!("/api/v1/agreements/{}", id(PLAN))).await;
    let readings = &agreement["versions"][0]["readings"][0];
    assert_eq!(readings["topic"], json!("who_may_leave"));
    assert_eq!(readings["sources_agree"], json!(false));
    assert_eq!(readings["readings"].as_array().map(Vec::len), Some(2));
    assert_eq!(readings["readings"][0]["source"]["organisation"], json!("Reuters"));

    let receipt = fixture
        .accept(
            &monitor,
            json!({"type": "record_observation", "observation_id": id(720),
                   "observation": {"observed": "explosion", "perception": "heard", "count": {"more_than": 10},
                   "weapon": "mortar", "when": {"start": "2016-12-12T08:00:00Z", "end": "2016-12-12T09:00:00Z",
                   "precision": "day"},
                   "observer": {"position": [37.18, 36.21], "uncertainty_m": 100.0, "zone_id": id(EAST_ALEPPO),
                   "precision": "exact"},
                   "bearing_deg": 135.0, "distance": {"min_m": 3000.0, "max_m": 5000.0},
                   "source": source(721, "UN", "monitor_on_site")}}),
        )
        .await;
    assert_eq!(receipt["warnings"], json!([]));
    let observations = read(fixture, "/api/v1/observations").await;
    let observation = &observations["items"][0];
    assert_eq!(observation["count"], json!({"more_than": 10}));
    assert_eq!(observation["weapon"], json!("mortar"));
    assert_eq!(observation["observer"]["zone_id"], json!(id(EAST_ALEPPO)));
    assert_eq!(observation["weighed"]["counts_as"], json!("monitor_on_site"), "recorded by a monitor of the UN");
    let earlier = read(fixture, "/api/v1/observations?at=2016-12-12T08:30:00Z").await;
    assert_eq!(earlier["items"], json!([]), "not made until its period ended");
}

#[tokio::test]
async fn a_point_with_its_coordinates_swapped_is_accepted_with_a_warning() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    let receipt = fixture
        .accept(
            &monitor,
            json!({"type": "report_incident", "incident_id": id(INCIDENT), "kind": "shelling",
                   "location": {"position": [36.20, 37.18], "uncertainty_m": 50.0, "zone_id": id(EAST_ALEPPO)},
                   "when": {"start": "2016-12-12T09:30:00Z", "precision": "day"}, "description": "Shelling",
                   "source": source(1, "EFE", "media")}),
        )
        .await;
    let warnings = receipt["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{receipt}");
    assert_eq!(warnings[0]["field"], json!("location.position"));
    assert!(warnings[0]["message"].as_str().is_some_and(|m| m.contains("swapped")), "{receipt}");
    let incident = read(fixture, &format!("/api/v1/incidents/{}", id(INCIDENT))).await;
    assert_eq!(incident["when"]["precision"], json!("day"));
}
