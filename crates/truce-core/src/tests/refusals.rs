//! Commands `decide` must refuse, each with the exact error, and without any event or any
//! change to the state.

use expect_test::{expect, Expect};

use super::fixture::*;
use crate::{decide, Command, CommandBody, CommitmentKind, Context, PartyKind, Role, Scope, TruceStart};

/// Decides the prepared command and renders the outcome as `<problem kind>: <message>`.
/// Also asserts that the state is unchanged and, for a refusal, that no event came out.
#[track_caller]
fn check(world: &World, context: &Context, command: &Command, expect: Expect) {
    let before = world.state.clone();
    let actual = match decide(&world.state, context, command) {
        Ok(events) => format!("accepted with {} events", events.len()),
        Err(err) => format!("{}: {err}", err.kind()),
    };
    assert_eq!(world.state, before, "decide never changes the state");
    expect.assert_eq(&actual);
}

/// Prepares the signer's command as of now and checks it.
#[track_caller]
fn check_body(world: &mut World, signer: &Signer, body: CommandBody, expect: Expect) {
    let command = world.command(signer, body);
    let context = world.context(signer);
    check(world, &context, &command, expect);
}

fn world_with_plan() -> World {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    world
}

#[test]
fn endorsing_a_superseded_version_is_refused() {
    let mut world = world_with_plan();
    world.accept(&Signer::coordinator(US), propose_version(1, 1, corridor_plan(TruceStart::Immediately)));
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        endorse(1, 1),
        expect!["version-superseded: version 1 is superseded by version 2"],
    );
}

#[test]
fn rejecting_a_superseded_version_is_refused() {
    let mut world = world_with_plan();
    world.accept(&Signer::coordinator(US), propose_version(1, 1, corridor_plan(TruceStart::Immediately)));
    check_body(
        &mut world,
        &Signer::coordinator(US),
        reject(1, 1, "too late"),
        expect!["version-superseded: version 1 is superseded by version 2"],
    );
}

#[test]
fn endorsing_by_a_party_that_is_not_a_required_signatory_is_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(SY),
        endorse(1, 1),
        expect![
            "not-a-signatory: party SY (00000001-0000-7000-8000-000000000003) is not a required signatory of version 1"
        ],
    );
}

#[test]
fn endorsing_twice_is_refused() {
    let mut world = world_with_plan();
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        endorse(1, 1),
        expect!["already-endorsed: party RU (00000001-0000-7000-8000-000000000001) has already endorsed version 1"],
    );
}

#[test]
fn endorsing_a_version_that_does_not_exist_is_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        endorse(1, 2),
        expect!["unknown-reference: version 2 of agreement 00000006-0000-7000-8000-000000000001 does not exist"],
    );
}

#[test]
fn withdrawing_an_endorsement_that_does_not_exist_is_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(US),
        withdraw(1, 1, None),
        expect![
            "no-endorsement: party US (00000001-0000-7000-8000-000000000002) has no endorsement of version 1 to withdraw at 2016-12-12T07:18:00Z"
        ],
    );
}

#[test]
fn withdrawing_an_endorsement_twice_is_refused() {
    let mut world = world_with_plan();
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world.accept(&Signer::coordinator(US), withdraw(1, 1, Some("changed our mind")));
    check_body(
        &mut world,
        &Signer::coordinator(US),
        withdraw(1, 1, None),
        expect![
            "no-endorsement: party US (00000001-0000-7000-8000-000000000002) has no endorsement of version 1 to withdraw at 2016-12-12T07:20:00Z"
        ],
    );
}

#[test]
fn withdrawing_after_a_rejection_is_refused() {
    let mut world = world_with_plan();
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world.accept(&Signer::coordinator(US), reject(1, 1, "not acceptable"));
    check_body(
        &mut world,
        &Signer::coordinator(US),
        withdraw(1, 1, None),
        expect![
            "no-endorsement: party US (00000001-0000-7000-8000-000000000002) has no endorsement of version 1 to withdraw at 2016-12-12T07:20:00Z"
        ],
    );
}

