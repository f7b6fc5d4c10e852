//! What the document shows besides operations: the webhook the server sends, and signed
//! examples of commands.

use super::*;

/// The webhook a subscription receives (OpenAPI 3.1 `webhooks`): each alert it may read, as
/// the Standard Webhooks convention signs it.
pub(super) fn webhooks_section(generator: &mut SchemaGenerator) -> Value {
    let header = |name: &str, description: &str| json!({ "name": name, "in": "header", "required": true, "description": description, "schema": { "type": "string" } });
    json!({
        "alert": {
            "post": {
                "operationId": "deliverAlert",
                "summary": "An alert, delivered to a webhook subscription",
                "description": "Sent to the subscription's URL for every alert it may read, at least once, retried with \
                    backoff until a 2xx answer. Verify `webhook-signature` over `webhook-id.webhook-timestamp.body` \
                    with the subscription's `whsec_` secret (Standard Webhooks), refuse a timestamp far from now, \
                    and keep the ids seen: a replayed delivery has an id already seen.",
                "parameters": [
                    header(webhooks::ID_HEADER, "The alert id, the same on every retry of this delivery."),
                    header(webhooks::TIMESTAMP_HEADER, "Seconds since the Unix epoch when this attempt was signed."),
                    header(webhooks::SIGNATURE_HEADER, "`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`."),
                ],
                "requestBody": {
                    "required": true,
                    "content": { "application/json": { "schema": generator.subschema_for::<truce_core::Alert>() } }
                },
                "responses": {
                    "2XX": { "description": "Received; the delivery is settled." },
                    "default": { "description": "Not received: retried with backoff." }
                }
            }
        }
    })
}

/// The key that signs the examples of `POST /api/v1/commands` (a fixed seed: the examples
/// verify, and are the same in every build).
const EXAMPLE_KEY_SEED: [u8; 32] = [7; 32];

/// A signed example of each kind of command the bundled scenario holds whole, by type: a
/// body the scenario submits, as one account would sign it. (Not yet one of every kind: the
/// test of the examples lists the kinds covered.)
pub(crate) fn command_examples() -> Map<String, Value> {
    let scenario: Value =
        serde_json::from_str(truce_core::scenario::ALEPPO_2016_12_12_JSON).expect("the bundled scenario is JSON");
    let key = truce_ledger::SecretKey::from_seed(&EXAMPLE_KEY_SEED);
    let mut examples = Map::new();
    for step in scenario["steps"].as_array().into_iter().flatten() {
        let mut body = step["body"].clone();
        let Some(kind) = body["type"].as_str().map(str::to_owned) else { continue };
        if examples.contains_key(&kind) {
            continue;
        }
        // The scenario names an account's key by a handle that the loader makes a key for.
        if let Some(object) = body.as_object_mut() {
            if object.remove("handle").is_some() {
                object.insert("public_key".to_owned(), json!(key.public_key().to_base64()));
            }
        }
        let command = json!({
            "party": null,
            "author": "0158f1d4-b980-7000-8000-000000000001",
            "issued_at": step["at"],
            "nonce": format!("example-nonce-{kind}"),
            "body": body,
        });
        // A step whose ids the scenario loader fills in is not a whole command: no example.
        if truce_core::Command::from_json(&command).is_err() {
            continue;
        }
        let signature = truce_ledger::sign_command(&key, &command).expect("an example command signs");
        let summary = format!("{kind}, from the bundled Aleppo 2016 scenario");
        examples.insert(
            kind.clone(),
            json!({ "summary": summary, "value": {
                "command": command, "signer": key.public_key().to_base64(), "signature": signature.to_base64()
            }}),
        );
    }
    examples
}
