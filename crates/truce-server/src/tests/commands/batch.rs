//! `POST /api/v1/commands/batch`: commands decided in order, up to the first refused, those
//! accepted durable together, each refusal a problem whose field is a path into the batch.

use axum::http::StatusCode;
use expect_test::expect;
use serde_json::{json, Value};

use crate::tests::{id, Fixture, Signer};

fn register_party(party: u32, code: &str) -> Value {
    json!({"type": "register_party", "party_id": id(party), "code": code, "name": format!("Party {code}"), "kind": "state"})
}

fn register_force(force: u32, code: &str, party: u32) -> Value {
    json!({"type": "register_force", "force_id": id(force), "code": code, "name": format!("Force {code}"),
           "party_ids": [id(party)]})
}

/// `bodies` signed by `signer` as one batch's body.
fn batch(fixture: &Fixture, signer: &Signer, bodies: &[Value]) -> Value {
    let commands: Vec<Value> =
        bodies.iter().map(|body| fixture.sign(signer, fixture.command(signer, body.clone()))).collect();
    json!({ "commands": commands })
}

async fn entries_count(fixture: &Fixture) -> u64 {
    fixture.get("/api/v1/ledger/entries").await.json()["tree_size"].as_u64().expect("a size")
}

/// Each result's status, and its problem's type and field where it has one.
fn outcomes(reply: &Value) -> Vec<String> {
    reply["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| match result.get("problem") {
            Some(problem) => format!("{} {} {}", result["status"], problem["type"], problem["field"]),
            None => format!("{} seq {}", result["status"], result["receipt"]["seq"]),
        })
        .collect()
}

#[tokio::test]
async fn a_batch_is_decided_in_order_and_its_entries_are_durable_in_one_batch() {
    let fixture = Fixture::new().await;
    let operator = &fixture.operator;
    let before = entries_count(&fixture).await;
    // The force names the party registered just before it, in the same batch.
    let body = batch(
        &fixture,
        operator,
        &[register_party(100, "RU"), register_force(200, "SAA", 100), register_party(101, "TR")],
    );

    let reply = fixture.post_json("/api/v1/commands/batch", &body).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = reply.json();
    assert_eq!(reply["accepted"], json!(3));
    assert_eq!(
        outcomes(&reply),
        [format!("201 seq {before}"), format!("201 seq {}", before + 1), format!("201 seq {}", before + 2)]
    );
    // One transaction: every receipt proves its entry against the same tree, and its
    // checkpoint, which covers the three.
    let results = reply["results"].as_array().expect("results");
    for result in results {
        assert_eq!(result["receipt"]["tree_size"], json!(before + 3));
        assert_eq!(result["receipt"]["checkpoint"], results[0]["receipt"]["checkpoint"]);
    }
    assert_eq!(entries_count(&fixture).await, before + 3);
    let party = fixture.get(&format!("/api/v1/parties/{}", id(100))).await.json();
    assert_eq!(party["answers_for"][0]["code"], json!("SAA"), "{party}");
}

#[tokio::test]
async fn the_first_refused_command_stops_the_batch_and_the_rest_are_not_tried() {
    let fixture = Fixture::new().await;
    let operator = &fixture.operator;
    fixture.accept(operator, register_party(100, "RU")).await;
    let before = fixture.log_view().await;
    let count = entries_count(&fixture).await;
    // The second takes a code already taken; the third would be accepted on its own.
    let body =
        batch(&fixture, operator, &[register_party(101, "TR"), register_party(102, "RU"), register_party(103, "US")]);

    let reply = fixture.post_json("/api/v1/commands/batch", &body).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = reply.json();
    assert_eq!(reply["accepted"], json!(1));
    expect![[r#"
        [
            "201 seq 2",
            "409 \"/problems/duplicate\" \"commands[1].code\"",
            "424 \"/problems/not-tried\" \"commands[2]\"",
        ]
    "#]]
    .assert_debug_eq(&outcomes(&reply));
    let problem = &reply["results"][2]["problem"];
    assert_eq!(problem["instance"], json!("/api/v1/commands/batch"));
    assert_eq!(entries_count(&fixture).await, count + 1, "only the first is written");
    assert_ne!(fixture.log_view().await, before);
    // The command not tried did not use its nonce: sent again on its own, it is accepted.
    let third = body["commands"][2].clone();
    let again = fixture.submit_signed(&third).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
}

#[tokio::test]
async fn a_command_that_fails_its_checks_stops_the_batch_there_with_its_path() {
    let fixture = Fixture::new().await;
    let operator = &fixture.operator;
    let count = entries_count(&fixture).await;
    let mut body =
        batch(&fixture, operator, &[register_party(100, "RU"), register_party(101, "TR"), register_party(102, "US")]);
    // Signed by the operator, but the signature of the second is another command's.
    body["commands"][1]["signature"] = body["commands"][2]["signature"].clone();

    let reply = fixture.post_json("/api/v1/commands/batch", &body).await;

    let reply = reply.json();
    expect![[r#"
        [
            "201 seq 1",
            "401 \"/problems/bad-signature\" \"commands[1].signature\"",
            "424 \"/problems/not-tried\" \"commands[2]\"",
        ]
    "#]]
    .assert_debug_eq(&outcomes(&reply));
    assert_eq!(entries_count(&fixture).await, count + 1);

    // A field of the second command that does not parse: named by its path from the body.
    let mut body = batch(
        &fixture,
        operator,
        &[
            register_party(104, "GB"),
            json!({"type": "register_party", "party_id": id(105), "code": "FR", "name": "", "kind": "state"}),
        ],
    );
    body["commands"].as_array_mut().expect("commands").truncate(2);
    let reply = fixture.post_json("/api/v1/commands/batch", &body).await.json();
    expect![[r#"
        [
            "201 seq 2",
            "422 \"/problems/invalid-input\" \"commands[1].command.body.name\"",
        ]
    "#]]
    .assert_debug_eq(&outcomes(&reply));
}

#[tokio::test]
async fn a_body_that_is_not_a_batch_is_refused_whole_and_writes_nothing() {
    let fixture = Fixture::new().await;
    let operator = &fixture.operator;
    let before = fixture.log_view().await;

    let empty = fixture.post_json("/api/v1/commands/batch", &json!({"commands": []})).await;
    let bodies: Vec<Value> = (0..257).map(|n| register_party(1000 + n, &format!("P{n}"))).collect();
    let too_many = fixture.post_json("/api/v1/commands/batch", &batch(&fixture, operator, &bodies)).await;
    let mut bad_shape = batch(&fixture, operator, &[register_party(100, "RU"), register_party(101, "TR")]);
    bad_shape["commands"][1]["signer"] = json!(7);
    let bad_shape = fixture.post_json("/api/v1/commands/batch", &bad_shape).await;

    expect![[r#"
        400
        {
          "detail": "commands holds 0 commands; send 1 to 256",
          "field": "commands",
          "instance": "/api/v1/commands/batch",
          "status": 400,
          "title": "Invalid request",
          "type": "/problems/invalid-request"
        }"#]]
    .assert_eq(&empty.problem());
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    assert!(too_many.text.contains("commands holds 257 commands"), "{}", too_many.text);
    assert_eq!(bad_shape.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_shape.json()["field"], json!("commands[1].signer"), "{}", bad_shape.text);
    assert_eq!(fixture.log_view().await, before, "a refused batch wrote nothing");
}