#[test]
fn a_new_version_must_supersede_the_latest() {
    let mut world = world_with_plan();
    world.accept(&Signer::coordinator(US), propose_version(1, 1, corridor_plan(TruceStart::Immediately)));
    check_body(
        &mut world,
        &Signer::coordinator(US),
        propose_version(1, 1, corridor_plan(TruceStart::Immediately)),
        expect!["version-not-latest: a new version must supersede the latest version 2, not 1"],
    );
}

#[test]
fn proposing_an_agreement_whose_id_is_taken_is_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(US),
        propose(1, corridor_plan(TruceStart::Immediately)),
        expect!["duplicate: agreement 00000006-0000-7000-8000-000000000001 already exists"],
    );
}

#[test]
fn unknown_agreement_is_refused() {
    let mut world = World::new();
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        endorse(9, 1),
        expect!["unknown-reference: agreement 00000006-0000-7000-8000-000000000009 does not exist"],
    );
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        suspend(9, "no"),
        expect!["unknown-reference: agreement 00000006-0000-7000-8000-000000000009 does not exist"],
    );
}

#[test]
fn unknown_zone_is_refused() {
    let mut world = World::new();
    let body = CommandBody::RedrawZone { zone_id: zone_id(9), boundary: sukkari_boundary(), effective_at: world.now };
    check_body(
        &mut world,
        &Signer::operator(),
        body,
        expect!["unknown-reference: zone 00000004-0000-7000-8000-000000000009 does not exist"],
    );
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.corridors[0].origin_zone_id = zone_id(9);
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, plan),
        expect!["unknown-reference: zone 00000004-0000-7000-8000-000000000009 does not exist"],
    );
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.truce.as_mut().expect("the plan has a truce").zone_id = zone_id(9);
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, plan),
        expect!["unknown-reference: zone 00000004-0000-7000-8000-000000000009 does not exist"],
    );
}

#[test]
fn unknown_party_is_refused() {
    let mut world = World::new();
    let stranger = Signer { account: account_id(20), party: Some(party_id(9)), key: key("stranger") };
    check_body(
        &mut world,
        &Signer::operator(),
        register_account(&stranger, "Stranger", Role::Coordinator),
        expect!["unknown-reference: party 00000001-0000-7000-8000-000000000009 does not exist"],
    );
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, terms(Vec::new(), Vec::new(), None, &[RU, 9])),
        expect!["unknown-reference: party 00000001-0000-7000-8000-000000000009 does not exist"],
    );
    let body = CommandBody::RegisterForce {
        force_id: force_id(9),
        code: code("F9"),
        name: name("Force 9"),
        party_ids: vec![party_id(9)],
    };
    check_body(
        &mut world,
        &Signer::operator(),
        body,
        expect!["unknown-reference: party 00000001-0000-7000-8000-000000000009 does not exist"],
    );
}

#[test]
fn unknown_force_is_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(OPP),
        record_consent(1, 9, 1),
        expect!["unknown-reference: force 00000003-0000-7000-8000-000000000009 does not exist"],
    );
    let plan = terms(
        vec![corridor(2, "EA-2")],
        vec![commitment(3, RU, CommitmentKind::NoAttack, Scope::Corridor(corridor_id(2)), &[9])],
        None,
        &[RU],
    );
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(2, plan),
        expect!["unknown-reference: force 00000003-0000-7000-8000-000000000009 does not exist"],
    );
}

