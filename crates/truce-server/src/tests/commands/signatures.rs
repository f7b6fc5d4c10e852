//! Who signs: a signature that does not verify, another key, a replayed nonce, a key or an
//! author not registered, an account speaking for another party, a role the table refuses.

use super::*;

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

/// The author signs the canonical text of the command as its program holds it; the server
/// checks the signature over the command read back from the request's text. Every double
/// must read back exactly (serde_json's `float_roundtrip`, set for the whole workspace), or
/// the two canonical texts differ in a last digit and a valid signature fails.
#[tokio::test]
async fn a_command_whose_doubles_need_seventeen_digits_verifies() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let monitor = world.un_account(120, 40, "monitor").await;
    let latitude = 36.291_650_523_723_796_f64;
    let body = json!({"type": "report_incident", "incident_id": id(9_000), "kind": "shelling",
                      "location": {"position": [37.283_451_259_536_825_f64, latitude], "uncertainty_m": 20.0},
                      "when": {"start": "2016-12-12T07:00:00Z"}, "description": "Shelling",
                      "source": {"source_id": id(9_001), "organisation": "EFE", "kind": "media"}});
    let receipt = fixture.accept(&monitor, body).await;
    let seq = receipt["seq"].as_u64().expect("a seq");
    let entries = fixture.get(&format!("/api/v1/ledger/entries?from={seq}&limit=1")).await.json();
    let text = entries["entries"][0]["entry"].as_str().expect("the entry's text");
    assert!(text.contains("[37.283451259536825,36.291650523723796]"), "{text}");
}
