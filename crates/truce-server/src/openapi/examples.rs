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

/// A signed example of every kind of command a client may submit (all but `genesis`, which
/// only `truce init` writes), by type: the first body of that kind the bundled scenario
/// submits, or else one of `illustrative_bodies`, as one account would sign it. The test of
/// the examples lists the kinds from core's command schema, so a new kind without an example
/// fails it.
pub(crate) fn command_examples() -> Map<String, Value> {
    let scenario: Value =
        serde_json::from_str(truce_core::scenario::ALEPPO_2016_12_12_JSON).expect("the bundled scenario is JSON");
    let key = truce_ledger::SecretKey::from_seed(&EXAMPLE_KEY_SEED);
    let mut examples = Map::new();
    let scenario_steps = scenario["steps"].as_array().into_iter().flatten().map(|step| (step.clone(), true));
    let illustrative_steps =
        illustrative_bodies().into_iter().map(|(at, body)| (json!({ "at": at, "body": body }), false));
    for (step, from_scenario) in scenario_steps.chain(illustrative_steps) {
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
        let summary = match from_scenario {
            true => format!("{kind}, from the bundled Aleppo 2016 scenario"),
            false => format!("{kind}, illustrative, about the bundled Aleppo 2016 scenario's things"),
        };
        examples.insert(
            kind.clone(),
            json!({ "summary": summary, "value": {
                "command": command, "signer": key.public_key().to_base64(), "signature": signature.to_base64()
            }}),
        );
    }
    examples
}

// The ids of the bundled scenario's things that the illustrative examples name.
const RU: &str = "0158f1d4-b980-7cf0-83b7-4fed5435a974";
const SAF: &str = "0158f1e7-0900-7e8b-b858-546e5f2b2ed5";
const EAST_ALEPPO: &str = "0158f1f0-30c0-77f1-b72d-ce37c6035556";
const CORRIDORS: &str = "0158f242-9680-7c64-b3aa-acc9e4c37128";
const EA_1: &str = "0158f242-9680-7a4d-a752-9dcb7956938c";
const CEASE_FIRE: &str = "0158f359-d2e0-7fd6-9eca-3b299be48dca";
const SHELLING: &str = "0158f2b0-7380-7368-be23-6697d3f1be30";
const SHELLING_AGAIN: &str = "0158f768-f280-7584-9e5b-7d143a1b4a0e";
/// An account of the scenario's (the examples' author).
const ACCOUNT: &str = "0158f1d4-b980-7000-8000-000000000001";
/// The id of a thing the illustrative examples make: `n` in its last digits.
fn new_id(n: u32) -> String {
    format!("0158f800-0000-7000-8000-{n:012}")
}

/// A source as an analyst records it.
fn source(n: u32, organisation: &str) -> Value {
    json!({ "source_id": new_id(n), "organisation": organisation, "kind": "media",
            "reference": "Illustrative report", "published_at": "2016-12-13T10:00:00Z" })
}

