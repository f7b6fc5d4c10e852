//! `POST /api/v1/commands`: what is accepted comes back with a proof that verifies; what is
//! refused is a problem naming the field at fault, and leaves the log exactly as it was.

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use expect_test::{expect, Expect};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use truce_ledger::{open_checkpoint, verify_inclusion, Hash, SecretKey, Verifier};

use super::{id, terms, Fixture, Signer, World, EAST_ALEPPO, OPP};

/// Sends `request`, which must be refused, checks that the log (its entries and its
/// checkpoint) did not change, and compares the problem with `expect`.
async fn check(fixture: &Fixture, request: Request<Body>, expect: Expect) {
    let before = fixture.log_view().await;
    let reply = fixture.send(request).await;
    assert!(!reply.status.is_success(), "the request was accepted: {}", reply.text);
    let after = fixture.log_view().await;
    assert_eq!(before, after, "a refused request changed the log");
    expect.assert_eq(&reply.problem());
}

fn post(body: impl Into<Body>) -> Request<Body> {
    Request::post("/api/v1/commands")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .expect("a valid request")
}

fn signed_request(fixture: &Fixture, signer: &Signer, body: Value) -> Request<Body> {
    post(fixture.sign(signer, fixture.command(signer, body)).to_string())
}

fn hash_of_hex(text: &str) -> Hash {
    hex_decode(text).try_into().expect("a hash is 32 bytes")
}

fn hex_decode(text: &str) -> Vec<u8> {
    hex::decode(text).expect("hashes are hex")
}

fn propose(agreement: u32, corridor: u32, code: &str, commitment: u32) -> Value {
    json!({"type": "propose_agreement", "agreement_id": id(agreement), "title": "Evacuation of East Aleppo",
           "terms": terms(corridor, code, commitment)})
}

