//! Commands `decide` must refuse, each with the exact error, and without any event or any
//! change to the state.

use expect_test::{expect, Expect};

use super::fixture::*;
use crate::{decide, Command, CommandBody, CommitmentKind, Context, PartyKind, Role, Scope, TruceStart};
mod later;
mod signing;
mod terms;

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
