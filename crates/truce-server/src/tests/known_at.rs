//! Reading as known at a record time, over HTTP: `?known_at=` answers from the entries
//! accepted by then, on every read of the projection, whatever `?at=` asks about; the alert
//! list honours both times; a bad `known_at` is a problem naming it.

use axum::http::StatusCode;
use expect_test::expect;
use serde_json::{json, Value};

use super::{
    id,
    monitoring::{report_shelling, world_in_force, EA_1, INCIDENT, PLAN},
    Fixture, World, EAST_ALEPPO, OPP_FORCE,
};

const NEW_PARTY: u32 = 103;
const STATEMENT: u32 = 800;
const CONVOY: u32 = 810;
const PASSAGE: u32 = 820;
const CONSENT: u32 = 830;
const ESTIMATE: u32 = 840;
const MISTAKEN: u32 = 850;
const OBSERVATION: u32 = 860;

/// An instant on 12 December 2016.
fn t(time: &str) -> String {
    format!("2016-12-12T{time}Z")
}

/// `uri` with `known_at` added.
fn known_at(uri: &str, known_at: &str) -> String {
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}known_at={known_at}")
}

/// Read as the operator: some lists (accounts) are for signed-in accounts only.
async fn ok(fixture: &Fixture, uri: &str) -> Value {
    let reply = fixture.get_as(&super::id(1), uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text);
    reply.json()
}

fn field_values(page: &Value, field: &str) -> Vec<Value> {
    page["items"].as_array().expect("a page").iter().map(|item| item[field].clone()).collect()
}

/// The East Aleppo ring after the redraw.
fn smaller_ring() -> Value {
    json!([[37.17, 36.19], [37.20, 36.19], [37.20, 36.22], [37.17, 36.22], [37.17, 36.19]])
}

/// The plan in force from 08:00 (`world_in_force`), then, each recorded at its own time:
///
/// - 10:00 the shelling on EA-1 that happened at 09:30 (an alleged violation);
/// - 10:10 RU's statement, its convoy, a passage, OPP's consent to use EA-1, a population
///   estimate and a counted observation;
/// - 11:00 a new party;
/// - 12:00 East Aleppo redrawn, smaller, effective from 09:00 (valid time before record time).
///
/// Now is 18:00.
async fn recorded_over_a_day() -> World {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    fixture.clock.set(&t("10:00:00"));
    report_shelling(&world, &monitor).await;
    fixture.clock.set(&t("10:10:00"));
    fixture
        .accept(
            &world.ru,
            json!({"type": "make_statement", "statement_id": id(STATEMENT), "text": "Our forces did not fire",
                   "stances": [{"stance": "denies", "incident_id": id(INCIDENT)}]}),
        )
        .await;
    fixture
        .accept(
            &world.ru,
            json!({"type": "schedule_convoy", "convoy_id": id(CONVOY), "corridor_id": id(EA_1), "buses": 20,
                   "ambulances": 5, "departs_at": t("11:00:00")}),
        )
        .await;
    fixture
        .accept(
            &monitor,
            json!({"type": "record_passage", "passage_id": id(PASSAGE), "corridor_id": id(EA_1), "direction": "outbound",
                   "vehicles": 2, "count": {"people": 120, "basis": "increment", "period": {"start": t("09:00:00")},
                   "breakdown": {"civilians": 120},
                   "source": {"source_id": id(PASSAGE + 1), "organisation": "UN", "kind": "monitor_on_site"}}}),
        )
        .await;
    fixture
        .accept(
            &world.opp,
            json!({"type": "record_consent", "consent_id": id(CONSENT), "force_id": id(OPP_FORCE), "corridor_id": id(EA_1)}),
        )
        .await;
    fixture
        .accept(
            &monitor,
            json!({"type": "estimate_population", "estimate_id": id(ESTIMATE), "zone_id": id(EAST_ALEPPO),
                   "kind": "trapped", "people": {"range": {"min": 80_000, "max": 90_000}}, "as_of": t("06:00:00"),
                   "source": {"source_id": id(ESTIMATE + 1), "organisation": "UN OCHA", "kind": "relayed"}}),
        )
        .await;
    fixture
        .accept(
            &monitor,
            json!({"type": "record_observation", "observation_id": id(OBSERVATION),
                   "observation": {"observed": "explosion", "perception": "heard", "count": 12,
                   "weapon": "undetermined", "when": {"start": t("08:00:00"), "end": t("09:00:00")},
                   "observer": {"position": [37.12, 36.20], "uncertainty_m": 100.0},
                   "bearing_deg": 135.0, "distance": {"min_m": 3000.0, "max_m": 5000.0},
                   "source": {"source_id": id(OBSERVATION + 1), "organisation": "UN", "kind": "monitor_on_site"}}}),
        )
        .await;
    fixture.clock.set(&t("11:00:00"));
    fixture
        .accept(
            &fixture.operator,
            json!({"type": "register_party", "party_id": id(NEW_PARTY), "code": "NEW", "name": "New party", "kind": "state"}),
        )
        .await;
    fixture.clock.set(&t("12:00:00"));
    fixture
        .accept(
            &fixture.operator,
            json!({"type": "redraw_zone", "zone_id": id(EAST_ALEPPO), "effective_at": t("09:00:00"),
                   "boundary": {"type": "Polygon", "coordinates": [smaller_ring()]}}),
        )
        .await;
    // A statement recorded by mistake, then retracted.
    fixture.clock.set(&t("13:00:00"));
    let receipt = fixture
        .accept(
            &monitor,
            json!({"type": "make_statement", "statement_id": id(MISTAKEN), "text": "Filed under the wrong party"}),
        )
        .await;
    let seq = receipt["seq"].as_u64().expect("a seq");
    fixture.clock.set(&t("14:00:00"));
    fixture.accept(&monitor, json!({"type": "retract", "seq": seq, "reason": "Filed under the wrong party"})).await;
    fixture.clock.set(&t("18:00:00"));
    world
}

