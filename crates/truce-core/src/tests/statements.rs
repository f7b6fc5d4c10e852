//! Statements about any record (an incident, a violation, a convoy, an agreement act, a
//! count), outside bodies' mandates and resolutions, competing readings of a version,
//! counted observations, the ACLED precision codes and open casualty ranges, and the
//! warnings a point that looks wrong earns.

use expect_test::expect;

use super::{
    fixture::*,
    monitoring::{incident_id, report, source, source_id},
};
use crate::{
    warnings, Casualties, CommandBody, ConvoyId, CountRange, DistanceRange, Grade, Group, IncidentStance, Location,
    Observation, ObservationId, ObservedKind, Perception, Quantity, Reading, ReadingId, ReadingTopic, RecordRef,
    ReportedAct, SourceKind, StanceOn, StatementKind, TimePrecision, TruceStart, Votes, Weapon, When,
};

fn convoy_id(n: u64) -> ConvoyId {
    ConvoyId::parse(&format!("00000031-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}
fn reading_id(n: u64) -> ReadingId {
    ReadingId::parse(&format!("00000032-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}
fn observation_id(n: u64) -> ObservationId {
    ObservationId::parse(&format!("00000033-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}

/// A statement of `kind` about `about`, attested by its party.
fn statement(n: u64, text: &str, about: Vec<StanceOn>) -> CommandBody {
    CommandBody::MakeStatement {
        statement_id: statement_id(n),
        text: reason(text),
        incident_ids: Vec::new(),
        stances: Vec::new(),
        agreements: Vec::new(),
        kind: StatementKind::Statement,
        about,
        document: None,
        votes: None,
        effective_at: None,
        reported: None,
    }
}

/// The plan proposed by Russia and endorsed by both, a convoy on EA-1, and the clock at
/// 10:00 on the 13th.
fn world_with_plan() -> World {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.corridors[0].windows = vec![corridor_window("2016-12-13T00:00:00Z", "2016-12-14T00:00:00Z", &[])];
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world.set_now("2016-12-13T10:00:00Z");
    let convoy = CommandBody::ScheduleConvoy {
        convoy_id: convoy_id(1),
        corridor_id: corridor_id(1),
        buses: 20,
        ambulances: 4,
        departs_at: ts("2016-12-13T11:00:00Z"),
    };
    world.accept(&Signer::monitor(), convoy);
    world
}

/// The sequence number of the latest entry that recorded `act` on agreement 1.
fn act_seq(world: &World, act: crate::ActKind) -> u64 {
    let acts = world.state.agreement_acts.values().filter(|a| a.act == act);
    acts.map(|a| a.seq).next_back().expect("the act was recorded")
}

#[test]
fn a_statement_takes_a_stance_on_a_convoy_an_agreement_act_and_a_version() {
    let mut world = world_with_plan();
    let endorsement = act_seq(&world, crate::ActKind::Endorsed);
    let about = vec![
        StanceOn::Denies { record: RecordRef::Convoy { convoy_id: convoy_id(1) } },
        StanceOn::Denies { record: RecordRef::Act { agreement_id: agreement_id(1), seq: endorsement } },
        StanceOn::Mentions { record: RecordRef::Version { agreement_id: agreement_id(1), version: 1 } },
    ];
    world.accept(&Signer::coordinator(SY), statement(1, "No convoy left, and the US never agreed", about));
    let record = &world.state.monitoring.statements[&statement_id(1)];
    assert!(record.refers_to(&RecordRef::Convoy { convoy_id: convoy_id(1) }));
    assert!(record.refers_to(&RecordRef::Act { agreement_id: agreement_id(1), seq: endorsement }));
    assert!(record.refers_to(&RecordRef::Version { agreement_id: agreement_id(1), version: 1 }));
    assert!(!record.refers_to(&RecordRef::Version { agreement_id: agreement_id(1), version: 2 }));
    let act = &world.state.agreement_acts[&endorsement];
    assert_eq!((act.party_id.clone(), act.version, act.reported), (party_id(US), Some(1), false));
}

#[test]
fn a_statement_about_a_record_that_does_not_exist_is_refused_naming_the_field() {
    let mut world = world_with_plan();
    let proposal = act_seq(&world, crate::ActKind::Proposed);
    let refusals = [
        StanceOn::Denies { record: RecordRef::Convoy { convoy_id: convoy_id(9) } },
        StanceOn::Confirms { record: RecordRef::Incident { incident_id: incident_id(9) } },
        StanceOn::Denies { record: RecordRef::Act { agreement_id: agreement_id(1), seq: 2 } },
        StanceOn::Denies { record: RecordRef::Act { agreement_id: agreement_id(2), seq: proposal } },
        StanceOn::Mentions { record: RecordRef::Version { agreement_id: agreement_id(1), version: 7 } },
        StanceOn::Accuses {
            record: RecordRef::Convoy { convoy_id: convoy_id(1) },
            force_id: crate::ForceId::parse("00000003-0000-7000-8000-000000000009").expect("UUIDv7"),
        },
    ]
    .map(|stance| {
        let err = world.submit(&Signer::coordinator(SY), statement(1, "No", vec![stance])).expect_err("refused");
        format!("{}: {err}", err.kind())
    });
    expect![[r#"
        unknown-reference: convoy 00000031-0000-7000-8000-000000000009 does not exist (named by about[].record.convoy_id)
        unknown-reference: incident 00000009-0000-7000-8000-000000000009 does not exist (named by about[].record.incident_id)
        unknown-reference: act recorded by entry 2 on agreement 00000006-0000-7000-8000-000000000001 does not exist (named by about[].record.seq)
        unknown-reference: agreement 00000006-0000-7000-8000-000000000002 does not exist (named by about[].record.agreement_id)
        unknown-reference: version 7 of agreement 00000006-0000-7000-8000-000000000001 does not exist (named by about[].record.version)
        unknown-reference: force 00000003-0000-7000-8000-000000000009 does not exist (named by about[].force_id)"#]]
    .assert_eq(&refusals.join("\n"));
    assert!(world.state.monitoring.statements.is_empty(), "nothing was written");
}

#[test]
fn stances_on_an_incident_or_its_violation_move_its_grade_as_stances_on_the_incident_did() {
    let mut world = world_with_plan();
    world.accept(&Signer::monitor(), report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, Some(SAF))));
    let violation = world.state.violations_of(&incident_id(1));
    let violated = violation[0].commitment_id.clone().expect("a violation of a commitment");
    // A violation that is not one: the commitment exists but the incident does not violate it
    // (Syria's consent commitment is on another corridor).
    let wrong = RecordRef::Violation { incident_id: incident_id(1), commitment_id: commitment_id(99) };
    let err = world.submit(&Signer::coordinator(SY), statement(1, "No", vec![StanceOn::Denies { record: wrong }]));
    assert_eq!(
        err.expect_err("refused").to_string(),
        "violation of commitment 00000007-0000-7000-8000-000000000063 by incident 00000009-0000-7000-8000-000000000001 \
         does not exist (named by about[].record.commitment_id)"
    );
    // Syria (which answers for the accused force) confirms the violation: verified.
    let on_violation = RecordRef::Violation { incident_id: incident_id(1), commitment_id: violated };
    world.accept(&Signer::coordinator(SY), statement(1, "We fired", vec![StanceOn::Confirms { record: on_violation }]));
    let explained = world.state.grade_explained(&world.state.monitoring.incidents[&incident_id(1)]);
    assert_eq!(explained.grade, Grade::Verified);
    assert_eq!(
        explained.reasons.last().map(String::as_str),
        Some(
            format!("verified: the accused party SY ({}) confirms it (statement {})", party_id(SY), statement_id(1))
                .as_str()
        ),
        "the reason names the statement that moved the grade"
    );
    let record = &world.state.monitoring.statements[&statement_id(1)];
    assert_eq!(
        record.stances_on_incident(&incident_id(1)),
        vec![IncidentStance::Confirms { incident_id: incident_id(1) }]
    );
    assert!(record.refers_to(&RecordRef::Incident { incident_id: incident_id(1) }));
    // An accusation of another force through `about` contests it, as one through `stances`.
    world.accept(&Signer::monitor(), report(2, "2016-12-13T09:40:00Z", source(2, "EFE", SourceKind::Media, Some(SAF))));
    let accuses =
        StanceOn::Accuses { record: RecordRef::Incident { incident_id: incident_id(2) }, force_id: force_id(AOG) };
    world.accept(&Signer::coordinator(RU), statement(2, "The militants shelled it", vec![accuses]));
    let incident = &world.state.monitoring.incidents[&incident_id(2)];
    assert_eq!(world.state.grade(incident), Grade::Contested);
    let reasons = world.state.grade_explained(incident).reasons;
    assert_eq!(reasons.last().map(String::as_str), Some("contested: 2 forces are named as responsible (SAF, AOG)"));
    assert_eq!(world.state.accused_forces(incident).len(), 2);
}

#[test]
fn an_outside_bodys_resolution_is_a_statement_of_its_kind_with_its_vote() {
    let mut world = world_with_plan();
    let resolution = CommandBody::MakeStatement {
        statement_id: statement_id(1),
        text: reason("Requests the UN to carry out adequate, neutral monitoring of evacuations from Aleppo"),
        incident_ids: Vec::new(),
        stances: Vec::new(),
        agreements: Vec::new(),
        kind: StatementKind::Mandate,
        about: vec![StanceOn::Mentions { record: RecordRef::Version { agreement_id: agreement_id(1), version: 1 } }],
        document: Some(reason("S/RES/2328 (2016)")),
        votes: Some(Votes { in_favour: 15, against: Some(0), abstaining: Some(0) }),
        effective_at: Some(ts("2016-12-13T09:00:00Z")),
        reported: Some(ReportedAct {
            party_id: party_id(UN),
            sources: vec![source(1, "UN press", SourceKind::Media, None)],
        }),
    };
    // The UN's own monitor may not report its own party's act; the body speaks for itself
    // (attested), or another organisation's monitor or analyst reports it.
    let err = world.submit(&Signer::monitor(), resolution.clone()).expect_err("its own party");
    assert_eq!(err.kind().name(), "reported-own-party");
    let mut attested = resolution;
    if let CommandBody::MakeStatement { effective_at, reported, .. } = &mut attested {
        *effective_at = None;
        *reported = None;
    }
    world.accept(&Signer::coordinator(UN), attested);
    let record = &world.state.monitoring.statements[&statement_id(1)];
    assert_eq!(record.kind, StatementKind::Mandate);
    assert_eq!(record.votes.map(|v| v.in_favour), Some(15));
    assert_eq!(record.document.as_ref().map(|d| d.as_str()), Some("S/RES/2328 (2016)"));
}

#[test]
fn a_plain_statement_is_written_as_before_kinds_and_typed_references_existed() {
    let body = statement(1, "The corridors will open.", Vec::new());
    let json = serde_json::to_value(&body).expect("serialises");
    assert_eq!(json.get("kind"), None);
    assert_eq!(json.get("about"), None);
    assert_eq!(json.get("votes"), None);
}

fn reading(n: u64, organisation: &str, groups: &[Group], people: Option<Quantity>) -> CommandBody {
    CommandBody::RecordReading {
        reading_id: reading_id(n),
        agreement_id: agreement_id(1),
        version: 1,
        reading: Reading {
            topic: ReadingTopic::WhoMayLeave,
            says: reason("Who may leave, as this source reads the deal"),
            groups: groups.to_vec(),
            people,
        },
        source: source(200 + n, organisation, SourceKind::Media, None),
    }
}

#[test]
fn two_sources_disagreeing_on_who_may_leave_stand_side_by_side_as_readings_of_the_version() {
    let mut world = world_with_plan();
    world.accept(&Signer::monitor(), reading(1, "Reuters", &[Group::Fighters], Some(Quantity::Exact(5_000))));
    world.accept(&Signer::monitor(), reading(2, "SANA", &[Group::Fighters, Group::Civilians], None));
    let readings = &world.state.monitoring.readings;
    assert_eq!(readings.len(), 2);
    assert!(readings[&reading_id(1)].reading.contradicts(&readings[&reading_id(2)].reading));
    let agree = Reading {
        topic: ReadingTopic::HowMany,
        says: reason("5,000 or so"),
        groups: Vec::new(),
        people: Some(Quantity::About(5_000)),
    };
    assert!(!readings[&reading_id(1)].reading.contradicts(&agree));
    // A coordinator is not an observer; an unknown version is refused naming the version.
    let err = world.submit(&Signer::coordinator(RU), reading(3, "TASS", &[], None)).expect_err("not an observer");
    assert_eq!(err.kind().name(), "forbidden");
    let mut unknown = reading(3, "TASS", &[], None);
    if let CommandBody::RecordReading { version, .. } = &mut unknown {
        *version = 4;
    }
    let err = world.submit(&Signer::monitor(), unknown).expect_err("no such version");
    assert_eq!(err.to_string(), "version 4 of agreement 00000006-0000-7000-8000-000000000001 does not exist");
}

fn observation(n: u64) -> Observation {
    Observation {
        observed: ObservedKind::Explosion,
        perception: Perception::Heard,
        count: Quantity::Exact(12),
        weapon: Some(Weapon::Undetermined),
        when: When {
            start: ts("2016-12-13T08:00:00Z"),
            end: Some(ts("2016-12-13T09:00:00Z")),
            precision: Some(TimePrecision::Day),
        },
        observer: Location {
            position: position(37.12, 36.20),
            uncertainty_m: 100.0,
            precision: None,
            zone_id: Some(zone_id(WEST_ALEPPO)),
        },
        bearing_deg: Some(135.0),
        distance: Some(DistanceRange { min_m: 3_000.0, max_m: 5_000.0 }),
        source: source(300 + n, "UN monitoring team", SourceKind::MonitorOnSite, None),
    }
}

#[test]
fn a_counted_observation_is_recorded_with_its_weapon_bearing_and_distance_and_bad_ones_are_refused() {
    let mut world = world_with_plan();
    let body =
        CommandBody::RecordObservation { observation_id: observation_id(1), observation: observation(1), note: None };
    world.accept(&Signer::monitor(), body);
    let record = &world.state.monitoring.observations[&observation_id(1)];
    assert_eq!((record.observation.count, record.observation.bearing_deg), (Quantity::Exact(12), Some(135.0)));
    // A statement may refer to it.
    let about = vec![StanceOn::Denies { record: RecordRef::Observation { observation_id: observation_id(1) } }];
    world.accept(&Signer::coordinator(SY), statement(1, "There was no fire", about));

    let bad = [
        |o: &mut Observation| o.bearing_deg = Some(360.0),
        |o: &mut Observation| o.distance = Some(DistanceRange { min_m: 5_000.0, max_m: 3_000.0 }),
        |o: &mut Observation| o.observer.zone_id = Some(zone_id(9)),
        |o: &mut Observation| o.when.end = Some(ts("2016-12-13T07:00:00Z")),
        |o: &mut Observation| o.source.casualties.killed = Some(CountRange { min: 3, max: Some(1) }),
    ]
    .map(|spoil| {
        let mut observation = observation(2);
        spoil(&mut observation);
        let body = CommandBody::RecordObservation { observation_id: observation_id(2), observation, note: None };
        let err = world.submit(&Signer::monitor(), body).expect_err("refused");
        format!("{}: {err}", err.kind())
    });
    expect![[r#"
        invalid-input: observation.bearing_deg is 360, expected a finite number from 0 to 360
        invalid-input: observation.distance has min 5000 above max 3000
        unknown-reference: zone 00000004-0000-7000-8000-000000000009 does not exist (named by observation.observer.zone_id)
        invalid-input: observation.when.end 2016-12-13T07:00:00Z is not after the start 2016-12-13T08:00:00Z
        invalid-input: observation.source.casualties.killed has min 3 above max 1"#]]
    .assert_eq(&bad.join("\n"));
    assert_eq!(world.state.monitoring.observations.len(), 1, "nothing more was written");
}

#[test]
fn a_casualty_figure_open_at_the_top_leaves_the_figure_open_and_agrees_with_any_higher_one() {
    let mut world = world_with_plan();
    let mut more_than = source(1, "EFE", SourceKind::Media, None);
    more_than.casualties = Casualties { killed: Some(CountRange { min: 11, max: None }), ..Casualties::default() };
    world.accept(&Signer::monitor(), report(1, "2016-12-13T09:30:00Z", more_than));
    let mut exact = source(2, "SOHR", SourceKind::Media, None);
    exact.casualties = Casualties { killed: Some(CountRange { min: 14, max: Some(14) }), ..Casualties::default() };
    world.accept(&Signer::monitor(), CommandBody::AddSource { incident_id: incident_id(1), source: exact });
    let figures = world.state.figures(&world.state.monitoring.incidents[&incident_id(1)]);
    assert_eq!(figures[0].range, CountRange { min: 11, max: None });
    assert!(figures[0].sources_agree);
    let json = serde_json::to_value(CountRange { min: 11, max: None }).expect("serialises");
    assert_eq!(json, serde_json::json!({"min": 11}));
}

/// The warnings for a report at `[lon, lat]` naming `zone`.
fn warned(world: &mut World, lon: f64, lat: f64, zone: Option<u64>) -> Vec<String> {
    let mut body = report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, None));
    if let CommandBody::ReportIncident { location, .. } = &mut body {
        location.position = position(lon, lat);
        location.zone_id = zone.map(zone_id);
    }
    let command = world.command(&Signer::monitor(), body);
    warnings(&world.state, &command).into_iter().map(|w| format!("{}: {}", w.field, w.message)).collect()
}

#[test]
fn a_point_far_outside_its_zone_or_with_its_coordinates_swapped_is_warned_of_and_a_good_one_is_not() {
    let mut world = world_with_plan();
    assert_eq!(warned(&mut world, 37.17, 36.19, Some(EAST_ALEPPO)), Vec::<String>::new());
    assert_eq!(warned(&mut world, 37.17, 36.19, None), Vec::<String>::new());
    expect![[r#"
        ["location.position: [36.19, 37.17] is 137 km outside zone EA, which it names, and inside it with longitude and latitude swapped; positions are [longitude, latitude]"]
        ["location.position: the point is 26.8 km outside zone EA, which it names"]
        ["location.position: [36.19, 37.17] is far from every zone, and inside zone EA with longitude and latitude swapped; positions are [longitude, latitude]"]"#]]
    .assert_eq(
        &[
            warned(&mut world, 36.19, 37.17, Some(EAST_ALEPPO)),
            warned(&mut world, 37.50, 36.19, Some(EAST_ALEPPO)),
            warned(&mut world, 36.19, 37.17, None),
        ]
        .map(|w| format!("{w:?}"))
        .join("\n"),
    );
    // A warning never refuses: the report is accepted as it is.
    let mut body = report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, None));
    if let CommandBody::ReportIncident { location, .. } = &mut body {
        location.position = position(36.19, 37.17);
    }
    world.accept(&Signer::monitor(), body);
}

#[test]
fn an_unknown_reported_party_is_named_by_its_full_path() {
    let mut world = world_with_plan();
    let mut body = statement(1, "They agreed", Vec::new());
    if let CommandBody::MakeStatement { effective_at, reported, .. } = &mut body {
        *effective_at = Some(ts("2016-12-13T09:00:00Z"));
        *reported =
            Some(ReportedAct { party_id: party_id(99), sources: vec![source(1, "EFE", SourceKind::Media, None)] });
    }
    let err = world.submit(&Signer::monitor(), body).expect_err("unknown party");
    assert_eq!(
        err,
        crate::DomainError::UnknownAt { field: "reported.party_id", kind: "party", id: party_id(99).to_string() }
    );
    let _ = source_id(1);
}