#[tokio::test]
async fn a_valid_command_is_201_with_an_inclusion_proof_and_a_checkpoint_that_verify() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let size_before = fixture.get("/api/v1/ledger/entries").await.json()["tree_size"].as_u64().expect("a size");

    let receipt = fixture.accept(&world.ru, propose(400, 500, "EA-1", 600)).await;

    assert_eq!(receipt["seq"], json!(size_before));
    assert_eq!(receipt["tree_size"], json!(size_before + 1));
    assert_eq!(receipt["accepted_at"], json!("2016-12-12T08:00:00Z"));
    let seq = receipt["seq"].as_u64().expect("a seq");
    let entries = fixture.get(&format!("/api/v1/ledger/entries?from={seq}")).await.json();
    let text = entries["entries"][0]["entry"].as_str().expect("the entry's text");
    let digest: [u8; 32] = Sha256::new().chain_update([0u8]).chain_update(text.as_bytes()).finalize().into();
    assert_eq!(receipt["leaf_hash"], json!(hex::encode(digest)));

    let leaf = hash_of_hex(receipt["leaf_hash"].as_str().expect("a hash"));
    let root = hash_of_hex(receipt["root_hash"].as_str().expect("a hash"));
    let proof: Vec<Hash> = receipt["inclusion_proof"]
        .as_array()
        .expect("a proof")
        .iter()
        .map(|h| hash_of_hex(h.as_str().expect("a hash")))
        .collect();
    let tree_size = receipt["tree_size"].as_u64().expect("a size");
    verify_inclusion(&leaf, seq, tree_size, &proof, &root).expect("the inclusion proof verifies");

    let verifier_text = fixture.get("/api/v1/ledger/key").await.text;
    let verifier = Verifier::parse(verifier_text.trim()).expect("the log key parses");
    assert_eq!(verifier.to_string(), fixture.log_key.verifier_key());
    let checkpoint = open_checkpoint(receipt["checkpoint"].as_str().expect("a note"), &verifier)
        .expect("the checkpoint opens with the log's verifier key");
    assert_eq!(checkpoint.size(), tree_size);
    assert_eq!(checkpoint.root(), &root);

    let events = serde_json::to_string_pretty(&receipt["events"]).expect("JSON prints");
    expect![[r#"
        [
          {
            "agreement_id": "01900000-0000-7000-8000-000000000190",
            "effective_at": "2016-12-12T08:00:00Z",
            "proposed_by": "01900000-0000-7000-8000-000000000064",
            "provenance": {
              "author": "01900000-0000-7000-8000-00000000006e",
              "provenance": "attested"
            },
            "title": "Evacuation of East Aleppo",
            "type": "agreement_proposed"
          },
          {
            "agreement_id": "01900000-0000-7000-8000-000000000190",
            "effective_at": "2016-12-12T08:00:00Z",
            "note": null,
            "proposed_by": "01900000-0000-7000-8000-000000000064",
            "provenance": {
              "author": "01900000-0000-7000-8000-00000000006e",
              "provenance": "attested"
            },
            "terms": {
              "commitments": [
                {
                  "commitment_id": "01900000-0000-7000-8000-000000000258",
                  "force_ids": [
                    "01900000-0000-7000-8000-0000000000c8"
                  ],
                  "kind": "no_attack",
                  "party_id": "01900000-0000-7000-8000-000000000064",
                  "scope": {
                    "corridor": "01900000-0000-7000-8000-0000000001f4"
                  },
                  "text": "Forces answered for will not attack the corridor."
                }
              ],
              "corridors": [
                {
                  "code": "EA-1",
                  "corridor_id": "01900000-0000-7000-8000-0000000001f4",
                  "destination": {
                    "name": "West Aleppo",
                    "zone_id": "01900000-0000-7000-8000-00000000012d"
                  },
                  "groups": [
                    "civilians",
                    "wounded",
                    "fighters"
                  ],
                  "half_width_m": 150.0,
                  "illustrative": false,
                  "name": "Corridor EA-1",
                  "origin_zone_id": "01900000-0000-7000-8000-00000000012c",
                  "route": {
                    "coordinates": [
                      [
                        37.17,
                        36.2
                      ],
                      [
                        37.14,
                        36.21
                      ]
                    ],
                    "type": "LineString"
                  },
                  "windows": [
                    {
                      "end": "2016-12-12T12:00:00Z",
                      "groups": [
                        "civilians",
                        "wounded"
                      ],
                      "start": "2016-12-12T10:00:00Z"
                    },
                    {
                      "end": "2016-12-12T16:00:00Z",
                      "groups": [
                        "fighters"
                      ],
                      "start": "2016-12-12T14:00:00Z"
                    }
                  ]
                }
              ],
              "signatories": [
                "01900000-0000-7000-8000-000000000064",
                "01900000-0000-7000-8000-000000000065"
              ]
            },
            "type": "version_proposed",
            "version": 1
          }
        ]"#]]
    .assert_eq(&events);
}

#[tokio::test]
async fn a_genesis_over_http_is_403_even_on_an_empty_log() {
    // A stranger's genesis, signed by its own key: accepted, it would make the stranger the
    // operator of the log.
    let mut fixture = Fixture::without_genesis();
    fixture.operator = Signer { key: SecretKey::from_seed(&[66; 32]), account: id(66), party: None };
    let signed = fixture.sign(&fixture.operator, fixture.genesis());
    check(
        &fixture,
        post(signed.to_string()),
        expect![[r#"
            403
            {
              "detail": "the genesis entry is written by `truce init`, never over HTTP",
              "field": "command.body.type",
              "instance": "/api/v1/commands",
              "status": 403,
              "title": "Genesis",
              "type": "/problems/genesis"
            }"#]],
    )
    .await;
    assert_eq!(fixture.state.node.read_tree(|tree| tree.len()), 0);
}

#[tokio::test]
async fn a_signature_that_does_not_verify_is_401_and_changes_nothing() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut signed = fixture.sign(&world.ru, fixture.command(&world.ru, propose(400, 500, "EA-1", 600)));
    signed["command"]["body"]["title"] = json!("A title the author never signed");
    check(
        fixture,
        post(signed.to_string()),
        expect![[r#"
            401
            {
              "detail": "the signature does not verify for this command and signer key",
              "field": "signature",
              "instance": "/api/v1/commands",
              "status": 401,
              "title": "Bad signature",
              "type": "/problems/bad-signature"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_signature_by_another_key_than_the_signer_named_is_401_and_changes_nothing() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut signed = fixture.sign(&world.ru, fixture.command(&world.ru, propose(400, 500, "EA-1", 600)));
    signed["signer"] = json!(world.opp.public_key());
    check(
        fixture,
        post(signed.to_string()),
        expect![[r#"
            401
            {
              "detail": "the signature does not verify for this command and signer key",
              "field": "signature",
              "instance": "/api/v1/commands",
              "status": 401,
              "title": "Bad signature",
              "type": "/problems/bad-signature"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_replayed_nonce_is_409_and_changes_nothing() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let signed = fixture.sign(&world.ru, fixture.command(&world.ru, propose(400, 500, "EA-1", 600)));
    let first = fixture.submit_signed(&signed).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    check(
        fixture,
        post(signed.to_string()),
        expect![[r#"
            409
            {
              "detail": "nonce \"test-nonce-00000011\" was already used by this key",
              "field": "nonce",
              "instance": "/api/v1/commands",
              "status": 409,
              "title": "Nonce replayed",
              "type": "/problems/nonce-replayed"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn the_same_nonce_in_a_different_command_is_also_refused() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let command = fixture.command(&world.ru, propose(400, 500, "EA-1", 600));
    fixture.submit_signed(&fixture.sign(&world.ru, command.clone())).await;
    let mut other = command;
    other["body"] = propose(401, 501, "EA-2", 601);
    let reply = fixture.submit_signed(&fixture.sign(&world.ru, other)).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert_eq!(reply.json()["type"], json!("/problems/nonce-replayed"));
}

#[tokio::test]
async fn a_key_not_registered_to_the_author_is_403_and_changes_nothing() {
    let world = World::new().await;
    let fixture = &world.fixture;
    // OPP's key, signing as RU's account.
    let impostor = Signer { key: world.opp.key.clone(), ..world.ru.clone() };
    check(
        fixture,
        signed_request(fixture, &impostor, propose(400, 500, "EA-1", 600)),
        expect![[r#"
            403
            {
              "detail": "the signing key is not registered to account 01900000-0000-7000-8000-00000000006e",
              "field": "signer",
              "instance": "/api/v1/commands",
              "status": 403,
              "title": "Key not registered",
              "type": "/problems/key-not-registered"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn an_unknown_author_is_403_naming_author() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let stranger = Signer { account: id(999), ..world.ru.clone() };
    check(
        fixture,
        signed_request(fixture, &stranger, propose(400, 500, "EA-1", 600)),
        expect![[r#"
            403
            {
              "detail": "account 01900000-0000-7000-8000-0000000003e7 does not exist",
              "field": "author",
              "instance": "/api/v1/commands",
              "status": 403,
              "title": "Key not registered",
              "type": "/problems/key-not-registered"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn an_account_speaking_for_another_party_is_403_and_changes_nothing() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let usurper = Signer { party: Some(id(OPP)), ..world.ru.clone() };
    check(
        fixture,
        signed_request(fixture, &usurper, propose(400, 500, "EA-1", 600)),
        expect![[r#"
            403
            {
              "detail": "account 01900000-0000-7000-8000-00000000006e speaks for 01900000-0000-7000-8000-000000000064, not for 01900000-0000-7000-8000-000000000065",
              "field": "party",
              "instance": "/api/v1/commands",
              "status": 403,
              "title": "Party mismatch",
              "type": "/problems/party-mismatch"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn a_coordinator_registering_a_party_is_403_forbidden() {
    let world = World::new().await;
    let fixture = &world.fixture;
    check(
        fixture,
        signed_request(
            fixture,
            &world.ru,
            json!({"type": "register_party", "party_id": id(103), "code": "X", "name": "X", "kind": "state"}),
        ),
        expect![[r#"
            403
            {
              "detail": "registering a party needs the operator role",
              "instance": "/api/v1/commands",
              "status": 403,
              "title": "Forbidden",
              "type": "/problems/forbidden"
            }"#]],
    )
    .await;
}

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
                   "kind": "city", "boundary": {"type": "Polygon", "coordinates": [super::east_aleppo_ring()]}}),
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
    let boundary = json!({"type": "Polygon", "coordinates": [super::east_aleppo_ring()]});
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

#[tokio::test]
async fn a_full_log_answers_503_naming_the_cause_reads_go_on_and_the_same_command_is_taken_later() {
    let fixture = Fixture::new().await;
    fixture.state.node.set_size_max(Some(1));
    let mut refused = None;
    for n in 0..500u32 {
        let body = json!({"type": "register_party", "party_id": id(2000 + n), "code": format!("F{n}"),
                          "name": format!("Party {n} with a long name to fill pages {}", "x".repeat(150)), "kind": "state"});
        let signed = fixture.sign(&fixture.operator, fixture.command(&fixture.operator, body));
        let reply = fixture.submit_signed(&signed).await;
        if reply.status == StatusCode::SERVICE_UNAVAILABLE {
            refused = Some((signed, reply));
            break;
        }
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    let (signed, reply) = refused.expect("the log filled");
    let problem = reply.json();
    assert_eq!(problem["type"], "/problems/storage-unavailable");
    assert!(problem["detail"].as_str().expect("a detail").contains("the disk is full"), "{problem}");
    // Reads go on.
    let parties = fixture.get("/api/v1/parties?limit=1000").await;
    assert_eq!(parties.status, StatusCode::OK);
    let size_before = fixture.state.node.read_tree(|tree| tree.len());
    // Not ready for writes, saying why; live all along.
    let ready = fixture.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{}", ready.text);
    assert!(ready.text.contains("the disk is full"), "{}", ready.text);
    assert_eq!(fixture.get("/healthz").await.status, StatusCode::OK);

    fixture.state.node.set_size_max(None);
    let reply = fixture.submit_signed(&signed).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json()["seq"], json!(size_before));
    assert_eq!(fixture.get("/readyz").await.text, "ready\n");
}

#[tokio::test]
async fn a_zone_pasted_from_a_gis_is_taken_rewound_and_its_altitudes_dropped_with_a_warning() {
    let world = World::new().await;
    let fixture = &world.fixture;
    // As geojson.io or QGIS write it: a Feature, a MultiPolygon, one part clockwise with a
    // hole, positions with an altitude.
    let clockwise = json!([[37.0, 36.0, 380.0], [37.0, 36.1, 380.0], [37.1, 36.1], [37.1, 36.0], [37.0, 36.0, 380.0]]);
    let hole = json!([[37.04, 36.04], [37.06, 36.04], [37.06, 36.06], [37.04, 36.06], [37.04, 36.04]]);
    let other = json!([[37.3, 36.0], [37.4, 36.0], [37.4, 36.1], [37.3, 36.1], [37.3, 36.0]]);
    let reply = fixture
        .submit(
            &fixture.operator,
            json!({"type": "define_zone", "zone_id": id(EAST_ALEPPO + 50), "code": "GIS", "name": "From a GIS",
                   "kind": "city", "boundary": {"type": "Feature", "properties": {"name": "x"},
                   "geometry": {"type": "MultiPolygon", "coordinates": [[clockwise, hole], [other]]}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let warnings = reply.json()["warnings"].clone();
    assert_eq!(warnings[0]["field"], json!("boundary"), "{warnings}");
    assert!(warnings[0]["message"].as_str().is_some_and(|m| m.starts_with("3 position(s) had an altitude")));
    let zone = fixture.get("/api/v1/zones/GIS").await.json();
    assert_eq!(zone["boundary"]["type"], json!("MultiPolygon"));
    // Counter-clockwise exterior, clockwise hole (RFC 7946 section 3.1.6), from the same start.
    assert_eq!(
        zone["boundary"]["coordinates"][0][0],
        json!([[37.0, 36.0], [37.1, 36.0], [37.1, 36.1], [37.0, 36.1], [37.0, 36.0]])
    );
    assert_eq!(
        zone["boundary"]["coordinates"][0][1],
        json!([[37.04, 36.04], [37.04, 36.06], [37.06, 36.06], [37.06, 36.04], [37.04, 36.04]])
    );

    // A ring that crosses itself is refused naming it, inside the Feature.
    let bowtie = json!([[37.0, 36.0], [37.1, 36.1], [37.1, 36.0], [37.0, 36.1], [37.0, 36.0]]);
    let reply = fixture
        .submit(
            &fixture.operator,
            json!({"type": "redraw_zone", "zone_id": id(EAST_ALEPPO + 50), "effective_at": "2016-12-13T09:00:00Z",
                   "boundary": {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [bowtie]}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert_eq!(reply.json()["field"], json!("command.body.boundary.geometry.coordinates[0]"));
    assert_eq!(reply.json()["type"], json!("/problems/invalid-input"));
}