#[test]
fn unknown_commitment_is_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        report_fulfilled(9),
        expect!["unknown-reference: commitment 00000007-0000-7000-8000-000000000009 does not exist"],
    );
    let mut plan = corridor_plan(TruceStart::WhenFulfilled { commitment_ids: vec![commitment_id(9)] });
    plan.corridors[0] = corridor(2, "EA-2");
    plan.commitments.clear();
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(2, plan),
        expect!["unknown-reference: commitment 00000007-0000-7000-8000-000000000009 does not exist"],
    );
    let mut condition = commitment(3, RU, CommitmentKind::CeaseFire, Scope::Zone(zone_id(EAST_ALEPPO)), &[SAF]);
    condition.conditions = vec![holds(commitment_id(9))];
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(2, terms(Vec::new(), vec![condition], None, &[RU])),
        expect!["unknown-reference: commitment 00000007-0000-7000-8000-000000000009 does not exist"],
    );
}

#[test]
fn unknown_corridor_is_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(OPP),
        record_consent(1, AOG, 9),
        expect!["unknown-reference: corridor 00000005-0000-7000-8000-000000000009 does not exist"],
    );
    let plan = terms(
        Vec::new(),
        vec![commitment(3, RU, CommitmentKind::NoAttack, Scope::Corridor(corridor_id(9)), &[SAF])],
        None,
        &[RU],
    );
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(2, plan),
        expect!["unknown-reference: corridor 00000005-0000-7000-8000-000000000009 does not exist"],
    );
}

#[test]
fn zone_code_used_by_another_zone_is_refused() {
    let mut world = World::new();
    let body = CommandBody::DefineZone {
        effective_at: None,
        zone_id: zone_id(9),
        code: code("SUK"),
        name: name("Another al-Sukkari"),
        names: Default::default(),
        kind: crate::ZoneKind::Neighbourhood,
        boundary: sukkari_boundary(),
        illustrative: false,
    };
    check_body(
        &mut world,
        &Signer::operator(),
        body,
        expect![[r#"duplicate: zone code "SUK" is already used by 00000004-0000-7000-8000-000000000002"#]],
    );
}

#[test]
fn party_code_used_by_another_party_is_refused() {
    let mut world = World::new();
    let body = CommandBody::RegisterParty {
        party_id: party_id(9),
        code: code("RU"),
        name: name("Ruritania"),
        names: Default::default(),
        kind: PartyKind::State,
    };
    check_body(
        &mut world,
        &Signer::operator(),
        body,
        expect![[r#"duplicate: party code "RU" is already used by 00000001-0000-7000-8000-000000000001"#]],
    );
}

#[test]
fn corridor_code_used_by_another_corridor_is_refused() {
    let mut world = world_with_plan();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.corridors[0].corridor_id = corridor_id(2);
    plan.commitments.clear();
    check_body(
        &mut world,
        &Signer::coordinator(US),
        propose(2, plan),
        expect![[r#"duplicate: corridor code "EA-1" is already used by 00000005-0000-7000-8000-000000000001"#]],
    );
}

#[test]
fn corridor_code_twice_in_one_version_is_refused() {
    let mut world = World::new();
    let plan = terms(vec![corridor(1, "EA-1"), corridor(2, "EA-1")], Vec::new(), None, &[RU]);
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, plan),
        expect!["invalid-input: corridor codes lists EA-1 twice"],
    );
}

#[test]
fn a_corridor_keeps_its_code_in_a_new_version_of_its_agreement() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(US),
        propose_version(1, 1, corridor_plan(TruceStart::Immediately)),
        expect!["accepted with 1 events"],
    );
}

#[test]
fn a_corridor_of_another_agreement_is_refused() {
    let mut world = world_with_plan();
    let plan = terms(vec![corridor(1, "EA-1")], Vec::new(), None, &[US]);
    check_body(
        &mut world,
        &Signer::coordinator(US),
        propose(2, plan),
        expect!["invalid-terms: corridor 00000005-0000-7000-8000-000000000001 belongs to agreement 00000006-0000-7000-8000-000000000001"],
    );
}

#[test]
fn a_commitment_of_another_agreement_is_refused() {
    let mut world = world_with_plan();
    let plan = terms(
        Vec::new(),
        vec![commitment(1, US, CommitmentKind::CeaseFire, Scope::Zone(zone_id(EAST_ALEPPO)), &[AOG])],
        None,
        &[US],
    );
    check_body(
        &mut world,
        &Signer::coordinator(US),
        propose(2, plan),
        expect!["invalid-terms: commitment 00000007-0000-7000-8000-000000000001 belongs to agreement 00000006-0000-7000-8000-000000000001"],
    );
}

#[test]
fn a_commitment_conditional_on_itself_is_refused() {
    let mut world = World::new();
    let mut cease_fire = commitment(1, RU, CommitmentKind::CeaseFire, Scope::Zone(zone_id(EAST_ALEPPO)), &[SAF]);
    cease_fire.conditions = vec![holds(commitment_id(1))];
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, terms(Vec::new(), vec![cease_fire], None, &[RU])),
        expect!["invalid-terms: commitment 00000007-0000-7000-8000-000000000001 cannot be conditional on itself"],
    );
}

