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
mod batch;
mod body;
mod domain;
mod signatures;

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
