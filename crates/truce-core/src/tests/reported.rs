//! Attested and reported acts on the two time axes: a reported act counts from its valid
//! time in every status, and only from its record time in what was known; attested acts
//! happen when signed; the refusals name what is wrong.

use expect_test::{expect, Expect};

use super::{
    fixture::*,
    monitoring::{incident_id, report, source},
};
use crate::{CommandBody, Corroboration, DomainError, Provenance, ReportedAct, SourceKind, Stance, TruceStart};

/// `body` as reported by a monitor: `party` acted at `at`, by one media source.
fn reported(mut body: CommandBody, party: u64, at: &str, source_n: u64) -> CommandBody {
    let act =
        ReportedAct { party_id: party_id(party), sources: vec![source(source_n, "EFE", SourceKind::Media, None)] };
    match &mut body {
        CommandBody::Endorse { effective_at, reported, .. }
        | CommandBody::Reject { effective_at, reported, .. }
        | CommandBody::Withdraw { effective_at, reported, .. }
        | CommandBody::ProposeAgreement { effective_at, reported, .. } => {
            *effective_at = Some(ts(at));
            *reported = Some(act);
        }
        other => panic!("the fixture reports no {}", other.kind()),
    }
    body
}

#[track_caller]
fn check_refusal(world: &mut World, signer: &Signer, body: CommandBody, expect: Expect) {
    let before = world.state.clone();
    let err: DomainError = world.submit(signer, body).expect_err("refused");
    expect.assert_eq(&format!("{}: {err}", err.kind()));
    assert_eq!(world.state, before, "a refusal changes nothing");
}

#[test]
fn a_reported_endorsement_counts_from_its_valid_time_once_recorded() {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    world.set_now("2016-12-12T12:00:00Z");
    let known_before = ts("2016-12-12T11:59:59Z");
    // Recorded at 12:00 by the UN monitor: the United States endorsed at 10:00.
    let recorded_at = world.accept(&Signer::monitor(), reported(endorse(1, 1), US, "2016-12-12T10:00:00Z", 1));

    let version = &world.state.coordination.agreements[&agreement_id(1)].versions[0];
    assert_eq!(version.stance_at(&party_id(US), ts("2016-12-12T09:59:59Z")), None);
    let stance = version.stance_at(&party_id(US), ts("2016-12-12T10:00:00Z")).expect("endorsed from 10:00");
    assert_eq!(stance.stance, Stance::Endorsed);
    assert_eq!(stance.recorded_at, recorded_at);
    match &stance.provenance {
        Provenance::Reported { author, reporting_party, sources } => {
            assert_eq!(author, &Signer::monitor().account);
            assert_eq!(reporting_party.as_ref(), Some(&party_id(UN)));
            assert_eq!(sources.len(), 1);
        }
        Provenance::Attested { .. } => panic!("the stance is reported"),
    }
    // As known before the report was recorded, nobody had endorsed at 10:00.
    let known = world.known_at(known_before);
    let known_version = &known.coordination.agreements[&agreement_id(1)].versions[0];
    assert_eq!(known_version.stance_at(&party_id(US), ts("2016-12-12T10:00:00Z")), None);
    let everything = world.known_at(recorded_at);
    assert_eq!(everything.coordination, world.state.coordination, "known at the last record time: the whole log");
}

#[test]
fn acts_reported_out_of_order_count_by_their_valid_time() {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    world.set_now("2016-12-12T18:00:00Z");
    // A rejection at 12:00 is recorded after the withdrawal at 14:00.
    world.accept(&Signer::monitor(), reported(endorse(1, 1), US, "2016-12-12T10:00:00Z", 1));
    world.accept(&Signer::monitor(), reported(withdraw(1, 1, Some("a truce now")), US, "2016-12-12T14:00:00Z", 2));
    world.accept(&Signer::monitor(), reported(reject(1, 1, "not acceptable"), US, "2016-12-12T12:00:00Z", 3));
    let version = &world.state.coordination.agreements[&agreement_id(1)].versions[0];
    let stance_at = |at: &str| version.stance_at(&party_id(US), ts(at)).map(|s| s.stance.clone());
    assert_eq!(stance_at("2016-12-12T11:00:00Z"), Some(Stance::Endorsed));
    assert!(
        matches!(stance_at("2016-12-12T13:00:00Z"), Some(Stance::Rejected { .. })),
        "recorded last, valid at 12:00"
    );
    assert!(matches!(stance_at("2016-12-12T15:00:00Z"), Some(Stance::Withdrawn { .. })), "the 14:00 withdrawal holds");
}

