//! Keys in the ledger: one-time enrolments of new keys, revocation, and who manages a
//! party's accounts (the party, never the operator).

use expect_test::{expect, Expect};

use super::fixture::*;
use crate::{decide, CodeHash, CommandBody, Role, State, Timestamp};

const CODE: &str = "0123456789abcdef0123456789abcdef";
const OTHER_CODE: &str = "fedcba9876543210fedcba9876543210";

#[track_caller]
fn check(outcome: Result<Vec<crate::Event>, crate::DomainError>, expect: Expect) {
    let actual = match outcome {
        Ok(events) => format!("accepted with {} events", events.len()),
        Err(err) => format!("{}: {err}", err.kind()),
    };
    expect.assert_eq(&actual);
}

fn in_hours(world: &World, hours: i64) -> Timestamp {
    Timestamp::from_datetime(world.now.as_datetime() + chrono::Duration::hours(hours))
}

fn open_enrolment(world: &World, account: u64, code: &str, hours: i64) -> CommandBody {
    CommandBody::CreateEnrolment {
        account_id: account_id(account),
        code_sha256: code_hash(code),
        expires_at: in_hours(world, hours),
    }
}

fn revoke(account: u64, key_label: &str) -> CommandBody {
    CommandBody::RevokeKey { account_id: account_id(account), public_key: key(key_label), reason: None }
}

/// Russia's coordinator (account 2) with a second device.
fn ru_second() -> Signer {
    Signer { key: key("rusecond"), ..Signer::coordinator(RU) }
}

fn keys_of(state: &State, account: u64) -> String {
    let account = &state.accounts[&account_id(account)];
    let active: Vec<&str> = account.public_keys.iter().map(|k| k.as_str()).collect();
    let revoked: Vec<&str> = account.revoked_keys.iter().map(|k| k.public_key.as_str()).collect();
    format!("active {active:?} revoked {revoked:?}")
}

