//! Counts of people: a figure on the wire (exact, a range, or qualified), a breakdown by
//! group within its whole, passages and totals with their source, basis and period,
//! population estimates by group and destination, convoys linked to their passages and to
//! the incidents that struck them, and every organisation's figures side by side.

use expect_test::expect;
use serde_json::json;

use super::{
    fixture::*,
    monitoring::{bare_source, incident_id, source_id},
};
use crate::{
    organisation_key, Basis, Bounds, Breakdown, Command, CommandBody, ConvoyId, ConvoyStatus, Count, Destination,
    Direction, DomainError, EstimateId, EstimateKind, Event, IncidentKind, Location, Movement, ParseFault, PassageId,
    Quantity, SourceReport, Timestamp, TotalId, TotalScope, TruceStart, When,
};

fn passage_id(n: u64) -> PassageId {
    PassageId::parse(&format!("00000020-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}
fn total_id(n: u64) -> TotalId {
    TotalId::parse(&format!("00000021-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}
fn estimate_id(n: u64) -> EstimateId {
    EstimateId::parse(&format!("00000022-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}
fn convoy_id(n: u64) -> ConvoyId {
    ConvoyId::parse(&format!("00000023-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}

/// Corridors EA-1 and EA-2 proposed, and the clock at noon on the 13th.
fn world_with_corridors() -> World {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.corridors.push(corridor(2, "EA-2"));
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.set_now("2016-12-13T12:00:00Z");
    world
}

/// A media source of `organisation`, source id `100 + n`.
fn count_source(n: u64, organisation: &str) -> SourceReport {
    bare_source(source_id(100 + n), organisation)
}

fn instant(at: &str) -> When {
    When { start: ts(at), end: None, precision: None }
}

fn period(start: &str, end: &str) -> When {
    When { start: ts(start), end: Some(ts(end)), precision: None }
}

/// A count by `organisation` (source `100 + n`).
fn count(n: u64, organisation: &str, people: Quantity, basis: Basis, period: When) -> Count {
    Count { people, basis, period, breakdown: Breakdown::default(), source: count_source(n, organisation), note: None }
}

/// Passage `n` out through EA-1.
fn passage(n: u64, count: Count) -> CommandBody {
    CommandBody::RecordPassage {
        passage_id: passage_id(n),
        corridor_id: corridor_id(1),
        direction: Direction::Outbound,
        convoy_id: None,
        vehicles: None,
        count,
    }
}

/// Total `n` for a corridor.
fn total(n: u64, corridor: u64, count: Count) -> CommandBody {
    let scope = TotalScope { corridor_id: Some(corridor_id(corridor)), zone_id: None };
    CommandBody::ReportTotal { total_id: total_id(n), scope, count }
}

fn estimate(
    n: u64,
    kind: EstimateKind,
    people: Quantity,
    destination: Option<Destination>,
    as_of: &str,
) -> CommandBody {
    CommandBody::EstimatePopulation {
        estimate_id: estimate_id(n),
        zone_id: zone_id(EAST_ALEPPO),
        kind,
        people,
        breakdown: Breakdown::default(),
        destination,
        as_of: ts(as_of),
        source: count_source(n, "UN OCHA"),
        note: None,
    }
}

fn range(min: u32, max: u32) -> Quantity {
    Quantity::Range(Bounds::new(min, max).expect("min is at most max"))
}

#[test]
fn an_exact_figure_is_a_bare_number_and_any_other_has_one_qualifier() {
    let figures =
        [Quantity::Exact(120), range(100, 150), Quantity::About(5000), Quantity::AtLeast(300), Quantity::UpTo(40)];
    let texts: Vec<String> = figures
        .iter()
        .chain([Quantity::MoreThan(100)].iter())
        .map(|figure| {
            let text = serde_json::to_string(figure).expect("serialises");
            let back: Quantity = serde_json::from_str(&text).expect("parses back");
            assert_eq!(&back, figure);
            format!("{text} = {figure}")
        })
        .collect();
    expect![[r#"
        120 = 120
        {"range":{"min":100,"max":150}} = 100 to 150
        {"about":5000} = about 5000
        {"at_least":300} = at least 300
        {"up_to":40} = up to 40
        {"more_than":100} = more than 100"#]]
    .assert_eq(&texts.join("\n"));
    let refusals: Vec<String> = [
        json!(-5),
        json!(1.5),
        json!(4_294_967_296_u64),
        json!("120"),
        json!({}),
        json!({"exact": 5}),
        json!({"about": 5, "up_to": 9}),
        json!({"about": -1}),
        json!({"range": {"min": 1}}),
    ]
    .iter()
    .map(|value| format!("{value}: {}", serde_json::from_value::<Quantity>(value.clone()).expect_err("refused")))
    .collect();
    expect![[r#"
        -5: invalid value: integer `-5`, expected a whole number of people from 0 to 4294967295, or an object with one of the keys `range`, `about`, `at_least`, `up_to`, `more_than`
        1.5: invalid type: floating point `1.5`, expected a whole number of people from 0 to 4294967295, or an object with one of the keys `range`, `about`, `at_least`, `up_to`, `more_than`
        4294967296: invalid value: integer `4294967296`, expected a whole number of people from 0 to 4294967295, or an object with one of the keys `range`, `about`, `at_least`, `up_to`, `more_than`
        "120": invalid type: string "120", expected a whole number of people from 0 to 4294967295, or an object with one of the keys `range`, `about`, `at_least`, `up_to`, `more_than`
        {}: invalid length 0, expected a whole number of people from 0 to 4294967295, or an object with one of the keys `range`, `about`, `at_least`, `up_to`, `more_than`
        {"exact":5}: unknown variant `exact`, expected one of `range`, `about`, `at_least`, `up_to`, `more_than`
        {"about":5,"up_to":9}: a figure has one qualifier; `up_to` is a second one
        {"about":-1}: invalid value: integer `-1`, expected u32
        {"range":{"min":1}}: missing field `max`"#]]
    .assert_eq(&refusals.join("\n"));
}

/// Parses the world's command for `body` with `value` written at `pointer` into it: the
/// path of the first bad field and why.
fn parse_error(world: &mut World, body: CommandBody, pointer: &str, value: serde_json::Value) -> String {
    let mut command = serde_json::to_value(world.command(&Signer::monitor(), body)).expect("serialises");
    *command.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = value;
    let err = Command::from_json(&command).expect_err("the command is bad");
    match err.fault {
        ParseFault::Refused(refusal) => format!("{} refused ({}): {refusal}", err.path, refusal.kind()),
        ParseFault::Malformed(message) => format!("{} malformed: {message}", err.path),
    }
}

#[test]
fn a_bad_figure_is_named_by_its_full_path_when_the_command_is_parsed() {
    let mut world = world_with_corridors();
    let mut with_wounded = count(1, "ICRC", Quantity::Exact(100), Basis::Increment, instant("2016-12-13T09:00:00Z"));
    with_wounded.breakdown.wounded = Some(Quantity::Exact(10));
    let lines = [
        ("/body/count/people", json!({"range": {"min": 9, "max": 3}})),
        ("/body/count/breakdown/wounded", json!({"range": {"min": 20, "max": 10}})),
        ("/body/count/breakdown/wounded", json!(-3)),
        ("/body/count/breakdown/wounded", json!({"at_most": 3})),
        ("/body/count/breakdown", json!({"women": 3})),
        ("/body/count/basis", json!("total")),
    ]
    .map(|(pointer, value)| parse_error(&mut world, passage(1, with_wounded.clone()), pointer, value));
    expect![[r#"
        body.count.people.range refused (invalid-input): range has min 9 above max 3
        body.count.breakdown.wounded.range refused (invalid-input): range has min 20 above max 10
        body.count.breakdown.wounded malformed: invalid value: integer `-3`, expected a whole number of people from 0 to 4294967295, or an object with one of the keys `range`, `about`, `at_least`, `up_to`, `more_than`
        body.count.breakdown.wounded malformed: unknown variant `at_most`, expected one of `range`, `about`, `at_least`, `up_to`, `more_than`
        body.count.breakdown.women malformed: unknown field `women`, expected one of `civilians`, `fighters`, `wounded`, `children`, `detainees`
        body.count.basis malformed: unknown variant `total`, expected `increment` or `cumulative`"#]]
    .assert_eq(&lines.join("\n"));
}

#[test]
fn a_part_that_cannot_fit_in_its_whole_is_refused_naming_its_group() {
    // (part, whole, fits)
    let cases = [
        (Quantity::Exact(100), Quantity::Exact(100), true),
        (Quantity::Exact(101), Quantity::Exact(100), false),
        (Quantity::UpTo(500), Quantity::Exact(100), true),
        (Quantity::AtLeast(101), Quantity::About(100), false),
        (Quantity::About(100), Quantity::About(100), true),
        (Quantity::MoreThan(99), range(50, 100), true),
        (Quantity::MoreThan(100), range(50, 100), false),
        (range(90, 200), Quantity::Exact(100), true),
        (Quantity::Exact(1_000_000), Quantity::AtLeast(10), true),
        (Quantity::Exact(1_000_000), Quantity::MoreThan(10), true),
        (Quantity::MoreThan(u32::MAX), Quantity::Exact(u32::MAX), false),
    ];
    for (part, whole, fits) in cases {
        assert_eq!(!part.exceeds(&whole), fits, "{part} of {whole}");
    }

    let mut world = world_with_corridors();
    let mut too_many = count(1, "ICRC", Quantity::About(300), Basis::Increment, instant("2016-12-13T09:00:00Z"));
    too_many.breakdown.civilians = Some(Quantity::About(300));
    too_many.breakdown.children = Some(Quantity::UpTo(1000));
    too_many.breakdown.wounded = Some(Quantity::AtLeast(301));
    let err = world.submit(&Signer::monitor(), passage(1, too_many.clone())).expect_err("refused");
    assert_eq!(
        err,
        DomainError::BreakdownAboveTotal {
            field: "count.breakdown.wounded",
            part: "at least 301".to_owned(),
            whole: "about 300".to_owned()
        }
    );
    expect!["invalid-input: count.breakdown.wounded (at least 301) is larger than the whole count (about 300)"]
        .assert_eq(&format!("{}: {err}", err.kind()));
    let err = world.submit(&Signer::monitor(), total(1, 1, too_many.clone())).expect_err("refused");
    assert!(matches!(err, DomainError::BreakdownAboveTotal { field: "count.breakdown.wounded", .. }), "{err}");
    too_many.breakdown.wounded = Some(Quantity::AtLeast(300));
    world.accept(&Signer::monitor(), passage(1, too_many));

    let mut crowded = estimate(1, EstimateKind::Trapped, Quantity::Exact(1000), None, "2016-12-13T09:00:00Z");
    if let CommandBody::EstimatePopulation { breakdown, .. } = &mut crowded {
        breakdown.detainees = Some(Quantity::MoreThan(1000));
    }
    let err = world.submit(&Signer::monitor(), crowded).expect_err("refused");
    assert!(matches!(err, DomainError::BreakdownAboveTotal { field: "breakdown.detainees", .. }), "{err}");
    assert!(world.state.monitoring.estimates.is_empty());
}

#[test]
fn a_group_the_source_does_not_give_stays_absent_never_zero() {
    let mut world = world_with_corridors();
    let mut civilians = count(1, "ICRC", Quantity::Exact(120), Basis::Increment, instant("2016-12-13T09:00:00Z"));
    civilians.breakdown.civilians = Some(Quantity::Exact(120));
    world.accept(&Signer::monitor(), passage(1, civilians));
    let recorded = &world.state.monitoring.passages[&passage_id(1)].count.breakdown;
    assert_eq!((recorded.civilians, recorded.wounded, recorded.children), (Some(Quantity::Exact(120)), None, None));
    let event = &world.log.last().expect("an entry").events[0];
    let written = serde_json::to_value(event).expect("serialises");
    assert_eq!(written["count"]["breakdown"], json!({"civilians": 120}));
    // Without a breakdown, none is written at all.
    world.accept(
        &Signer::monitor(),
        passage(2, count(2, "ICRC", Quantity::Exact(5), Basis::Increment, instant("2016-12-13T09:10:00Z"))),
    );
    let written = serde_json::to_value(&world.log.last().expect("an entry").events[0]).expect("serialises");
    assert_eq!(written["count"].get("breakdown"), None);
}

#[test]
fn a_count_gives_no_valid_time_after_its_record_and_its_period_ends_after_it_starts() {
    let mut world = world_with_corridors();
    let monitor = Signer::monitor();
    let refusal = |world: &mut World, count: Count| {
        let err = world.submit(&monitor, passage(1, count)).expect_err("refused");
        format!("{}: {err}", err.kind())
    };
    let later =
        count(1, "ICRC", Quantity::Exact(5), Basis::Increment, period("2016-12-13T11:00:00Z", "2016-12-13T14:00:00Z"));
    let mut published_later = count(1, "ICRC", Quantity::Exact(5), Basis::Increment, instant("2016-12-13T11:00:00Z"));
    published_later.source.published_at = Some(ts("2016-12-14T00:00:00Z"));
    let backwards =
        count(1, "ICRC", Quantity::Exact(5), Basis::Increment, period("2016-12-13T11:00:00Z", "2016-12-13T10:00:00Z"));
    let lines = [refusal(&mut world, later), refusal(&mut world, published_later), refusal(&mut world, backwards)];
    expect![[r#"
        valid-time-in-future: count.period.end 2016-12-13T14:00:00Z is after the time the server accepts it, 2016-12-13T12:00:00Z, by more than 600 s
        valid-time-in-future: count.source.published_at 2016-12-14T00:00:00Z is after the time the server accepts it, 2016-12-13T12:00:00Z, by more than 600 s
        invalid-input: count.period.end 2016-12-13T10:00:00Z is not after the start 2016-12-13T11:00:00Z"#]]
    .assert_eq(&lines.join("\n"));
    assert!(world.state.monitoring.passages.is_empty());
    // A source id already recorded, here by a passage, is not recorded again.
    world.accept(
        &monitor,
        passage(1, count(1, "ICRC", Quantity::Exact(5), Basis::Increment, instant("2016-12-13T11:00:00Z"))),
    );
    let again = count(1, "ICRC", Quantity::Exact(6), Basis::Increment, instant("2016-12-13T11:05:00Z"));
    let err = world.submit(&monitor, total(1, 1, again)).expect_err("refused");
    assert!(matches!(err, DomainError::SourceAgain { .. }), "{err}");
}

#[test]
fn links_to_convoys_and_zones_that_do_not_exist_are_refused_naming_the_field_and_nothing_is_written() {
    let mut world = world_with_corridors();
    let monitor = Signer::monitor();
    world.accept(
        &monitor,
        CommandBody::ScheduleConvoy {
            convoy_id: convoy_id(1),
            corridor_id: corridor_id(2),
            buses: 20,
            ambulances: 5,
            departs_at: ts("2016-12-13T08:00:00Z"),
        },
    );
    let entries_count = world.log.len();
    let on = |convoy: u64| {
        let mut body =
            passage(1, count(1, "ICRC", Quantity::Exact(40), Basis::Increment, instant("2016-12-13T09:00:00Z")));
        if let CommandBody::RecordPassage { convoy_id: link, .. } = &mut body {
            *link = Some(convoy_id(convoy));
        }
        body
    };
    let mut refusals = vec![
        world.submit(&monitor, on(9)).expect_err("no such convoy"),
        world.submit(&monitor, on(1)).expect_err("a convoy of EA-2"),
    ];
    let strike = |convoy: Option<ConvoyId>| CommandBody::ReportIncident {
        incident_id: incident_id(1),
        kind: IncidentKind::AttackOnConvoy,
        location: Location { position: position(37.14, 36.179), uncertainty_m: 100.0, precision: None, zone_id: None },
        when: instant("2016-12-13T09:30:00Z"),
        description: reason("The convoy was fired on"),
        source: count_source(2, "SOHR"),
        convoy_id: convoy,
    };
    refusals.push(world.submit(&monitor, strike(Some(convoy_id(9)))).expect_err("no such convoy"));
    world.accept(&monitor, strike(None));
    let correct = CommandBody::CorrectIncident {
        incident_id: incident_id(1),
        kind: None,
        location: None,
        when: None,
        convoy_id: Some(convoy_id(9)),
        reason: reason("It was the convoy"),
    };
    refusals.push(world.submit(&monitor, correct).expect_err("no such convoy"));
    let going = Destination { zone_id: Some(zone_id(9)), name: name("Nowhere") };
    let body = estimate(1, EstimateKind::Displaced, Quantity::About(300), Some(going), "2016-12-13T09:00:00Z");
    refusals.push(world.submit(&monitor, body).expect_err("no such zone"));
    let lines: Vec<String> = refusals.iter().map(|err| format!("{}: {err}", err.kind())).collect();
    expect![[r#"
        unknown-reference: convoy 00000023-0000-7000-8000-000000000009 does not exist
        invalid-reference: convoy 00000023-0000-7000-8000-000000000001 moves through corridor 00000005-0000-7000-8000-000000000002, not 00000005-0000-7000-8000-000000000001
        unknown-reference: convoy 00000023-0000-7000-8000-000000000009 does not exist
        unknown-reference: convoy 00000023-0000-7000-8000-000000000009 does not exist
        unknown-reference: zone 00000004-0000-7000-8000-000000000009 does not exist (named by destination.zone_id)"#]]
    .assert_eq(&lines.join("\n"));
    assert_eq!(refusals[0], DomainError::Unknown { kind: "convoy", id: convoy_id(9).to_string() });
    assert!(matches!(refusals[4], DomainError::UnknownAt { field: "destination.zone_id", .. }));
    // The one accepted is the incident without a convoy.
    assert_eq!(world.log.len(), entries_count + 1);
    assert!(world.state.monitoring.passages.is_empty() && world.state.monitoring.estimates.is_empty());
    assert_eq!(world.state.monitoring.incidents[&incident_id(1)].current().convoy_id, None);
}

#[test]
fn a_convoy_has_its_status_by_valid_time_its_passages_and_the_incidents_that_struck_it() {
    let mut world = world_with_corridors();
    let monitor = Signer::monitor();
    world.accept(
        &monitor,
        CommandBody::ScheduleConvoy {
            convoy_id: convoy_id(1),
            corridor_id: corridor_id(1),
            buses: 20,
            ambulances: 5,
            departs_at: ts("2016-12-13T08:00:00Z"),
        },
    );
    // Reported out of order: stopped at 10:00 first, then that it moved at 08:00.
    for (status, at) in
        [(ConvoyStatus::Stopped, "2016-12-13T10:00:00Z"), (ConvoyStatus::Moving, "2016-12-13T08:00:00Z")]
    {
        let body =
            CommandBody::UpdateConvoy { convoy_id: convoy_id(1), status, note: None, effective_at: Some(ts(at)) };
        world.accept(&monitor, body);
    }
    let mut in_convoy =
        passage(1, count(1, "ICRC", Quantity::Exact(400), Basis::Increment, instant("2016-12-13T09:00:00Z")));
    if let CommandBody::RecordPassage { convoy_id: link, .. } = &mut in_convoy {
        *link = Some(convoy_id(1));
    }
    world.accept(&monitor, in_convoy);
    let strike = |n: u64, at: &str, convoy: Option<ConvoyId>| CommandBody::ReportIncident {
        incident_id: incident_id(n),
        kind: IncidentKind::AttackOnConvoy,
        location: Location { position: position(37.14, 36.179), uncertainty_m: 100.0, precision: None, zone_id: None },
        when: instant(at),
        description: reason("The convoy was fired on"),
        source: count_source(10 + n, "SOHR"),
        convoy_id: convoy,
    };
    world.accept(&monitor, strike(1, "2016-12-13T09:45:00Z", Some(convoy_id(1))));
    world.accept(&monitor, strike(2, "2016-12-13T09:50:00Z", None));
    let linked = CommandBody::CorrectIncident {
        incident_id: incident_id(2),
        kind: None,
        location: None,
        when: None,
        convoy_id: Some(convoy_id(1)),
        reason: reason("It was the same convoy"),
    };
    world.accept(&monitor, linked);
    // A later correction that leaves the convoy out keeps the link.
    let moved = CommandBody::CorrectIncident {
        incident_id: incident_id(2),
        kind: None,
        location: None,
        when: Some(instant("2016-12-13T09:55:00Z")),
        convoy_id: None,
        reason: reason("Timed from video"),
    };
    world.accept(&monitor, moved);
    let monitoring = &world.state.monitoring;
    let convoy = &monitoring.convoys[&convoy_id(1)];
    let statuses: Vec<ConvoyStatus> = ["2016-12-13T07:59:00Z", "2016-12-13T08:00:00Z", "2016-12-13T10:00:00Z"]
        .map(|at| convoy.status_at(ts(at)))
        .into();
    assert_eq!(statuses, [ConvoyStatus::Scheduled, ConvoyStatus::Moving, ConvoyStatus::Stopped]);
    let at = |raw: &str| -> Timestamp { ts(raw) };
    let passages = |t: &str| -> Vec<PassageId> {
        monitoring.convoy_passages(&convoy_id(1), at(t)).into_iter().map(|p| p.passage_id.clone()).collect()
    };
    assert_eq!((passages("2016-12-13T08:59:00Z"), passages("2016-12-13T09:00:00Z")), (vec![], vec![passage_id(1)]));
    let incidents = |t: &str| -> Vec<_> {
        monitoring.convoy_incidents(&convoy_id(1), at(t)).into_iter().map(|i| i.incident_id.clone()).collect()
    };
    assert_eq!(incidents("2016-12-13T09:50:00Z"), vec![incident_id(1)]);
    assert_eq!(incidents("2016-12-13T12:00:00Z"), vec![incident_id(1), incident_id(2)]);
    let revisions: Vec<_> =
        monitoring.incidents[&incident_id(2)].revisions.iter().map(|r| r.convoy_id.clone()).collect();
    assert_eq!(revisions, [None, Some(convoy_id(1)), Some(convoy_id(1))]);
}

#[test]
fn organisations_are_one_whatever_the_case_and_spacing_of_their_names() {
    assert_eq!(organisation_key("  UN\tOCHA "), "un ocha");
    assert_eq!(organisation_key("un ocha"), organisation_key("UN  Ocha"));
    assert_ne!(organisation_key("UN OCHA"), organisation_key("UNOCHA"));
    assert_eq!(organisation_key("CROISSANT-ROUGE ARABE SYRIEN"), "croissant-rouge arabe syrien");
}

#[test]
fn figures_from_different_organisations_stay_side_by_side_each_with_its_latest_and_history() {
    let mut world = world_with_corridors();
    let monitor = Signer::monitor();
    let cumulative = |n: u64, organisation: &str, people: Quantity, at: &str| {
        count(n, organisation, people, Basis::Cumulative, instant(at))
    };
    // Recorded out of valid-time order, in names that differ only in case and spacing.
    world.accept(&monitor, total(1, 1, cumulative(1, "UN OCHA", Quantity::About(8000), "2016-12-13T10:00:00Z")));
    world.accept(&monitor, total(2, 1, cumulative(2, " un  ocha", Quantity::About(5000), "2016-12-13T08:00:00Z")));
    world.accept(&monitor, total(3, 1, cumulative(3, "Russian MoD", Quantity::Exact(12_000), "2016-12-13T09:00:00Z")));
    // Two desks of one agency are one organisation, by their independence.
    let mut desk = cumulative(4, "ICRC Damascus", range(6000, 7000), "2016-12-13T09:30:00Z");
    desk.source.independence = Some(name("ICRC"));
    world.accept(&monitor, total(4, 1, desk));
    // A figure for the whole operation, published only at 11:00.
    let mut late = cumulative(5, "ICRC", Quantity::AtLeast(9000), "2016-12-13T10:30:00Z");
    late.source.published_at = Some(ts("2016-12-13T11:00:00Z"));
    world.accept(&monitor, total(5, 1, late));
    // A passage counted over an hour, by ICRC, and totals of another corridor and zone.
    let hour = period("2016-12-13T09:00:00Z", "2016-12-13T10:00:00Z");
    world.accept(&monitor, passage(6, count(6, "icrc", Quantity::Exact(350), Basis::Increment, hour)));
    world.accept(&monitor, total(7, 2, cumulative(7, "UN OCHA", Quantity::Exact(1), "2016-12-13T09:00:00Z")));
    let of_zone = |n: u64, zone: u64| CommandBody::ReportTotal {
        total_id: total_id(n),
        scope: TotalScope { corridor_id: None, zone_id: Some(zone_id(zone)) },
        count: cumulative(n, "SARC", Quantity::About(2000), "2016-12-13T09:00:00Z"),
    };
    world.accept(&monitor, of_zone(8, EAST_ALEPPO));
    world.accept(&monitor, of_zone(9, SUKKARI));

    let movement = |at: &str| -> String {
        let sides = world.state.monitoring.movement(&corridor_id(1), &zone_id(EAST_ALEPPO), ts(at));
        let mut lines = Vec::new();
        for side in sides {
            for series in side.series {
                let figure = |m: &Movement<'_>| format!("{} as of {}", m.count().people, m.count().as_of());
                let history: Vec<String> = series.history.iter().map(figure).collect();
                lines.push(format!(
                    "{} ({}) {:?} {:?}: latest {}; history {}",
                    side.organisation.as_str(),
                    side.key,
                    series.about.direction,
                    series.about.basis,
                    figure(&series.latest),
                    history.join(", ")
                ));
            }
        }
        lines.join("\n")
    };
    expect![[r#"
        ICRC (icrc) Outbound Increment: latest 350 as of 2016-12-13T10:00:00Z; history 350 as of 2016-12-13T10:00:00Z
        ICRC (icrc) Outbound Cumulative: latest at least 9000 as of 2016-12-13T10:30:00Z; history 6000 to 7000 as of 2016-12-13T09:30:00Z, at least 9000 as of 2016-12-13T10:30:00Z
        Russian MoD (russian mod) Outbound Cumulative: latest 12000 as of 2016-12-13T09:00:00Z; history 12000 as of 2016-12-13T09:00:00Z
        SARC (sarc) Outbound Cumulative: latest about 2000 as of 2016-12-13T09:00:00Z; history about 2000 as of 2016-12-13T09:00:00Z
        UN OCHA (un ocha) Outbound Cumulative: latest about 8000 as of 2016-12-13T10:00:00Z; history about 5000 as of 2016-12-13T08:00:00Z, about 8000 as of 2016-12-13T10:00:00Z"#]]
    .assert_eq(&movement("2016-12-13T12:00:00Z"));
    // At 10:15: ICRC's hour had ended, its later total was not yet published, and OCHA's
    // 10:00 figure had been given.
    expect![[r#"
        ICRC (icrc) Outbound Increment: latest 350 as of 2016-12-13T10:00:00Z; history 350 as of 2016-12-13T10:00:00Z
        ICRC (icrc) Outbound Cumulative: latest 6000 to 7000 as of 2016-12-13T09:30:00Z; history 6000 to 7000 as of 2016-12-13T09:30:00Z
        Russian MoD (russian mod) Outbound Cumulative: latest 12000 as of 2016-12-13T09:00:00Z; history 12000 as of 2016-12-13T09:00:00Z
        SARC (sarc) Outbound Cumulative: latest about 2000 as of 2016-12-13T09:00:00Z; history about 2000 as of 2016-12-13T09:00:00Z
        UN OCHA (un ocha) Outbound Cumulative: latest about 8000 as of 2016-12-13T10:00:00Z; history about 5000 as of 2016-12-13T08:00:00Z, about 8000 as of 2016-12-13T10:00:00Z"#]].assert_eq(&movement("2016-12-13T10:15:00Z"));
    // At 08:30, only OCHA's first figure.
    expect!["un  ocha (un ocha) Outbound Cumulative: latest about 5000 as of 2016-12-13T08:00:00Z; history about 5000 as of 2016-12-13T08:00:00Z"].assert_eq(&movement("2016-12-13T08:30:00Z"));
}

#[test]
fn a_zones_population_is_side_by_side_by_organisation_kind_and_destination() {
    let mut world = world_with_corridors();
    let monitor = Signer::monitor();
    let to = |place: &str| Some(Destination { zone_id: None, name: name(place) });
    let west = Some(Destination { zone_id: Some(zone_id(WEST_ALEPPO)), name: name("West Aleppo") });
    let bodies = [
        estimate(1, EstimateKind::Trapped, Quantity::About(100_000), None, "2016-12-12T10:00:00Z"),
        estimate(2, EstimateKind::Trapped, range(80_000, 90_000), None, "2016-12-13T06:00:00Z"),
        estimate(3, EstimateKind::Displaced, Quantity::About(20_000), to("Idlib"), "2016-12-13T06:00:00Z"),
        estimate(4, EstimateKind::Displaced, Quantity::About(25_000), to(" idlib "), "2016-12-13T09:00:00Z"),
        estimate(5, EstimateKind::Displaced, Quantity::AtLeast(6000), west, "2016-12-13T09:00:00Z"),
    ];
    for body in bodies {
        world.accept(&monitor, body);
    }
    let mut russian = estimate(6, EstimateKind::Trapped, range(40_000, 50_000), None, "2016-12-13T07:00:00Z");
    if let CommandBody::EstimatePopulation { source, breakdown, .. } = &mut russian {
        source.organisation = name("Russian MoD");
        breakdown.fighters = Some(Quantity::About(8000));
    }
    world.accept(&monitor, russian);
    let population = |at: &str| -> String {
        let sides = world.state.monitoring.population(&zone_id(EAST_ALEPPO), ts(at));
        let mut lines = Vec::new();
        for side in sides {
            for series in side.series {
                let history: Vec<String> = series.history.iter().map(|e| format!("{}", e.people)).collect();
                lines.push(format!(
                    "{}: {:?} to {:?}: latest {} as of {}; history {}",
                    side.organisation.as_str(),
                    series.about.kind,
                    series.latest.destination.as_ref().map(|d| d.name.as_str()),
                    series.latest.people,
                    series.latest.as_of,
                    history.join(", ")
                ));
            }
        }
        lines.join("\n")
    };
    expect![[r#"
        Russian MoD: Trapped to None: latest 40000 to 50000 as of 2016-12-13T07:00:00Z; history 40000 to 50000
        UN OCHA: Trapped to None: latest 80000 to 90000 as of 2016-12-13T06:00:00Z; history about 100000, 80000 to 90000
        UN OCHA: Displaced to Some("idlib"): latest about 25000 as of 2016-12-13T09:00:00Z; history about 20000, about 25000
        UN OCHA: Displaced to Some("West Aleppo"): latest at least 6000 as of 2016-12-13T09:00:00Z; history at least 6000"#]].assert_eq(&population("2016-12-13T12:00:00Z"));
    expect![[r#"
        UN OCHA: Trapped to None: latest 80000 to 90000 as of 2016-12-13T06:00:00Z; history about 100000, 80000 to 90000
        UN OCHA: Displaced to Some("Idlib"): latest about 20000 as of 2016-12-13T06:00:00Z; history about 20000"#]]
    .assert_eq(&population("2016-12-13T06:30:00Z"));
}

#[test]
fn counts_and_links_survive_a_json_round_trip_and_an_incident_without_a_convoy_is_written_as_before() {
    let mut world = world_with_corridors();
    let monitor = Signer::monitor();
    world.accept(
        &monitor,
        CommandBody::ScheduleConvoy {
            convoy_id: convoy_id(1),
            corridor_id: corridor_id(1),
            buses: 1,
            ambulances: 1,
            departs_at: ts("2016-12-13T08:00:00Z"),
        },
    );
    let mut full =
        count(1, "ICRC", range(300, 350), Basis::Increment, period("2016-12-13T09:00:00Z", "2016-12-13T10:00:00Z"));
    full.breakdown = Breakdown {
        civilians: Some(Quantity::About(300)),
        fighters: Some(Quantity::UpTo(20)),
        wounded: Some(Quantity::AtLeast(40)),
        children: Some(Quantity::MoreThan(100)),
        detainees: Some(Quantity::Exact(0)),
    };
    full.note = Some(reason("Counted at the checkpoint"));
    full.source.published_at = Some(ts("2016-12-13T10:30:00Z"));
    world.accept(
        &monitor,
        CommandBody::RecordPassage {
            passage_id: passage_id(1),
            corridor_id: corridor_id(1),
            direction: Direction::Inbound,
            convoy_id: Some(convoy_id(1)),
            vehicles: Some(12),
            count: full,
        },
    );
    world.accept(
        &monitor,
        total(2, 1, count(2, "SARC", Quantity::About(5000), Basis::Cumulative, instant("2016-12-13T10:00:00Z"))),
    );
    world.accept(
        &monitor,
        estimate(
            3,
            EstimateKind::Displaced,
            Quantity::About(20_000),
            Some(Destination { zone_id: None, name: name("Idlib") }),
            "2016-12-13T06:00:00Z",
        ),
    );
    let strike = CommandBody::ReportIncident {
        incident_id: incident_id(1),
        kind: IncidentKind::AttackOnConvoy,
        location: Location { position: position(37.14, 36.179), uncertainty_m: 100.0, precision: None, zone_id: None },
        when: instant("2016-12-13T09:30:00Z"),
        description: reason("The convoy was fired on"),
        source: count_source(4, "SOHR"),
        convoy_id: None,
    };
    world.accept(&monitor, strike);
    let mut kinds = Vec::new();
    for entry in &world.log {
        let text = serde_json::to_string(&entry.command).expect("serialises");
        let back = Command::from_json(&serde_json::from_str(&text).expect("JSON")).expect("parses back");
        assert_eq!(back, entry.command);
        for event in &entry.events {
            let text = serde_json::to_string(event).expect("serialises");
            let back: Event = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{text}: {err}"));
            assert_eq!(&back, event);
            if matches!(event, Event::IncidentReported { .. }) {
                assert!(!text.contains("convoy_id"), "{text}");
            }
            kinds.push(serde_json::to_value(event).expect("serialises")["type"].as_str().unwrap_or("").to_owned());
        }
    }
    let passage_event = world.log.iter().flat_map(|e| &e.events).find(|e| matches!(e, Event::PassageRecorded { .. }));
    expect![[r#"{"type":"passage_recorded","passage_id":"00000020-0000-7000-8000-000000000001","corridor_id":"00000005-0000-7000-8000-000000000001","direction":"inbound","convoy_id":"00000023-0000-7000-8000-000000000001","vehicles":12,"count":{"people":{"range":{"min":300,"max":350}},"basis":"increment","period":{"start":"2016-12-13T09:00:00Z","end":"2016-12-13T10:00:00Z"},"breakdown":{"civilians":{"about":300},"fighters":{"up_to":20},"wounded":{"at_least":40},"children":{"more_than":100},"detainees":0},"source":{"source_id":"0000000a-0000-7000-8000-000000000065","organisation":"ICRC","kind":"media","published_at":"2016-12-13T10:30:00Z"},"note":"Counted at the checkpoint"},"observer":"00000002-0000-7000-8000-00000000000a"}"#]].assert_eq(&serde_json::to_string(passage_event.expect("a passage")).expect("serialises"));
    assert!(kinds.ends_with(
        &["convoy_scheduled", "passage_recorded", "total_reported", "population_estimated", "incident_reported"]
            .map(str::to_owned)
    ));
}