#[test]
fn a_secure_consent_commitment_without_force_is_refused() {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.commitments[1].force_ids.clear();
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, plan),
        expect!["invalid-terms: commitment 00000007-0000-7000-8000-000000000002 of kind secure_consent needs at least one force in force_ids"],
    );
}

#[test]
fn a_secure_consent_commitment_on_a_zone_is_refused() {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.commitments[1].scope = Scope::Zone(zone_id(EAST_ALEPPO));
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, plan),
        expect!["invalid-terms: a secure_consent commitment must have a corridor as its scope"],
    );
}

#[test]
fn half_width_out_of_range_is_refused() {
    let mut world = World::new();
    for half_width_m in [0.0, -1.0, 50_000.5, f64::NAN, f64::INFINITY] {
        let mut plan = corridor_plan(TruceStart::Immediately);
        plan.corridors[0].half_width_m = half_width_m;
        let command = world.command(&Signer::coordinator(RU), propose(1, plan));
        let context = world.context(&Signer::coordinator(RU));
        let err = decide(&world.state, &context, &command).expect_err("half_width_m is out of range");
        assert!(matches!(err, crate::DomainError::HalfWidth { .. }), "{half_width_m}: {err}");
    }
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.corridors[0].half_width_m = f64::NAN;
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, plan),
        expect!["invalid-input: half_width_m is NaN, expected a finite number above 0 and at most 50000"],
    );
}

#[test]
fn signatories_listed_twice_are_refused() {
    let mut world = World::new();
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, terms(Vec::new(), Vec::new(), None, &[RU, US, RU])),
        expect!["invalid-input: signatories lists 00000001-0000-7000-8000-000000000001 twice"],
    );
}

#[test]
fn an_agreement_without_signatories_is_refused() {
    let mut world = World::new();
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, terms(Vec::new(), Vec::new(), None, &[])),
        expect!["invalid-input: signatories is empty"],
    );
}