#[tokio::test]
async fn a_record_accepted_later_is_absent_as_known_before_and_present_as_known_from_then() {
    let world = recorded_over_a_day().await;
    let fixture = &world.fixture;
    let incident_uri = format!("/api/v1/incidents/{}", id(INCIDENT));

    // The shelling happened at 09:30 and was recorded at 10:00.
    let (before, from) = (t("09:59:59.999"), t("10:00:00"));
    assert_eq!(ok(fixture, &known_at("/api/v1/incidents", &before)).await["items"], json!([]));
    assert_eq!(
        field_values(&ok(fixture, &known_at("/api/v1/incidents", &from)).await, "incident_id"),
        [json!(id(INCIDENT))]
    );
    assert_eq!(fixture.get(&known_at(&incident_uri, &before)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ok(fixture, &known_at(&incident_uri, &from)).await["incident_id"], json!(id(INCIDENT)));
    assert_eq!(ok(fixture, &known_at("/api/v1/violations", &before)).await["items"], json!([]));
    assert_eq!(field_values(&ok(fixture, &known_at("/api/v1/violations", &from)).await, "status"), [json!("alleged")]);
    let kinds_before = field_values(&ok(fixture, &known_at("/api/v1/alerts", &before)).await, "kind");
    let kinds_from = field_values(&ok(fixture, &known_at("/api/v1/alerts", &from)).await, "kind");
    assert!(!kinds_before.contains(&json!("violation_new")), "{kinds_before:?}");
    assert_eq!(kinds_from[..kinds_before.len()], kinds_before[..]);
    assert_eq!(kinds_from[kinds_before.len()..], [json!("violation_new")]);

    // The statement, convoy, passage, consent and estimate were recorded at 10:10.
    let (before, from) = (t("10:09:59"), t("10:10:00"));
    for (uri, field, value) in [
        ("/api/v1/statements", "statement_id", id(STATEMENT)),
        ("/api/v1/convoys", "convoy_id", id(CONVOY)),
        ("/api/v1/passages", "passage_id", id(PASSAGE)),
        ("/api/v1/consents", "consent_id", id(CONSENT)),
        ("/api/v1/observations", "observation_id", id(OBSERVATION)),
    ] {
        assert_eq!(ok(fixture, &known_at(uri, &before)).await["items"], json!([]), "{uri}");
        assert_eq!(field_values(&ok(fixture, &known_at(uri, &from)).await, field), [json!(value)], "{uri}");
    }
    let population = "/api/v1/zones/EA/population";
    let latest = |view: Value| view["organisations"][0]["series"][0]["latest"].clone();
    assert_eq!(ok(fixture, &known_at(population, &before)).await["organisations"], json!([]));
    assert_eq!(latest(ok(fixture, &known_at(population, &from)).await)["estimate_id"], json!(id(ESTIMATE)));
    let movement = "/api/v1/corridors/EA-1/movement";
    assert_eq!(ok(fixture, &known_at(movement, &before)).await["organisations"], json!([]));
    assert_eq!(latest(ok(fixture, &known_at(movement, &from)).await)["count"]["people"], json!(120));

    // The party was registered at 11:00.
    let (before, from) = (t("10:59:59"), t("11:00:00"));
    let codes_before = field_values(&ok(fixture, &known_at("/api/v1/parties", &before)).await, "code");
    let codes_from = field_values(&ok(fixture, &known_at("/api/v1/parties", &from)).await, "code");
    assert_eq!(codes_before, [json!("RU"), json!("OPP"), json!("UN")]);
    assert_eq!(codes_from, [json!("RU"), json!("OPP"), json!("UN"), json!("NEW")]);
    assert_eq!(fixture.get(&known_at("/api/v1/parties/NEW", &before)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ok(fixture, &known_at("/api/v1/parties/NEW", &from)).await["party_id"], json!(id(NEW_PARTY)));

    // East Aleppo was redrawn at 12:00, effective from 09:00: as of now (`at` by default),
    // the old boundary as known before the redraw, the new one as known from it.
    let (before, from) = (t("11:59:59"), t("12:00:00"));
    let zone_before = ok(fixture, &known_at("/api/v1/zones/EA", &before)).await;
    let zone_from = ok(fixture, &known_at("/api/v1/zones/EA", &from)).await;
    assert_eq!(zone_before["boundary"]["coordinates"], json!([super::east_aleppo_ring()]));
    assert_eq!(zone_from["boundary"]["coordinates"], json!([smaller_ring()]));
    assert_eq!(zone_before["boundary_history"].as_array().map(Vec::len), Some(1));
    assert_eq!(zone_from["boundary_history"].as_array().map(Vec::len), Some(2));
    let layer = |page: &Value| {
        let mut features = page["features"].as_array().expect("features").iter();
        features.find(|f| f["id"] == json!(id(EAST_ALEPPO))).map(|f| f["geometry"]["coordinates"].clone())
    };
    let layer_before = layer(&ok(fixture, &known_at("/api/v1/zones.geojson", &before)).await);
    let layer_from = layer(&ok(fixture, &known_at("/api/v1/zones.geojson", &from)).await);
    assert_eq!(layer_before, Some(json!([super::east_aleppo_ring()])));
    assert_eq!(layer_from, Some(json!([smaller_ring()])));

    // Without `known_at`, everything recorded so far: the same as known now.
    for uri in ["/api/v1/parties", "/api/v1/zones/EA", "/api/v1/alerts", "/api/v1/incidents"] {
        assert_eq!(ok(fixture, uri).await, ok(fixture, &known_at(uri, &t("18:00:00"))).await, "{uri}");
    }
}

#[tokio::test]
async fn as_known_before_the_genesis_every_list_is_empty_and_every_record_missing() {
    let world = recorded_over_a_day().await;
    let fixture = &world.fixture;
    let before_genesis = t("07:59:59.999");
    let ids = [
        ("/api/v1/parties/{id}", "RU".to_owned()),
        ("/api/v1/zones/{id}", "EA".to_owned()),
        ("/api/v1/zones/{id}/population", "EA".to_owned()),
        ("/api/v1/corridors/{id}", "EA-1".to_owned()),
        ("/api/v1/corridors/{id}/movement", "EA-1".to_owned()),
        ("/api/v1/agreements/{id}", id(PLAN)),
        ("/api/v1/incidents/{id}", id(INCIDENT)),
    ];
    let reads = reads_taking_known_at();
    assert!(reads.len() > 20, "{reads:?}");
    for path in reads {
        if path.starts_with("/api/v1/notifications") {
            // Confidential, and this world notifies nothing: the visibility matrix reads
            // notifications as their parties.
            continue;
        }
        let uri = match ids.iter().find(|(template, _)| *template == path) {
            Some((_, id)) => path.replace("{id}", id),
            None => {
                assert!(!path.contains('{'), "{path}: a read of one record with no id to ask for");
                path.clone()
            }
        };
        // As known now, there is something to leave out.
        let now = ok(fixture, &uri).await;
        let then = fixture.get_as(&super::id(1), &known_at(&uri, &before_genesis)).await;
        if path.contains("{id}") {
            assert_eq!(then.status, StatusCode::NOT_FOUND, "{uri}: {}", then.text);
            continue;
        }
        let list = if path.contains("geojson") { "features" } else { "items" };
        assert_ne!(now[list], json!([]), "{uri}: the world has some");
        assert_eq!(then.status, StatusCode::OK, "{uri}: {}", then.text);
        assert_eq!(then.json()[list], json!([]), "{uri}");
    }
}

/// The documented paths of the reads that take `known_at`.
fn reads_taking_known_at() -> Vec<String> {
    let document = crate::openapi_document();
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .filter(|(_, item)| {
            let parameters = item["get"]["parameters"].as_array().cloned().unwrap_or_default();
            parameters.iter().any(|p| p["name"] == json!("known_at") && p["in"] == json!("query"))
        })
        .map(|(path, item)| {
            // The one required query parameter of a read, an export's format, as GeoJSON.
            let parameters = item["get"]["parameters"].as_array().cloned().unwrap_or_default();
            match parameters.iter().any(|p| p["name"] == json!("format") && p["required"] == json!(true)) {
                true => format!("{path}?format=geojson"),
                false => path.clone(),
            }
        })
        .collect()
}

#[tokio::test]
async fn the_alert_list_is_as_raised_by_known_at_and_as_happened_by_at() {
    let world = World::new().await;
    let fixture = &world.fixture;
    // Agreed at 08:00: EA-2 opens at 10:00. The entry that alerts it is written at 10:05.
    let mut terms = super::terms(510, "EA-2", 610);
    terms["truce"] = json!({"zone_id": id(EAST_ALEPPO), "start": {"kind": "immediately"}});
    let plan = id(410);
    fixture
        .accept(
            &world.ru,
            json!({"type": "propose_agreement", "agreement_id": plan, "title": "Evacuation", "terms": terms}),
        )
        .await;
    fixture.accept(&world.ru, json!({"type": "endorse", "agreement_id": plan, "version": 1})).await;
    fixture.accept(&world.opp, json!({"type": "endorse", "agreement_id": plan, "version": 1})).await;
    fixture.clock.set(&t("10:05:00"));
    fixture.accept(&fixture.operator, json!({"type": "mark_time"})).await;
    fixture.clock.set(&t("18:00:00"));

    let alerts = |page: Value| -> Vec<String> {
        let items = page["items"].as_array().cloned().unwrap_or_default();
        items
            .iter()
            .map(|a| format!("{} raised {} effective {}", a["kind"], a["raised_at"], a["effective_at"]))
            .collect()
    };
    let all = alerts(ok(fixture, "/api/v1/alerts").await);
    expect![[r#"
        [
            "\"agreement_changed\" raised \"2016-12-12T08:00:00Z\" effective null",
            "\"agreement_changed\" raised \"2016-12-12T08:00:00Z\" effective null",
            "\"agreement_changed\" raised \"2016-12-12T08:00:00Z\" effective null",
            "\"corridor_opened\" raised \"2016-12-12T10:05:00Z\" effective \"2016-12-12T10:00:00Z\"",
        ]
    "#]]
    .assert_debug_eq(&all);
    let agreement_alerts = all[..3].to_vec();

    // Raised by the entry accepted at 10:05: not known before it.
    assert_eq!(alerts(ok(fixture, &format!("/api/v1/alerts?known_at={}", t("10:04:59"))).await), agreement_alerts);
    assert_eq!(alerts(ok(fixture, &format!("/api/v1/alerts?known_at={}", t("10:05:00"))).await), all);
    // It happened at 10:00, when it took effect, though it was raised at 10:05.
    assert_eq!(alerts(ok(fixture, &format!("/api/v1/alerts?at={}", t("09:59:59"))).await), agreement_alerts);
    assert_eq!(alerts(ok(fixture, &format!("/api/v1/alerts?at={}", t("10:00:00"))).await), all);
    // One with no effective time happened when it was raised.
    assert_eq!(alerts(ok(fixture, &format!("/api/v1/alerts?at={}", t("07:59:59"))).await), Vec::<String>::new());
    // Both at once: what had happened by 10:00, as recorded by 10:04:59.
    let both = format!("/api/v1/alerts?at={}&known_at={}", t("10:00:00"), t("10:04:59"));
    assert_eq!(alerts(ok(fixture, &both).await), agreement_alerts);
    // Pages hold to both times too.
    let first = ok(fixture, &format!("/api/v1/alerts?at={}&limit=2", t("09:59:59"))).await;
    let cursor = first["next_cursor"].as_str().expect("a second page").to_owned();
    let second = ok(fixture, &format!("/api/v1/alerts?at={}&limit=2&cursor={cursor}", t("09:59:59"))).await;
    assert_eq!(alerts(second.clone()), agreement_alerts[2..]);
    assert_eq!(second["next_cursor"], json!(null));
}

#[tokio::test]
async fn a_bad_known_at_is_400_naming_known_at_on_every_read() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let reply = fixture.get("/api/v1/corridors?known_at=yesterday").await;
    expect![[r#"
        400
        {
          "detail": "\"yesterday\" is not an RFC 3339 UTC timestamp",
          "field": "known_at",
          "instance": "/api/v1/corridors",
          "status": 400,
          "title": "Invalid request",
          "type": "/problems/invalid-request"
        }"#]]
    .assert_eq(&reply.problem());
    for path in reads_taking_known_at() {
        let uri = path.replace("{id}", "EA");
        for (query, field) in [
            ("known_at=yesterday", "known_at"),
            ("known_at=", "known_at"),
            ("known_at=2016-12-12", "known_at"),
            ("at=2016-12-12T08:00:00Z&known_at=12:00", "known_at"),
            ("at=yesterday&known_at=2016-12-12T08:00:00Z", "at"),
        ] {
            let separator = if uri.contains('?') { '&' } else { '?' };
            let reply = fixture.get(&format!("{uri}{separator}{query}")).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}?{query}: {}", reply.text);
            assert_eq!(reply.json()["field"], json!(field), "{uri}?{query}: {}", reply.text);
        }
        // The route's own parameters are still checked, and named, beside the two times.
        let reply = fixture.get(&known_at(&uri, "2016-12-12T08:00:00Z&page=2")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}: {}", reply.text);
        assert_eq!(reply.json()["field"], json!("page"), "{uri}: {}", reply.text);
    }
}
