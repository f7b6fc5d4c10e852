//! Who may sign what: nonces, keys, authors, parties, the time of issue, the genesis, and the
//! roles of the table.

use super::*;

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
