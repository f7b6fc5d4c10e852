//! What comes after an agreement: suspensions, consents, fulfilments, and registering what
//! already exists.

use super::*;

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
