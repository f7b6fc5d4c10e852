//! Monitoring: incidents, sources and grades, statements, violations of commitments and of
//! humanitarian notifications, the alerts they raise, and the refusals of bad reports.

use expect_test::expect;

use super::fixture::*;
use crate::{
    AlertKind, Casualties, CommandBody, CountRange, DomainError, Grade, IncidentId, IncidentKind, IncidentStance,
    Location, NotificationId, Notified, PartyId, Role, SiteKind, SourceId, SourceKind, SourceReport, Timestamp,
    TruceStart, ViolationStatus, When,
};

pub(super) fn incident_id(n: u64) -> IncidentId {
    IncidentId::parse(&format!("00000009-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}
pub(super) fn source_id(n: u64) -> SourceId {
    SourceId::parse(&format!("0000000a-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}
pub(super) fn notification_id(n: u64) -> NotificationId {
    NotificationId::parse(&format!("0000000c-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}

pub(super) fn analyst() -> Signer {
    Signer { account: account_id(11), party: Some(party_id(UN)), key: key("analyst") }
}

pub(super) fn source(n: u64, organisation: &str, kind: SourceKind, force: Option<u64>) -> SourceReport {
    SourceReport {
        published_at: None,
        source_id: source_id(n),
        organisation: name(organisation),
        kind,
        independence: None,
        reference: None,
        casualties: Casualties {
            killed: None,
            injured: None,
            civilians_killed: Some(CountRange { min: 2, max: Some(5) }),
            children_killed: None,
        },
        responsible_force_id: force.map(force_id),
        text: None,
    }
}

/// A media source of `organisation` that says nothing more: no figures, no force, no text.
pub(super) fn bare_source(source_id: SourceId, organisation: &str) -> SourceReport {
    SourceReport::of(source_id, name(organisation), SourceKind::Media)
}

/// Inside corridor EA-1 (its first vertex), at an instant.
pub(super) fn report(n: u64, at: &str, source: SourceReport) -> CommandBody {
    CommandBody::ReportIncident {
        incident_id: incident_id(n),
        kind: IncidentKind::Shelling,
        location: Location {
            position: position(37.1501, 36.1781),
            uncertainty_m: 50.0,
            precision: None,
            zone_id: None,
        },
        when: When { start: ts(at), end: None, precision: None },
        description: reason("Shelling reported near the corridor"),
        source,
        convoy_id: None,
    }
}

/// The plan in force from its agreement, with the corridor open all day on the 13th.
pub(super) fn world_in_force() -> World {
    let mut world = World::new();
    world.accept(&Signer::coordinator(UN), register_account(&analyst(), "UN analyst", Role::Analyst));
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.corridors[0].windows = vec![corridor_window("2016-12-13T00:00:00Z", "2016-12-14T00:00:00Z", &[])];
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world.set_now("2016-12-13T10:00:00Z");
    world
}

fn violations(world: &World, n: u64) -> Vec<(Option<u64>, ViolationStatus, Vec<PartyId>)> {
    world
        .state
        .violations_of(&incident_id(n))
        .into_iter()
        .map(|v| {
            (
                v.commitment_id.map(|c| u64::from_str_radix(&c.text().as_str()[24..], 16).unwrap_or(0)),
                v.status,
                v.parties,
            )
        })
        .collect()
}

fn grade(world: &World, n: u64) -> Grade {
    world.state.grade(&world.state.monitoring.incidents[&incident_id(n)])
}

#[test]
fn shelling_inside_an_open_corridor_is_an_alleged_violation_that_a_second_source_substantiates() {
    let mut world = world_in_force();
    world.accept(&Signer::monitor(), report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, Some(SAF))));
    assert_eq!(grade(&world, 1), Grade::SingleSource);
    // Russia's no_attack commitment, attributed to Russia and to the parties answering for
    // the Syrian armed forces (Syria and Russia).
    assert_eq!(violations(&world, 1), vec![(Some(1), ViolationStatus::Alleged, vec![party_id(RU), party_id(SY)])]);
    let alert = world.state.alerts.last().expect("an alert");
    assert_eq!(alert.kind, AlertKind::ViolationNew);
    assert_eq!(alert.violation_status, Some(ViolationStatus::Alleged));
    assert!(alert.parties.contains(&party_id(RU)));

    let body = CommandBody::AddSource {
        incident_id: incident_id(1),
        source: source(2, "Anadolu Agency", SourceKind::Media, Some(SAF)),
    };
    world.accept(&Signer::monitor(), body);
    assert_eq!(grade(&world, 1), Grade::Corroborated);
    assert_eq!(violations(&world, 1)[0].1, ViolationStatus::Substantiated);
    let alert = world.state.alerts.last().expect("an alert");
    assert_eq!(alert.kind, AlertKind::ViolationChanged);
    assert_eq!(alert.violation_status, Some(ViolationStatus::Substantiated));
}

#[test]
fn two_reports_from_one_outlet_are_one_source() {
    let mut world = world_in_force();
    world.accept(&Signer::monitor(), report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, None)));
    let mut second = source(2, "EFE Madrid desk", SourceKind::Media, None);
    second.independence = Some(name("EFE"));
    world.accept(&Signer::monitor(), CommandBody::AddSource { incident_id: incident_id(1), source: second });
    assert_eq!(grade(&world, 1), Grade::SingleSource);
}

#[test]
fn a_monitor_on_site_verifies_and_competing_attributions_contest() {
    let mut world = world_in_force();
    world.accept(
        &Signer::monitor(),
        report(1, "2016-12-13T09:30:00Z", source(1, "UN", SourceKind::MonitorOnSite, None)),
    );
    assert_eq!(grade(&world, 1), Grade::Verified);
    let explained = world.state.grade_explained(&world.state.monitoring.incidents[&incident_id(1)]);
    assert_eq!(explained.reasons, ["verified: a monitor of UN on site"]);

    world.accept(&Signer::monitor(), report(2, "2016-12-13T09:40:00Z", source(2, "EFE", SourceKind::Media, Some(SAF))));
    let other = source(3, "Opposition media office", SourceKind::Media, Some(AOG));
    world.accept(&Signer::monitor(), CommandBody::AddSource { incident_id: incident_id(2), source: other });
    assert_eq!(grade(&world, 2), Grade::Contested);
    let explained = world.state.grade_explained(&world.state.monitoring.incidents[&incident_id(2)]);
    assert_eq!(explained.reasons, ["contested: 2 forces are named as responsible (SAF, AOG)"]);
    assert_eq!(world.state.attributed_force(&world.state.monitoring.incidents[&incident_id(2)]), None);
    // Without a known perpetrator, the violation is the commitment's party's alone.
    assert_eq!(violations(&world, 2), vec![(Some(1), ViolationStatus::Alleged, vec![party_id(RU)])]);
}

#[test]
fn the_accused_partys_confirmation_verifies_and_its_accusation_of_another_force_contests() {
    let mut world = world_in_force();
    world.accept(&Signer::monitor(), report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, Some(SAF))));
    world.accept(&Signer::monitor(), report(2, "2016-12-13T09:35:00Z", source(2, "EFE", SourceKind::Media, Some(SAF))));
    let confirms = CommandBody::MakeStatement {
        effective_at: None,
        reported: None,
        statement_id: statement_id(1),
        text: reason("Our forces returned fire"),
        incident_ids: Vec::new(),
        stances: vec![IncidentStance::Confirms { incident_id: incident_id(1) }],
        agreements: Vec::new(),
        kind: crate::monitoring::model::StatementKind::Statement,
        about: Vec::new(),
        document: None,
        votes: None,
    };
    world.accept(&Signer::coordinator(SY), confirms);
    assert_eq!(grade(&world, 1), Grade::Verified);
    let accuses = CommandBody::MakeStatement {
        effective_at: None,
        reported: None,
        statement_id: statement_id(2),
        text: reason("The militants shelled their own corridor"),
        incident_ids: Vec::new(),
        stances: vec![IncidentStance::Accuses { incident_id: incident_id(2), force_id: force_id(AOG) }],
        agreements: Vec::new(),
        kind: crate::monitoring::model::StatementKind::Statement,
        about: Vec::new(),
        document: None,
        votes: None,
    };
    world.accept(&Signer::coordinator(RU), accuses);
    assert_eq!(grade(&world, 2), Grade::Contested);
}

#[test]
fn an_analyst_grade_and_a_dismissal_stay_in_history_with_their_reasons() {
    let mut world = world_in_force();
    world.accept(&Signer::monitor(), report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, None)));
    let body = CommandBody::GradeIncident {
        incident_id: incident_id(1),
        grade: Grade::Verified,
        reason: reason("Confirmed by imagery"),
    };
    world.accept(&analyst(), body);
    assert_eq!(grade(&world, 1), Grade::Verified);
    let explained = world.state.grade_explained(&world.state.monitoring.incidents[&incident_id(1)]);
    assert_eq!(explained.reasons, ["set by an analyst: Confirmed by imagery"]);
    let dismiss = CommandBody::DismissViolation {
        incident_id: incident_id(1),
        commitment_id: Some(commitment_id(1)),
        notification_id: None,
        reason: reason("The shells fell outside the corridor's buffer"),
    };
    world.accept(&analyst(), dismiss);
    let incident = &world.state.monitoring.incidents[&incident_id(1)];
    assert_eq!(incident.grade_overrides.len(), 1);
    assert_eq!(incident.grade_overrides[0].reason.as_str(), "Confirmed by imagery");
    let violation = &world.state.violations_of(&incident_id(1))[0];
    assert_eq!(violation.status, ViolationStatus::Dismissed);
    assert_eq!(
        violation.dismissed_reason.as_ref().map(|r| r.as_str()),
        Some("The shells fell outside the corridor's buffer")
    );

    // As the record stood before each step: what was known then, nothing later.
    let times: Vec<_> = world.log[world.log.len() - 3..].iter().map(|e| e.context.accepted_at).collect();
    let just_before =
        |at: crate::Timestamp| crate::Timestamp::from_datetime(at.as_datetime() - chrono::Duration::seconds(1));
    let as_of = |at| {
        let past = world.known_at(at);
        let known = past.monitoring.incidents.get(&incident_id(1)).map(|i| past.grade(i));
        (known, past.violations_of(&incident_id(1)).iter().map(|v| v.status).collect::<Vec<_>>())
    };
    assert_eq!(as_of(just_before(times[0])), (None, vec![]));
    assert_eq!(as_of(times[0]), (Some(Grade::SingleSource), vec![ViolationStatus::Alleged]));
    assert_eq!(as_of(times[1]), (Some(Grade::Verified), vec![ViolationStatus::Substantiated]));
    assert_eq!(as_of(times[2]), (Some(Grade::Verified), vec![ViolationStatus::Dismissed]));
    assert_eq!(world.known_at(times[1]).monitoring.incidents[&incident_id(1)].grade_overrides.len(), 1);
    assert_eq!(world.known_at(just_before(times[1])).monitoring.incidents[&incident_id(1)].grade_overrides.len(), 0);
    // By valid time, an analyst's grade and dismissal are knowledge about the incident: they
    // apply at every instant once recorded, unlike the incident itself, which begins at its
    // start.
    let incident_start = world.state.monitoring.incidents[&incident_id(1)].current().when.start;
    let valid = world.state.as_of(incident_start);
    assert_eq!(
        valid.violations_of(&incident_id(1)).iter().map(|v| v.status).collect::<Vec<_>>(),
        vec![ViolationStatus::Dismissed]
    );
    assert!(world.state.as_of(just_before(incident_start)).monitoring.incidents.is_empty());
}

#[test]
fn an_incident_outside_the_corridor_or_before_the_plan_is_in_force_violates_nothing() {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    world.set_now("2016-12-12T07:30:00Z");
    world.accept(&Signer::monitor(), report(1, "2016-12-12T07:30:00Z", source(1, "EFE", SourceKind::Media, None)));
    assert_eq!(violations(&world, 1), Vec::new());
    let mut far = report(2, "2016-12-12T07:30:00Z", source(2, "EFE", SourceKind::Media, None));
    if let CommandBody::ReportIncident { location, .. } = &mut far {
        location.position = position(37.30, 36.30);
    }
    world.accept(&Signer::monitor(), far);
    assert_eq!(violations(&world, 2), Vec::new());
}

#[test]
fn a_correction_keeps_the_old_values_and_rematches() {
    let mut world = world_in_force();
    world.accept(&Signer::monitor(), report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, None)));
    assert_eq!(violations(&world, 1).len(), 1);
    let body = CommandBody::CorrectIncident {
        incident_id: incident_id(1),
        kind: None,
        location: Some(Location {
            position: position(37.30, 36.30),
            uncertainty_m: 100.0,
            precision: None,
            zone_id: None,
        }),
        when: None,
        convoy_id: None,
        reason: reason("Geolocated from video"),
    };
    world.accept(&Signer::monitor(), body);
    let incident = &world.state.monitoring.incidents[&incident_id(1)];
    assert_eq!(incident.revisions.len(), 2);
    assert_eq!(incident.revisions[0].location.position, position(37.1501, 36.1781));
    assert_eq!(violations(&world, 1), Vec::new());
}