#[test]
fn a_partys_attested_stance_confirms_a_report_of_it() {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    world.set_now("2016-12-12T09:00:00Z");
    world.accept(&Signer::monitor(), reported(endorse(1, 1), US, "2016-12-12T08:30:00Z", 1));
    let version = &world.state.coordination.agreements[&agreement_id(1)].versions[0];
    assert_eq!(version.corroboration_of(&version.stances[0]), None, "nothing attested yet");
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    let version = &world.state.coordination.agreements[&agreement_id(1)].versions[0];
    assert_eq!(version.corroboration_of(&version.stances[0]), Some(Corroboration::Confirmed));
    assert_eq!(version.corroboration_of(&version.stances[1]), None, "an attested stance is not a report");
}

#[test]
fn an_attested_act_happens_when_it_is_signed() {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    let mut body = endorse(1, 1);
    if let CommandBody::Endorse { effective_at, .. } = &mut body {
        *effective_at = Some(ts("2016-12-12T06:00:00Z"));
    }
    check_refusal(&mut world, &Signer::coordinator(US), body, expect!["effective-at: effective_at 2016-12-12T06:00:00Z differs from issued_at 2016-12-12T07:18:00Z: an attested act happens when it is signed; to record an earlier act, report it (reported.party_id and reported.sources)"]);
}

