//! The demo scenario tells its story through `decide`, and malformed scenarios are refused
//! with errors that point at the step.

use crate::{AlertKind, Grade, IncidentKind, Quantity, ViolationStatus};
use std::collections::BTreeMap;

use expect_test::{expect, Expect};

use super::{summary, Scenario, ScenarioError, ScenarioStep, ALEPPO_2016_12_12_JSON};
use crate::{
    decide,
    tests::fixture::{account_id, genesis, key, ts},
    Command, CommandBody, Context, CorridorStatusKind, Nonce, Stance, State, Timestamp,
};

fn keys(scenario: &Scenario) -> BTreeMap<String, crate::PublicKeyText> {
    scenario.accounts.iter().map(|a| (a.handle.clone(), key(&format!("scenario{}", a.handle)))).collect()
}

fn commands(scenario: &Scenario) -> Result<Vec<ScenarioStep>, ScenarioError> {
    let mut nonces_count = 0u32;
    scenario.commands(&account_id(1), &keys(scenario), || {
        nonces_count += 1;
        Nonce::parse(&format!("scenario-nonce-{nonces_count:06}")).expect("22 printable characters")
    })
}

/// Starts a log as `truce init` would, an hour before `first`, then decides and applies
/// every step with `accepted_at` equal to the step's time. Panics on the first refusal.
fn load(scenario: &Scenario) -> State {
    let mut state = State::default();
    let operator_key = key("operator");
    let first = scenario.steps.first().map_or_else(|| ts("2016-12-12T00:00:00Z"), |s| s.at);
    let started = Timestamp::from_datetime(first.as_datetime() - chrono::Duration::hours(1));
    let command = Command {
        party: None,
        author: account_id(1),
        issued_at: started,
        nonce: Nonce::parse("genesis-nonce-0000").expect("18 printable characters"),
        body: CommandBody::Genesis(genesis()),
    };
    let context = Context { seq: 0, accepted_at: started, signer: operator_key.clone(), code_sha256: None };
    let events = decide(&state, &context, &command).expect("genesis is accepted");
    state.apply(&context, &command, &events);
    let keys = keys(scenario);
    for (step_idx, step) in commands(scenario).expect("the scenario has keys for every account").into_iter().enumerate()
    {
        let signer = keys.get(&step.handle).cloned().unwrap_or_else(|| operator_key.clone());
        let context = Context { seq: state.entries_count, accepted_at: step.at, signer, code_sha256: None };
        match decide(&state, &context, &step.command) {
            Ok(events) => state.apply(&context, &step.command, &events),
            Err(err) => panic!("steps[{step_idx}] ({}) was refused: {err}", step.command.body.kind()),
        }
    }
    state
}

fn aleppo() -> Scenario {
    Scenario::parse(ALEPPO_2016_12_12_JSON).expect("the demo scenario parses")
}

#[test]
fn the_demo_scenario_parses_and_every_step_is_accepted_in_order() {
    let scenario = aleppo();
    let state = load(&scenario);
    assert_eq!(state.entries_count as usize, scenario.steps.len() + 1);
    expect!["parties: EA-OPP EFE RU SY UN US US-ALLIES VC; forces: EA-AOG SAF; zones: EA SUK; accounts: 11"].assert_eq(
        &format!(
            "parties: {}; forces: {}; zones: {}; accounts: {}",
            sorted(state.coordination.parties.values().map(|p| p.code.to_string())),
            state.coordination.forces.values().map(|f| f.code.to_string()).collect::<Vec<_>>().join(" "),
            state.coordination.zones.values().map(|z| z.code.to_string()).collect::<Vec<_>>().join(" "),
            state.accounts.len(),
        ),
    );
}

fn sorted(items: impl Iterator<Item = String>) -> String {
    let mut items: Vec<String> = items.collect();
    items.sort();
    items.join(" ")
}

