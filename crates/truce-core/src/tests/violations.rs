//! Violations of commitments in time and space: an incident's interval against the periods
//! in which a commitment is active (truce start, commitment windows, suspensions), the
//! corridor of the version in force, the zone boundary in effect; and a property test of
//! the R-tree projection against a brute-force reference that shares none of its code.

use std::{
    collections::BTreeSet,
    fmt::Write as _,
    ops::Bound::{Excluded, Unbounded},
};

use expect_test::{expect, Expect};
use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{RngAlgorithm, TestRng, TestRunner},
};

use super::{
    fixture::*,
    monitoring::{incident_id, source},
    properties::{config, prepare, step, Step, SEED},
};
use crate::{
    matcher::{distance_to_route_m, distance_to_zone_m},
    projection::active_scopes::ActiveScopes,
    AlertKind, CommandBody, CommitmentId, CommitmentKind, CommitmentStatusKind, IncidentKind, IncidentRevision,
    Location, Polygon, Scope, SourceKind, State, Timestamp, TruceStart, When,
};

/// One incident to report: a label, where (lon, lat), when it starts and, for an
/// interval, when it ends.
type Case<'a> = (&'a str, (f64, f64), &'a str, Option<&'a str>);

/// On corridor EA-1, at its first vertex.
const ON_ROUTE: (f64, f64) = (37.1501, 36.1781);