#[test]
fn a_replayed_nonce_is_refused() {
    let mut world = world_with_plan();
    let ru = Signer::coordinator(RU);
    let first = world.command(&ru, endorse(1, 1));
    world.submit_prepared(world.context(&ru), first.clone()).expect("the first endorsement is accepted");
    world.accept(&ru, withdraw(1, 1, None));
    let mut again = world.command(&ru, endorse(1, 1));
    again.nonce = first.nonce;
    check(
        &world,
        &world.context(&ru),
        &again,
        expect![[r#"nonce-replayed: nonce "nonce-00000000019" was already used by this key"#]],
    );
}

#[test]
fn the_same_nonce_from_another_key_is_accepted() {
    let mut world = world_with_plan();
    let ru = Signer::coordinator(RU);
    let us = Signer::coordinator(US);
    let first = world.command(&ru, endorse(1, 1));
    world.submit_prepared(world.context(&ru), first.clone()).expect("the first endorsement is accepted");
    let mut other = world.command(&us, endorse(1, 1));
    other.nonce = first.nonce;
    check(&world, &world.context(&us), &other, expect!["accepted with 1 events"]);
}

#[test]
fn a_key_not_registered_to_the_author_is_refused() {
    let mut world = world_with_plan();
    let mut ru = Signer::coordinator(RU);
    ru.key = key("somebodyelse");
    check_body(
        &mut world,
        &ru,
        endorse(1, 1),
        expect![
            "key-not-registered: the signing key is not registered to account 00000002-0000-7000-8000-000000000002"
        ],
    );
    // The key of another account does not do either.
    ru.key = Signer::coordinator(US).key;
    check_body(
        &mut world,
        &ru,
        endorse(1, 1),
        expect![
            "key-not-registered: the signing key is not registered to account 00000002-0000-7000-8000-000000000002"
        ],
    );
}

#[test]
fn an_unknown_author_is_refused() {
    let mut world = world_with_plan();
    let ghost = Signer { account: account_id(99), party: Some(party_id(RU)), key: key("ghost") };
    check_body(
        &mut world,
        &ghost,
        endorse(1, 1),
        expect!["key-not-registered: account 00000002-0000-7000-8000-000000000063 does not exist"],
    );
}

#[test]
fn an_account_speaking_for_another_party_is_refused() {
    let mut world = world_with_plan();
    let mut ru = Signer::coordinator(RU);
    ru.party = Some(party_id(US));
    check_body(
        &mut world,
        &ru,
        endorse(1, 1),
        expect!["party-mismatch: account 00000002-0000-7000-8000-000000000002 speaks for 00000001-0000-7000-8000-000000000001, not for 00000001-0000-7000-8000-000000000002"],
    );
    let mut operator = Signer::operator();
    operator.party = Some(party_id(RU));
    check_body(
        &mut world,
        &operator,
        CommandBody::RegisterParty {
            party_id: party_id(9),
            code: code("X"),
            name: name("X"),
            names: Default::default(),
            kind: PartyKind::State,
        },
        expect!["party-mismatch: account 00000002-0000-7000-8000-000000000001 speaks for no party, not for 00000001-0000-7000-8000-000000000001"],
    );
}

#[test]
fn issued_at_too_far_from_acceptance_is_refused() {
    let mut world = world_with_plan();
    world.set_now("2016-12-12T08:00:00Z");
    let ru = Signer::coordinator(RU);
    let mut command = world.command(&ru, endorse(1, 1));
    command.issued_at = ts("2016-12-12T07:49:59Z");
    let context = world.context(&ru);
    check(
        &world,
        &context,
        &command,
        expect!["issued-at-skew: issued_at 2016-12-12T07:49:59Z is more than 600 s from the server time 2016-12-12T08:00:00Z"],
    );
    command.issued_at = ts("2016-12-12T08:10:01Z");
    check(
        &world,
        &context,
        &command,
        expect!["issued-at-skew: issued_at 2016-12-12T08:10:01Z is more than 600 s from the server time 2016-12-12T08:00:00Z"],
    );
}

#[test]
fn issued_at_exactly_the_largest_skew_away_is_accepted() {
    let mut world = world_with_plan();
    world.set_now("2016-12-12T08:00:00Z");
    let ru = Signer::coordinator(RU);
    let mut command = world.command(&ru, endorse(1, 1));
    command.issued_at = ts("2016-12-12T07:50:00Z");
    check(&world, &world.context(&ru), &command, expect!["accepted with 1 events"]);
    command.issued_at = ts("2016-12-12T08:10:00Z");
    check(&world, &world.context(&ru), &command, expect!["accepted with 1 events"]);
}

#[test]
fn a_second_genesis_is_refused() {
    let mut world = World::new();
    check_body(
        &mut world,
        &Signer::operator(),
        CommandBody::Genesis(genesis()),
        expect!["genesis: the log already has its genesis entry"],
    );
}

#[test]
fn a_log_must_start_with_genesis() {
    let mut world = World::empty();
    check_body(
        &mut world,
        &Signer::operator(),
        CommandBody::RegisterParty {
            party_id: party_id(1),
            code: code("RU"),
            name: name("Russia"),
            names: Default::default(),
            kind: PartyKind::State,
        },
        expect!["genesis: the log must start with a genesis command"],
    );
}

#[test]
fn genesis_signed_by_another_key_than_it_registers_is_refused() {
    let mut world = World::empty();
    let mut operator = Signer::operator();
    operator.key = key("impostor");
    check_body(
        &mut world,
        &operator,
        CommandBody::Genesis(genesis()),
        expect!["genesis: the genesis command must be signed by the operator key it registers"],
    );
    let mut operator = Signer::operator();
    operator.party = Some(party_id(RU));
    check_body(
        &mut world,
        &operator,
        CommandBody::Genesis(genesis()),
        expect!["genesis: the genesis command must be signed by the operator key it registers"],
    );
}

#[test]
fn registering_a_party_by_a_non_operator_is_refused() {
    let mut world = World::new();
    let body = CommandBody::RegisterParty {
        party_id: party_id(9),
        code: code("IR"),
        name: name("Iran"),
        names: Default::default(),
        kind: PartyKind::State,
    };
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        body.clone(),
        expect!["forbidden: registering a party needs the operator role"],
    );
    check_body(&mut world, &Signer::monitor(), body, expect!["forbidden: registering a party needs the operator role"]);
}

#[test]
fn proposing_by_an_operator_is_refused() {
    let mut world = World::new();
    check_body(
        &mut world,
        &Signer::operator(),
        propose(1, corridor_plan(TruceStart::Immediately)),
        expect!["forbidden: proposing an agreement needs the coordinator role"],
    );
    check_body(
        &mut world,
        &Signer::monitor(),
        propose(1, corridor_plan(TruceStart::Immediately)),
        expect!["forbidden: proposing an agreement needs the coordinator role"],
    );
}

#[test]
fn a_coordinator_without_a_party_is_refused() {
    let mut world = World::new();
    let loner = Signer { account: account_id(30), party: None, key: key("loner") };
    world.accept(&Signer::operator(), register_account(&loner, "Loner", Role::Coordinator));
    check_body(
        &mut world,
        &loner,
        propose(1, corridor_plan(TruceStart::Immediately)),
        expect!["forbidden: proposing an agreement must be done by a party, not an operator-only account"],
    );
}

#[test]
fn registering_a_key_already_in_use_is_refused() {
    let mut world = World::new();
    let twin = Signer { account: account_id(30), party: Some(party_id(RU)), key: key("party1") };
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        register_account(&twin, "Twin", Role::Coordinator),
        expect!["duplicate: public key is already registered to account 00000002-0000-7000-8000-000000000002"],
    );
    check_body(
        &mut world,
        &Signer::operator(),
        CommandBody::AddAccountKey { account_id: account_id(1), public_key: key("party1") },
        expect!["duplicate: public key is already registered to account 00000002-0000-7000-8000-000000000002"],
    );
}

