//! Commands the domain refuses, each named at the field at fault: versions, windows, routes,
//! positions, unknown records, duplicate codes, the time of issue, rings.

use super::*;

#[tokio::test]
async fn endorsing_a_superseded_version_is_409_naming_version() {
    let world = World::new().await;
    let fixture = &world.fixture;
    fixture.accept(&world.ru, propose(400, 500, "EA-1", 600)).await;
    fixture
        .accept(
            &world.opp,
            json!({"type": "propose_version", "agreement_id": id(400), "supersedes": 1, "terms": terms(500, "EA-1", 600)}),
        )
        .await;
    check(
        fixture,
        signed_request(fixture, &world.ru, json!({"type": "endorse", "agreement_id": id(400), "version": 1})),
        expect![[r#"
            409
            {
              "detail": "version 1 is superseded by version 2",
              "field": "version",
              "instance": "/api/v1/commands",
              "status": 409,
              "title": "Version superseded",
              "type": "/problems/version-superseded"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_non_signatory_endorsing_is_422_naming_version() {
    let world = World::new().await;
    let fixture = &world.fixture;
    fixture.accept(&world.ru, propose(400, 500, "EA-1", 600)).await;
    check(
        fixture,
        signed_request(fixture, &world.un, json!({"type": "endorse", "agreement_id": id(400), "version": 1})),
        expect![[r#"
            422
            {
              "detail": "party UN (01900000-0000-7000-8000-000000000066) is not a required signatory of version 1",
              "field": "version",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Not a signatory",
              "type": "/problems/not-a-signatory"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn withdrawing_an_endorsement_never_made_is_422_naming_version() {
    let world = World::new().await;
    let fixture = &world.fixture;
    fixture.accept(&world.ru, propose(400, 500, "EA-1", 600)).await;
    check(
        fixture,
        signed_request(
            fixture,
            &world.opp,
            json!({"type": "withdraw", "agreement_id": id(400), "version": 1, "reason": "changed our mind"}),
        ),
        expect![[r#"
            422
            {
              "detail": "party OPP (01900000-0000-7000-8000-000000000065) has no endorsement of version 1 to withdraw at 2016-12-12T08:00:00Z",
              "field": "version",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "No endorsement",
              "type": "/problems/no-endorsement"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_window_that_does_not_end_after_it_starts_is_422_naming_the_window() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut body = propose(400, 500, "EA-1", 600);
    body["terms"]["corridors"][0]["windows"][1]["end"] = json!("2016-12-12T14:00:00Z");
    check(
        fixture,
        signed_request(fixture, &world.ru, body),
        expect![[r#"
            422
            {
              "detail": "the command is not valid at `command.body.terms.corridors[0].windows[1]`: window ends at 2016-12-12T14:00:00Z which is not after its start 2016-12-12T14:00:00Z",
              "field": "command.body.terms.corridors[0].windows[1]",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Window not after start",
              "type": "/problems/window-not-after-start"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_corridor_of_zero_length_is_422_naming_the_route() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut body = propose(400, 500, "EA-1", 600);
    body["terms"]["corridors"][0]["route"]["coordinates"] = json!([[37.17, 36.20], [37.17, 36.20]]);
    check(
        fixture,
        signed_request(fixture, &world.ru, body),
        expect![[r#"
            422
            {
              "detail": "the command is not valid at `command.body.terms.corridors[0].route`: the route has zero length",
              "field": "command.body.terms.corridors[0].route",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Zero length route",
              "type": "/problems/zero-length-route"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_longitude_out_of_range_is_422_naming_the_position() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut body = propose(400, 500, "EA-1", 600);
    body["terms"]["corridors"][0]["route"]["coordinates"][1] = json!([200.0, 36.21]);
    check(
        fixture,
        signed_request(fixture, &world.ru, body),
        expect![[r#"
            422
            {
              "detail": "the command is not valid at `command.body.terms.corridors[0].route`: coordinate is not a finite longitude/latitude pair in range: [200, 36.21]",
              "field": "command.body.terms.corridors[0].route",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Invalid input",
              "type": "/problems/invalid-input"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn an_unknown_zone_is_422_naming_zone_id() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut body = propose(400, 500, "EA-1", 600);
    body["terms"]["corridors"][0]["origin_zone_id"] = json!(id(399));
    check(
        fixture,
        signed_request(fixture, &world.ru, body),
        expect![[r#"
            422
            {
              "detail": "zone 01900000-0000-7000-8000-00000000018f does not exist",
              "field": "zone_id",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Unknown reference",
              "type": "/problems/unknown-reference"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn endorsing_an_unknown_agreement_is_422_naming_agreement_id() {
    let world = World::new().await;
    let fixture = &world.fixture;
    check(
        fixture,
        signed_request(fixture, &world.ru, json!({"type": "endorse", "agreement_id": id(499), "version": 1})),
        expect![[r#"
            422
            {
              "detail": "agreement 01900000-0000-7000-8000-0000000001f3 does not exist",
              "field": "agreement_id",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Unknown reference",
              "type": "/problems/unknown-reference"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_duplicate_code_is_409_naming_code() {
    let world = World::new().await;
    let fixture = &world.fixture;
    check(
        fixture,
        signed_request(
            fixture,
            &fixture.operator,
            json!({"type": "define_zone", "zone_id": id(399), "code": "EA", "name": "Another East Aleppo",
                   "kind": "city", "boundary": {"type": "Polygon", "coordinates": [super::super::east_aleppo_ring()]}}),
        ),
        expect![[r#"
            409
            {
              "detail": "zone code \"EA\" is already used by 01900000-0000-7000-8000-00000000012c",
              "field": "code",
              "instance": "/api/v1/commands",
              "status": 409,
              "title": "Duplicate",
              "type": "/problems/duplicate"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn an_issued_at_far_from_the_server_clock_is_422_naming_it() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut command = fixture.command(&world.ru, propose(400, 500, "EA-1", 600));
    command["issued_at"] = json!("2016-12-11T08:00:00Z");
    check(
        fixture,
        post(fixture.sign(&world.ru, command).to_string()),
        expect![[r#"
            422
            {
              "detail": "issued_at 2016-12-11T08:00:00Z is more than 600 s from the server time 2016-12-12T08:00:00Z",
              "field": "issued_at",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Issued at skew",
              "type": "/problems/issued-at-skew"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_zone_with_an_open_ring_is_422_naming_the_ring() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let reply = fixture
        .submit(
            &fixture.operator,
            json!({"type": "define_zone", "zone_id": id(EAST_ALEPPO + 50), "code": "OPEN", "name": "Open ring",
                   "kind": "city", "boundary": {"type": "Polygon", "coordinates": [[[37.0, 36.0], [37.1, 36.0], [37.1, 36.1], [37.0, 36.1]]]}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert_eq!(reply.json()["field"], json!("command.body.boundary.coordinates[0]"));
}