#[test]
fn a_duplicates_sources_count_towards_the_original_and_it_violates_nothing_itself() {
    let mut world = world_in_force();
    world.accept(&Signer::monitor(), report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, None)));
    world.accept(&Signer::monitor(), report(2, "2016-12-13T09:31:00Z", source(2, "Reuters", SourceKind::Media, None)));
    let body = CommandBody::MarkDuplicate {
        incident_id: incident_id(2),
        duplicate_of: incident_id(1),
        reason: reason("Same strike"),
    };
    world.accept(&analyst(), body);
    assert_eq!(grade(&world, 1), Grade::Corroborated);
    assert_eq!(violations(&world, 2), Vec::new());
    assert_eq!(world.state.monitoring.incidents.len(), 2, "nothing is deleted");
}

#[test]
fn an_attack_on_a_notified_site_violates_the_notification_and_overdue_parties_are_named() {
    let mut world = world_in_force();
    let body = CommandBody::NotifyHumanitarian {
        notification_id: notification_id(1),
        notified: Notified::Site {
            name: name("Field hospital"),
            site_kind: SiteKind::Hospital,
            position: position(37.16, 36.20),
            radius_m: 200.0,
        },
        party_ids: vec![party_id(RU), party_id(SY)],
        deadline: ts("2016-12-13T12:00:00Z"),
        valid_until: None,
        personnel: None,
        on_behalf_of: None,
    };
    world.accept(&Signer::monitor(), body);
    world
        .accept(&Signer::coordinator(RU), CommandBody::AcknowledgeNotification { notification_id: notification_id(1) });
    let notification = &world.state.monitoring.notifications[&notification_id(1)];
    assert_eq!(notification.overdue_parties(ts("2016-12-13T11:00:00Z")), Vec::<&PartyId>::new());
    assert_eq!(notification.overdue_parties(ts("2016-12-13T12:00:00Z")), vec![&party_id(SY)]);

    world.set_now("2016-12-13T13:00:00Z");
    let mut strike = report(1, "2016-12-13T13:00:00Z", source(1, "MSF", SourceKind::Witness, None));
    if let CommandBody::ReportIncident { location, kind, .. } = &mut strike {
        location.position = position(37.1605, 36.2002);
        *kind = IncidentKind::Airstrike;
    }
    world.accept(&Signer::monitor(), strike);
    let found = world.state.violations_of(&incident_id(1));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].notification_id, Some(notification_id(1)));

    // A strike on the same spot before the site was notified violates no notification; one
    // that lasted into the notice does.
    let notified_at = world.state.monitoring.notifications[&notification_id(1)].notified_at;
    let before = Timestamp::from_datetime(notified_at.as_datetime() - chrono::Duration::hours(2));
    let into = Timestamp::from_datetime(notified_at.as_datetime() + chrono::Duration::minutes(1));
    for (n, end) in [(2, None), (3, Some(notified_at)), (4, Some(into))] {
        let mut earlier = report(n, &before.to_string(), source(n + 1, "MSF", SourceKind::Witness, None));
        if let CommandBody::ReportIncident { location, kind, when, .. } = &mut earlier {
            location.position = position(37.1605, 36.2002);
            *kind = IncidentKind::Airstrike;
            when.end = end;
        }
        world.accept(&Signer::monitor(), earlier);
    }
    let notified: Vec<usize> = (2..=4)
        .map(|n| world.state.violations_of(&incident_id(n)).iter().filter(|v| v.notification_id.is_some()).count())
        .collect();
    assert_eq!(notified, vec![0, 0, 1], "instant before, interval ending at the notice, interval into it");
}

