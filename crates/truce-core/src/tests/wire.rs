//! The wire format: commands and events as JSON. Commands are what authors sign and events
//! are written into the ledger, so their shape is pinned here by snapshots and round trips.

use expect_test::{expect, Expect};

use super::fixture::*;
use crate::{Command, CommandBody, CommitmentKind, Event, Group, Nonce, Scope, TruceStart};

#[track_caller]
fn check(command: &Command, expect: Expect) {
    let text = serde_json::to_string_pretty(command).expect("commands serialise");
    expect.assert_eq(&text);
    let back: Command = serde_json::from_str(&text).expect("a serialised command deserialises");
    assert_eq!(&back, command, "the round trip gives the same command");
}

/// The Russian plan with a window per group, a conditional commitment and a truce that
/// starts once consent is secured.
pub(super) fn representative_command() -> Command {
    let mut plan = corridor_plan(TruceStart::WhenFulfilled { commitment_ids: vec![commitment_id(2)] });
    plan.corridors[0].windows = vec![
        corridor_window("2016-12-13T06:00:00Z", "2016-12-13T12:00:00Z", &[Group::Wounded]),
        corridor_window("2016-12-13T12:00:00Z", "2016-12-14T18:00:00Z", &[]),
    ];
    plan.commitments[0].conditions = vec![commitment_id(2)];
    plan.commitments[0].window = Some(window("2016-12-13T06:00:00Z", "2016-12-14T18:00:00Z"));
    plan.truce.as_mut().expect("the plan has a truce").end = Some(ts("2016-12-15T00:00:00Z"));
    let ru = Signer::coordinator(RU);
    Command {
        party: ru.party,
        author: ru.account,
        issued_at: ts("2016-12-12T09:00:00Z"),
        nonce: Nonce::parse("r8Xq2mZpLw4TbN7c").expect("16 printable characters"),
        body: CommandBody::ProposeAgreement {
            agreement_id: agreement_id(1),
            title: name("Corridors for leaving East Aleppo"),
            terms: plan,
            note: Some(reason("Corridors defined in advance (illustrative geometry)")),
        },
    }
}

