//! The body as text: numbers JSON cannot hold, repeated keys, another content type, unknown
//! fields, wrong types, unknown command types, a signer that is not a key, the size limit.

use super::*;

#[tokio::test]
async fn a_coordinate_too_large_for_a_json_number_is_400_naming_it() {
    // JSON has no NaN or infinity; 1e999 is as close as a client can get, and it must
    // not reach the domain as an infinite longitude.
    let world = World::new().await;
    let fixture = &world.fixture;
    let body = propose(400, 500, "EA-1", 600);
    let signed = fixture.sign(&world.ru, fixture.command(&world.ru, body)).to_string();
    let text = signed.replacen("37.14", "1e999", 1);
    assert_ne!(text, signed);
    check(
        fixture,
        post(text),
        expect![[r#"
            400
            {
              "detail": "the body is not valid at `command.body.terms.corridors[0].route.coordinates[1][0]`: number out of range at line 1 column 799",
              "field": "command.body.terms.corridors[0].route.coordinates[1][0]",
              "instance": "/api/v1/commands",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_key_repeated_deep_in_a_signed_command_is_422_naming_it_and_never_read() {
    let world = World::new().await;
    let fixture = &world.fixture;
    // Signed over the reading that keeps the last `code`, as serde does; a reader that keeps
    // the first would see another corridor in the same signed bytes.
    let signed = fixture.sign(&world.ru, fixture.command(&world.ru, propose(400, 500, "EA-9", 600))).to_string();
    let text = signed.replacen(r#""code":"EA-9""#, r#""code":"EA-1","code":"EA-9""#, 1);
    assert_ne!(text, signed);
    check(
        fixture,
        post(text),
        expect![[r#"
            422
            {
              "detail": "the command is not valid at `command.body.terms.corridors[0].code`: the key `code` appears twice in one object; a signed command has each key once",
              "field": "command.body.terms.corridors[0].code",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Invalid input",
              "type": "/problems/invalid-input"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn an_integer_no_json_number_holds_exactly_is_422_naming_it_and_never_read() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let signed = fixture.sign(&world.ru, fixture.command(&world.ru, propose(400, 500, "EA-1", 600))).to_string();
    // 2^53 + 1, which a double reads as 2^53; checked before the signature (which no longer
    // verifies, and could not be made: the canonical form refuses it too).
    let text = signed.replacen(r#""half_width_m":150.0"#, r#""half_width_m":9007199254740993"#, 1);
    assert_ne!(text, signed);
    check(
        fixture,
        post(text),
        expect![[r#"
            422
            {
              "detail": "the command is not valid at `command.body.terms.corridors[0].half_width_m`: the integer 9007199254740993 is beyond ±9007199254740991, what a JSON number holds exactly (RFC 7493)",
              "field": "command.body.terms.corridors[0].half_width_m",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Invalid input",
              "type": "/problems/invalid-input"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_400() {
    let fixture = Fixture::new().await;
    check(
        &fixture,
        post("{\"command\": "),
        expect![[r#"
            400
            {
              "detail": "the body is not valid at `command`: EOF while parsing a value at line 1 column 12",
              "field": "command",
              "instance": "/api/v1/commands",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_body_sent_as_another_content_type_is_400() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let signed = fixture.sign(&world.ru, fixture.command(&world.ru, propose(400, 500, "EA-1", 600)));
    let request = Request::post("/api/v1/commands")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(signed.to_string()))
        .expect("a valid request");
    check(
        fixture,
        request,
        expect![[r#"
            400
            {
              "detail": "the body must be JSON, with Content-Type: application/json",
              "instance": "/api/v1/commands",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn an_unknown_field_beside_the_command_is_400_naming_it() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut signed = fixture.sign(&world.ru, fixture.command(&world.ru, propose(400, 500, "EA-1", 600)));
    signed["priority"] = json!("urgent");
    check(
        fixture,
        post(signed.to_string()),
        expect![[r#"
            400
            {
              "detail": "the body is not valid at `priority`: unknown field `priority`, expected one of `command`, `signer`, `signature` at line 1 column 1304",
              "field": "priority",
              "instance": "/api/v1/commands",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn an_unknown_field_inside_the_signed_command_is_422_naming_it() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut body = propose(400, 500, "EA-1", 600);
    body["terms"]["corridors"][0]["speed_limit_kmh"] = json!(30);
    check(
        fixture,
        signed_request(fixture, &world.ru, body),
        expect![[r#"
            422
            {
              "detail": "the command is not valid at `command.body.terms.corridors[0].speed_limit_kmh`: unknown field `speed_limit_kmh`, expected one of `corridor_id`, `code`, `name`, `names`, `route`, `half_width_m`, `origin_zone_id`, `destination`, `groups`, `windows`, `illustrative`",
              "field": "command.body.terms.corridors[0].speed_limit_kmh",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Invalid input",
              "type": "/problems/invalid-input"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_wrong_type_deep_in_the_terms_is_422_naming_its_full_path() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut body = propose(400, 500, "EA-1", 600);
    body["terms"]["corridors"][0]["windows"][0]["end"] = json!(5);
    check(
        fixture,
        signed_request(fixture, &world.ru, body),
        expect![[r#"
            422
            {
              "detail": "the command is not valid at `command.body.terms.corridors[0].windows[0].end`: invalid type: integer `5`, expected a string",
              "field": "command.body.terms.corridors[0].windows[0].end",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Invalid input",
              "type": "/problems/invalid-input"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn every_bad_field_of_a_body_is_named_by_its_full_path_wherever_it_is() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let boundary = json!({"type": "Polygon", "coordinates": [super::super::east_aleppo_ring()]});
    let zone = json!({"type": "define_zone", "zone_id": id(399), "code": "EA2", "name": "Another", "kind": "city",
                      "boundary": boundary});
    let endorse = json!({"type": "endorse", "agreement_id": id(400), "version": 1});
    let mut cases: Vec<(&Signer, Value, &str)> = Vec::new();
    let mut body = propose(400, 500, "EA-1", 600);
    body["terms"]["commitments"][0]["force_ids"][0] = json!({"id": 1});
    cases.push((&world.ru, body, "command.body.terms.commitments[0].force_ids[0]"));
    let mut body = propose(400, 500, "EA-1", 600);
    body["terms"]["corridors"][0]["half_width_m"] = json!("wide");
    cases.push((&world.ru, body, "command.body.terms.corridors[0].half_width_m"));
    let mut body = propose(400, 500, "EA-1", 600);
    body["terms"]["corridors"][0]["destination"]["zone_id"] = json!("not-a-uuid");
    cases.push((&world.ru, body, "command.body.terms.corridors[0].destination.zone_id"));
    let mut body = propose(400, 500, "EA-1", 600);
    body["title"] = json!([]);
    cases.push((&world.ru, body, "command.body.title"));
    let mut body = zone.clone();
    body["boundary"]["coordinates"][0][2] = json!(["37.1", 36.2]);
    cases.push((&fixture.operator, body, "command.body.boundary.coordinates[0][2][0]"));
    let mut body = endorse.clone();
    body["version"] = json!("one");
    cases.push((&world.ru, body, "command.body.version"));
    let mut body = endorse.clone();
    body["stance"] = json!("firm");
    cases.push((&world.ru, body, "command.body.stance"));
    let mut body = endorse.clone();
    body.as_object_mut().expect("an object").remove("type");
    cases.push((&world.ru, body, "command.body.type"));
    for (signer, body, field) in cases {
        let before = fixture.log_view().await;
        let reply = fixture.send(signed_request(fixture, signer, body.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.text);
        let problem = reply.json();
        assert_eq!(problem["type"], json!("/problems/invalid-input"), "{body}");
        assert_eq!(problem["field"], json!(field), "{body}");
        let detail = problem["detail"].as_str().expect("a detail");
        assert!(detail.starts_with(&format!("the command is not valid at `{field}`: ")), "{detail}");
        assert_eq!(fixture.log_view().await, before, "a refused command changed the log");
    }
}

#[tokio::test]
async fn an_unknown_command_type_is_422_listing_the_known_ones() {
    let world = World::new().await;
    let fixture = &world.fixture;
    check(
        fixture,
        signed_request(fixture, &world.ru, json!({"type": "surrender", "agreement_id": id(400), "version": 1})),
        expect![[r#"
            422
            {
              "detail": "the command is not valid at `command.body.type`: unknown variant `surrender`, expected one of `genesis`, `register_party`, `register_account`, `add_account_key`, `create_enrolment`, `enrol_key`, `revoke_key`, `set_encryption_key`, `register_force`, `define_zone`, `redraw_zone`, `record_zone_control`, `propose_agreement`, `propose_version`, `endorse`, `reject`, `withdraw`, `suspend`, `resume`, `declare_broken`, `declare_completed`, `record_consent`, `report_fulfilled`, `report_incident`, `add_source`, `correct_incident`, `grade_incident`, `mark_duplicate`, `dismiss_violation`, `make_statement`, `record_reading`, `record_observation`, `estimate_population`, `record_passage`, `report_total`, `schedule_convoy`, `update_convoy`, `notify_humanitarian`, `withdraw_notification`, `acknowledge_notification`, `acknowledge_alert`, `mark_time`, `retract`",
              "field": "command.body.type",
              "instance": "/api/v1/commands",
              "status": 422,
              "title": "Invalid input",
              "type": "/problems/invalid-input"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_signer_that_is_not_a_key_is_400_naming_signer() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut signed = fixture.sign(&world.ru, fixture.command(&world.ru, propose(400, 500, "EA-1", 600)));
    signed["signer"] = json!("not-a-key");
    let reply = fixture.submit_signed(&signed).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.json()["field"], json!("signer"));
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_413() {
    let fixture = Fixture::new().await;
    let padding = "x".repeat(crate::REQUEST_BODY_BYTES_MAX + 1);
    check(
        &fixture,
        post(format!("{{\"command\": \"{padding}\"}}")),
        expect![[r#"
            413
            {
              "detail": "the request body is larger than 1048576 bytes",
              "instance": "/api/v1/commands",
              "status": 413,
              "title": "Body too large",
              "type": "/problems/body-too-large"
            }"#]],
    )
    .await;
}
