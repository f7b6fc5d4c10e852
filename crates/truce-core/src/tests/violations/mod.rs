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
            .map(|c| c.text().as_str()[24..].trim_start_matches('0').to_owned())
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
mod against_a_reference;