#[test]
fn a_proposal_serialises_to_the_pinned_json() {
    check(
        &representative_command(),
        expect![[r#"
            {
              "party": "00000001-0000-7000-8000-000000000001",
              "author": "00000002-0000-7000-8000-000000000002",
              "issued_at": "2016-12-12T09:00:00Z",
              "nonce": "r8Xq2mZpLw4TbN7c",
              "body": {
                "type": "propose_agreement",
                "agreement_id": "00000006-0000-7000-8000-000000000001",
                "title": "Corridors for leaving East Aleppo",
                "terms": {
                  "corridors": [
                    {
                      "corridor_id": "00000005-0000-7000-8000-000000000001",
                      "code": "EA-1",
                      "name": "Corridor EA-1",
                      "route": {
                        "type": "LineString",
                        "coordinates": [
                          [
                            37.15,
                            36.178
                          ],
                          [
                            37.133,
                            36.18
                          ],
                          [
                            37.12,
                            36.19
                          ]
                        ]
                      },
                      "half_width_m": 300.0,
                      "origin_zone_id": "00000004-0000-7000-8000-000000000001",
                      "destination": {
                        "zone_id": "00000004-0000-7000-8000-000000000003",
                        "name": "West Aleppo"
                      },
                      "groups": [
                        "civilians",
                        "wounded",
                        "fighters"
                      ],
                      "windows": [
                        {
                          "start": "2016-12-13T06:00:00Z",
                          "end": "2016-12-13T12:00:00Z",
                          "groups": [
                            "wounded"
                          ]
                        },
                        {
                          "start": "2016-12-13T12:00:00Z",
                          "end": "2016-12-14T18:00:00Z"
                        }
                      ],
                      "illustrative": true
                    }
                  ],
                  "truce": {
                    "zone_id": "00000004-0000-7000-8000-000000000001",
                    "start": {
                      "kind": "when_fulfilled",
                      "commitment_ids": [
                        "00000007-0000-7000-8000-000000000002"
                      ]
                    },
                    "end": "2016-12-15T00:00:00Z"
                  },
                  "commitments": [
                    {
                      "commitment_id": "00000007-0000-7000-8000-000000000001",
                      "party_id": "00000001-0000-7000-8000-000000000001",
                      "kind": "no_attack",
                      "scope": {
                        "corridor": "00000005-0000-7000-8000-000000000001"
                      },
                      "window": {
                        "start": "2016-12-13T06:00:00Z",
                        "end": "2016-12-14T18:00:00Z"
                      },
                      "force_ids": [
                        "00000003-0000-7000-8000-000000000001"
                      ],
                      "conditions": [
                        "00000007-0000-7000-8000-000000000002"
                      ],
                      "text": "commitment 1: no_attack"
                    },
                    {
                      "commitment_id": "00000007-0000-7000-8000-000000000002",
                      "party_id": "00000001-0000-7000-8000-000000000002",
                      "kind": "secure_consent",
                      "scope": {
                        "corridor": "00000005-0000-7000-8000-000000000001"
                      },
                      "force_ids": [
                        "00000003-0000-7000-8000-000000000002"
                      ],
                      "text": "commitment 2: secure_consent"
                    }
                  ],
                  "signatories": [
                    "00000001-0000-7000-8000-000000000001",
                    "00000001-0000-7000-8000-000000000002"
                  ]
                },
                "note": "Corridors defined in advance (illustrative geometry)"
              }
            }"#]],
    );
}

#[test]
fn small_commands_serialise_to_the_pinned_json() {
    let us = Signer::coordinator(US);
    let mut command = representative_command();
    command.party = us.party;
    command.author = us.account;
    command.body = withdraw(1, 1, Some("a truce now, without prior coordination"));
    expect![[r#"{"party":"00000001-0000-7000-8000-000000000002","author":"00000002-0000-7000-8000-000000000003","issued_at":"2016-12-12T09:00:00Z","nonce":"r8Xq2mZpLw4TbN7c","body":{"type":"withdraw","agreement_id":"00000006-0000-7000-8000-000000000001","version":1,"reason":"a truce now, without prior coordination"}}"#]]
    .assert_eq(&serde_json::to_string(&command).expect("commands serialise"));
    command.body = CommandBody::Genesis(genesis());
    command.party = None;
    expect![[r#"{"party":null,"author":"00000002-0000-7000-8000-000000000003","issued_at":"2016-12-12T09:00:00Z","nonce":"r8Xq2mZpLw4TbN7c","body":{"type":"genesis","operator_account_id":"00000002-0000-7000-8000-000000000001","operator_name":"Operator","operator_public_key":"operatorAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","log_origin":"truce.test/log"}}"#]]
    .assert_eq(&serde_json::to_string(&command).expect("commands serialise"));
}

#[test]
fn a_stance_event_serialises_flat() {
    let event = Event::StanceTaken {
        agreement_id: agreement_id(1),
        version: 2,
        party_id: party_id(RU),
        author: account_id(2),
        stance: crate::Stance::Rejected { reason: reason("We have already gone through this.") },
    };
    let text = serde_json::to_string(&event).expect("events serialise");
    expect![[r#"{"type":"stance_taken","agreement_id":"00000006-0000-7000-8000-000000000001","version":2,"party_id":"00000001-0000-7000-8000-000000000001","author":"00000002-0000-7000-8000-000000000002","stance":{"stance":"rejected","reason":"We have already gone through this."}}"#]]
    .assert_eq(&text);
    let back: Event = serde_json::from_str(&text).expect("a serialised event deserialises");
    assert_eq!(back, event);
}

/// A log that uses every kind of command, so that every kind of event is written.
fn busy_world() -> World {
    let mut world = World::new();
    let operator = Signer::operator();
    world.accept(&operator, CommandBody::AddAccountKey { account_id: account_id(2), public_key: key("party1second") });
    world.accept(
        &operator,
        CommandBody::RecordZoneControl { zone_id: zone_id(EAST_ALEPPO), force_id: force_id(AOG), since: world.now },
    );
    world.accept(
        &operator,
        CommandBody::RedrawZone {
            zone_id: zone_id(EAST_ALEPPO),
            boundary: sukkari_boundary(),
            effective_at: world.now,
        },
    );
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.commitments.push(commitment(3, RU, CommitmentKind::CeaseFire, Scope::Zone(zone_id(SUKKARI)), &[SAF]));
    world.accept(&Signer::coordinator(RU), propose(1, plan.clone()));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), reject(1, 1, "not acceptable"));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world.accept(&Signer::coordinator(US), suspend(1, "shelling"));
    world.accept(&Signer::coordinator(US), resume(1));
    world.accept(&Signer::coordinator(US), withdraw(1, 1, Some("a truce now")));
    world.accept(&Signer::coordinator(US), propose_version(1, 1, plan));
    world.accept(&Signer::coordinator(OPP), record_consent(1, AOG, 1));
    world.accept(&Signer::coordinator(RU), report_fulfilled(3));
    world
}

#[test]
fn every_command_and_event_of_a_log_survives_a_json_round_trip() {
    let world = busy_world();
    let mut kinds: Vec<String> = Vec::new();
    for entry in &world.log {
        let text = serde_json::to_string(&entry.command).expect("commands serialise");
        let back: Command = serde_json::from_str(&text).expect("commands deserialise");
        assert_eq!(back, entry.command);
        for event in &entry.events {
            let text = serde_json::to_string(event).expect("events serialise");
            let back: Event = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{text}: {err}"));
            assert_eq!(&back, event);
            let value = serde_json::to_value(event).expect("events serialise");
            let kind = value["type"].as_str().expect("events are tagged").to_owned();
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    expect![[r#"log_started party_registered account_registered force_registered zone_defined account_key_added zone_control_recorded zone_redrawn agreement_proposed version_proposed stance_taken agreement_suspended agreement_resumed consent_recorded fulfilment_reported"#]]
    .assert_eq(&kinds.join(" "));
}

#[test]
fn a_body_parses_the_same_wherever_its_type_is() {
    let command = representative_command();
    let text = serde_json::to_string(&command).expect("commands serialise");
    assert!(text.contains(r#""body":{"type":"propose_agreement","#), "the tag is written first: {text}");
    // `type` last in the text: what comes before it is buffered, then parsed.
    let mut body = serde_json::to_value(&command.body).expect("bodies serialise");
    let tag = body.as_object_mut().and_then(|b| b.remove("type")).expect("a tag");
    let fields = body.to_string();
    let type_last = format!(r#"{}, "type": {tag}}}"#, fields.trim_end_matches('}'));
    let parsed: CommandBody = serde_json::from_str(&type_last).expect("the tag may come last");
    assert_eq!(parsed, command.body);
    // From a JSON value, whose keys are sorted (`terms` before `type`).
    let value = serde_json::to_value(&command).expect("commands serialise");
    assert_eq!(serde_json::from_value::<Command>(value).expect("parses"), command);
}

#[test]
fn a_body_without_fields_is_its_tag_alone() {
    let body = CommandBody::MarkTime {};
    expect![[r#"{"type":"mark_time"}"#]].assert_eq(&serde_json::to_string(&body).expect("serialises"));
    assert_eq!(serde_json::from_str::<CommandBody>(r#"{"type":"mark_time"}"#).expect("parses"), body);
    let err = serde_json::from_str::<CommandBody>(r#"{"type":"mark_time","at":1}"#).expect_err("no fields");
    expect!["unknown field `at`, there are no fields at line 1 column 24"].assert_eq(&err.to_string());
}

#[test]
fn every_body_of_a_log_is_written_with_its_type_first() {
    for entry in &busy_world().log {
        let text = serde_json::to_string(&entry.command.body).expect("bodies serialise");
        let prefix = format!(r#"{{"type":"{}""#, entry.command.body.kind());
        assert!(text.starts_with(&prefix), "{text}");
    }
}