#[test]
fn suspending_an_agreement_not_in_force_is_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        suspend(1, "violations"),
        expect![
            "agreement-state: agreement 00000006-0000-7000-8000-000000000001 is not in force at 2016-12-12T07:18:00Z"
        ],
    );
}

#[test]
fn suspending_twice_and_resuming_what_is_not_suspended_are_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        resume(1),
        expect!["agreement-state: agreement 00000006-0000-7000-8000-000000000001 is not suspended"],
    );
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    check_body(
        &mut world,
        &Signer::coordinator(SY),
        suspend(1, "violations"),
        expect![
            "not-a-signatory: party SY (00000001-0000-7000-8000-000000000003) is not a required signatory of version 1"
        ],
    );
    world.accept(&Signer::coordinator(RU), suspend(1, "violations"));
    check_body(
        &mut world,
        &Signer::coordinator(US),
        suspend(1, "violations"),
        expect!["agreement-state: agreement 00000006-0000-7000-8000-000000000001 is already suspended"],
    );
}

#[test]
fn consent_recorded_by_a_party_that_neither_answers_for_nor_secures_the_force_is_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        record_consent(1, AOG, 1),
        expect!["consent-or-fulfilment: party RU (00000001-0000-7000-8000-000000000001) neither answers for force 00000003-0000-7000-8000-000000000002 nor has a secure_consent commitment naming it on corridor 00000005-0000-7000-8000-000000000001"],
    );
}