/// Reports each case as a shelling, one incident each (numbered after those already
/// reported), and lists the commitments each violates.
#[track_caller]
fn check(world: &mut World, cases: &[Case<'_>], expect: Expect) {
    let mut actual = String::new();
    for (label, (lon, lat), start, end) in cases {
        let n = world.state.monitoring.incidents.len() as u64 + 1;
        world.accept(&Signer::monitor(), shelling(n, position(*lon, *lat), start, *end));
        let violated: Vec<String> = world
            .state
            .violations_of(&incident_id(n))
            .iter()
            .filter_map(|v| v.commitment_id.as_ref())
            .map(|c| c.as_str()[24..].trim_start_matches('0').to_owned())
            .collect();
        let violated = if violated.is_empty() { "none".to_owned() } else { violated.join(", ") };
        writeln!(actual, "{label}: {violated}").expect("writing to a String");
    }
    expect.assert_eq(&actual);
}

fn shelling(n: u64, position: crate::Position, start: &str, end: Option<&str>) -> CommandBody {
    CommandBody::ReportIncident {
        incident_id: incident_id(n),
        kind: IncidentKind::Shelling,
        location: Location { position, uncertainty_m: 50.0, precision: None, zone_id: None },
        when: When { start: ts(start), end: end.map(ts), precision: None },
        description: reason("Shelling reported"),
        source: source(n, "EFE", SourceKind::Media, None),
        convoy_id: None,
    }
}

/// The commitment's active periods, one per line.
#[track_caller]
fn check_periods(world: &World, commitment: u64, expect: Expect) {
    let mut actual = String::new();
    for period in world.state.coordination.active_periods(&commitment_id(commitment)) {
        let end = period.window.end();
        let end = if end.as_datetime() == chrono::DateTime::<chrono::Utc>::MAX_UTC {
            "end of time".to_owned()
        } else {
            end.to_string()
        };
        writeln!(actual, "[{}, {end}) version {}", period.window.start(), period.version).expect("writing");
    }
    expect.assert_eq(&actual);
}

/// Russia and the United States agree the plan, with the given truce start.
fn agree(world: &mut World, mut plan: crate::Terms) {
    plan.corridors[0].windows = vec![corridor_window("2016-12-12T00:00:00Z", "2016-12-20T00:00:00Z", &[])];
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
}

#[test]
fn an_incident_overlapping_the_start_of_the_truce_violates_and_one_ending_at_it_does_not() {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::At { at: ts("2016-12-13T08:00:00Z") });
    plan.commitments[0].window = Some(window("2016-12-13T06:00:00Z", "2016-12-13T12:00:00Z"));
    agree(&mut world, plan);
    world.set_now("2016-12-14T00:00:00Z");
    check_periods(
        &world,
        1,
        expect![[r#"
        [2016-12-13T08:00:00Z, 2016-12-13T12:00:00Z) version 1
    "#]],
    );
    check(
        &mut world,
        &[
            ("from before the truce into it", ON_ROUTE, "2016-12-13T07:00:00Z", Some("2016-12-13T09:00:00Z")),
            ("ending as the truce starts", ON_ROUTE, "2016-12-13T07:00:00Z", Some("2016-12-13T08:00:00Z")),
            ("entirely before", ON_ROUTE, "2016-12-13T05:00:00Z", Some("2016-12-13T07:59:59Z")),
            ("at the start", ON_ROUTE, "2016-12-13T08:00:00Z", None),
            ("just before the start", ON_ROUTE, "2016-12-13T07:59:59Z", None),
            ("into the end of the window", ON_ROUTE, "2016-12-13T11:59:00Z", Some("2016-12-13T13:00:00Z")),
            ("starting at the end of the window", ON_ROUTE, "2016-12-13T12:00:00Z", Some("2016-12-13T13:00:00Z")),
            ("at the end of the window", ON_ROUTE, "2016-12-13T12:00:00Z", None),
            ("across the whole window", ON_ROUTE, "2016-12-13T00:00:00Z", Some("2016-12-14T00:00:00Z")),
            ("across it but far away", (37.30, 36.30), "2016-12-13T00:00:00Z", Some("2016-12-14T00:00:00Z")),
        ],
        expect![[r#"
            from before the truce into it: 1
            ending as the truce starts: none
            entirely before: none
            at the start: 1
            just before the start: none
            into the end of the window: 1
            starting at the end of the window: none
            at the end of the window: none
            across the whole window: 1
            across it but far away: none
        "#]],
    );
}

#[test]
fn an_incident_overlapping_the_opening_of_a_commitment_window_violates_and_one_before_it_does_not() {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.commitments[0].window = Some(window("2016-12-13T08:00:00Z", "2016-12-13T12:00:00Z"));
    agree(&mut world, plan);
    world.set_now("2016-12-14T00:00:00Z");
    check(
        &mut world,
        &[
            ("into the window", ON_ROUTE, "2016-12-13T07:00:00Z", Some("2016-12-13T08:00:01Z")),
            ("up to the window", ON_ROUTE, "2016-12-13T07:00:00Z", Some("2016-12-13T08:00:00Z")),
            ("at its opening", ON_ROUTE, "2016-12-13T08:00:00Z", None),
            ("from its end", ON_ROUTE, "2016-12-13T12:00:00Z", Some("2016-12-13T18:00:00Z")),
        ],
        expect![[r#"
            into the window: 1
            up to the window: none
            at its opening: 1
            from its end: none
        "#]],
    );
}

#[test]
fn an_incident_during_a_suspension_violates_only_where_it_overlaps_the_active_periods() {
    let mut world = World::new();
    agree(&mut world, corridor_plan(TruceStart::Immediately));
    world.set_now("2016-12-13T10:00:00Z");
    world.accept(&Signer::coordinator(RU), suspend(1, "shelling continues"));
    world.set_now("2016-12-13T12:00:00Z");
    world.accept(&Signer::coordinator(RU), resume(1));
    world.set_now("2016-12-14T00:00:00Z");
    check_periods(
        &world,
        1,
        expect![[r#"
        [2016-12-12T07:19:00Z, 2016-12-13T10:00:00Z) version 1
        [2016-12-13T12:00:00Z, end of time) version 1
    "#]],
    );
    check(
        &mut world,
        &[
            ("within the suspension", ON_ROUTE, "2016-12-13T10:30:00Z", Some("2016-12-13T11:30:00Z")),
            ("exactly the suspension", ON_ROUTE, "2016-12-13T10:00:00Z", Some("2016-12-13T12:00:00Z")),
            ("as it is suspended", ON_ROUTE, "2016-12-13T10:00:00Z", None),
            ("just before", ON_ROUTE, "2016-12-13T09:59:59Z", None),
            ("into the suspension", ON_ROUTE, "2016-12-13T09:00:00Z", Some("2016-12-13T10:30:00Z")),
            ("out of the suspension", ON_ROUTE, "2016-12-13T11:00:00Z", Some("2016-12-13T13:00:00Z")),
            ("as it resumes", ON_ROUTE, "2016-12-13T12:00:00Z", None),
        ],
        expect![[r#"
            within the suspension: none
            exactly the suspension: none
            as it is suspended: none
            just before: 1
            into the suspension: 1
            out of the suspension: 1
            as it resumes: 1
        "#]],
    );
}

/// The corridor's route in version 2: a few kilometres north-east of the first.
fn route_b() -> crate::LineString {
    line(&[(37.170, 36.200), (37.180, 36.210)])
}
const ON_ROUTE_B: (f64, f64) = (37.175, 36.205);

#[test]
fn a_corridor_redrawn_by_a_later_version_is_matched_as_each_version_defined_it() {
    let mut world = World::new();
    agree(&mut world, corridor_plan(TruceStart::Immediately));
    world.set_now("2016-12-13T12:00:00Z");
    let mut redrawn = corridor_plan(TruceStart::Immediately);
    redrawn.corridors[0].route = route_b();
    redrawn.corridors[0].windows = vec![corridor_window("2016-12-12T00:00:00Z", "2016-12-20T00:00:00Z", &[])];
    world.accept(&Signer::coordinator(RU), propose_version(1, 1, redrawn));
    world.accept(&Signer::coordinator(RU), endorse(1, 2));
    world.accept(&Signer::coordinator(US), endorse(1, 2));
    world.set_now("2016-12-14T00:00:00Z");
    // Version 1 stays in force until version 2 is agreed, at 12:02.
    check_periods(
        &world,
        1,
        expect![[r#"
        [2016-12-12T07:19:00Z, 2016-12-13T12:02:00Z) version 1
        [2016-12-13T12:02:00Z, end of time) version 2
    "#]],
    );
    check(
        &mut world,
        &[
            ("old route under version 1", ON_ROUTE, "2016-12-13T10:00:00Z", None),
            ("old route while version 2 awaits endorsement", ON_ROUTE, "2016-12-13T12:01:00Z", None),
            ("old route under version 2", ON_ROUTE, "2016-12-13T13:00:00Z", None),
            ("new route under version 1", ON_ROUTE_B, "2016-12-13T10:00:00Z", None),
            ("new route under version 2", ON_ROUTE_B, "2016-12-13T13:00:00Z", None),
            ("old route, across the change", ON_ROUTE, "2016-12-13T12:00:00Z", Some("2016-12-13T14:00:00Z")),
            ("new route, across the change", ON_ROUTE_B, "2016-12-13T11:00:00Z", Some("2016-12-13T12:02:00Z")),
        ],
        expect![[r#"
            old route under version 1: 1
            old route while version 2 awaits endorsement: 1
            old route under version 2: none
            new route under version 1: none
            new route under version 2: 1
            old route, across the change: 1
            new route, across the change: none
        "#]],
    );
}

#[test]
fn a_commitment_redefined_by_a_later_version_is_matched_as_the_version_in_force_defines_it() {
    let mut world = World::new();
    agree(&mut world, corridor_plan(TruceStart::Immediately));
    world.set_now("2016-12-13T12:00:00Z");
    let mut redefined = corridor_plan(TruceStart::Immediately);
    redefined.corridors[0].windows = vec![corridor_window("2016-12-12T00:00:00Z", "2016-12-20T00:00:00Z", &[])];
    redefined.commitments[0].kind = CommitmentKind::CeaseFire;
    redefined.commitments[0].scope = Scope::Zone(zone_id(WEST_ALEPPO));
    world.accept(&Signer::coordinator(RU), propose_version(1, 1, redefined));
    world.set_now("2016-12-13T18:00:00Z");
    world.accept(&Signer::coordinator(RU), endorse(1, 2));
    world.accept(&Signer::coordinator(US), endorse(1, 2));
    world.set_now("2016-12-14T00:00:00Z");
    let in_west_aleppo = (37.115, 36.200);
    check(
        &mut world,
        &[
            ("on the corridor once version 2 is proposed", ON_ROUTE, "2016-12-13T13:00:00Z", None),
            ("in West Aleppo then", in_west_aleppo, "2016-12-13T13:00:00Z", None),
            ("on the corridor under version 2", ON_ROUTE, "2016-12-13T19:00:00Z", None),
            ("in West Aleppo under version 2", in_west_aleppo, "2016-12-13T19:00:00Z", None),
        ],
        expect![[r#"
            on the corridor once version 2 is proposed: 1
            in West Aleppo then: none
            on the corridor under version 2: none
            in West Aleppo under version 2: 1
        "#]],
    );
}

/// East Aleppo without its northern half: the besieged pocket shrinks.
fn east_aleppo_south() -> Polygon {
    polygon(&[(37.140, 36.172), (37.152, 36.162), (37.192, 36.168), (37.195, 36.180), (37.145, 36.185)])
}
/// In the northern half of East Aleppo, about 1.6 km north of its southern part.
const EAST_ALEPPO_NORTH: (f64, f64) = (37.175, 36.200);
/// In both.
const EAST_ALEPPO_SOUTH: (f64, f64) = (37.170, 36.175);

#[test]
fn a_zone_redrawn_is_matched_with_the_boundary_in_effect_at_the_time() {
    let mut world = World::new();
    let plan = terms(
        vec![corridor(1, "EA-1")],
        vec![commitment(3, SY, CommitmentKind::CeaseFire, Scope::Zone(zone_id(EAST_ALEPPO)), &[SAF])],
        truce(TruceStart::Immediately),
        &[RU, US],
    );
    agree(&mut world, plan);
    world.set_now("2016-12-13T09:00:00Z");
    let redraw = CommandBody::RedrawZone {
        zone_id: zone_id(EAST_ALEPPO),
        boundary: east_aleppo_south(),
        effective_at: ts("2016-12-13T12:00:00Z"),
    };
    world.accept(&Signer::operator(), redraw);
    world.set_now("2016-12-14T00:00:00Z");
    check(
        &mut world,
        &[
            ("north before the redrawing takes effect", EAST_ALEPPO_NORTH, "2016-12-13T10:00:00Z", None),
            ("north after", EAST_ALEPPO_NORTH, "2016-12-13T13:00:00Z", None),
            ("north, across the change", EAST_ALEPPO_NORTH, "2016-12-13T11:00:00Z", Some("2016-12-13T13:00:00Z")),
            ("north, from the change", EAST_ALEPPO_NORTH, "2016-12-13T12:00:00Z", Some("2016-12-13T13:00:00Z")),
            ("south after", EAST_ALEPPO_SOUTH, "2016-12-13T13:00:00Z", None),
        ],
        expect![[r#"
            north before the redrawing takes effect: 3
            north after: none
            north, across the change: 3
            north, from the change: none
            south after: 3
        "#]],
    );
    // A boundary recorded later with an earlier `effective_at` applies from its recording:
    // what was in effect before was what the record said then.
    world.set_now("2016-12-14T06:00:00Z");
    let back = CommandBody::RedrawZone {
        zone_id: zone_id(EAST_ALEPPO),
        boundary: east_aleppo_boundary(),
        effective_at: ts("2016-12-14T02:00:00Z"),
    };
    world.accept(&Signer::operator(), back);
    check(
        &mut world,
        &[
            ("north, before the second redrawing was recorded", EAST_ALEPPO_NORTH, "2016-12-14T05:00:00Z", None),
            ("north, after", EAST_ALEPPO_NORTH, "2016-12-14T06:00:00Z", None),
        ],
        expect![[r#"
            north, before the second redrawing was recorded: 3
            north, after: 3
        "#]],
    );
}

#[test]
fn an_ongoing_incident_becomes_a_violation_when_the_agreement_enters_into_force_and_alerts_say_so() {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.corridors[0].windows = vec![corridor_window("2016-12-12T00:00:00Z", "2016-12-20T00:00:00Z", &[])];
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.set_now("2016-12-13T09:00:00Z");
    // Shelling since 08:00 and expected to go on all day.
    let body = shelling(1, position(ON_ROUTE.0, ON_ROUTE.1), "2016-12-13T08:00:00Z", Some("2016-12-14T00:00:00Z"));
    world.accept(&Signer::monitor(), body);
    assert!(world.state.violations_of(&incident_id(1)).is_empty(), "not yet agreed");
    let endorsed_at = world.accept(&Signer::coordinator(US), endorse(1, 1));
    let violations = world.state.violations_of(&incident_id(1));
    assert_eq!(violations.iter().map(|v| v.commitment_id.clone()).collect::<Vec<_>>(), vec![Some(commitment_id(1))]);
    let alert = world.state.alerts.iter().find(|a| a.kind == AlertKind::ViolationNew).expect("a new violation");
    assert_eq!((alert.raised_at, alert.commitment_id.clone()), (endorsed_at, Some(commitment_id(1))));
}

#[test]
fn a_state_keeps_the_index_of_its_active_scopes_up_to_date_and_clones_share_it() {
    let mut world = World::new();
    agree(&mut world, corridor_plan(TruceStart::Immediately));
    assert_eq!(world.state.active_scopes, ActiveScopes::build(&world.state.coordination));
    let copy = world.state.clone();
    assert_eq!(copy, world.state);
    world.accept(&Signer::coordinator(RU), suspend(1, "shelling continues"));
    assert_eq!(world.state.active_scopes, ActiveScopes::build(&world.state.coordination));
    assert_ne!(copy.active_scopes, world.state.active_scopes, "the suspension ended the open period");
}

// The property: the projection's violations equal a brute-force reference.

/// Corridor routes that versions draw their corridors along: the fixture's, one a few
/// kilometres away, and one that shares its first vertex.
fn routes() -> [crate::LineString; 3] {
    [
        line(&[(37.150, 36.178), (37.133, 36.180), (37.120, 36.190)]),
        route_b(),
        line(&[(37.150, 36.178), (37.160, 36.170), (37.175, 36.172)]),
    ]
}
const HALF_WIDTHS_M: [f64; 3] = [300.0, 120.0, 700.0];

fn boundaries() -> [Polygon; 3] {
    [east_aleppo_boundary(), east_aleppo_south(), sukkari_boundary()]
}

/// Points near which incidents happen: every vertex of the routes and boundaries, and the
/// midpoint of every route segment.
fn anchors() -> Vec<(f64, f64)> {
    let routes = routes();
    let boundaries = boundaries();
    let mut anchors = Vec::new();
    for route in &routes {
        for pair in route.positions().windows(2) {
            anchors.push((pair[0].lon(), pair[0].lat()));
            anchors.push(((pair[0].lon() + pair[1].lon()) / 2.0, (pair[0].lat() + pair[1].lat()) / 2.0));
        }
    }
    anchors.extend(boundaries.iter().flat_map(|b| b.rings()[0].iter().map(|p| (p.lon(), p.lat()))));
    anchors
}

const INCIDENT_KINDS: [IncidentKind; 4] =
    [IncidentKind::Shelling, IncidentKind::Obstruction, IncidentKind::AttackOnConvoy, IncidentKind::Displacement];

#[derive(Debug, Clone)]
enum Move {
    /// Proposes agreement 1 (`agreement_terms`); its signatories endorse it in the next moves.
    Agree { start: u8, start_h: u8, end_h: Option<u8>, zone_windows: [Option<(u8, u8)>; 2], conditional: bool },
    /// Proposes agreement 2 (`second_agreement_terms`), conditional on that commitment of
    /// agreement 1; its signatories endorse it in the next moves.
    AgreeSecond { condition: u8 },
    /// Proposes a version of agreement 1 with the latest terms, its corridors redrawn along
    /// `routes()[(route + idx) % 3]`, and perhaps its commitments redefined (`respecify`).
    Reroute { route: u8, respecify: bool },
    /// The armed opposition consents to the use of corridor 7, as commitment 10 asks.
    Consent,
    /// A step of the random logs of `properties`; the corridors of a proposal are drawn
    /// along `routes()[(route + idx) % 3]`, with half-width `HALF_WIDTHS_M[route % 3]`.
    Log { step: Step, route: u8 },
    /// Redraws East Aleppo or al-Sukkari as `boundaries()[boundary]`, effective some hours
    /// before or after now.
    Redraw { zone: u8, boundary: u8, effective_h: i8 },
    /// Reports an incident near `anchors()[anchor]`, at an instant or over an interval, in
    /// the first four days of the log.
    Report { kind: u8, anchor: u8, offset: (i16, i16), uncertainty_m: u16, start_min: u16, len_min: Option<u16> },
    /// Compares every incident's violations with the reference now.
    Check,
}

fn a_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        12 => (step(), any::<u8>()).prop_map(|(step, route)| Move::Log { step, route }),
        1 => (1u8..=2, 0u8..3, -24i8..=24).prop_map(|(zone, boundary, effective_h)| Move::Redraw { zone, boundary, effective_h }),
        4 => (
            0u8..4,
            any::<u8>(),
            (-60i16..=60, -60i16..=60),
            0u16..500,
            0u16..(4 * 24 * 60),
            proptest::option::of(1u16..(2 * 24 * 60)),
        )
            .prop_map(|(kind, anchor, offset, uncertainty_m, start_min, len_min)| Move::Report {
                kind,
                anchor,
                offset,
                uncertainty_m,
                start_min,
                len_min,
            }),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(route, respecify)| Move::Reroute { route, respecify }),
        1 => Just(Move::Consent),
        1 => Just(Move::Check),
    ]
}

fn hours_after(at: Timestamp, hours: u8) -> Timestamp {
    Timestamp::from_datetime(at.as_datetime() + chrono::Duration::hours(i64::from(hours)))
}

/// A corridor (7) with Russia's `no_attack` (9) and the United States' `secure_consent` (10)
/// on it, Syria's `cease_fire` in East Aleppo (11) and the opposition's `allow_access` in
/// al-Sukkari (12), perhaps conditional on 11; the truce starts immediately, at a time or
/// when 10 is fulfilled, and perhaps ends.
fn agreement_terms(a_move: &Move, now: Timestamp) -> crate::Terms {
    let Move::Agree { start, start_h, end_h, zone_windows, conditional } = a_move else {
        unreachable!("only for Agree");
    };
    let start = match start {
        0 => TruceStart::Immediately,
        1 => TruceStart::At { at: hours_after(now, *start_h) },
        _ => TruceStart::WhenFulfilled { commitment_ids: vec![commitment_id(10)] },
    };
    let mut plan_corridor = corridor(7, "PLAN-1");
    plan_corridor.windows = vec![corridor_window("2016-12-12T00:00:00Z", "2016-12-20T00:00:00Z", &[])];
    let mut cease_fire = commitment(11, SY, CommitmentKind::CeaseFire, Scope::Zone(zone_id(EAST_ALEPPO)), &[SAF]);
    let mut access = commitment(12, OPP, CommitmentKind::AllowAccess, Scope::Zone(zone_id(SUKKARI)), &[AOG]);
    for (spec, zone_window) in [&mut cease_fire, &mut access].into_iter().zip(zone_windows) {
        spec.window = zone_window.map(|(start_h, len_h)| {
            let start = hours_after(now, start_h);
            crate::Window::new(start, hours_after(start, len_h.max(1))).expect("at least an hour")
        });
    }
    if *conditional {
        access.conditions = vec![holds(commitment_id(11))];
    }
    let commitments = vec![
        commitment(9, RU, CommitmentKind::NoAttack, Scope::Corridor(corridor_id(7)), &[SAF]),
        commitment(10, US, CommitmentKind::SecureConsent, Scope::Corridor(corridor_id(7)), &[AOG]),
        cease_fire,
        access,
    ];
    let mut truce = truce(start);
    if let Some(truce) = &mut truce {
        truce.end = end_h.map(|end_h| hours_after(now, end_h));
    }
    terms(vec![plan_corridor], commitments, truce, &[RU, US])
}

/// A corridor (8) with Russia's `no_attack` (13) on it and Syria's `cease_fire` in al-Sukkari
/// (14), both conditional on a commitment of agreement 1.
fn second_agreement_terms(condition: u8) -> crate::Terms {
    let mut second_corridor = corridor(8, "PLAN-2");
    second_corridor.route = routes()[2].clone();
    let mut commitments = vec![
        commitment(13, RU, CommitmentKind::NoAttack, Scope::Corridor(corridor_id(8)), &[SAF]),
        commitment(14, SY, CommitmentKind::CeaseFire, Scope::Zone(zone_id(SUKKARI)), &[SAF]),
    ];
    for spec in &mut commitments {
        spec.conditions = vec![holds(commitment_id(u64::from(condition)))];
    }
    terms(vec![second_corridor], commitments, truce(TruceStart::Immediately), &[RU, US])
}

/// Routes the corridors of `terms` along `routes()`, from the `route`-th on.
fn reroute(terms: &mut crate::Terms, route: u8) {
    for (idx, corridor) in terms.corridors.iter_mut().enumerate() {
        corridor.route = routes()[(usize::from(route) + idx) % 3].clone();
        corridor.half_width_m = HALF_WIDTHS_M[usize::from(route) % 3];
    }
}

/// Changes what the commitments that forbid something forbid, and where: `no_attack` becomes
/// `allow_access`, which becomes `cease_fire`, which becomes `no_attack`; corridors become
/// East Aleppo and zones corridor 7.
fn respecify(terms: &mut crate::Terms) {
    for spec in &mut terms.commitments {
        spec.kind = match spec.kind {
            CommitmentKind::NoAttack => CommitmentKind::AllowAccess,
            CommitmentKind::AllowAccess => CommitmentKind::CeaseFire,
            CommitmentKind::CeaseFire => CommitmentKind::NoAttack,
            CommitmentKind::AllowPassage => CommitmentKind::AllowAccess,
            CommitmentKind::SecureConsent
            | CommitmentKind::ProvideTransport
            | CommitmentKind::WithdrawForces
            | CommitmentKind::Evacuate
            | CommitmentKind::HandOver
            | CommitmentKind::ReleaseDetainees => continue,
        };
        spec.scope = match spec.scope {
            Scope::Corridor(_) => Scope::Zone(zone_id(EAST_ALEPPO)),
            Scope::Zone(_) => Scope::Corridor(corridor_id(7)),
        };
    }
}

fn minutes_after(at: Timestamp, minutes: u16) -> Timestamp {
    Timestamp::from_datetime(at.as_datetime() + chrono::Duration::minutes(i64::from(minutes)))
}

/// Every instant the log mentions: acceptance times and every timestamp in its events
/// (windows, truce starts and ends, boundaries' `effective_at`). Statuses and boundaries can
/// change only at these.
fn instants_of(world: &World) -> BTreeSet<Timestamp> {
    let mut instants = BTreeSet::new();
    for entry in &world.log {
        instants.insert(entry.context.accepted_at);
        let mut stack = vec![serde_json::to_value(&entry.events).expect("events serialise")];
        while let Some(value) = stack.pop() {
            match value {
                serde_json::Value::String(text) => instants.extend(Timestamp::parse(&text).ok()),
                serde_json::Value::Array(items) => stack.extend(items),
                serde_json::Value::Object(fields) => stack.extend(fields.into_iter().map(|(_, v)| v)),
                _ => {}
            }
        }
    }
    instants
}

/// The reference: every commitment, at the incident's start and at every instant of the log
/// inside its interval, by `commitment_status`, the version in force's terms, and the
/// geodesic distances. No R-tree, no active periods.
fn reference_violations(state: &State, instants: &BTreeSet<Timestamp>, revision: &IncidentRevision) -> Vec<String> {
    let start = revision.when.start;
    let mut at_instants = vec![start];
    if let Some(end) = revision.when.end {
        at_instants.extend(instants.range((Excluded(start), Unbounded)).take_while(|at| **at < end));
    }
    let mut violated: Vec<String> = state
        .coordination
        .commitment_agreements
        .keys()
        .filter(|commitment_id| at_instants.iter().any(|at| violated_at(state, commitment_id, revision, *at)))
        .map(|commitment_id| commitment_id.to_string())
        .collect();
    violated.sort();
    violated
}

fn violated_at(state: &State, commitment_id: &CommitmentId, revision: &IncidentRevision, at: Timestamp) -> bool {
    let Some(status) = state.coordination.commitment_status(commitment_id, at) else {
        return false;
    };
    if status.status != CommitmentStatusKind::Active {
        return false;
    }
    let agreement = &state.coordination.agreements[&state.coordination.commitment_agreements[commitment_id]];
    let version = agreement.version(status.version).expect("the version in force exists");
    let spec = version.terms.commitments.iter().find(|c| &c.commitment_id == commitment_id).expect("it holds it");
    let forbidden = match spec.kind {
        CommitmentKind::NoAttack | CommitmentKind::CeaseFire => revision.kind.is_attack(),
        CommitmentKind::AllowAccess | CommitmentKind::AllowPassage => {
            matches!(revision.kind, IncidentKind::Obstruction | IncidentKind::AttackOnConvoy)
        }
        CommitmentKind::SecureConsent
        | CommitmentKind::ProvideTransport
        | CommitmentKind::WithdrawForces
        | CommitmentKind::Evacuate
        | CommitmentKind::HandOver
        | CommitmentKind::ReleaseDetainees => false,
    };
    if !forbidden {
        return false;
    }
    let position = revision.location.position;
    let uncertainty_m = revision.location.uncertainty_m;
    match &spec.scope {
        Scope::Corridor(corridor_id) => {
            let corridor = version
                .terms
                .corridors
                .iter()
                .find(|c| &c.corridor_id == corridor_id)
                .or_else(|| state.coordination.corridors.get(corridor_id).map(|record| &record.spec));
            corridor.is_some_and(|c| distance_to_route_m(position, &c.route) <= c.half_width_m + uncertainty_m)
        }
        Scope::Zone(zone_id) => state
            .coordination
            .zones
            .get(zone_id)
            .is_some_and(|zone| distance_to_zone_m(position, zone.boundary_at(at)) <= uncertainty_m),
    }
}

/// What the property saw, so that it can be checked not to be vacuous.
#[derive(Debug, Default)]
struct Seen {
    violations: usize,
    /// Found only inside the interval, not at its start.
    after_start: usize,
    /// Of commitments whose latest definition is in a zone.
    in_zones: usize,
    incidents_without: usize,
}

fn compare_all(world: &World, seen: &mut Seen) -> Result<(), TestCaseError> {
    let instants = instants_of(world);
    for (incident_id, incident) in &world.state.monitoring.incidents {
        let revision = incident.current();
        let actual: Vec<String> = world
            .state
            .violations_of(incident_id)
            .iter()
            .filter_map(|v| v.commitment_id.as_ref().map(|c| c.to_string()))
            .collect();
        let expected = reference_violations(&world.state, &instants, revision);
        prop_assert_eq!(&actual, &expected, "incident {:?}", revision);
        seen.violations += expected.len();
        seen.incidents_without += usize::from(expected.is_empty());
        let at_start = reference_violations(&world.state, &BTreeSet::new(), revision);
        seen.after_start += expected.len() - at_start.len();
        seen.in_zones += expected
            .iter()
            .filter(|c| {
                let id = CommitmentId::parse(c).expect("an id");
                state_scope_is_zone(&world.state, &id)
            })
            .count();
    }
    Ok(())
}

fn state_scope_is_zone(state: &State, commitment_id: &CommitmentId) -> bool {
    state.coordination.commitment_spec(commitment_id).is_some_and(|(_, spec)| matches!(spec.scope, Scope::Zone(_)))
}

/// Plays the moves; after every entry the kept index equals one built afresh, and at every
/// `Check` and at the end the violations equal the reference's.
fn play(moves: &[Move], seen: &mut Seen) -> Result<(), TestCaseError> {
    let mut world = World::new();
    let anchors = anchors();
    for a_move in moves {
        let prepared = match a_move {
            Move::Agree { .. } => {
                let body = propose(1, agreement_terms(a_move, world.now));
                let command = world.command(&Signer::coordinator(RU), body);
                Some((world.context(&Signer::coordinator(RU)), command))
            }
            Move::AgreeSecond { condition } => {
                let body = propose(2, second_agreement_terms(*condition));
                let command = world.command(&Signer::coordinator(RU), body);
                Some((world.context(&Signer::coordinator(RU)), command))
            }
            Move::Reroute { route, respecify } => {
                let latest = world
                    .state
                    .coordination
                    .agreements
                    .get(&agreement_id(1))
                    .map(|agreement| agreement.latest().clone());
                latest.map(|latest| {
                    let mut terms = latest.terms;
                    reroute(&mut terms, *route);
                    if *respecify {
                        self::respecify(&mut terms);
                    }
                    let command = world.command(&Signer::coordinator(RU), propose_version(1, latest.version, terms));
                    (world.context(&Signer::coordinator(RU)), command)
                })
            }
            Move::Consent => {
                let command = world.command(&Signer::coordinator(OPP), record_consent(20, AOG, 7));
                Some((world.context(&Signer::coordinator(OPP)), command))
            }
            Move::Log { step, route } => prepare(&mut world, step).map(|(context, mut command)| {
                if let CommandBody::ProposeAgreement { terms, .. } | CommandBody::ProposeVersion { terms, .. } =
                    &mut command.body
                {
                    reroute(terms, *route);
                }
                (context, command)
            }),
            Move::Redraw { zone, boundary, effective_h } => {
                let effective_at = Timestamp::from_datetime(
                    world.now.as_datetime() + chrono::Duration::hours(i64::from(*effective_h)),
                );
                let body = CommandBody::RedrawZone {
                    zone_id: zone_id(u64::from(*zone)),
                    boundary: boundaries()[usize::from(*boundary)].clone(),
                    effective_at,
                };
                let command = world.command(&Signer::operator(), body);
                Some((world.context(&Signer::operator()), command))
            }
            Move::Report { kind, anchor, offset, uncertainty_m, start_min, len_min } => {
                let n = world.state.monitoring.incidents.len() as u64 + 1;
                let (lon, lat) = anchors[usize::from(*anchor) % anchors.len()];
                let start = minutes_after(ts(START), *start_min);
                // Nothing is reported before it happens: the clock moves on to the start.
                world.now = world.now.max(start);
                let body = CommandBody::ReportIncident {
                    incident_id: incident_id(n),
                    kind: INCIDENT_KINDS[usize::from(*kind)],
                    location: Location {
                        // Up to 0.006 degrees either way: about 540 m east-west, 670 m north-south.
                        position: position(lon + f64::from(offset.0) * 1e-4, lat + f64::from(offset.1) * 1e-4),
                        uncertainty_m: f64::from(*uncertainty_m),
                        precision: None,
                        zone_id: None,
                    },
                    when: When { start, end: len_min.map(|len| minutes_after(start, len)), precision: None },
                    description: reason("Reported"),
                    source: source(n, "EFE", SourceKind::Media, None),
                    convoy_id: None,
                };
                let command = world.command(&Signer::monitor(), body);
                Some((world.context(&Signer::monitor()), command))
            }
            Move::Check => {
                compare_all(&world, seen)?;
                None
            }
        };
        let Some((context, command)) = prepared else {
            continue;
        };
        let must_accept = matches!(a_move, Move::Agree { .. } | Move::Redraw { .. } | Move::Report { .. });
        let accepted = world.submit_prepared(context, command).is_ok();
        prop_assert!(accepted || !must_accept, "reports and redrawings are accepted");
        prop_assert_eq!(&world.state.active_scopes, &ActiveScopes::build(&world.state.coordination));
    }
    compare_all(&world, seen)
}

#[test]
fn the_projections_violations_equal_a_brute_force_check_of_every_commitment_at_every_instant() {
    let mut runner =
        TestRunner::new_with_rng(config(128), TestRng::from_seed(RngAlgorithm::ChaCha, &SEED.to_le_bytes().repeat(4)));
    // Every log starts with an agreement that its two signatories endorse, so that most logs
    // have commitments of every kind that forbids something in force.
    let window = || proptest::option::of((0u8..48, 1u8..48));
    let agree = (0u8..3, 0u8..48, proptest::option::weighted(0.3, 1u8..96), [window(), window()], any::<bool>())
        .prop_map(|(start, start_h, end_h, zone_windows, conditional)| Move::Agree {
            start,
            start_h,
            end_h,
            zone_windows,
            conditional,
        });
    let second = proptest::option::weighted(0.6, 9u8..=12);
    let moves = (agree, second, vec(a_move(), 1..80)).prop_map(|(agree, second, rest)| {
        let endorse =
            |agreement| [1, 2].map(|who| Move::Log { step: Step::Endorse { who, agreement, behind: 0 }, route: 0 });
        let second =
            second.into_iter().flat_map(|condition| [Move::AgreeSecond { condition }].into_iter().chain(endorse(2)));
        [agree].into_iter().chain(endorse(1)).chain(second).chain(rest).collect::<Vec<Move>>()
    });
    let seen = std::cell::RefCell::new(Seen::default());
    let result = runner.run(&moves, |moves| play(&moves, &mut seen.borrow_mut()));
    if let Err(err) = result {
        panic!("{err}");
    }
    // Not vacuous: the logs reach violations at the start, inside intervals and in zones,
    // and incidents that violate nothing.
    let seen = seen.into_inner();
    assert!(seen.violations - seen.in_zones >= 100, "{seen:?}");
    assert!(seen.in_zones >= 100, "{seen:?}");
    assert!(seen.after_start >= 30, "{seen:?}");
    assert!(seen.incidents_without >= 500, "{seen:?}");
}