#[track_caller]
fn check_refusal(world: &mut World, signer: &Signer, body: CommandBody, expect: expect_test::Expect) {
    let err = world.submit(signer, body).expect_err("refused");
    expect.assert_eq(&format!("{}: {err}", err.kind()));
}

#[test]
fn bad_reports_are_refused_and_change_nothing() {
    let mut world = world_in_force();
    let mut inverted = source(1, "EFE", SourceKind::Media, None);
    inverted.casualties.killed = Some(CountRange { min: 10, max: Some(3) });
    check_refusal(
        &mut world,
        &Signer::monitor(),
        report(1, "2016-12-13T09:30:00Z", inverted),
        expect!["invalid-input: source.casualties.killed has min 10 above max 3"],
    );
    let mut blurred = report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, None));
    if let CommandBody::ReportIncident { location, .. } = &mut blurred {
        location.uncertainty_m = f64::INFINITY;
    }
    check_refusal(
        &mut world,
        &Signer::monitor(),
        blurred,
        expect!["invalid-input: location.uncertainty_m is inf, expected a finite number from 0 to 100000"],
    );
    let mut backwards = report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, None));
    if let CommandBody::ReportIncident { when, .. } = &mut backwards {
        when.end = Some(ts("2016-12-13T09:00:00Z"));
    }
    check_refusal(
        &mut world,
        &Signer::monitor(),
        backwards,
        expect!["invalid-input: when.end 2016-12-13T09:00:00Z is not after the start 2016-12-13T09:30:00Z"],
    );
    check_refusal(
        &mut world,
        &Signer::monitor(),
        CommandBody::AddSource { incident_id: incident_id(9), source: source(1, "EFE", SourceKind::Media, None) },
        expect!["unknown-reference: incident 00000009-0000-7000-8000-000000000009 does not exist"],
    );
    check_refusal(
        &mut world,
        &Signer::monitor(),
        report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, Some(9))),
        expect!["unknown-reference: force 00000003-0000-7000-8000-000000000009 does not exist"],
    );
    world.accept(&Signer::monitor(), report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, None)));
    check_refusal(
        &mut world,
        &Signer::monitor(),
        CommandBody::GradeIncident { incident_id: incident_id(1), grade: Grade::Discounted, reason: reason("no") },
        expect!["forbidden: grading an incident needs the analyst role"],
    );
    check_refusal(
        &mut world,
        &analyst(),
        CommandBody::DismissViolation {
            incident_id: incident_id(1),
            commitment_id: Some(commitment_id(2)),
            notification_id: None,
            reason: reason("no"),
        },
        expect!["invalid-reference: incident 00000009-0000-7000-8000-000000000001 has no violation of commitment 00000007-0000-7000-8000-000000000002"],
    );
}