#[test]
fn consent_recorded_twice_is_refused() {
    let mut world = world_with_plan();
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world.accept(&Signer::coordinator(US), record_consent(1, AOG, 1));
    check_body(
        &mut world,
        &Signer::coordinator(OPP),
        record_consent(2, AOG, 1),
        expect!["consent-or-fulfilment: consent of force 00000003-0000-7000-8000-000000000002 to corridor 00000005-0000-7000-8000-000000000001 is already recorded"],
    );
    check_body(
        &mut world,
        &Signer::coordinator(OPP),
        record_consent(1, AOG, 1),
        expect!["duplicate: consent 00000008-0000-7000-8000-000000000001 already exists"],
    );
}

#[test]
fn reporting_a_commitment_of_another_party_fulfilled_is_refused() {
    let mut world = world_with_plan();
    check_body(
        &mut world,
        &Signer::coordinator(US),
        report_fulfilled(1),
        expect!["consent-or-fulfilment: commitment 00000007-0000-7000-8000-000000000001 is assigned to RU (00000001-0000-7000-8000-000000000001), not to US (00000001-0000-7000-8000-000000000002)"],
    );
}

#[test]
fn reporting_a_fulfilled_commitment_again_is_refused() {
    let mut world = world_with_plan();
    world.accept(&Signer::coordinator(OPP), record_consent(1, AOG, 1));
    check_body(&mut world, &Signer::coordinator(US), report_fulfilled(2), expect!["accepted with 1 events"]);
    world.accept(&Signer::coordinator(RU), report_fulfilled(1));
    check_body(
        &mut world,
        &Signer::coordinator(RU),
        report_fulfilled(1),
        expect!["consent-or-fulfilment: commitment 00000007-0000-7000-8000-000000000001 is already fulfilled"],
    );
}

#[test]
fn registering_what_already_exists_is_refused() {
    let mut world = World::new();
    let body = CommandBody::RegisterForce {
        force_id: force_id(SAF),
        code: code("SAF2"),
        name: name("Syrian armed forces"),
        party_ids: Vec::new(),
    };
    check_body(
        &mut world,
        &Signer::operator(),
        body,
        expect!["duplicate: force 00000003-0000-7000-8000-000000000001 already exists"],
    );
    check_body(
        &mut world,
        &Signer::operator(),
        register_account(&Signer::coordinator(RU), "again", Role::Coordinator),
        expect!["duplicate: account 00000002-0000-7000-8000-000000000002 already exists"],
    );
}

#[test]
fn consent_recorded_by_a_party_that_merely_proposed_to_secure_it_is_refused() {
    // Only a secure_consent commitment in the agreed version of the corridor's own
    // agreement lets a party record consent for a force it does not answer for. Here the
    // Syrian government proposes an agreement of its own undertaking to secure the armed
    // groups' consent to the Russian–US plan's corridor, and then tries to record it.
    let mut world = world_with_plan();
    let own = terms(
        Vec::new(),
        vec![commitment(3, SY, CommitmentKind::SecureConsent, Scope::Corridor(corridor_id(1)), &[AOG])],
        None,
        &[SY],
    );
    world.accept(&Signer::coordinator(SY), propose(2, own));
    check_body(&mut world, &Signer::coordinator(SY), record_consent(1, AOG, 1), expect!["consent-or-fulfilment: party SY (00000001-0000-7000-8000-000000000003) neither answers for force 00000003-0000-7000-8000-000000000002 nor has a secure_consent commitment naming it on corridor 00000005-0000-7000-8000-000000000001"]);
}
