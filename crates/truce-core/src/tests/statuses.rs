//! Derived statuses at instants: versions, agreements, corridors and commitments, and the
//! "as of" answers that history keeps.

use std::fmt::Write as _;

use expect_test::{expect, Expect};
use serde::Serialize;

use super::fixture::*;
use crate::{CommandBody, CommitmentKind, Group, Scope, State, Timestamp, TruceStart};

/// The last group of a fixture id, without its leading zeros: `…-000000000002` is `2`.
fn short(id: &str) -> &str {
    let tail = id.rsplit('-').next().unwrap_or(id);
    let trimmed = tail.trim_start_matches('0');
    if trimmed.is_empty() {
        "0"
    } else {
        trimmed
    }
}

fn snake(value: impl Serialize) -> String {
    serde_json::to_value(value).expect("statuses serialise").as_str().unwrap_or("?").to_owned()
}

/// Everything the state says at `at`, one line per agreement, version, corridor and
/// commitment, in id order.
pub(crate) fn describe(state: &State, at: Timestamp) -> String {
    let mut out = String::new();
    for (agreement_id, agreement) in &state.coordination.agreements {
        let Some(status) = state.coordination.agreement_status(agreement_id, at) else {
            writeln!(out, "agreement {}: not yet proposed", short(agreement_id.text().as_str()))
                .expect("writing to a String");
            continue;
        };
        let effective = status.effective_version.map_or_else(|| "-".to_owned(), |v| format!("v{v}"));
        writeln!(
            out,
            "agreement {}: {} (latest v{}, effective {effective}{}{})",
            short(agreement_id.text().as_str()),
            snake(status.status),
            status.latest_version,
            if status.in_force { ", in force" } else { "" },
            if status.suspended { ", suspended" } else { "" },
        )
        .expect("writing to a String");
        for version in agreement.versions.iter().filter(|v| v.proposed_at <= at) {
            let version_status = state.coordination.version_status(agreement, version, at);
            writeln!(out, "  v{}: {}", version.version, snake(version_status)).expect("writing to a String");
        }
    }
    for (corridor_id, record) in &state.coordination.corridors {
        let Some(status) = state.coordination.corridor_status(corridor_id, at) else {
            continue;
        };
        let open_for: Vec<String> = status.open_for.iter().map(snake).collect();
        let open_for = if open_for.is_empty() { String::new() } else { format!(" for {}", open_for.join(", ")) };
        writeln!(out, "corridor {}: {}{open_for} (v{})", record.spec.code, snake(status.status), status.version)
            .expect("writing to a String");
    }
    let mut commitment_ids: Vec<_> = state.coordination.commitment_agreements.keys().collect();
    commitment_ids.sort();
    for commitment_id in commitment_ids {
        let Some(status) = state.coordination.commitment_status(commitment_id, at) else {
            continue;
        };
        writeln!(
            out,
            "commitment {}: {} (v{})",
            short(commitment_id.text().as_str()),
            snake(status.status),
            status.version
        )
        .expect("writing to a String");
    }
    out
}

#[track_caller]
fn check(world: &World, at: Timestamp, expect: Expect) {
    expect.assert_eq(&describe(&world.state, at));
}

/// The corridor plan proposed by Russia at 08:00.
fn world_with_plan(start: TruceStart) -> World {
    let mut world = World::new();
    world.set_now("2016-12-12T08:00:00Z");
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(start)));
    world
}

fn at_noon_next_day() -> TruceStart {
    TruceStart::At { at: ts("2016-12-13T12:00:00Z") }
}

