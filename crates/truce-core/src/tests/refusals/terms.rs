//! Terms that name what does not exist, or what belongs to another record: unknown agreements,
//! zones, parties, forces, commitments and corridors; codes already used; commitments and
//! corridors of another agreement; bad half-widths and signatories.

use super::*;

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