#[test]
fn a_missing_source_does_not_deserialise() {
    let json = serde_json::json!({"type": "report_incident", "incident_id": incident_id(1), "kind": "shelling",
        "location": {"position": [37.1, 36.2], "uncertainty_m": 10.0}, "when": {"start": "2016-12-13T09:30:00Z"},
        "description": "x"});
    let err = serde_json::from_value::<CommandBody>(json).expect_err("no source");
    expect!["missing field `source`"].assert_eq(&err.to_string());
    let _ = DomainError::DismissalTarget;
}

#[test]
fn a_source_counts_only_as_far_as_its_recording_account_may_vouch_for_it() {
    let mut world = world_in_force();
    // A party's coordinator files a report naming a UN office as a monitor on site, blaming
    // its adversary: it is that party's claim, and verifies nothing.
    world.accept(
        &Signer::coordinator(RU),
        report(1, "2016-12-13T09:30:00Z", source(1, "UN", SourceKind::MonitorOnSite, Some(AOG))),
    );
    let incident = &world.state.monitoring.incidents[&incident_id(1)];
    let explained = world.state.grade_explained(incident);
    assert_eq!(explained.grade, Grade::SingleSource);
    assert_eq!(explained.sources[0].counts_as, SourceKind::Party);
    assert_eq!(explained.reasons, ["UN: recorded by an account of RU, a party's claim", "single source: UN"],);
    // The UN monitor relaying what another organisation saw does not verify either.
    world.accept(
        &Signer::monitor(),
        report(2, "2016-12-13T09:30:00Z", source(2, "ICRC", SourceKind::MonitorOnSite, None)),
    );
    let explained = world.state.grade_explained(&world.state.monitoring.incidents[&incident_id(2)]);
    assert_eq!(explained.grade, Grade::SingleSource);
    assert_eq!(explained.sources[0].counts_as, SourceKind::Relayed);
    assert_eq!(
        explained.reasons,
        [
            "ICRC: recorded as a monitor on site of ICRC by an account that is not a monitor of it",
            "single source: ICRC"
        ],
    );
    // With a second organisation it is corroborated, each organisation named once.
    let other = source(3, "EFE", SourceKind::Media, None);
    world.accept(&Signer::monitor(), CommandBody::AddSource { incident_id: incident_id(2), source: other });
    let explained = world.state.grade_explained(&world.state.monitoring.incidents[&incident_id(2)]);
    assert_eq!(explained.grade, Grade::Corroborated);
    assert_eq!(
        explained.reasons.last().map(String::as_str),
        Some("corroborated: 2 independent organisations (EFE, ICRC)")
    );
    assert_eq!(grade(&world, 2), Grade::Corroborated);
}