#[test]
fn the_demo_scenario_tells_the_story_of_the_article() {
    let state = load(&aleppo());
    assert_eq!(state.coordination.agreements.len(), 1);
    let agreement = state.coordination.agreements.values().next().expect("one agreement");
    assert_eq!(agreement.versions.len(), 3, "two in the article, a third in the illustrative phase");
    let code = |party_id: &crate::PartyId| state.coordination.parties[party_id].code.to_string();

    let v1: Vec<(String, &Stance)> =
        agreement.versions[0].stances.iter().map(|s| (code(&s.party_id), &s.stance)).collect();
    assert_eq!(code(&agreement.versions[0].proposed_by), "RU");
    assert!(matches!(v1.as_slice(), [
        (ru, Stance::Endorsed),
        (us, Stance::Endorsed),
        (us_again, Stance::Withdrawn { reason: Some(_) }),
    ] if ru == "RU" && us == "US" && us_again == "US"));

    let v2 = &agreement.versions[1];
    assert_eq!(code(&v2.proposed_by), "US");
    assert!(matches!(v2.terms.truce.as_ref().map(|t| &t.start), Some(crate::TruceStart::Immediately)));
    let rejection = v2.stances.iter().rev().find(|s| code(&s.party_id) == "RU").expect("Russia took a stance on v2");
    assert_eq!(
        rejection.stance,
        Stance::Rejected {
            reason: crate::Reason::parse(
                "We have already gone through this. This will mean that militants will once again get a respite."
            )
            .expect("a reason")
        }
    );

    let end = ts("2016-12-12T23:59:59Z");
    let status = state.coordination.agreement_status(&agreement.agreement_id, end).expect("the agreement exists");
    assert_eq!((status.effective_version, status.in_force), (None, false));
    for corridor_id in state.coordination.corridors.keys() {
        let at_noon =
            state.coordination.corridor_status(corridor_id, ts("2016-12-12T12:00:00Z")).expect("proposed by noon");
        assert_eq!(at_noon.status, CorridorStatusKind::Proposed);
        let at_end = state.coordination.corridor_status(corridor_id, end).expect("proposed by the end");
        assert_eq!(at_end.status, CorridorStatusKind::Closed, "v2 has no corridors");
    }
}

#[test]
fn the_demo_scenario_records_the_monitoring_facts_of_the_article() {
    let state = load(&aleppo());
    let estimate = state.monitoring.estimates.values().next().expect("the trapped-population estimate");
    assert_eq!(
        (
            estimate.people,
            estimate.source.organisation.as_str(),
            state.coordination.zones[&estimate.zone_id].code.as_str()
        ),
        (Quantity::About(100_000), "EFE", "EA")
    );
    let kinds: Vec<(IncidentKind, Grade)> = state
        .monitoring
        .incidents
        .values()
        .filter(|i| i.reported_at < ts("2016-12-13T00:00:00Z"))
        .map(|i| (i.current().kind, state.grade(i)))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (IncidentKind::Shelling, Grade::SingleSource),
            (IncidentKind::Displacement, Grade::SingleSource),
            (IncidentKind::Casualties, Grade::SingleSource),
            (IncidentKind::FrontLineChange, Grade::SingleSource),
            (IncidentKind::Atrocity, Grade::SingleSource),
        ]
    );
    let casualties = state.monitoring.incidents.values().find(|i| i.current().kind == IncidentKind::Casualties);
    assert_eq!(state.figures(casualties.expect("reported")), Vec::new(), "the count is unknown, not zero");
    let statement = state.monitoring.statements.values().next().expect("the Secretary-General's statement");
    assert!(statement.text.as_str().contains("not able to independently verify"));
    assert_eq!(statement.stances, Vec::new());
    let sukkari = state.coordination.zones.values().find(|z| z.code.as_str() == "SUK").expect("al-Sukkari");
    let controller = sukkari.controlled_by_at(ts("2016-12-12T12:00:00Z")).expect("recorded");
    assert_eq!(state.coordination.forces[controller].code.as_str(), "SAF");
}

#[test]
fn in_the_illustrative_phase_a_shelling_in_an_open_corridor_is_alleged_then_substantiated() {
    let state = load(&aleppo());
    let incident = state
        .monitoring
        .incidents
        .values()
        .find(|i| i.reported_at >= ts("2016-12-13T00:00:00Z"))
        .expect("the illustrative incident");
    let violations = state.violations_of(&incident.incident_id);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].status, ViolationStatus::Substantiated);
    let alerts: Vec<(AlertKind, Option<ViolationStatus>)> = state
        .alerts
        .iter()
        .filter(|a| a.incident_id.as_ref() == Some(&incident.incident_id))
        .map(|a| (a.kind, a.violation_status))
        .collect();
    assert_eq!(
        alerts,
        vec![
            (AlertKind::ViolationNew, Some(ViolationStatus::Alleged)),
            (AlertKind::ViolationChanged, Some(ViolationStatus::Substantiated)),
        ]
    );
    let corridor = state.coordination.corridors.values().find(|c| c.spec.code.as_str() == "EA-1").expect("EA-1");
    let status =
        state.coordination.corridor_status(&corridor.spec.corridor_id, ts("2016-12-13T08:45:00Z")).expect("defined");
    assert_eq!((status.status, status.open_for.clone()), (CorridorStatusKind::Open, vec![crate::Group::Wounded]));
}