#[test]
fn a_coordinator_enrols_a_second_device_which_then_signs_for_the_party() {
    let mut world = World::new();
    let body = open_enrolment(&world, 2, CODE, 24);
    world.accept(&Signer::coordinator(RU), body);
    check(world.enrol(&ru_second(), CODE), expect!["accepted with 1 events"]);
    expect![[r#"active ["party1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "rusecondAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="] revoked []"#]]
        .assert_eq(&keys_of(&world.state, 2));
    world.accept(&ru_second(), propose(1, corridor_plan(crate::TruceStart::Immediately)));
}

#[test]
fn an_enrolment_code_opens_once_for_its_account_until_it_expires() {
    let mut world = World::new();
    let body = open_enrolment(&world, 2, CODE, 1);
    world.accept(&Signer::coordinator(RU), body);
    let us_second = Signer { key: key("ussecond"), ..Signer::coordinator(US) };
    check(
        world.enrol(&us_second, CODE),
        expect!["enrolment-refused: no open enrolment of account 00000002-0000-7000-8000-000000000003 has this code (unknown, already used or expired)"],
    );
    check(
        world.enrol(&ru_second(), OTHER_CODE),
        expect!["enrolment-refused: no open enrolment of account 00000002-0000-7000-8000-000000000002 has this code (unknown, already used or expired)"],
    );
    check(world.enrol(&ru_second(), CODE), expect!["accepted with 1 events"]);
    let third = Signer { key: key("ruthird"), ..Signer::coordinator(RU) };
    check(
        world.enrol(&third, CODE),
        expect!["enrolment-refused: no open enrolment of account 00000002-0000-7000-8000-000000000002 has this code (unknown, already used or expired)"],
    );
    let body = open_enrolment(&world, 2, OTHER_CODE, 1);
    world.accept(&Signer::coordinator(RU), body);
    world.set_now("2016-12-12T09:00:00Z");
    check(
        world.enrol(&third, OTHER_CODE),
        expect!["enrolment-refused: no open enrolment of account 00000002-0000-7000-8000-000000000002 has this code (unknown, already used or expired)"],
    );
    // Without the code's hash from the shell, nothing authenticates an enrol_key.
    let command =
        world.command(&third, CommandBody::EnrolKey { code: crate::EnrolmentCode::parse(CODE).expect("a code") });
    check(
        decide(&world.state, &world.context(&third), &command),
        expect!["enrolment-refused: no open enrolment of account 00000002-0000-7000-8000-000000000002 has this code (unknown, already used or expired)"],
    );
}

#[test]
fn an_enrolment_expires_within_seven_days_and_its_code_hash_is_new() {
    let mut world = World::new();
    let body = open_enrolment(&world, 2, CODE, 24 * 7 + 1);
    check(
        world.submit(&Signer::coordinator(RU), body),
        expect!["invalid-input: expires_at 2016-12-19T08:17:00Z must be after 2016-12-12T07:17:00Z and at most 604800 s after it"],
    );
    let body = open_enrolment(&world, 2, CODE, 0);
    check(
        world.submit(&Signer::coordinator(RU), body),
        expect!["invalid-input: expires_at 2016-12-12T07:17:00Z must be after 2016-12-12T07:17:00Z and at most 604800 s after it"],
    );
    let body = open_enrolment(&world, 2, CODE, 24 * 7);
    world.accept(&Signer::coordinator(RU), body);
    let body = open_enrolment(&world, 2, CODE, 1);
    check(
        world.submit(&Signer::coordinator(RU), body),
        expect!["duplicate: enrolment 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef already exists"],
    );
}

#[test]
fn the_operator_neither_adds_keys_to_nor_enrols_nor_registers_a_partys_later_accounts() {
    let mut world = World::new();
    let operator = Signer::operator();
    check(
        world.submit(&operator, CommandBody::AddAccountKey { account_id: account_id(2), public_key: key("mine") }),
        expect!["forbidden: adding a key: account 00000002-0000-7000-8000-000000000002 is managed by its party, which enrols its keys (create_enrolment, enrol_key)"],
    );
    let body = open_enrolment(&world, 2, CODE, 1);
    check(
        world.submit(&operator, body),
        expect!["forbidden: opening an enrolment: account 00000002-0000-7000-8000-000000000002 is managed by the coordinators and the first account of its party"],
    );
    let impostor = Signer { account: account_id(40), party: Some(party_id(RU)), key: key("impostor") };
    check(
        world.submit(&operator, register_account(&impostor, "RU liaison 2", Role::Coordinator)),
        expect!["forbidden: registering an account: account 00000002-0000-7000-8000-000000000028 is managed by the coordinators and the first account of its party"],
    );
    check(
        world.submit(&operator, revoke(2, "party1")),
        expect!["forbidden: revoking a key: account 00000002-0000-7000-8000-000000000002 is managed by the coordinators and the first account of its party"],
    );
    // Another party's coordinator manages nothing of Russia's either.
    let body = open_enrolment(&world, 2, CODE, 1);
    check(
        world.submit(&Signer::coordinator(US), body),
        expect!["forbidden: opening an enrolment: account 00000002-0000-7000-8000-000000000002 is managed by the coordinators and the first account of its party"],
    );
    // Only an operator gives the operator role, and not to a party's account.
    let body = register_account(&impostor, "RU operator", Role::Operator);
    check(
        world.submit(&Signer::coordinator(RU), body),
        expect!["forbidden: giving the operator role: account 00000002-0000-7000-8000-000000000028 is managed by its party, and only an operator gives the operator role, to accounts of no party"],
    );
    // The party registers its own: an account without a key, which it then enrols.
    let mut body = register_account(&impostor, "RU liaison 2", Role::Monitor);
    if let CommandBody::RegisterAccount { public_key, .. } = &mut body {
        *public_key = None;
    }
    world.accept(&Signer::coordinator(RU), body);
    let body = open_enrolment(&world, 40, CODE, 1);
    world.accept(&Signer::coordinator(RU), body);
    check(world.enrol(&impostor, CODE), expect!["accepted with 1 events"]);
}

#[test]
fn a_revoked_key_signs_nothing_after_and_what_it_signed_before_replays() {
    let mut world = World::new();
    let body = open_enrolment(&world, 2, CODE, 1);
    world.accept(&Signer::coordinator(RU), body);
    world.enrol(&ru_second(), CODE).expect("the enrolment is open");
    world.accept(&ru_second(), propose(1, corridor_plan(crate::TruceStart::Immediately)));
    // Another party may not revoke it; the account itself may, with its other key.
    check(
        world.submit(&Signer::coordinator(US), revoke(2, "rusecond")),
        expect!["forbidden: revoking a key: account 00000002-0000-7000-8000-000000000002 is managed by the coordinators and the first account of its party"],
    );
    world.accept(&Signer::coordinator(RU), revoke(2, "rusecond"));
    expect![[r#"active ["party1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="] revoked ["rusecondAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="]"#]]
        .assert_eq(&keys_of(&world.state, 2));
    check(
        world.submit(&ru_second(), crate::tests::fixture::endorse(1, 1)),
        expect!["key-revoked: the signing key was revoked from account 00000002-0000-7000-8000-000000000002 at 2016-12-12T07:20:00Z: it signs nothing after that"],
    );
    check(
        world.submit(&Signer::coordinator(RU), revoke(2, "rusecond")),
        expect![
            "unknown-reference: the public key is not an active key of account 00000002-0000-7000-8000-000000000002"
        ],
    );
    // A revoked key stays taken: it cannot come back under another account.
    let body = open_enrolment(&world, 3, CODE.replace('0', "1").as_str(), 1);
    world.accept(&Signer::coordinator(US), body);
    let us_with_old_key = Signer { key: key("rusecond"), ..Signer::coordinator(US) };
    check(
        world.enrol(&us_with_old_key, &CODE.replace('0', "1")),
        expect!["duplicate: public key is already registered to account 00000002-0000-7000-8000-000000000002"],
    );
    // Replaying the log decides every entry again, the proposal signed before the
    // revocation included, and gives the same events and the same state.
    let mut replayed = State::default();
    for entry in &world.log {
        let events = decide(&replayed, &entry.context, &entry.command).expect("an accepted entry replays");
        assert_eq!(events, entry.events);
        replayed.apply(&entry.context, &entry.command, &entry.events);
    }
    assert_eq!(replayed, world.state);
}

#[test]
fn a_partys_first_account_manages_a_party_without_coordinators() {
    let mut world = World::new();
    let operator = Signer::operator();
    let body = crate::CommandBody::RegisterParty {
        party_id: party_id(7),
        code: code("MEDIA"),
        name: name("A news agency"),
        names: Default::default(),
        kind: crate::PartyKind::MediaOrganisation,
    };
    world.accept(&operator, body);
    let team = Signer { account: account_id(50), party: Some(party_id(7)), key: key("team") };
    world.accept(&operator, register_account(&team, "Team", Role::Monitor));
    let second = Signer { account: account_id(51), party: Some(party_id(7)), key: key("second") };
    check(world.submit(&operator, register_account(&second, "Second team", Role::Monitor)), expect!["forbidden: registering an account: account 00000002-0000-7000-8000-000000000033 is managed by the coordinators and the first account of its party"]);
    world.accept(&team, register_account(&second, "Second team", Role::Monitor));
    // The second account is not the first: it manages nothing.
    check(
        world.submit(&second, revoke(50, "team")),
        expect!["forbidden: revoking a key: account 00000002-0000-7000-8000-000000000032 is managed by the coordinators and the first account of its party"],
    );
    world.accept(&team, revoke(51, "second"));
}

#[test]
fn keys_and_codes_are_checked_for_shape() {
    check(
        CodeHash::parse("ABC").map(|_| Vec::new()),
        expect!["invalid-input: code_sha256 is not 64 lowercase hexadecimal digits"],
    );
    check(
        crate::EnrolmentCode::parse("0123456789ABCDEF0123456789ABCDEF").map(|_| Vec::new()),
        expect!["invalid-input: code is not 32 lowercase hexadecimal digits"],
    );
}
