//! Reading the projection, as of any instant: lists and details, GeoJSON layers, corridor
//! and agreement statuses through a day in East Aleppo.

use expect_test::{expect, Expect};
use serde_json::{json, Value};

use super::{corridor, east_aleppo_ring, id, Fixture, World, EAST_ALEPPO, OPP, OPP_FORCE, RU, SAA};

/// Gets a read URL: the JSON body when it succeeds, the problem (for a snapshot) when not.
async fn check(fixture: &Fixture, uri: &str) -> Result<Value, String> {
    let reply = fixture.get(uri).await;
    if reply.status.is_success() {
        return Ok(reply.json());
    }
    Err(reply.problem())
}

async fn check_refused(fixture: &Fixture, uri: &str, expect: Expect) {
    match check(fixture, uri).await {
        Ok(body) => panic!("{uri} succeeded: {body}"),
        Err(problem) => expect.assert_eq(&problem),
    }
}

async fn read(fixture: &Fixture, uri: &str) -> Value {
    check(fixture, uri).await.unwrap_or_else(|problem| panic!("{uri}: {problem}"))
}

const EVACUATION: u32 = 400;
const TRUCE: u32 = 401;
const EA_1: u32 = 500;
const NO_ATTACK: u32 = 600;
const CONSENT: u32 = 700;

/// A day of coordination, each step at its own time:
///
/// - 08:10 RU proposes the evacuation: corridor EA-1, a truce from 09:00, RU's no_attack.
/// - 08:20 RU endorses it; 08:30 OPP endorses it: agreed, in force from 09:00.
/// - 08:40 OPP proposes an immediate truce; 08:50 RU rejects it as not acceptable.
/// - 09:00 RU proposes a second version; 09:10 OPP and 09:20 RU endorse it.
/// - 09:30 OPP withdraws its endorsement.
/// - 09:40 the operator redraws East Aleppo, smaller, effective 09:45.
/// - 09:50 OPP records its force's consent to use EA-1.
async fn day_in_aleppo() -> World {
    let world = World::new().await;
    let fixture = &world.fixture;
    let step = |at: &str| fixture.clock.set(&format!("2016-12-12T{at}:00Z"));

    step("08:10");
    let mut terms = super::terms(EA_1, "EA-1", NO_ATTACK);
    terms["truce"] = json!({"zone_id": id(EAST_ALEPPO), "start": {"kind": "at", "at": "2016-12-12T09:00:00Z"}});
    fixture
        .accept(
            &world.ru,
            json!({"type": "propose_agreement", "agreement_id": id(EVACUATION), "title": "Evacuation of East Aleppo", "terms": terms}),
        )
        .await;
    step("08:20");
    fixture.accept(&world.ru, json!({"type": "endorse", "agreement_id": id(EVACUATION), "version": 1})).await;
    step("08:30");
    fixture.accept(&world.opp, json!({"type": "endorse", "agreement_id": id(EVACUATION), "version": 1})).await;

    let truce_terms = json!({
        "signatories": [id(RU), id(OPP)],
        "truce": {"zone_id": id(EAST_ALEPPO), "start": {"kind": "immediately"}},
    });
    step("08:40");
    fixture
        .accept(
            &world.opp,
            json!({"type": "propose_agreement", "agreement_id": id(TRUCE), "title": "Immediate truce", "terms": truce_terms}),
        )
        .await;
    step("08:50");
    fixture
        .accept(
            &world.ru,
            json!({"type": "reject", "agreement_id": id(TRUCE), "version": 1, "reason": "not acceptable"}),
        )
        .await;
    step("09:00");
    fixture
        .accept(
            &world.ru,
            json!({"type": "propose_version", "agreement_id": id(TRUCE), "supersedes": 1, "terms": truce_terms,
                   "note": "after the evacuation"}),
        )
        .await;
    step("09:10");
    fixture.accept(&world.opp, json!({"type": "endorse", "agreement_id": id(TRUCE), "version": 2})).await;
    step("09:20");
    fixture.accept(&world.ru, json!({"type": "endorse", "agreement_id": id(TRUCE), "version": 2})).await;
    step("09:30");
    fixture
        .accept(
            &world.opp,
            json!({"type": "withdraw", "agreement_id": id(TRUCE), "version": 2,
                   "reason": "a truce must start immediately, without prior coordination"}),
        )
        .await;
    step("09:40");
    fixture
        .accept(
            &fixture.operator,
            json!({"type": "redraw_zone", "zone_id": id(EAST_ALEPPO), "effective_at": "2016-12-12T09:45:00Z",
                   "boundary": {"type": "Polygon", "coordinates": [[[37.17, 36.19], [37.20, 36.19], [37.20, 36.22], [37.17, 36.22], [37.17, 36.19]]]}}),
        )
        .await;
    step("09:50");
    fixture
        .accept(
            &world.opp,
            json!({"type": "record_consent", "consent_id": id(CONSENT), "force_id": id(OPP_FORCE), "corridor_id": id(EA_1)}),
        )
        .await;
    step("18:00");
    world
}