#[test]
fn in_the_illustrative_phase_each_sources_counts_of_ea_1_stand_beside_the_trapped_estimate() {
    let state = load(&aleppo());
    let corridor = state.coordination.corridors.values().find(|c| c.spec.code.as_str() == "EA-1").expect("EA-1");
    let origin = &corridor.spec.origin_zone_id;
    let lines: Vec<String> = state
        .monitoring
        .movement(&corridor.spec.corridor_id, origin, ts("2016-12-13T23:59:59Z"))
        .iter()
        .flat_map(|side| {
            side.series.iter().map(move |series| {
                let figures: Vec<String> = series.history.iter().map(|f| f.count().people.to_string()).collect();
                format!(
                    "{}: {:?} {:?}: {}",
                    side.organisation.as_str(),
                    series.about.direction,
                    series.about.basis,
                    figures.join(", ")
                )
            })
        })
        .collect();
    expect![[r#"
        Ceasefire verification cell (illustrative): Outbound Increment: about 150, 60 to 80
        Second media organisation (illustrative): Outbound Cumulative: at least 200"#]]
    .assert_eq(&lines.join("\n"));
    let trapped = state.monitoring.population(origin, ts("2016-12-13T23:59:59Z"));
    assert_eq!((trapped.len(), trapped[0].organisation.as_str()), (1, "EFE"), "against EFE's estimate of the trapped");
}

#[test]
fn in_the_illustrative_phase_the_first_entry_after_06_00_alerts_the_corridors_opening_then() {
    // And the first after 12:00 (the cell's second count of the wounded) the windows that
    // opened at noon.
    let state = load(&aleppo());
    let openings: Vec<String> = state
        .alerts
        .iter()
        .filter(|a| a.corridor_id.is_some())
        .map(|a| format!("{:?} {} at {:?}: {}", a.kind, a.raised_at, a.effective_at.map(|t| t.to_string()), a.headline))
        .collect();
    expect![[r#"
        CorridorOpened 2016-12-13T09:00:00Z at Some("2016-12-13T06:00:00Z"): Corridors for leaving East Aleppo: corridor EA-2 (Bustan al-Qasr crossing to government-held West Aleppo) opened for the wounded
        CorridorOpened 2016-12-13T09:00:00Z at Some("2016-12-13T06:00:00Z"): Corridors for leaving East Aleppo: corridor EA-1 (al-Sukkari to Ramouseh and the western countryside) opened for the wounded
        CorridorChanged 2016-12-13T12:10:00Z at Some("2016-12-13T12:00:00Z"): Corridors for leaving East Aleppo: corridor EA-2 (Bustan al-Qasr crossing to government-held West Aleppo) now open for civilians
        CorridorOpened 2016-12-13T12:10:00Z at Some("2016-12-13T12:00:00Z"): Corridors for leaving East Aleppo: corridor EA-3 (Northern exit to the Castello road, towards Idlib) opened for civilians
        CorridorChanged 2016-12-13T12:10:00Z at Some("2016-12-13T12:00:00Z"): Corridors for leaving East Aleppo: corridor EA-1 (al-Sukkari to Ramouseh and the western countryside) now open for civilians"#]].assert_eq(&openings.join("\n"));
}

#[track_caller]
fn check_summary(state: &State, at: &str, expect: Expect) {
    expect.assert_eq(&summary(state, ts(at)));
}

#[test]
fn the_summary_of_the_thread_reads_as_the_article() {
    let state = load(&aleppo());
    check_summary(
        &state,
        "2016-12-12T23:59:59Z",
        expect![[r#"
        Corridors for leaving East Aleppo (proposed by RU at 2016-12-12T09:00:00Z)
          v1 by RU at 2016-12-12T09:00:00Z
            note: Corridors to be used in leaving the besieged area, defined in advance. "We undertake commitments to guarantee that these corridors won't be attacked by Syrian armed forces, while Americans undertake commitments together with their regional allies to get militants' consent to leave eastern Aleppo via these safe corridors."
            corridors: EA-1, EA-2, EA-3; truce on EA when 6 commitments are fulfilled
            commitments: RU no_attack on EA-1, RU no_attack on EA-2, RU no_attack on EA-3, US secure_consent on EA-1, US secure_consent on EA-2, US secure_consent on EA-3, US-ALLIES secure_consent on EA-1, US-ALLIES secure_consent on EA-2, US-ALLIES secure_consent on EA-3
            signatories: RU, US, US-ALLIES
            2016-12-12T09:05:00Z RU endorsed
            2016-12-12T10:00:00Z US endorsed
            2016-12-12T14:00:00Z US withdrew its endorsement: The United States insists on implementing the truce immediately, without prior coordination (as reported by the Russian Foreign Minister).
            status: superseded
          v2 by US at 2016-12-12T14:05:00Z
            note: A truce that starts immediately, without prior coordination of corridors.
            corridors: no corridors; truce on EA immediately
            commitments: RU cease_fire on EA, US cease_fire on EA
            signatories: RU, US
            2016-12-12T14:06:00Z US endorsed
            2016-12-12T16:00:00Z RU rejected: We have already gone through this. This will mean that militants will once again get a respite.
            status: rejected
          as of 2016-12-12T23:59:59Z: rejected, no version agreed, not in force
          corridors: EA-1 closed, EA-2 closed, EA-3 closed
    "#]],
    );
}

#[test]
fn the_summary_as_of_earlier_instants_gives_the_earlier_story() {
    let state = load(&aleppo());
    check_summary(&state, "2016-12-12T08:59:59Z", expect![[r#""#]]);
    check_summary(
        &state,
        "2016-12-12T10:30:00Z",
        expect![[r#"
        Corridors for leaving East Aleppo (proposed by RU at 2016-12-12T09:00:00Z)
          v1 by RU at 2016-12-12T09:00:00Z
            note: Corridors to be used in leaving the besieged area, defined in advance. "We undertake commitments to guarantee that these corridors won't be attacked by Syrian armed forces, while Americans undertake commitments together with their regional allies to get militants' consent to leave eastern Aleppo via these safe corridors."
            corridors: EA-1, EA-2, EA-3; truce on EA when 6 commitments are fulfilled
            commitments: RU no_attack on EA-1, RU no_attack on EA-2, RU no_attack on EA-3, US secure_consent on EA-1, US secure_consent on EA-2, US secure_consent on EA-3, US-ALLIES secure_consent on EA-1, US-ALLIES secure_consent on EA-2, US-ALLIES secure_consent on EA-3
            signatories: RU, US, US-ALLIES
            2016-12-12T09:05:00Z RU endorsed
            2016-12-12T10:00:00Z US endorsed
            status: proposed
          as of 2016-12-12T10:30:00Z: proposed, no version agreed, not in force
          corridors: EA-1 proposed, EA-2 proposed, EA-3 proposed
    "#]],
    );
}

#[test]
fn the_demo_scenario_marks_its_invented_geometry_as_illustrative() {
    let state = load(&aleppo());
    assert!(state.coordination.zones.values().all(|z| z.illustrative));
    assert!(state.coordination.corridors.values().all(|c| c.spec.illustrative));
    assert!(aleppo().description.as_str().contains("illustrative"));
}

#[test]
fn the_demo_scenario_ids_are_uuid_v7_of_its_two_days() {
    // Every id-shaped string in the file: version 7, RFC 4122 variant, and a timestamp on
    // Monday 12 December 2016 or, for the illustrative second phase, the day after.
    let day_start_ms = ts("2016-12-12T00:00:00Z").unix_ms();
    let day_end_ms = ts("2016-12-14T00:00:00Z").unix_ms();
    let mut ids_count = 0;
    for word in ALEPPO_2016_12_12_JSON.split('"').filter(|w| w.len() == 36 && w.matches('-').count() == 4) {
        let id = uuid::Uuid::try_parse(word).expect("id-shaped strings are UUIDs");
        assert_eq!(id.get_version_num(), 7, "{word}");
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122, "{word}");
        let (seconds, nanos) = id.get_timestamp().expect("a v7 UUID has a timestamp").to_unix();
        let ms = i64::try_from(seconds).expect("2016 fits") * 1000 + i64::from(nanos / 1_000_000);
        assert!((day_start_ms..day_end_ms).contains(&ms), "{word} is not of 12 or 13 December 2016");
        ids_count += 1;
    }
    assert!(ids_count > 30, "found only {ids_count} ids");
}

#[test]
fn a_scenario_survives_a_json_round_trip() {
    let scenario = aleppo();
    let text = serde_json::to_string_pretty(&scenario).expect("scenarios serialise");
    assert_eq!(Scenario::parse(&text), Ok(scenario));
}

#[test]
fn register_account_steps_take_the_account_and_the_supplied_key() {
    let scenario = aleppo();
    let steps = commands(&scenario).expect("keys are supplied");
    let register = steps
        .iter()
        .find(|s| matches!(&s.command.body, CommandBody::RegisterAccount { name, .. } if name.as_str() == "Russian liaison"))
        .expect("the Russian liaison is registered");
    let text = serde_json::to_string(&register.command).expect("commands serialise");
    expect![[r#"{"party":null,"author":"00000002-0000-7000-8000-000000000001","issued_at":"2016-12-12T07:10:00Z","nonce":"scenario-nonce-000008","body":{"type":"register_account","account_id":"0158f1dd-e140-76b6-9213-3f91fed0d093","party_id":"0158f1d4-b980-7cf0-83b7-4fed5435a974","name":"Russian liaison","roles":["coordinator"],"public_key":"scenarioruAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}"#]]
    .assert_eq(&text);
    let endorsement = steps.iter().find(|s| s.command.body.kind() == "endorse").expect("someone endorses");
    // The parties' acts are reported by the verification cell, on behalf of the party.
    let cell = scenario.accounts.iter().find(|a| a.handle == "cell").expect("the cell's analyst");
    assert_eq!(endorsement.handle, "cell");
    assert_eq!(endorsement.command.party, cell.party_id);
    assert_eq!(endorsement.command.author, cell.account_id);
    let CommandBody::Endorse { reported: Some(reported), effective_at, .. } = &endorsement.command.body else {
        panic!("the endorsement is reported: {:?}", endorsement.command.body);
    };
    assert_eq!(Some(&reported.party_id), scenario.accounts[0].party_id.as_ref(), "Russia endorsed");
    assert_eq!(*effective_at, Some(endorsement.at), "at the time the article gives");
    assert_eq!(endorsement.command.issued_at, endorsement.at);
    assert_eq!(
        scenario.handles_to_register(),
        ["ru", "us", "allies", "sy", "opp", "un", "efe", "un-analyst", "media2", "cell"]
    );
}

/// A scenario of one account, `ru`, with the given steps (JSON array text).
fn scenario_with_steps(steps: &str) -> String {
    format!(
        r#"{{"name": "test", "description": "test (illustrative)",
            "accounts": [{{"handle": "ru", "account_id": "0158f1dd-e140-76b6-9213-3f91fed0d093",
                          "party_id": "0158f1d4-b980-7cf0-83b7-4fed5435a974", "name": "Russian liaison",
                          "roles": ["coordinator"]}}],
            "steps": {steps}}}"#
    )
}

#[track_caller]
fn check(text: &str, expect: Expect) {
    let actual = match Scenario::parse(text) {
        Ok(scenario) => match commands(&scenario) {
            Ok(steps) => format!("ok {} steps", steps.len()),
            Err(err) => format!("commands: {err}"),
        },
        Err(err) => format!("parse: {err}"),
    };
    expect.assert_eq(&actual);
}

const REGISTER_RU: &str =
    r#"{"at": "2016-12-12T07:10:00Z", "as": "operator", "body": {"type": "register_account", "handle": "ru"}}"#;
const RU_PROPOSES: &str = r#"{"at": "2016-12-12T09:00:00Z", "as": "ru", "body": {"type": "endorse", "agreement_id": "0158f2bb-4f00-7abc-8def-000000000001", "version": 1}}"#;

#[test]
fn a_well_formed_small_scenario_gives_its_commands() {
    check(&scenario_with_steps(&format!("[{REGISTER_RU}, {RU_PROPOSES}]")), expect!["ok 2 steps"]);
}

#[test]
fn a_step_as_an_account_not_yet_registered_is_refused() {
    check(
        &scenario_with_steps(&format!("[{RU_PROPOSES}, {REGISTER_RU}]")),
        expect![[r#"parse: steps[0] acts as "ru" before a step registers that account"#]],
    );
}

#[test]
fn a_step_as_an_unknown_account_is_refused() {
    let step = RU_PROPOSES.replace(r#""as": "ru""#, r#""as": "us""#);
    check(
        &scenario_with_steps(&format!("[{REGISTER_RU}, {step}]")),
        expect![[r#"parse: steps[1] names account "us", which is neither "operator" nor in the scenario's accounts"#]],
    );
    let step = REGISTER_RU.replace(r#""handle": "ru""#, r#""handle": "us""#);
    check(
        &scenario_with_steps(&format!("[{step}]")),
        expect![[r#"parse: steps[0] names account "us", which is neither "operator" nor in the scenario's accounts"#]],
    );
}

#[test]
fn registering_an_account_twice_is_refused() {
    check(
        &scenario_with_steps(&format!("[{REGISTER_RU}, {REGISTER_RU}]")),
        expect![[r#"parse: steps[1] registers account "ru" a second time"#]],
    );
}

#[test]
fn a_register_account_step_carrying_its_own_key_is_refused() {
    let step = REGISTER_RU.replace(
        r#""handle": "ru""#,
        r#""handle": "ru", "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=""#,
    );
    check(
        &scenario_with_steps(&format!("[{step}]")),
        expect![[
            r#"parse: steps[0].body: unknown field `public_key`, expected `type` or `handle` (a scenario's register_account names only the "handle" of one of its accounts)"#
        ]],
    );
}

#[test]
fn a_genesis_step_is_refused() {
    let step = r#"{"at": "2016-12-12T07:00:00Z", "as": "operator", "body": {"type": "genesis",
        "operator_account_id": "0158f1dd-e140-76b6-9213-3f91fed0d094", "operator_name": "Operator",
        "operator_public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "log_origin": "x"}}"#;
    check(
        &scenario_with_steps(&format!("[{step}]")),
        expect!["parse: steps[0] is a genesis; a log's genesis comes from `truce init`, not from a scenario"],
    );
}

#[test]
fn a_step_before_the_step_ahead_of_it_is_refused() {
    let step = RU_PROPOSES.replace("2016-12-12T09:00:00Z", "2016-12-12T07:00:00Z");
    check(
        &scenario_with_steps(&format!("[{REGISTER_RU}, {step}]")),
        expect!["parse: steps[1] is at 2016-12-12T07:00:00Z, earlier than the step before it"],
    );
}

#[test]
fn a_bad_command_body_is_refused_with_its_step() {
    let step = RU_PROPOSES.replace(r#""version": 1"#, r#""version": "one""#);
    check(
        &scenario_with_steps(&format!("[{REGISTER_RU}, {step}]")),
        expect![[r#"parse: steps[1].body: invalid type: string "one", expected u32"#]],
    );
}

#[test]
fn accounts_with_reserved_duplicate_or_malformed_handles_are_refused() {
    let text = scenario_with_steps("[]");
    check(
        &text.replace(r#""handle": "ru""#, r#""handle": "operator""#),
        expect![[r#"parse: the handle "operator" is reserved for the operator account created by `truce init`"#]],
    );
    check(
        &text.replace(r#""handle": "ru""#, r#""handle": "r u""#),
        expect![[r#"parse: handle "r u" must be 1 to 32 ASCII letters, digits, '-' or '_'"#]],
    );
    let twice = text.replace(r#""accounts": ["#, r#""accounts": [{"handle": "ru", "account_id": "0158f1dd-e140-76b6-9213-3f91fed0d099", "name": "Other", "roles": ["monitor"]}, "#);
    check(&twice, expect![[r#"parse: account handle "ru" is listed twice"#]]);
}

#[test]
fn text_that_is_not_the_format_is_refused() {
    check("{", expect!["parse: the scenario is not valid JSON of the scenario format: EOF while parsing an object at line 1 column 1"]);
    check(r#"{"name": "x"}"#, expect!["parse: the scenario is not valid JSON of the scenario format: missing field `description` at line 1 column 13"]);
}

#[test]
fn a_missing_key_is_reported_by_handle() {
    let scenario = Scenario::parse(&scenario_with_steps(&format!("[{REGISTER_RU}]"))).expect("the scenario parses");
    let nonce = || Nonce::parse("scenario-nonce-000001").expect("printable");
    let err = scenario.commands(&account_id(1), &BTreeMap::new(), nonce).expect_err("no key was supplied");
    assert_eq!(err, ScenarioError::MissingKey { handle: "ru".to_owned() });
    expect![[r#"no public key was supplied for account "ru""#]].assert_eq(&err.to_string());
}
