//! The wire format: commands and events as JSON. Commands are what authors sign and events
//! are written into the ledger, so their shape is pinned here by snapshots and round trips.

use expect_test::{expect, Expect};
use serde_json::json;

use super::fixture::*;
use crate::{Command, CommandBody, CommitmentKind, Event, Group, Nonce, ParseFault, Scope, TruceStart};

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
    plan.commitments[0].conditions = vec![holds(commitment_id(2))];
    plan.commitments[0].window = Some(window("2016-12-13T06:00:00Z", "2016-12-14T18:00:00Z"));
    plan.truce.as_mut().expect("the plan has a truce").end = Some(ts("2016-12-15T00:00:00Z"));
    let ru = Signer::coordinator(RU);
    Command {
        party: ru.party,
        author: ru.account,
        issued_at: ts("2016-12-12T09:00:00Z"),
        nonce: Nonce::parse("r8Xq2mZpLw4TbN7c").expect("16 printable characters"),
        body: CommandBody::ProposeAgreement {
            effective_at: None,
            reported: None,
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
                        {
                          "commitment_id": "00000007-0000-7000-8000-000000000002",
                          "requires": "holds"
                        }
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
        stance: crate::Stance::Rejected { reason: reason("We have already gone through this.") },
        effective_at: crate::Timestamp::parse("2016-12-12T10:00:00Z").expect("a valid time"),
        provenance: crate::Provenance::Attested { author: account_id(2) },
    };
    let text = serde_json::to_string(&event).expect("events serialise");
    expect![[r#"{"type":"stance_taken","agreement_id":"00000006-0000-7000-8000-000000000001","version":2,"party_id":"00000001-0000-7000-8000-000000000001","stance":{"stance":"rejected","reason":"We have already gone through this."},"effective_at":"2016-12-12T10:00:00Z","provenance":{"provenance":"attested","author":"00000002-0000-7000-8000-000000000002"}}"#]]
    .assert_eq(&text);
    let back: Event = serde_json::from_str(&text).expect("a serialised event deserialises");
    assert_eq!(back, event);
}

/// A log that uses every kind of command, so that every kind of event is written.
fn busy_world() -> World {
    let mut world = World::new();
    let operator = Signer::operator();
    world
        .accept(&operator, CommandBody::AddAccountKey { account_id: account_id(1), public_key: key("operatorsecond") });
    let code = "0123456789abcdef0123456789abcdef";
    let expires_at = crate::Timestamp::from_datetime(world.now.as_datetime() + chrono::Duration::hours(1));
    let open = CommandBody::CreateEnrolment { account_id: account_id(2), code_sha256: code_hash(code), expires_at };
    world.accept(&Signer::coordinator(RU), open);
    let second = Signer { key: key("party1second"), ..Signer::coordinator(RU) };
    world.enrol(&second, code).expect("the enrolment is open");
    let revoke = CommandBody::RevokeKey { account_id: account_id(2), public_key: key("party1second"), reason: None };
    world.accept(&Signer::coordinator(RU), revoke);
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
    expect!["log_started party_registered account_registered force_registered zone_defined account_key_added enrolment_created account_key_enrolled account_key_revoked zone_control_recorded zone_redrawn agreement_proposed version_proposed stance_taken agreement_suspended agreement_resumed consent_recorded fulfilment_reported"]
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
    // From a JSON value, whose keys are sorted (`terms` before `type`), both ways.
    let value = serde_json::to_value(&command).expect("commands serialise");
    assert_eq!(serde_json::from_value::<Command>(value.clone()).expect("parses"), command);
    assert_eq!(Command::from_json(&value).expect("parses"), command);
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

/// `Command::from_json` on `representative_command` with `value` at `pointer`: the path of
/// the first bad field and why, with a refusal of the domain told apart from a malformed value.
#[track_caller]
fn parse_error(pointer: &str, value: serde_json::Value) -> String {
    let mut command = serde_json::to_value(representative_command()).expect("commands serialise");
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let parent = command.pointer_mut(parent).and_then(|p| p.as_object_mut());
    parent.map(|p| p.insert(key.to_owned(), value)).expect("the parent is an object");
    let err = Command::from_json(&command).expect_err("the command is bad");
    match err.fault {
        ParseFault::Refused(refusal) => format!("{} refused ({}): {refusal}", err.path, refusal.kind()),
        ParseFault::Malformed(message) => format!("{} malformed: {message}", err.path),
    }
}

#[test]
fn a_command_that_does_not_parse_is_named_by_the_full_path_of_its_first_bad_field() {
    let corridor = "/body/terms/corridors/0";
    let errors = [
        parse_error(&format!("{corridor}/windows/1/end"), json!(5)),
        parse_error(&format!("{corridor}/windows/1/end"), json!("2016-12-13T11:00:00Z")),
        parse_error(&format!("{corridor}/route/coordinates"), json!([[37.1, 36.1], [37.1, 36.1]])),
        parse_error(&format!("{corridor}/route/coordinates"), json!([[37.1, 36.1], [37.2, 91.0]])),
        parse_error("/body/terms/commitments/1/force_ids", json!(["x"])),
        parse_error("/body/terms/truce/end", json!({})),
        parse_error("/body/title", json!(" ")),
        parse_error("/body/type", json!("surrender")),
        parse_error("/body", json!({"agreement_id": 1})),
        parse_error("/body", json!([])),
        parse_error("/body/speed", json!(1)),
        parse_error("/issued_at", json!("yesterday")),
    ];
    expect![[r#"
        body.terms.corridors[0].windows[1].end malformed: invalid type: integer `5`, expected a string
        body.terms.corridors[0].windows[1] refused (window-not-after-start): window ends at 2016-12-13T11:00:00Z which is not after its start 2016-12-13T12:00:00Z
        body.terms.corridors[0].route refused (zero-length-route): the route has zero length
        body.terms.corridors[0].route refused (invalid-input): coordinate is not a finite longitude/latitude pair in range: [37.2, 91]
        body.terms.commitments[1].force_ids[0] refused (invalid-input): force_id "x" is not a UUIDv7
        body.terms.truce.end malformed: invalid type: map, expected a string
        body.title refused (invalid-input): name is empty
        body.type malformed: unknown variant `surrender`, expected one of `genesis`, `register_party`, `register_account`, `add_account_key`, `create_enrolment`, `enrol_key`, `revoke_key`, `set_encryption_key`, `register_force`, `define_zone`, `redraw_zone`, `record_zone_control`, `propose_agreement`, `propose_version`, `endorse`, `reject`, `withdraw`, `suspend`, `resume`, `declare_broken`, `declare_completed`, `record_consent`, `report_fulfilled`, `report_incident`, `add_source`, `correct_incident`, `grade_incident`, `mark_duplicate`, `dismiss_violation`, `make_statement`, `record_reading`, `record_observation`, `estimate_population`, `record_passage`, `report_total`, `schedule_convoy`, `update_convoy`, `notify_humanitarian`, `withdraw_notification`, `acknowledge_notification`, `acknowledge_alert`, `mark_time`, `retract`
        body malformed: missing field `type`
        body malformed: invalid type: sequence, expected an object with a `type` field
        body.speed malformed: unknown field `speed`, expected one of `agreement_id`, `title`, `terms`, `note`, `effective_at`, `reported`
        issued_at refused (invalid-input): "yesterday" is not an RFC 3339 UTC timestamp"#]]
    .assert_eq(&errors.join("\n"));
}

#[test]
fn a_refusal_is_kept_typed_only_while_a_command_is_parsed() {
    // Outside `from_json`, a failed conversion leaves nothing behind for the next parse.
    assert!(serde_json::from_str::<crate::Timestamp>(r#""yesterday""#).is_err());
    let mut value = serde_json::to_value(representative_command()).expect("commands serialise");
    value["body"]["version"] = json!(1);
    let err = Command::from_json(&value).expect_err("propose_agreement has no version");
    assert!(matches!(err.fault, ParseFault::Malformed(_)), "{err:?}");
    assert_eq!(err.path, "body.version");
}
#[test]
fn from_json_accepts_and_refuses_what_serde_json_does() {
    let endorse = json!({"type": "endorse", "agreement_id": "00000006-0000-7000-8000-000000000001", "version": 1});
    let bodies = [
        endorse.clone(),
        json!({"type": 10, "agreement_id": "00000006-0000-7000-8000-000000000001", "version": 1}),
        json!({"type": "endorse", "agreement_id": "00000006-0000-7000-8000-000000000001", "version": 1.0}),
        json!({"type": "endorse", "agreement_id": "00000006-0000-7000-8000-000000000001", "version": "1"}),
        json!({"type": "endorse", "agreement_id": "00000006-0000-7000-8000-000000000001", "version": -1}),
        json!({"type": "withdraw", "agreement_id": "00000006-0000-7000-8000-000000000001", "version": 1, "reason": null}),
        json!({"type": "withdraw", "agreement_id": "00000006-0000-7000-8000-000000000001", "version": 1, "reason": 5}),
        json!({"type": "mark_time"}),
        json!({"type": "mark_time", "x": null}),
        json!({"type": ["endorse"]}),
        json!({"type": null}),
        json!("endorse"),
        json!({"endorse": {"agreement_id": "00000006-0000-7000-8000-000000000001", "version": 1}}),
    ];
    let mut command = serde_json::to_value(representative_command()).expect("commands serialise");
    let mut halfway = command.clone();
    halfway["body"]["terms"]["corridors"][0]["half_width_m"] = json!(300);
    halfway["body"]["terms"]["commitments"][0]["scope"] = json!({"corridor": 5});
    let mut commands = vec![command.clone(), halfway];
    for body in bodies {
        command["body"] = body;
        commands.push(command.clone());
    }
    for value in commands {
        let ours = Command::from_json(&value).map_err(|err| match err.fault {
            ParseFault::Refused(refusal) => refusal.to_string(),
            ParseFault::Malformed(message) => message,
        });
        let theirs = serde_json::from_value::<Command>(value.clone()).map_err(|err| err.to_string());
        assert_eq!(ours, theirs, "{value}");
    }
}

#[test]
fn names_in_other_languages_are_refused_at_the_path_of_their_tag_and_kept_when_good() {
    let names = "/body/terms/corridors/0/names";
    let too_many: serde_json::Map<String, serde_json::Value> =
        (0..=crate::NAMES_PER_RECORD_MAX as u8).map(|i| (format!("a{}", char::from(b'a' + i)), json!("x"))).collect();
    let errors = [
        parse_error(names, json!({"AR": "ممر"})),
        parse_error(names, json!({"ar-SY": "ممر"})),
        parse_error(names, json!({"a": "x"})),
        parse_error(names, json!({"ar": " "})),
        parse_error(names, json!({"ru": "ы".repeat(crate::NAME_LEN_MAX + 1)})),
        parse_error(names, json!({"ar": 5})),
        parse_error(names, json!(["ar"])),
        parse_error(names, serde_json::Value::Object(too_many)),
    ];
    expect![[r#"
        body.terms.corridors[0].names.AR refused (invalid-input): language tag "AR" is not a BCP 47 primary language subtag (2 or 3 lower-case letters)
        body.terms.corridors[0].names.ar-SY refused (invalid-input): language tag "ar-SY" is not a BCP 47 primary language subtag (2 or 3 lower-case letters)
        body.terms.corridors[0].names.a refused (invalid-input): language tag "a" is not a BCP 47 primary language subtag (2 or 3 lower-case letters)
        body.terms.corridors[0].names.ar refused (invalid-input): name is empty
        body.terms.corridors[0].names.ru refused (invalid-input): name has 201 characters, at most 200 allowed
        body.terms.corridors[0].names.ar malformed: invalid type: integer `5`, expected a string
        body.terms.corridors[0].names malformed: invalid type: sequence, expected an object from language tags to names
        body.terms.corridors[0].names refused (invalid-input): names has 17 items, at most 16 allowed"#]]
    .assert_eq(&errors.join("\n"));

    // Good names are kept, by tag; absent ones are `{}` and leave the canonical text as
    // it was before `names` existed (`a_proposal_serialises_to_the_pinned_json`).
    let mut value = serde_json::to_value(representative_command()).expect("commands serialise");
    assert!(!value.to_string().contains("names"), "{value}");
    value["body"]["terms"]["corridors"][0]["names"] = json!({"ru": "Рамуса", "ar": "الراموسة"});
    let command = Command::from_json(&value).expect("names in two languages parse");
    let CommandBody::ProposeAgreement { terms, .. } = &command.body else {
        panic!("a proposal: {command:?}");
    };
    let corridor_names = &terms.corridors[0].names;
    assert_eq!(corridor_names.get("ar").map(crate::Name::as_str), Some("الراموسة"));
    assert_eq!(corridor_names.get("ru").map(crate::Name::as_str), Some("Рамуса"));
    assert_eq!(corridor_names.get("en"), None);
    assert_eq!(serde_json::to_value(&command).expect("serialises"), value);
}

/// A projection snapshot writes the monitoring record apart: inside
/// `serializing_without_monitoring` a state serializes without it, outside (and after a panic
/// inside) with it, and a state read without it has an empty one.
#[test]
fn a_state_serializes_without_its_monitoring_record_only_while_asked() {
    let state = crate::State::default();
    let keys = |value: serde_json::Value| value.as_object().expect("a state is an object").contains_key("monitoring");
    assert!(keys(serde_json::to_value(&state).expect("serializes")));
    let apart = crate::serializing_without_monitoring(|| serde_json::to_value(&state).expect("serializes"));
    assert!(!keys(apart.clone()), "{apart}");
    let read: crate::State = serde_json::from_value(apart).expect("read back without it");
    assert_eq!(read, state);
    let panicked = std::panic::catch_unwind(|| crate::serializing_without_monitoring(|| panic!("inside")));
    assert!(panicked.is_err());
    assert!(keys(serde_json::to_value(&state).expect("serializes")), "the flag is put back after a panic");
}