#[test]
fn a_version_is_agreed_once_every_signatory_endorses_and_not_after_a_withdrawal() {
    let mut world = world_with_plan(at_noon_next_day());
    let proposed = world.now;
    let ru_endorsed = world.accept(&Signer::coordinator(RU), endorse(1, 1));
    let us_endorsed = world.accept(&Signer::coordinator(US), endorse(1, 1));
    let us_withdrew = world.accept(&Signer::coordinator(US), withdraw(1, 1, Some("a truce now, not later")));
    check(
        &world,
        proposed,
        expect![[r#"
            agreement 1: proposed (latest v1, effective -)
              v1: proposed
            corridor EA-1: proposed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    check(
        &world,
        ru_endorsed,
        expect![[r#"
            agreement 1: proposed (latest v1, effective -)
              v1: proposed
            corridor EA-1: proposed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    check(
        &world,
        us_endorsed,
        expect![[r#"
            agreement 1: agreed (latest v1, effective v1)
              v1: agreed
            corridor EA-1: agreed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    check(
        &world,
        us_withdrew,
        expect![[r#"
            agreement 1: proposed (latest v1, effective -)
              v1: proposed
            corridor EA-1: proposed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    let version = world.state.coordination.agreements[&agreement_id(1)].latest();
    assert_eq!(world.state.coordination.agreed_since(version, us_endorsed), Some(us_endorsed));
    assert_eq!(world.state.coordination.agreed_since(version, us_withdrew), None);
}

#[test]
fn a_rejection_makes_a_version_rejected_until_the_party_endorses() {
    let mut world = world_with_plan(at_noon_next_day());
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    let rejected = world.accept(&Signer::coordinator(US), reject(1, 1, "not acceptable"));
    let endorsed = world.accept(&Signer::coordinator(US), endorse(1, 1));
    check(
        &world,
        rejected,
        expect![[r#"
            agreement 1: rejected (latest v1, effective -)
              v1: rejected
            corridor EA-1: proposed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    check(
        &world,
        endorsed,
        expect![[r#"
            agreement 1: agreed (latest v1, effective v1)
              v1: agreed
            corridor EA-1: agreed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
}

#[test]
fn the_effective_version_is_the_latest_agreed_one() {
    let mut world = world_with_plan(at_noon_next_day());
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    let mut second = corridor_plan(at_noon_next_day());
    second.corridors[0].half_width_m = 500.0;
    let proposed = world.accept(&Signer::coordinator(US), propose_version(1, 1, second));
    check(
        &world,
        proposed,
        expect![[r#"
            agreement 1: agreed (latest v2, effective v1)
              v1: agreed
              v2: proposed
            corridor EA-1: agreed (v1)
            commitment 1: pending (v2)
            commitment 2: pending (v2)
        "#]],
    );
    world.accept(&Signer::coordinator(US), endorse(1, 2));
    let agreed = world.accept(&Signer::coordinator(RU), endorse(1, 2));
    check(
        &world,
        agreed,
        expect![[r#"
            agreement 1: agreed (latest v2, effective v2)
              v1: superseded
              v2: agreed
            corridor EA-1: agreed (v2)
            commitment 1: pending (v2)
            commitment 2: pending (v2)
        "#]],
    );
    let corridor = &world.state.coordination.corridors[&corridor_id(1)];
    assert_eq!(corridor.spec.half_width_m, 500.0, "the corridor record holds the latest definition");
}

#[test]
fn a_rejected_new_version_leaves_the_earlier_agreed_version_in_effect() {
    let mut world = world_with_plan(TruceStart::Immediately);
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world.accept(&Signer::coordinator(US), propose_version(1, 1, corridor_plan(at_noon_next_day())));
    let rejected = world.accept(&Signer::coordinator(RU), reject(1, 2, "no"));
    check(
        &world,
        rejected,
        expect![[r#"
            agreement 1: in_force (latest v2, effective v1, in force)
              v1: in_force
              v2: rejected
            corridor EA-1: closed (v1)
            commitment 1: active (v1)
            commitment 2: active (v1)
        "#]],
    );
}

#[test]
fn a_truce_that_starts_immediately_is_in_force_from_the_last_endorsement() {
    let mut world = world_with_plan(TruceStart::Immediately);
    let ru_endorsed = world.accept(&Signer::coordinator(RU), endorse(1, 1));
    let us_endorsed = world.accept(&Signer::coordinator(US), endorse(1, 1));
    check(
        &world,
        ru_endorsed,
        expect![[r#"
            agreement 1: proposed (latest v1, effective -)
              v1: proposed
            corridor EA-1: proposed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    check(
        &world,
        us_endorsed,
        expect![[r#"
            agreement 1: in_force (latest v1, effective v1, in force)
              v1: in_force
            corridor EA-1: closed (v1)
            commitment 1: active (v1)
            commitment 2: active (v1)
        "#]],
    );
}

#[test]
fn a_truce_that_starts_at_a_time_is_agreed_until_then() {
    let mut world = world_with_plan(at_noon_next_day());
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    check(
        &world,
        ts("2016-12-13T11:59:59Z"),
        expect![[r#"
            agreement 1: agreed (latest v1, effective v1)
              v1: agreed
            corridor EA-1: agreed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    check(
        &world,
        ts("2016-12-13T12:00:00Z"),
        expect![[r#"
            agreement 1: in_force (latest v1, effective v1, in force)
              v1: in_force
            corridor EA-1: closed (v1)
            commitment 1: active (v1)
            commitment 2: active (v1)
        "#]],
    );
}

#[test]
fn a_truce_that_starts_when_fulfilled_is_in_force_once_the_force_consents_to_the_corridor() {
    let start = TruceStart::WhenFulfilled { commitment_ids: vec![commitment_id(2)] };
    let mut world = world_with_plan(start);
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    let agreed = world.accept(&Signer::coordinator(US), endorse(1, 1));
    // Consent of another force, or to no corridor of the plan, fulfils nothing.
    let other = world.accept(&Signer::coordinator(SY), record_consent(1, SAF, 1));
    // The United States secured the consent it undertook to obtain.
    let consented = world.accept(&Signer::coordinator(US), record_consent(2, AOG, 1));
    check(
        &world,
        agreed,
        expect![[r#"
            agreement 1: agreed (latest v1, effective v1)
              v1: agreed
            corridor EA-1: agreed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    check(
        &world,
        other,
        expect![[r#"
            agreement 1: agreed (latest v1, effective v1)
              v1: agreed
            corridor EA-1: agreed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    check(
        &world,
        consented,
        expect![[r#"
            agreement 1: in_force (latest v1, effective v1, in force)
              v1: in_force
            corridor EA-1: closed (v1)
            commitment 1: active (v1)
            commitment 2: fulfilled (v1)
        "#]],
    );
}

#[test]
fn a_truce_that_starts_when_fulfilled_also_starts_on_a_reported_fulfilment() {
    let start = TruceStart::WhenFulfilled { commitment_ids: vec![commitment_id(2)] };
    let mut world = world_with_plan(start);
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    let reported = world.accept(&Signer::coordinator(US), report_fulfilled(2));
    check(
        &world,
        reported,
        expect![[r#"
            agreement 1: in_force (latest v1, effective v1, in force)
              v1: in_force
            corridor EA-1: closed (v1)
            commitment 1: active (v1)
            commitment 2: fulfilled (v1)
        "#]],
    );
}

fn plan_with_windows() -> crate::Terms {
    let mut plan = corridor_plan(TruceStart::At { at: ts("2016-12-13T06:00:00Z") });
    plan.corridors[0].groups = vec![Group::Civilians, Group::Wounded, Group::Fighters];
    plan.corridors[0].windows = vec![
        corridor_window("2016-12-13T06:00:00Z", "2016-12-13T12:00:00Z", &[Group::Wounded]),
        corridor_window("2016-12-13T10:00:00Z", "2016-12-13T18:00:00Z", &[Group::Civilians]),
        corridor_window("2016-12-14T06:00:00Z", "2016-12-14T12:00:00Z", &[]),
        // A group the corridor does not admit never opens it.
        corridor_window("2016-12-15T06:00:00Z", "2016-12-15T12:00:00Z", &[Group::HumanitarianConvoys]),
    ];
    plan.truce.as_mut().expect("the plan has a truce").end = Some(ts("2016-12-16T00:00:00Z"));
    plan
}

#[test]
fn a_corridor_opens_inside_its_windows_for_the_groups_of_each_window() {
    let mut world = World::new();
    world.set_now("2016-12-12T08:00:00Z");
    let proposed = world.accept(&Signer::coordinator(RU), propose(1, plan_with_windows()));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    let agreed = world.accept(&Signer::coordinator(US), endorse(1, 1));
    let corridor_at = |raw: &str| {
        let status =
            world.state.coordination.corridor_status(&corridor_id(1), ts(raw)).expect("the corridor is proposed");
        let open_for: Vec<String> = status.open_for.iter().map(snake).collect();
        format!("{raw} {} {}", snake(status.status), open_for.join(","))
    };
    let lines = [
        corridor_at(&proposed.to_string()),
        corridor_at(&agreed.to_string()),
        corridor_at("2016-12-13T05:59:59Z"),
        corridor_at("2016-12-13T06:00:00Z"),
        corridor_at("2016-12-13T10:00:00Z"),
        corridor_at("2016-12-13T12:00:00Z"),
        corridor_at("2016-12-13T18:00:00Z"),
        corridor_at("2016-12-14T06:00:00Z"),
        corridor_at("2016-12-15T06:00:00Z"),
        corridor_at("2016-12-16T06:00:00Z"),
    ];
    expect![[r#"
        2016-12-12T08:00:00Z proposed 
        2016-12-12T08:02:00Z agreed 
        2016-12-13T05:59:59Z agreed 
        2016-12-13T06:00:00Z open wounded
        2016-12-13T10:00:00Z open civilians,wounded
        2016-12-13T12:00:00Z open civilians
        2016-12-13T18:00:00Z closed 
        2016-12-14T06:00:00Z open civilians,fighters,wounded
        2016-12-15T06:00:00Z closed 
        2016-12-16T06:00:00Z closed "#]]
    .assert_eq(&lines.join("\n"));
}

#[test]
fn a_suspended_agreement_suspends_its_corridors_until_resumed() {
    let mut world = World::new();
    world.set_now("2016-12-12T08:00:00Z");
    world.accept(&Signer::coordinator(RU), propose(1, plan_with_windows()));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world.set_now("2016-12-13T07:00:00Z");
    let suspended = world.accept(&Signer::coordinator(US), suspend(1, "shelling near the corridor"));
    world.set_now("2016-12-13T08:00:00Z");
    let resumed = world.accept(&Signer::coordinator(RU), resume(1));
    check(
        &world,
        ts("2016-12-13T06:59:00Z"),
        expect![[r#"
            agreement 1: in_force (latest v1, effective v1, in force)
              v1: in_force
            corridor EA-1: open for wounded (v1)
            commitment 1: active (v1)
            commitment 2: active (v1)
        "#]],
    );
    check(
        &world,
        suspended,
        expect![[r#"
            agreement 1: suspended (latest v1, effective v1, suspended)
              v1: suspended
            corridor EA-1: suspended (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    check(
        &world,
        resumed,
        expect![[r#"
            agreement 1: in_force (latest v1, effective v1, in force)
              v1: in_force
            corridor EA-1: open for wounded (v1)
            commitment 1: active (v1)
            commitment 2: active (v1)
        "#]],
    );
    check(
        &world,
        ts("2016-12-16T00:00:00Z"),
        expect![[r#"
            agreement 1: expired (latest v1, effective v1)
              v1: expired
            corridor EA-1: closed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
}

#[test]
fn a_corridor_dropped_by_a_later_version_is_closed() {
    let mut world = world_with_plan(TruceStart::Immediately);
    let without_corridors =
        crate::Terms { corridors: Vec::new(), commitments: Vec::new(), ..corridor_plan(TruceStart::Immediately) };
    let dropped = world.accept(&Signer::coordinator(US), propose_version(1, 1, without_corridors));
    check(
        &world,
        dropped,
        expect![[r#"
            agreement 1: proposed (latest v2, effective -)
              v1: superseded
              v2: proposed
            corridor EA-1: closed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
}

#[test]
fn a_commitment_applies_only_inside_its_window() {
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.commitments[0].window = Some(window("2016-12-13T00:00:00Z", "2016-12-14T00:00:00Z"));
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    let commitment_at = |raw: &str| {
        let status =
            world.state.coordination.commitment_status(&commitment_id(1), ts(raw)).expect("the commitment is proposed");
        format!("{raw} {}", snake(status.status))
    };
    let lines = [
        commitment_at("2016-12-12T23:59:59Z"),
        commitment_at("2016-12-13T00:00:00Z"),
        commitment_at("2016-12-14T00:00:00Z"),
    ];
    expect![[r#"
        2016-12-12T23:59:59Z pending
        2016-12-13T00:00:00Z active
        2016-12-14T00:00:00Z pending"#]]
    .assert_eq(&lines.join("\n"));
}

#[test]
fn a_conditional_commitment_is_pending_until_its_condition_holds() {
    // Reciprocity across agreements: Russia's no_attack on the corridor holds only while
    // the opposition's cease_fire in al-Sukkari (another agreement) applies.
    let mut world = world_with_plan(TruceStart::Immediately);
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.commitments[0].conditions = vec![holds(commitment_id(3))];
    let other = terms(
        Vec::new(),
        vec![commitment(3, OPP, CommitmentKind::CeaseFire, Scope::Zone(zone_id(SUKKARI)), &[AOG])],
        None,
        &[OPP, SY],
    );
    world.accept(&Signer::coordinator(OPP), propose(2, other));
    world.accept(&Signer::coordinator(RU), propose_version(1, 1, plan));
    world.accept(&Signer::coordinator(RU), endorse(1, 2));
    let agreed = world.accept(&Signer::coordinator(US), endorse(1, 2));
    world.accept(&Signer::coordinator(OPP), endorse(2, 1));
    let condition_holds = world.accept(&Signer::coordinator(SY), endorse(2, 1));
    check(
        &world,
        agreed,
        expect![[r#"
            agreement 1: in_force (latest v2, effective v2, in force)
              v1: superseded
              v2: in_force
            agreement 2: proposed (latest v1, effective -)
              v1: proposed
            corridor EA-1: closed (v2)
            commitment 1: pending (v2)
            commitment 2: active (v2)
            commitment 3: pending (v1)
        "#]],
    );
    check(
        &world,
        condition_holds,
        expect![[r#"
            agreement 1: in_force (latest v2, effective v2, in force)
              v1: superseded
              v2: in_force
            agreement 2: in_force (latest v1, effective v1, in force)
              v1: in_force
            corridor EA-1: closed (v2)
            commitment 1: active (v2)
            commitment 2: active (v2)
            commitment 3: active (v1)
        "#]],
    );
}

#[test]
fn a_condition_that_is_fulfilled_holds() {
    // Russia's no_attack holds once the United States has secured the armed groups'
    // consent (commitment 2), even outside the window in which commitment 2 applies.
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.commitments[0].conditions = vec![holds(commitment_id(2))];
    plan.commitments[1].window = Some(window("2016-12-12T00:00:00Z", "2016-12-12T08:00:00Z"));
    let mut world = World::new();
    world.set_now("2016-12-12T09:00:00Z");
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    let agreed = world.accept(&Signer::coordinator(US), endorse(1, 1));
    let consented = world.accept(&Signer::coordinator(OPP), record_consent(1, AOG, 1));
    check(
        &world,
        agreed,
        expect![[r#"
            agreement 1: in_force (latest v1, effective v1, in force)
              v1: in_force
            corridor EA-1: closed (v1)
            commitment 1: pending (v1)
            commitment 2: pending (v1)
        "#]],
    );
    check(
        &world,
        consented,
        expect![[r#"
            agreement 1: in_force (latest v1, effective v1, in force)
              v1: in_force
            corridor EA-1: closed (v1)
            commitment 1: active (v1)
            commitment 2: fulfilled (v1)
        "#]],
    );
}

#[test]
fn as_of_an_instant_before_a_fact_the_older_answer_is_given() {
    let mut world = World::new();
    world.set_now("2016-12-12T08:00:00Z");
    let before = ts("2016-12-12T07:59:59Z");
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world.accept(&Signer::coordinator(US), withdraw(1, 1, None));
    check(
        &world,
        before,
        expect![[r#"
        agreement 1: not yet proposed
    "#]],
    );
    assert_eq!(world.state.coordination.agreement_status(&agreement_id(1), before), None);
    assert_eq!(world.state.coordination.corridor_status(&corridor_id(1), before), None);
    assert_eq!(world.state.coordination.commitment_status(&commitment_id(1), before), None);
    check(
        &world,
        ts("2016-12-12T08:02:30Z"),
        expect![[r#"
            agreement 1: in_force (latest v1, effective v1, in force)
              v1: in_force
            corridor EA-1: closed (v1)
            commitment 1: active (v1)
            commitment 2: active (v1)
        "#]],
    );
    // Every stance is kept, including the withdrawn endorsement.
    let stances: Vec<String> = world.state.coordination.agreements[&agreement_id(1)].versions[0]
        .stances
        .iter()
        .map(|s| {
            format!(
                "{} {} {}",
                s.at,
                short(s.party_id.text().as_str()),
                serde_json::to_string(&s.stance).expect("stances serialise")
            )
        })
        .collect();
    expect![[r#"
        2016-12-12T08:01:00Z 1 {"stance":"endorsed"}
        2016-12-12T08:02:00Z 2 {"stance":"endorsed"}
        2016-12-12T08:03:00Z 2 {"stance":"withdrawn","reason":null}"#]]
    .assert_eq(&stances.join("\n"));
}

#[test]
fn a_redrawn_zone_answers_earlier_instants_with_its_earlier_boundary() {
    let mut world = World::new();
    let defined_at = world.state.coordination.zones[&zone_id(EAST_ALEPPO)].boundaries[0].recorded_at;
    let shrunk = polygon(&[(37.140, 36.172), (37.160, 36.165), (37.175, 36.180), (37.150, 36.190)]);
    world.set_now("2016-12-12T12:00:00Z");
    let redrawn_at = world.accept(
        &Signer::monitor(),
        CommandBody::RedrawZone { zone_id: zone_id(EAST_ALEPPO), boundary: shrunk.clone(), effective_at: world.now },
    );
    // A late report: the front line had already moved at 10:00, recorded at 14:00.
    let late = polygon(&[(37.141, 36.172), (37.160, 36.165), (37.170, 36.180), (37.150, 36.188)]);
    let known_before_the_late_report = world.state.clone();
    world.set_now("2016-12-12T14:00:00Z");
    world.accept(
        &Signer::monitor(),
        CommandBody::RedrawZone {
            zone_id: zone_id(EAST_ALEPPO),
            boundary: late.clone(),
            effective_at: ts("2016-12-12T10:00:00Z"),
        },
    );
    let zone = &world.state.coordination.zones[&zone_id(EAST_ALEPPO)];
    assert_eq!(zone.boundary_at(defined_at), &east_aleppo_boundary());
    // The late report answers for the time it gives, though recorded after the 12:00 redraw.
    assert_eq!(zone.boundary_at(ts("2016-12-12T10:00:00Z")), &late);
    assert_eq!(zone.boundary_at(ts("2016-12-12T11:59:59Z")), &late);
    assert_eq!(zone.boundary_at(redrawn_at), &shrunk);
    assert_eq!(zone.boundary_at(ts("2016-12-12T15:00:00Z")), &shrunk, "the 12:00 redraw is the latest in effect");
    // As known before the late report was recorded, 11:00 still had the first boundary.
    let known = &known_before_the_late_report.coordination.zones[&zone_id(EAST_ALEPPO)];
    assert_eq!(known.boundary_at(ts("2016-12-12T11:00:00Z")), &east_aleppo_boundary());
    assert_eq!(zone.boundaries.len(), 3, "no boundary is ever removed");
}

#[test]
fn zone_control_is_answered_as_of_an_instant() {
    let mut world = World::new();
    world.set_now("2016-12-12T12:00:00Z");
    let body = CommandBody::RecordZoneControl {
        zone_id: zone_id(SUKKARI),
        force_id: force_id(AOG),
        since: ts("2012-07-20T00:00:00Z"),
    };
    let first = world.accept(&Signer::monitor(), body);
    world.set_now("2016-12-12T18:00:00Z");
    let body = CommandBody::RecordZoneControl {
        zone_id: zone_id(SUKKARI),
        force_id: force_id(SAF),
        since: ts("2016-12-12T16:00:00Z"),
    };
    let second = world.accept(&Signer::monitor(), body);
    let zone = &world.state.coordination.zones[&zone_id(SUKKARI)];
    assert_eq!(zone.controlled_by_at(ts("2012-07-19T00:00:00Z")), None, "before any control recorded");
    assert_eq!(zone.controlled_by_at(ts("2016-12-12T11:00:00Z")), Some(&force_id(AOG)), "since 2012, by valid time");
    assert_eq!(zone.controlled_by_at(first), Some(&force_id(AOG)));
    assert_eq!(zone.controlled_by_at(ts("2016-12-12T15:59:59Z")), Some(&force_id(AOG)));
    assert_eq!(
        zone.controlled_by_at(ts("2016-12-12T16:00:00Z")),
        Some(&force_id(SAF)),
        "recorded at 18:00, valid from 16:00"
    );
    assert_eq!(zone.controlled_by_at(second), Some(&force_id(SAF)));
}