fn at(time: &str) -> String {
    format!("2016-12-12T{time}:00Z")
}

/// Each corridor's status and open groups, one line per corridor.
fn corridor_lines(page: &Value) -> String {
    let items = page["items"].as_array().expect("items");
    let lines: Vec<String> = items
        .iter()
        .map(|c| format!("{} v{} {} {}", c["code"].as_str().unwrap_or("?"), c["version"], c["status"], c["open_for"]))
        .collect();
    if lines.is_empty() {
        return "none".to_owned();
    }
    lines.join("\n")
}

#[tokio::test]
async fn a_corridor_is_proposed_then_agreed_then_open_only_inside_its_windows() {
    let world = day_in_aleppo().await;
    let fixture = &world.fixture;
    let mut lines = Vec::new();
    for time in ["08:05", "08:15", "08:45", "09:30", "10:30", "12:00", "13:00", "15:00", "17:00"] {
        let page = read(fixture, &format!("/api/v1/corridors?at={}", at(time))).await;
        lines.push(format!("{time} {}", corridor_lines(&page)));
    }
    expect![[r#"
        08:05 none
        08:15 EA-1 v1 "proposed" []
        08:45 EA-1 v1 "agreed" []
        09:30 EA-1 v1 "closed" []
        10:30 EA-1 v1 "open" ["civilians","wounded"]
        12:00 EA-1 v1 "closed" []
        13:00 EA-1 v1 "closed" []
        15:00 EA-1 v1 "open" ["fighters"]
        17:00 EA-1 v1 "closed" []"#]]
    .assert_eq(&lines.join("\n"));

    let by_code = read(fixture, &format!("/api/v1/corridors/EA-1?at={}", at("10:30"))).await;
    let by_id = read(fixture, &format!("/api/v1/corridors/{}?at={}", id(EA_1), at("10:30"))).await;
    assert_eq!(by_code, by_id);
    assert_eq!(by_code["status"], json!("open"));
    assert_eq!(by_code["agreement_id"], json!(id(EVACUATION)));
    assert_eq!(by_code["route"], corridor(EA_1, "EA-1")["route"]);
    check_refused(
        fixture,
        &format!("/api/v1/corridors/EA-1?at={}", at("08:05")),
        expect![[r#"
            404
            {
              "detail": "corridor EA-1 does not exist",
              "instance": "/api/v1/corridors/EA-1",
              "status": 404,
              "title": "Not found",
              "type": "/problems/not-found"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn corridors_geojson_is_a_feature_collection_of_lon_lat_line_strings() {
    let world = day_in_aleppo().await;
    let fixture = &world.fixture;
    let reply = fixture.get(&format!("/api/v1/corridors.geojson?at={}", at("10:30"))).await;
    assert_eq!(reply.content_type, "application/geo+json");
    let collection = reply.json();
    assert_eq!(collection["type"], json!("FeatureCollection"));
    let feature = &collection["features"][0];
    assert_eq!(feature["type"], json!("Feature"));
    assert_eq!(feature["id"], json!(format!("{}/0", id(EA_1))));
    assert_eq!(feature["geometry"], json!({"type": "LineString", "coordinates": [[37.17, 36.20], [37.14, 36.21]]}));
    assert_eq!(feature["properties"]["status"], json!("open"));
    assert!(feature["properties"].get("route").is_none(), "the route is the geometry, not a property");
    // Flat for a GIS: one feature per window, its start and end plain fields, names by ids.
    let properties = feature["properties"].as_object().expect("properties");
    assert!(properties.values().all(|value| !value.is_object() && !value.is_array()), "{properties:?}");
    assert!(properties["start"].is_string() && properties["end"].is_string());
    assert!(properties["origin_zone_name"].is_string());
    assert!(properties["agreement_title"].is_string());

    // As areas: the route buffered by its half-width, a counter-clockwise polygon.
    let areas = fixture.get(&format!("/api/v1/corridors.geojson?at={}&as=area", at("10:30"))).await.json();
    let area = &areas["features"][0];
    assert_eq!(area["geometry"]["type"], json!("Polygon"));
    assert_eq!(area["properties"], feature["properties"]);
    let ring: Vec<(f64, f64)> = area["geometry"]["coordinates"][0]
        .as_array()
        .expect("a ring")
        .iter()
        .map(|p| (p[0].as_f64().expect("lon"), p[1].as_f64().expect("lat")))
        .collect();
    let twice_area: f64 = ring.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum();
    assert!(twice_area > 0.0, "counter-clockwise");
    assert!(
        ring.iter().any(|p| p.0 > 37.17) && ring.iter().any(|p| p.0 < 37.14),
        "the area goes beyond the route's ends"
    );
    let bad = fixture.get("/api/v1/corridors.geojson?as=circle").await;
    assert_eq!(bad.status, axum::http::StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn zones_are_listed_and_drawn_as_of_the_instant_asked_about() {
    let world = day_in_aleppo().await;
    let fixture = &world.fixture;
    let before = read(fixture, &format!("/api/v1/zones/EA?at={}", at("09:44"))).await;
    let after = read(fixture, &format!("/api/v1/zones/EA?at={}", at("09:46"))).await;
    assert_eq!(before["boundary"]["coordinates"][0], east_aleppo_ring());
    assert_eq!(after["boundary"]["coordinates"][0][0], json!([37.17, 36.19]));
    // By valid time: the redraw, recorded at 09:40, takes effect at 09:45.
    assert_eq!(before["boundaries_count"], json!(1), "not yet in effect at 09:44");
    assert_eq!(before["boundary_history"].as_array().map(Vec::len), Some(1));
    assert_eq!(after["boundaries_count"], json!(2));
    // By record time: as known at 09:39, the redraw did not exist even for 09:46.
    let unknown = read(fixture, &format!("/api/v1/zones/EA?at={}&known_at={}", at("09:46"), at("09:39"))).await;
    assert_eq!(unknown["boundary"]["coordinates"][0], east_aleppo_ring(), "the redraw was not recorded yet");

    let page = read(fixture, "/api/v1/zones").await;
    let codes: Vec<&str> = page["items"].as_array().expect("items").iter().filter_map(|z| z["code"].as_str()).collect();
    assert_eq!(codes, ["EA", "WA"]);
    assert_eq!(page["next_cursor"], Value::Null);

    let reply = fixture.get(&format!("/api/v1/zones.geojson?at={}", at("09:44"))).await;
    assert_eq!(reply.content_type, "application/geo+json");
    let collection = reply.json();
    assert_eq!(collection["type"], json!("FeatureCollection"));
    let feature = &collection["features"][0];
    assert_eq!(feature["geometry"]["type"], json!("Polygon"));
    // RFC 7946: longitude first. Aleppo is at about 37.2 E, 36.2 N.
    assert_eq!(feature["geometry"]["coordinates"][0], east_aleppo_ring());
    assert_eq!(feature["properties"]["code"], json!("EA"));
    assert!(feature["properties"].get("boundary").is_none(), "the boundary is the geometry, not a property");
}

/// One agreement thread, a line per version and per stance.
fn agreement_lines(agreement: &Value) -> String {
    let mut lines =
        vec![format!("{} status={}", agreement["title"].as_str().unwrap_or("?"), agreement["status"]["status"])];
    for version in agreement["versions"].as_array().expect("versions") {
        lines.push(format!("  v{} {} agreed_since={}", version["version"], version["status"], version["agreed_since"]));
        for stance in version["stances"].as_array().expect("stances") {
            let party = if stance["party_id"] == json!(id(RU)) { "RU" } else { "OPP" };
            lines.push(format!("    {party} {} at {} reason={}", stance["stance"], stance["at"], stance["reason"]));
        }
    }
    lines.join("\n")
}

#[tokio::test]
async fn an_agreement_thread_shows_its_versions_and_stances_as_of_each_instant() {
    let world = day_in_aleppo().await;
    let fixture = &world.fixture;
    let mut views = Vec::new();
    for time in ["08:45", "08:55", "09:25", "09:35"] {
        let agreement = read(fixture, &format!("/api/v1/agreements/{}?at={}", id(TRUCE), at(time))).await;
        views.push(format!("{time} {}", agreement_lines(&agreement)));
    }
    expect![[r#"
        08:45 Immediate truce status="proposed"
          v1 "proposed" agreed_since=null
        08:55 Immediate truce status="rejected"
          v1 "rejected" agreed_since=null
            RU "rejected" at "2016-12-12T08:50:00Z" reason="not acceptable"
        09:25 Immediate truce status="in_force"
          v1 "superseded" agreed_since=null
            RU "rejected" at "2016-12-12T08:50:00Z" reason="not acceptable"
          v2 "in_force" agreed_since="2016-12-12T09:20:00Z"
            OPP "endorsed" at "2016-12-12T09:10:00Z" reason=null
            RU "endorsed" at "2016-12-12T09:20:00Z" reason=null
        09:35 Immediate truce status="proposed"
          v1 "superseded" agreed_since=null
            RU "rejected" at "2016-12-12T08:50:00Z" reason="not acceptable"
          v2 "proposed" agreed_since=null
            OPP "endorsed" at "2016-12-12T09:10:00Z" reason=null
            RU "endorsed" at "2016-12-12T09:20:00Z" reason=null
            OPP "withdrawn" at "2016-12-12T09:30:00Z" reason="a truce must start immediately, without prior coordination""#]]
    .assert_eq(&views.join("\n"));

    let page = read(fixture, &format!("/api/v1/agreements?at={}", at("08:35"))).await;
    let titles: Vec<&str> =
        page["items"].as_array().expect("items").iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(titles, ["Evacuation of East Aleppo"], "the truce was proposed at 08:40");
    check_refused(
        fixture,
        &format!("/api/v1/agreements/{}?at={}", id(TRUCE), at("08:35")),
        expect![[r#"
            404
            {
              "detail": "agreement 01900000-0000-7000-8000-000000000191 does not exist",
              "instance": "/api/v1/agreements/01900000-0000-7000-8000-000000000191",
              "status": 404,
              "title": "Not found",
              "type": "/problems/not-found"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_commitment_is_pending_until_its_agreement_is_in_force_then_active() {
    let world = day_in_aleppo().await;
    let fixture = &world.fixture;
    let mut lines = Vec::new();
    for time in ["08:05", "08:45", "09:05"] {
        let page = read(fixture, &format!("/api/v1/commitments?at={}", at(time))).await;
        let items: Vec<String> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| format!("{} {} {}", c["kind"], c["scope_kind"], c["status"]))
            .collect();
        lines.push(format!("{time} {}", items.join(", ")));
    }
    expect![[r#"
        08:05 
        08:45 "no_attack" "corridor" "pending"
        09:05 "no_attack" "corridor" "active""#]]
    .assert_eq(&lines.join("\n"));
}

#[tokio::test]
async fn parties_forces_accounts_and_consents_are_listed_in_pages() {
    let world = day_in_aleppo().await;
    let fixture = &world.fixture;
    let first = read(fixture, "/api/v1/parties?limit=2").await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = read(fixture, &format!("/api/v1/parties?limit=2&cursor={cursor}")).await;
    let codes: Vec<&str> = first["items"]
        .as_array()
        .into_iter()
        .chain(second["items"].as_array())
        .flatten()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert_eq!(codes, ["RU", "OPP", "UN"]);
    assert_eq!(second["next_cursor"], Value::Null);

    let ru = read(fixture, "/api/v1/parties/RU").await;
    assert_eq!(ru["party_id"], json!(id(RU)));
    assert_eq!(ru["answers_for"], json!([{"force_id": id(SAA), "code": "SAA", "name": "Force SAA"}]));

    let forces = read(fixture, "/api/v1/forces").await;
    assert_eq!(forces["items"].as_array().map(Vec::len), Some(2));
    let accounts = fixture.get_as(&id(1), "/api/v1/accounts").await.json();
    assert_eq!(accounts["items"].as_array().map(Vec::len), Some(4), "the operator and three coordinators");

    let consents_before = read(fixture, &format!("/api/v1/consents?at={}", at("09:45"))).await;
    assert_eq!(consents_before["items"], json!([]));
    let consents = read(fixture, "/api/v1/consents").await;
    assert_eq!(consents["items"][0]["force_id"], json!(id(OPP_FORCE)));
    assert_eq!(consents["items"][0]["recorded_at"], json!(at("09:50")));

    let status = read(fixture, "/api/v1/status").await;
    assert_eq!(status["now"], json!(at("18:00")));
    assert_eq!(status["parties_count"], json!(3));
    assert_eq!(status["tree_size"], status["entries_count"]);
}

#[tokio::test]
async fn a_bad_at_is_400_naming_at() {
    let fixture = Fixture::new().await;
    check_refused(
        &fixture,
        "/api/v1/corridors?at=yesterday",
        expect![[r#"
            400
            {
              "detail": "\"yesterday\" is not an RFC 3339 UTC timestamp",
              "field": "at",
              "instance": "/api/v1/corridors",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    for uri in [
        "/api/v1/zones.geojson?at=2016-13-45T00:00:00Z",
        "/api/v1/agreements?at=2016-12-12",
        "/api/v1/parties?at=",
        "/api/v1/zones/EA?at=12:00",
    ] {
        let problem = check(&fixture, uri).await.expect_err(uri);
        assert!(problem.contains("\"field\": \"at\""), "{uri}: {problem}");
    }
}

#[tokio::test]
async fn a_limit_out_of_bounds_is_400_naming_limit() {
    let fixture = Fixture::new().await;
    check_refused(
        &fixture,
        "/api/v1/parties?limit=0",
        expect![[r#"
            400
            {
              "detail": "limit must be between 1 and 1000",
              "field": "limit",
              "instance": "/api/v1/parties",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    for uri in [
        "/api/v1/corridors?limit=100000",
        "/api/v1/agreements?limit=-1",
        "/api/v1/consents?limit=ten",
        "/api/v1/parties?limit=1&limit=2",
    ] {
        let problem = check(&fixture, uri).await.expect_err(uri);
        assert!(problem.contains("\"field\": \"limit\""), "{uri}: {problem}");
    }
}

#[tokio::test]
async fn an_unknown_query_parameter_is_400_naming_it() {
    let fixture = Fixture::new().await;
    check_refused(
        &fixture,
        "/api/v1/zones?page=2",
        expect![[r#"
            400
            {
              "detail": "the query string is not valid at `page`: unknown field `page`, there are no fields; this route also takes `cursor`, `limit`, and every read `at` and `known_at`",
              "field": "page",
              "instance": "/api/v1/zones",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn an_unknown_id_or_code_is_404() {
    let world = World::new().await;
    let fixture = &world.fixture;
    check_refused(
        fixture,
        "/api/v1/zones/NOWHERE",
        expect![[r#"
            404
            {
              "detail": "zone NOWHERE does not exist",
              "instance": "/api/v1/zones/NOWHERE",
              "status": 404,
              "title": "Not found",
              "type": "/problems/not-found"
            }"#]],
    )
    .await;
    for uri in ["/api/v1/parties/XX", "/api/v1/corridors/XX", "/api/v1/agreements/XX"] {
        let problem = check(fixture, uri).await.expect_err(uri);
        assert!(problem.starts_with("404"), "{uri}: {problem}");
    }
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let fixture = Fixture::new().await;
    check_refused(
        &fixture,
        "/api/v1/sightings",
        expect![[r#"
            404
            {
              "detail": "there is no route /api/v1/sightings",
              "instance": "/api/v1/sightings",
              "status": 404,
              "title": "No such route",
              "type": "/problems/no-such-route"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn names_in_other_languages_are_in_the_views_beside_the_name_and_flat_in_the_layers() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let sukkari = json!([[37.165, 36.195], [37.175, 36.195], [37.175, 36.205], [37.165, 36.205], [37.165, 36.195]]);
    let names = json!({"ar": "حي السكري", "ru": "аль-Суккари"});
    // A bad tag is refused naming it, and a name too long naming its tag.
    for (bad, field) in [
        (json!({"AR": "حي السكري"}), "command.body.names.AR"),
        (json!({"ar": "ح".repeat(truce_core::NAME_LEN_MAX + 1)}), "command.body.names.ar"),
    ] {
        let reply = fixture
            .submit(
                &fixture.operator,
                json!({"type": "define_zone", "zone_id": id(EAST_ALEPPO + 60), "code": "SUK", "name": "al-Sukkari",
                       "names": bad, "kind": "neighbourhood", "boundary": {"type": "Polygon", "coordinates": [sukkari]}}),
            )
            .await;
        assert_eq!(reply.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
        assert_eq!(reply.json()["field"], json!(field), "{}", reply.text);
        assert_eq!(reply.json()["type"], json!("/problems/invalid-input"));
    }
    fixture
        .accept(
            &fixture.operator,
            json!({"type": "define_zone", "zone_id": id(EAST_ALEPPO + 60), "code": "SUK", "name": "al-Sukkari",
                   "names": names, "kind": "neighbourhood", "boundary": {"type": "Polygon", "coordinates": [sukkari]},
                   "effective_at": "2016-12-12T00:00:00Z"}),
        )
        .await;
    let at = "at=2016-12-12T12:00:00Z";
    assert_eq!(read(fixture, &format!("/api/v1/zones/SUK?{at}")).await["names"], names);
    // A record without names has `{}`.
    assert_eq!(read(fixture, &format!("/api/v1/zones/EA?{at}")).await["names"], json!({}));
    assert_eq!(read(fixture, "/api/v1/parties/RU").await["names"], json!({}));
    let layer = read(fixture, &format!("/api/v1/zones.geojson?{at}")).await;
    let feature = layer["features"]
        .as_array()
        .and_then(|features| features.iter().find(|f| f["id"] == json!(id(EAST_ALEPPO + 60))))
        .unwrap_or_else(|| panic!("al-Sukkari in {layer}"));
    assert_eq!(feature["properties"]["name"], json!("al-Sukkari"));
    assert_eq!(feature["properties"].get("names"), None, "a layer's properties are flat");
    assert_eq!(feature["properties"]["name_ar"], json!("حي السكري"));
    assert_eq!(feature["properties"]["name_ru"], json!("аль-Суккари"));

    // A corridor's names come with the version that defines it.
    let mut terms = super::terms(EVACUATION + 90, "EA-9", EVACUATION + 91);
    terms["corridors"][0]["names"] = json!({"ru": "Коридор Рамуса"});
    fixture
        .accept(
            &world.ru,
            json!({"type": "propose_agreement", "agreement_id": id(EVACUATION + 92), "title": "Names", "terms": terms}),
        )
        .await;
    let corridor = read(fixture, &format!("/api/v1/corridors/EA-9?{at}")).await;
    assert_eq!(corridor["names"], json!({"ru": "Коридор Рамуса"}), "{corridor}");
    let layer = read(fixture, &format!("/api/v1/corridors.geojson?{at}")).await;
    let properties = &layer["features"][0]["properties"];
    assert_eq!(properties["name_ru"], json!("Коридор Рамуса"), "{layer}");
    // The corridors layer's rows are the export's too: both columns always, empty when not given.
    assert_eq!(properties["name_ar"], json!(null), "{layer}");
}