#[test]
fn an_ied_in_an_open_corridor_violates_its_no_attack_commitment_and_arrests_do_not() {
    let mut world = world_in_force();
    let mut ied = report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, None));
    let mut arrests = report(2, "2016-12-13T09:30:00Z", source(2, "EFE", SourceKind::Media, None));
    for (body, kind) in [(&mut ied, IncidentKind::RemoteExplosive), (&mut arrests, IncidentKind::Arrests)] {
        if let CommandBody::ReportIncident { kind: k, .. } = body {
            *k = kind;
        }
    }
    world.accept(&Signer::monitor(), ied);
    world.accept(&Signer::monitor(), arrests);
    assert_eq!(world.state.violations_of(&incident_id(1)).len(), 1, "an IED is an attack");
    assert_eq!(world.state.violations_of(&incident_id(2)), Vec::new(), "arrests are not");
}

/// A source as recorded is written with its report's fields beside its own and read back
/// field by field (`SourceRecordFields`), whether every optional field is there or none.
#[test]
fn a_source_record_reads_back_what_it_writes_with_every_field_or_none() {
    use crate::monitoring::record::SourceRecord;
    let mut full = source(3, "OCHA", SourceKind::MonitorOnSite, Some(2));
    full.independence = Some(name("UN"));
    full.reference = Some(reason("https://example.org/report/3"));
    full.casualties.killed = Some(CountRange { min: 4, max: None });
    full.casualties.injured = Some(CountRange { min: 1, max: Some(9) });
    full.casualties.children_killed = Some(CountRange { min: 0, max: Some(1) });
    full.text = Some(reason("shelling near the crossing"));
    full.published_at = Some(ts("2016-12-13T11:00:00Z"));
    let bare = bare_source(source_id(4), "SOHR");
    for (source, keys) in [(full, 11), (bare, 5)] {
        let record = SourceRecord { at: ts("2016-12-13T12:00:00Z"), added_by: account_id(11), source };
        let written = serde_json::to_value(&record).expect("a record serializes");
        let fields = written.as_object().expect("an object");
        assert_eq!(fields.len(), keys, "the report's fields beside the record's: {written}");
        assert_eq!(fields["source_id"], record.source.source_id.text().as_str());
        let read: SourceRecord = serde_json::from_value(written).expect("read back");
        assert_eq!(read, record);
    }
}