/// One body of every kind the scenario does not submit whole, with the time it is issued
/// at: plausible acts about the scenario's parties, zone, corridor and incidents. Each must
/// parse as a command (the test checks); none is submitted.
fn illustrative_bodies() -> Vec<(&'static str, Value)> {
    let at = "2016-12-13T10:00:00Z";
    // The age recipient of the age format's own documentation.
    let encryption_key = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    let public_key = truce_ledger::SecretKey::from_seed(&[8; 32]).public_key().to_base64();
    let count = json!({ "people": { "about": 120 }, "basis": "increment",
                        "period": { "start": "2016-12-13T08:00:00Z", "end": "2016-12-13T09:00:00Z" },
                        "source": source(20, "UN OCHA") });
    vec![
        (
            at,
            json!({ "type": "register_account", "account_id": new_id(1), "party_id": RU, "name": "RU coordinator",
                     "roles": ["coordinator"], "public_key": public_key }),
        ),
        (at, json!({ "type": "add_account_key", "account_id": ACCOUNT, "public_key": public_key })),
        (
            at,
            json!({ "type": "create_enrolment", "account_id": new_id(1),
                     "code_sha256": truce_ledger::enrolment_code_sha256("0123456789abcdef0123456789abcdef"),
                     "expires_at": "2016-12-13T11:00:00Z" }),
        ),
        (at, json!({ "type": "enrol_key", "code": "0123456789abcdef0123456789abcdef" })),
        (
            at,
            json!({ "type": "revoke_key", "account_id": new_id(1), "public_key": public_key,
                     "reason": "The device was lost" }),
        ),
        (at, json!({ "type": "set_encryption_key", "account_id": new_id(1), "encryption_key": encryption_key })),
        (
            at,
            json!({ "type": "redraw_zone", "zone_id": EAST_ALEPPO, "effective_at": "2016-12-13T09:00:00Z",
                     "boundary": { "type": "Polygon", "coordinates": [[[37.15, 36.17], [37.2, 36.17], [37.2, 36.21],
                                                                       [37.15, 36.21], [37.15, 36.17]]] } }),
        ),
        (at, json!({ "type": "suspend", "agreement_id": CORRIDORS, "reason": "Shelling on the route" })),
        (at, json!({ "type": "resume", "agreement_id": CORRIDORS, "reason": "The shelling stopped" })),
        (at, json!({ "type": "declare_broken", "agreement_id": CORRIDORS, "reason": "The convoy was fired on" })),
        (
            at,
            json!({ "type": "declare_completed", "agreement_id": CORRIDORS, "note": "Everyone who wished to leave left" }),
        ),
        (at, json!({ "type": "record_consent", "consent_id": new_id(2), "force_id": SAF, "corridor_id": EA_1 })),
        (at, json!({ "type": "report_fulfilled", "commitment_id": CEASE_FIRE, "note": "No fire reported since noon" })),
        (
            at,
            json!({ "type": "correct_incident", "incident_id": SHELLING, "reason": "Geolocated from video",
                     "location": { "position": [37.157, 36.177], "uncertainty_m": 50.0 } }),
        ),
        (
            at,
            json!({ "type": "grade_incident", "incident_id": SHELLING, "grade": "corroborated",
                     "reason": "Two independent sources" }),
        ),
        (
            at,
            json!({ "type": "mark_duplicate", "incident_id": SHELLING_AGAIN, "duplicate_of": SHELLING,
                     "reason": "The same shelling, reported twice" }),
        ),
        (
            at,
            json!({ "type": "dismiss_violation", "incident_id": SHELLING, "commitment_id": CEASE_FIRE,
                     "reason": "The shells fell outside the zone" }),
        ),
        (
            at,
            json!({ "type": "record_reading", "reading_id": new_id(3), "agreement_id": CORRIDORS, "version": 1,
                     "reading": { "topic": "who_may_leave", "says": "Who may leave", "groups": ["civilians"] },
                     "source": source(4, "Reuters") }),
        ),
        (
            at,
            json!({ "type": "record_observation", "observation_id": new_id(5),
                     "observation": { "observed": "explosion", "perception": "heard", "count": { "more_than": 10 },
                                      "weapon": "mortar",
                                      "when": { "start": "2016-12-13T08:00:00Z", "end": "2016-12-13T09:00:00Z",
                                                "precision": "day" },
                                      "observer": { "position": [37.18, 36.21], "uncertainty_m": 100.0,
                                                    "zone_id": EAST_ALEPPO, "precision": "exact" },
                                      "bearing_deg": 135.0, "distance": { "min_m": 3000.0, "max_m": 5000.0 },
                                      "source": source(6, "UN") } }),
        ),
        (
            at,
            json!({ "type": "record_passage", "passage_id": new_id(7), "corridor_id": EA_1, "direction": "outbound",
                     "vehicles": 4, "count": count }),
        ),
        (
            at,
            json!({ "type": "report_total", "total_id": new_id(8), "scope": { "corridor_id": EA_1 }, "count": count }),
        ),
        (
            at,
            json!({ "type": "schedule_convoy", "convoy_id": new_id(9), "corridor_id": EA_1, "buses": 20,
                     "ambulances": 5, "departs_at": "2016-12-13T11:00:00Z" }),
        ),
        (at, json!({ "type": "update_convoy", "convoy_id": new_id(9), "status": "moving" })),
        (
            at,
            json!({ "type": "notify_humanitarian", "notification_id": new_id(10),
                     "notified": { "kind": "site", "name": "Field hospital", "site_kind": "hospital",
                                   "position": [37.17, 36.2], "radius_m": 150.0 },
                     "party_ids": [RU], "deadline": "2016-12-13T12:00:00Z" }),
        ),
        (at, json!({ "type": "withdraw_notification", "notification_id": new_id(10), "reason": "The hospital moved" })),
        (at, json!({ "type": "acknowledge_notification", "notification_id": new_id(10) })),
        (at, json!({ "type": "acknowledge_alert", "alert_id": "12.0" })),
        (at, json!({ "type": "mark_time" })),
        (at, json!({ "type": "retract", "seq": 12, "reason": "Entered against the wrong agreement" })),
    ]
}