#[test]
fn bad_reports_are_refused_and_change_nothing() {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    let mut no_time = reported(endorse(1, 1), US, "2016-12-12T07:00:00Z", 1);
    if let CommandBody::Endorse { effective_at, .. } = &mut no_time {
        *effective_at = None;
    }
    check_refusal(
        &mut world,
        &Signer::monitor(),
        no_time,
        expect![[r#"effective-at: a reported act needs effective_at, the time its sources give for it"#]],
    );
    check_refusal(
        &mut world,
        &Signer::monitor(),
        reported(endorse(1, 1), US, "2016-12-13T07:00:00Z", 2),
        expect!["valid-time-in-future: effective_at 2016-12-13T07:00:00Z is after the time the server accepts it, 2016-12-12T07:18:00Z, by more than 600 s"],
    );
    check_refusal(
        &mut world,
        &Signer::monitor(),
        reported(endorse(1, 1), UN, "2016-12-12T07:00:00Z", 3),
        expect![[
            r#"reported-own-party: UN (00000001-0000-7000-8000-000000000005) is the reporting account's own party: its acts are attested by its coordinators, not reported"#
        ]],
    );
    check_refusal(
        &mut world,
        &Signer::coordinator(RU),
        reported(endorse(1, 1), US, "2016-12-12T07:00:00Z", 4),
        expect![[r#"forbidden: reporting an act needs the monitor or analyst role"#]],
    );
    check_refusal(
        &mut world,
        &Signer::monitor(),
        reported(endorse(1, 1), US, "2016-12-12T06:00:00Z", 5),
        expect!["act-before-version: effective_at 2016-12-12T06:00:00Z is before version 1 was proposed, at 2016-12-12T07:17:00Z"],
    );
}

#[test]
fn an_agreement_declared_broken_is_no_longer_in_force_from_then_and_cannot_end_twice() {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world.set_now("2016-12-16T18:00:00Z");
    let broken = CommandBody::DeclareBroken {
        agreement_id: agreement_id(1),
        reason: reason("the convoy was fired on"),
        effective_at: Some(ts("2016-12-16T11:00:00Z")),
        reported: Some(ReportedAct {
            party_id: party_id(RU),
            sources: vec![source(1, "EFE", SourceKind::Media, None)],
        }),
    };
    world.accept(&Signer::monitor(), broken.clone());
    let coordination = &world.state.coordination;
    let status = |at: &str| coordination.agreement_status(&agreement_id(1), ts(at)).expect("proposed");
    assert!(status("2016-12-16T10:59:59Z").in_force);
    let after = status("2016-12-16T11:00:00Z");
    assert_eq!(after.status, crate::VersionStatus::Broken);
    assert!(!after.in_force);
    let ended = after.ended.expect("who, when and why");
    assert_eq!((ended.party_id, ended.at), (party_id(RU), ts("2016-12-16T11:00:00Z")));
    let commitment = coordination.commitment_status(&commitment_id(1), ts("2016-12-16T12:00:00Z")).expect("held");
    assert_eq!(commitment.status, crate::CommitmentStatusKind::Pending, "a broken agreement binds no one");
    let alert = world.state.alerts.last().expect("an alert");
    assert_eq!(*alert.headline, *"Corridors for leaving East Aleppo: RU (00000001-0000-7000-8000-000000000001) declared the agreement broken: the convoy was fired on".replace("Corridors for leaving East Aleppo", &world.state.coordination.agreements[&agreement_id(1)].title.to_string()));
    assert_eq!(alert.effective_at, Some(ts("2016-12-16T11:00:00Z")));
    let mut again = broken;
    if let CommandBody::DeclareBroken { reported: Some(reported), .. } = &mut again {
        reported.sources[0].source_id = super::monitoring::source_id(2);
    }
    check_refusal(
        &mut world,
        &Signer::monitor(),
        again,
        expect![[
            r#"agreement-state: agreement 00000006-0000-7000-8000-000000000001 already ended at 2016-12-16T11:00:00Z, declared by RU (00000001-0000-7000-8000-000000000001)"#
        ]],
    );
}

/// Two reciprocal evacuations: A's `no_attack` on corridor 1 and B's on corridor 2, each
/// conditional on the other's not being breached.
fn reciprocal_plan() -> crate::Terms {
    let mut plan = terms(
        vec![corridor(1, "EA-1"), corridor(2, "EA-2")],
        vec![
            commitment(1, RU, crate::CommitmentKind::NoAttack, crate::Scope::Corridor(corridor_id(1)), &[SAF]),
            commitment(2, OPP, crate::CommitmentKind::NoAttack, crate::Scope::Corridor(corridor_id(2)), &[AOG]),
        ],
        truce(TruceStart::Immediately),
        &[RU, OPP],
    );
    let not_breached =
        |n| crate::Condition { commitment_id: commitment_id(n), requires: crate::Requirement::NotBreached };
    plan.commitments[0].conditions = vec![not_breached(2)];
    plan.commitments[1].conditions = vec![not_breached(1)];
    // Corridor 2 leaves from another place, some 8 km away.
    plan.corridors[1].route = line(&[(37.200, 36.230), (37.215, 36.240)]);
    plan
}

#[test]
fn a_reciprocal_condition_bites_when_the_other_side_is_breached() {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, reciprocal_plan()));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(OPP), endorse(1, 1));
    let starts: Vec<crate::Position> =
        [1, 2].iter().map(|n| world.state.coordination.corridors[&corridor_id(*n)].spec.route.positions()[0]).collect();
    // Incident `n` on corridor `n`, at its first vertex.
    let on_corridor = |n: u64, at: &str| {
        let mut body = super::monitoring::report(n, at, source(n, "EFE", SourceKind::Media, None));
        if let CommandBody::ReportIncident { location, .. } = &mut body {
            location.position = starts[usize::try_from(n - 1).expect("small")];
        }
        body
    };
    // Corridor 2 (OPP's commitment 2) is shelled at 09:00, and a second source corroborates.
    world.set_now("2016-12-12T09:00:00Z");
    let shelling = on_corridor(2, "2016-12-12T09:00:00Z");
    world.accept(&Signer::monitor(), shelling);
    assert!(world.state.condition_outcomes().releases.is_empty(), "a single source breaches nothing");
    world.accept(
        &Signer::monitor(),
        CommandBody::AddSource { incident_id: incident_id(2), source: source(3, "Anadolu", SourceKind::Media, None) },
    );
    let outcomes = world.state.condition_outcomes().clone();
    assert_eq!(outcomes.breaches[&commitment_id(2)].at, ts("2016-12-12T09:00:00Z"));
    let release = &outcomes.releases[&commitment_id(1)];
    assert_eq!((release.at, &release.because.commitment_id), (ts("2016-12-12T09:00:00Z"), &commitment_id(2)));
    assert!(!outcomes.releases.contains_key(&commitment_id(2)), "the breached side is not released by its own breach");
    let alert = world.state.alerts.iter().find(|a| a.kind == crate::AlertKind::ConditionFailed).expect("alerted");
    assert_eq!(alert.commitment_id, Some(commitment_id(1)));
    assert_eq!(alert.effective_at, Some(ts("2016-12-12T09:00:00Z")));
    // RU's commitment no longer binds: a later shelling of corridor 1 violates nothing.
    world.set_now("2016-12-12T10:00:00Z");
    world.accept(&Signer::monitor(), on_corridor(1, "2016-12-12T10:00:00Z"));
    assert_eq!(world.state.violations_of(&incident_id(1)), Vec::new());
}

#[test]
fn fulfilled_conditions_that_lead_back_to_their_commitment_are_refused() {
    let mut world = World::new();
    let mut plan = reciprocal_plan();
    let fulfilled = |n| crate::Condition { commitment_id: commitment_id(n), requires: crate::Requirement::Fulfilled };
    plan.commitments[0].conditions = vec![fulfilled(2)];
    plan.commitments[1].conditions = vec![fulfilled(1)];
    check_refusal(
        &mut world,
        &Signer::coordinator(RU),
        propose(1, plan),
        expect![[
            r#"invalid-terms: commitment 00000007-0000-7000-8000-000000000001's fulfilled conditions lead back to it: none of them could be fulfilled first"#
        ]],
    );
}

#[test]
fn a_retracted_report_is_gone_from_its_record_time_on_and_cannot_be_retracted_twice() {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    world.set_now("2016-12-12T12:00:00Z");
    world.accept(&Signer::monitor(), reported(endorse(1, 1), US, "2016-12-12T10:00:00Z", 1));
    let endorsement_seq = world.log.last().expect("an entry").context.seq;
    let before_retraction = world.now;
    let version = |state: &crate::State| state.coordination.agreements[&agreement_id(1)].versions[0].clone();
    assert!(version(&world.state).stance_at(&party_id(US), ts("2016-12-12T11:00:00Z")).is_some());

    world.set_now("2016-12-12T13:00:00Z");
    let retract =
        CommandBody::Retract { seq: endorsement_seq, reason: reason("the source was misread: it was Russia") };
    // Another party's coordinator may not retract the UN monitor's record.
    check_refusal(&mut world, &Signer::coordinator(RU), retract.clone(), expect!["forbidden: entry 18 was recorded by another party's account; an analyst, or an account of that party, may retract it"]);
    world.accept(&Signer::monitor(), retract.clone());
    assert_eq!(version(&world.state).stance_at(&party_id(US), ts("2016-12-12T11:00:00Z")), None, "taken out");
    assert_eq!(world.state.retractions[&endorsement_seq].reason.as_str(), "the source was misread: it was Russia");
    let alert = world.state.alerts.last().expect("the retraction is alerted");
    assert!(
        alert.headline.ends_with("endorsed version 1 was retracted: the source was misread: it was Russia"),
        "{}",
        alert.headline
    );
    assert_eq!(alert.effective_at, Some(ts("2016-12-12T10:00:00Z")));
    // As known before the retraction, the endorsement stood.
    let known = world.known_at(before_retraction);
    assert!(version(&known).stance_at(&party_id(US), ts("2016-12-12T11:00:00Z")).is_some());
    check_refusal(&mut world, &Signer::monitor(), retract, expect!["duplicate: entry 18 was already retracted"]);
    // The proposal itself is not retractable: versions are numbered.
    let proposal = CommandBody::Retract { seq: endorsement_seq - 1, reason: reason("no") };
    check_refusal(
        &mut world,
        &Signer::monitor(),
        proposal,
        expect![[r#"invalid-reference: entry 17 recorded nothing that can be retracted (not a retractable record)"#]],
    );
}

#[test]
fn a_breach_before_a_linkage_was_agreed_does_not_release_what_it_links() {
    let mut world = World::new();
    let mut unlinked = reciprocal_plan();
    for commitment in &mut unlinked.commitments {
        commitment.conditions.clear();
    }
    world.accept(&Signer::coordinator(RU), propose(1, unlinked));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(OPP), endorse(1, 1));
    let corridor_2 = world.state.coordination.corridors[&corridor_id(2)].spec.route.positions()[0];
    let shell = |world: &mut World, n: u64, at: &str| {
        world.set_now(at);
        let mut body = super::monitoring::report(n, at, source(10 * n, "EFE", SourceKind::Media, None));
        if let CommandBody::ReportIncident { location, .. } = &mut body {
            location.position = corridor_2;
        }
        world.accept(&Signer::monitor(), body);
        let second = source(10 * n + 1, "Anadolu", SourceKind::Media, None);
        world.accept(&Signer::monitor(), CommandBody::AddSource { incident_id: incident_id(n), source: second });
    };
    shell(&mut world, 1, "2016-12-12T09:00:00Z");
    // Version 2, proposed at 10:00, links the two evacuations.
    world.set_now("2016-12-12T10:00:00Z");
    world.accept(&Signer::coordinator(RU), propose_version(1, 1, reciprocal_plan()));
    world.accept(&Signer::coordinator(RU), endorse(1, 2));
    world.accept(&Signer::coordinator(OPP), endorse(1, 2));
    assert!(world.state.condition_outcomes().releases.is_empty(), "the 09:00 breach came before the linkage");
    shell(&mut world, 2, "2016-12-12T11:00:00Z");
    assert_eq!(world.state.condition_outcomes().releases[&commitment_id(1)].at, ts("2016-12-12T11:00:00Z"));
}

#[test]
fn sponsors_and_guarantors_back_an_agreement_and_a_guarantor_may_declare_it_broken() {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.sponsors = vec![party_id(UN)];
    plan.guarantors = vec![party_id(SY)];
    // OPP's commitment binds a party that signs nothing here: shown, not refused.
    let evacuate = commitment(3, OPP, crate::CommitmentKind::Evacuate, crate::Scope::Corridor(corridor_id(1)), &[]);
    plan.commitments.push(evacuate);
    let flagged: Vec<_> = plan.commitments_of_non_signatories().map(|c| c.commitment_id.clone()).collect();
    assert_eq!(flagged, [commitment_id(3)]);
    let mut unknown = plan.clone();
    unknown.guarantors = vec![party_id(99)];
    check_refusal(
        &mut world,
        &Signer::coordinator(RU),
        propose(2, unknown),
        expect![[r#"unknown-reference: party 00000001-0000-7000-8000-000000000063 does not exist"#]],
    );
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    let status =
        |world: &World| world.state.coordination.agreement_status(&agreement_id(1), world.now).expect("proposed");
    assert!(status(&world).in_force, "sponsors and guarantors need not endorse");
    // SY signs nothing, but guarantees the agreement: it may declare it broken.
    let broken = CommandBody::DeclareBroken {
        agreement_id: agreement_id(1),
        reason: reason("convoys fired on"),
        effective_at: None,
        reported: None,
    };
    world.accept(&Signer::coordinator(SY), broken);
    assert_eq!(status(&world).status, crate::VersionStatus::Broken);
    // OPP neither signs nor guarantees.
    let completed =
        CommandBody::DeclareCompleted { agreement_id: agreement_id(1), note: None, effective_at: None, reported: None };
    check_refusal(&mut world, &Signer::coordinator(OPP), completed, expect!["not-a-signatory: party EA-OPP (00000001-0000-7000-8000-000000000004) is not a required signatory of version 1"]);
}

/// Incidents recorded before the acts that put an agreement in force (reported later, with
/// their valid times) are looked for, when it comes into force, wherever their probe can
/// meet its corridor: one 3 km off the corridor known only to within 5 km violates it and is
/// alerted then; one at the same place known to within 50 m does not.
#[test]
fn an_agreement_reported_in_force_alerts_earlier_incidents_within_their_uncertainty_of_it() {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.corridors[0].windows = vec![corridor_window("2016-12-12T00:00:00Z", "2016-12-20T00:00:00Z", &[])];
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.set_now("2016-12-14T00:00:00Z");
    let corridor_start = corridor(1, "EA-1").route.positions()[0];
    let three_km_north = position(corridor_start.lon(), corridor_start.lat() + 0.027);
    for (n, uncertainty_m) in [(1, 5_000.0), (2, 50.0)] {
        let mut strike = report(n, "2016-12-13T10:00:00Z", source(n, "EFE", SourceKind::Media, None));
        if let CommandBody::ReportIncident { location, .. } = &mut strike {
            location.position = three_km_north;
            location.uncertainty_m = uncertainty_m;
        }
        world.accept(&Signer::monitor(), strike);
    }
    assert!(world.state.violations_of(&incident_id(1)).is_empty(), "not yet agreed");
    world.accept(&Signer::monitor(), reported(endorse(1, 1), RU, "2016-12-12T10:00:00Z", 11));
    let seq = world.state.entries_count;
    world.accept(&Signer::monitor(), reported(endorse(1, 1), US, "2016-12-12T10:00:00Z", 12));
    let alerted: Vec<_> = world
        .state
        .alerts
        .iter()
        .filter(|a| a.seq == seq && a.kind == crate::AlertKind::ViolationNew)
        .map(|a| a.incident_id.clone())
        .collect();
    assert_eq!(alerted, vec![Some(incident_id(1))]);
    let distance_m = crate::matcher::distance_to_route_m(three_km_north, &corridor(1, "EA-1").route);
    assert!((2_500.0..3_500.0).contains(&distance_m), "{distance_m} m off the corridor");
}
