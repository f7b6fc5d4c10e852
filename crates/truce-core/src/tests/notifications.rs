//! Humanitarian notifications as they are made: an end of validity, a withdrawal, more kinds
//! of site, personnel, and a notification made through an intermediary for an organisation
//! that is not a party.

use super::{
    fixture::*,
    monitoring::{incident_id, report, source},
};
use crate::{
    CommandBody, DomainError, IncidentKind, Name, NotificationId, Notified, PartyId, SiteKind, SourceKind, Timestamp,
    TruceStart,
};

fn notification_id(n: u64) -> NotificationId {
    NotificationId::parse(&format!("00000040-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}

/// A school notified by the UN's monitor (the coordinating office) for an NGO that is not a
/// party, to RU and SY, with a deadline to acknowledge at noon.
fn school(n: u64, valid_until: Option<&str>) -> CommandBody {
    CommandBody::NotifyHumanitarian {
        notification_id: notification_id(n),
        notified: Notified::Site {
            name: name("School used as a shelter"),
            site_kind: SiteKind::School,
            position: position(37.16, 36.20),
            radius_m: 200.0,
        },
        party_ids: vec![party_id(RU), party_id(SY)],
        deadline: ts("2016-12-13T12:00:00Z"),
        valid_until: valid_until.map(ts),
        personnel: Some(12),
        on_behalf_of: Some(Name::parse("Local relief NGO").expect("a name")),
    }
}

/// Four vehicles moving along `route` this morning, notified to RU and SY, no organisation
/// named.
fn movement(n: u64, route: &[(f64, f64)], half_width_m: f64) -> CommandBody {
    CommandBody::NotifyHumanitarian {
        notification_id: notification_id(n),
        notified: Notified::Movement {
            route: line(route),
            half_width_m,
            window: window("2016-12-13T08:00:00Z", "2016-12-13T12:00:00Z"),
            vehicles: 4,
            markings: None,
            convoy_id: None,
        },
        party_ids: vec![party_id(RU), party_id(SY)],
        deadline: ts("2016-12-13T12:00:00Z"),
        valid_until: None,
        personnel: None,
        on_behalf_of: None,
    }
}

fn world_notified() -> World {
    let mut world = World::new();
    world.accept(&Signer::coordinator(RU), propose(1, corridor_plan(TruceStart::Immediately)));
    world.set_now("2016-12-13T10:00:00Z");
    world
}

/// The violations of notification 1 by a strike on the school at `at`.
fn strike_violates(world: &mut World, n: u64, at: &str) -> bool {
    world.set_now(at);
    let mut strike = report(n, at, source(n, "MSF", SourceKind::Witness, None));
    if let CommandBody::ReportIncident { location, kind, .. } = &mut strike {
        location.position = position(37.1605, 36.2002);
        *kind = IncidentKind::Airstrike;
    }
    world.accept(&Signer::monitor(), strike);
    world.state.violations_of(&incident_id(n)).iter().any(|v| v.notification_id == Some(notification_id(1)))
}

#[test]
fn an_intermediary_notifies_for_an_organisation_and_only_it_may_withdraw_once() {
    let mut world = world_notified();
    world.accept(&Signer::monitor(), school(1, None));
    let notification = &world.state.monitoring.notifications[&notification_id(1)];
    assert_eq!(notification.notified_by, Some(party_id(UN)), "the intermediary is the notifier, entitled to it");
    assert_eq!(notification.on_behalf_of.as_ref().map(Name::as_str), Some("Local relief NGO"));
    assert_eq!(notification.personnel, Some(12));
    assert!(strike_violates(&mut world, 1, "2016-12-13T10:30:00Z"));

    let withdraw = CommandBody::WithdrawNotification { notification_id: notification_id(1), reason: None };
    let refused = world.submit(&Signer::coordinator(RU), withdraw.clone()).expect_err("not the notifier");
    assert_eq!(
        refused.to_string(),
        format!(
            "party RU ({}) did not make notification {}: only the party that notified may withdraw it",
            party_id(RU),
            notification_id(1)
        )
    );
    world.set_now("2016-12-13T11:00:00Z");
    world.accept(&Signer::monitor(), withdraw.clone());
    assert!(matches!(world.submit(&Signer::monitor(), withdraw), Err(DomainError::AlreadyWithdrawn { .. })));
    // Withdrawn before its deadline: no acknowledgement is owed, and it protects no longer.
    let notification = &world.state.monitoring.notifications[&notification_id(1)];
    assert_eq!(notification.overdue_parties(ts("2016-12-13T12:00:00Z")), Vec::<&PartyId>::new());
    assert!(!strike_violates(&mut world, 2, "2016-12-13T11:30:00Z"));
    // As the world stood before the withdrawal, it still protected the school.
    let before: Timestamp = ts("2016-12-13T10:45:00Z");
    assert!(world.state.as_of(before).monitoring.notifications[&notification_id(1)].protects_at(before));
}

#[test]
fn a_notification_protects_until_its_end_of_validity_which_must_be_after_it_is_made() {
    let mut world = world_notified();
    let refused = world.submit(&Signer::monitor(), school(1, Some("2016-12-13T09:00:00Z")));
    assert_eq!(
        refused.expect_err("ends before it is made").to_string(),
        "valid_until 2016-12-13T09:00:00Z is not after the start 2016-12-13T10:00:00Z"
    );
    world.accept(&Signer::monitor(), school(1, Some("2016-12-13T11:00:00Z")));
    assert!(strike_violates(&mut world, 1, "2016-12-13T10:30:00Z"));
    assert!(!strike_violates(&mut world, 2, "2016-12-13T11:00:00Z"), "ended at 11:00");
}

#[test]
fn the_new_site_kinds_are_written_in_snake_case() {
    let kinds = [SiteKind::School, SiteKind::Office, SiteKind::DistributionPoint, SiteKind::DisplacementSite];
    let json = serde_json::to_value(kinds).expect("serialises");
    assert_eq!(json, serde_json::json!(["school", "office", "distribution_point", "displacement_site"]));
}

/// A movement notified after an attack on its route during its window: the incident
/// recorded before the notification is re-derived, and only it (one far off is not).
#[test]
fn a_movement_notified_after_an_attack_on_its_route_alerts_the_violation_then() {
    let mut world = world_notified();
    let near = position(37.1501, 36.1781);
    let far = position(37.1501, 37.1781);
    for (n, at) in [(1, near), (2, far)] {
        let mut strike = report(n, "2016-12-13T09:00:00Z", source(n, "MSF", SourceKind::Witness, None));
        if let CommandBody::ReportIncident { location, kind, .. } = &mut strike {
            location.position = at;
            *kind = IncidentKind::Airstrike;
        }
        world.accept(&Signer::monitor(), strike);
    }
    assert!(world.state.violations_of(&incident_id(1)).is_empty(), "nothing was notified yet");
    world.set_now("2016-12-13T10:30:00Z");
    let movement = movement(1, &[(37.14, 36.17), (37.16, 36.19)], 500.0);
    let seq = world.state.entries_count;
    world.accept(&Signer::monitor(), movement);
    let raised: Vec<_> = world.state.alerts.iter().filter(|a| a.seq == seq).collect();
    let violation = raised.iter().find(|a| a.kind == crate::AlertKind::ViolationNew).expect("the violation alerted");
    assert_eq!(violation.incident_id, Some(incident_id(1)));
    assert_eq!(violation.notification_id, Some(notification_id(1)));
    assert!(!raised.iter().any(|a| a.incident_id == Some(incident_id(2))), "the far incident is not reached");
    assert!(world.state.violations_of(&incident_id(2)).is_empty());
}

/// Where violations of commitments can be (`State::commitment_violations_reach`, the
/// planner's index for lists of violations, which show those of commitments only) holds every
/// incident that has one, and not a struck school's, whose violation is of a notification;
/// `violations_of_commitments` gives an incident's violations of commitments as
/// `violations_of` does, and none of notifications. Past `VIOLATIONS_REACH_BOXES_MAX` boxes
/// the reach gives no answer, and the planner goes without it.
#[test]
fn where_violations_of_commitments_can_be_holds_each_and_gives_up_past_its_bound() {
    let agreed = |route: Option<Vec<(f64, f64)>>| {
        let mut world = World::new();
        let mut plan = corridor_plan(TruceStart::Immediately);
        if let Some(route) = route {
            plan.corridors[0].route = line(&route);
        }
        agree(&mut world, plan);
        world.set_now("2016-12-13T10:00:00Z");
        world
    };
    let mut world = agreed(None);
    world.accept(&Signer::monitor(), report(1, "2016-12-13T10:00:00Z", source(1, "MSF", SourceKind::Witness, None)));
    world.accept(&Signer::monitor(), school(1, None));
    assert!(strike_violates(&mut world, 2, "2016-12-13T11:00:00Z"));
    let on_route = world.state.violations_of(&incident_id(1));
    assert!(!on_route.is_empty() && on_route.iter().all(|v| v.commitment_id.is_some()), "{on_route:?}");
    assert_eq!(world.state.violations_of_commitments(&incident_id(1)), on_route);
    assert!(world.state.violations_of_commitments(&incident_id(2)).is_empty());

    let boxes = world.state.commitment_violations_reach().expect("one short corridor: few boxes");
    let within = |id: u64| {
        let at = world.state.monitoring.incidents[&incident_id(id)].current().location.position;
        boxes.iter().any(|b| b.contains(at))
    };
    assert!(within(1), "{boxes:?}");
    assert!(!within(2), "the school is 2 km off the corridor: {boxes:?}");
    // A corridor of 9,500 vertices: more than a thousand boxes (a piece of nine edges each).
    let route: Vec<(f64, f64)> =
        (0..9_500).map(|k| (37.0 + 0.000_1 * f64::from(k), 36.18 + 0.000_05 * f64::from(k % 2))).collect();
    assert!(agreed(Some(route)).state.commitment_violations_reach().is_none());
}

/// The point `distance_m` from `from` at `azimuth_deg`, and the azimuth on arrival.
fn travel(from: crate::Position, azimuth_deg: f64, distance_m: f64) -> (crate::Position, f64) {
    use geographiclib_rs::{DirectGeodesic, Geodesic};
    let (lat, lon, azimuth_end_deg): (f64, f64, f64) =
        Geodesic::wgs84().direct(from.lat(), from.lon(), azimuth_deg, distance_m);
    (position(lon, lat), azimuth_end_deg)
}

/// A movement along a road of 600 vertices through Aleppo protects the strikes within its
/// half-width and uncertainty of the road, as the distance measured segment by segment says,
/// and not those 20 m further: when it is notified, and then in the record, in a view as of
/// its notice, and in a state read back from a snapshot (which builds the indexed route
/// again).
#[test]
fn a_movement_along_a_long_road_protects_what_is_within_reach_in_every_view() {
    let mut world = world_notified();
    let mut road = vec![position(37.10, 36.15)];
    let mut azimuth_deg = 40.0_f64;
    for k in 0..599u32 {
        // Winding gently, and turning by 60 degrees, one way then the other, every 100.
        azimuth_deg += match k % 200 {
            0 => 60.0,
            100 => -60.0,
            _ => 4.0 * (f64::from(k) * 0.3).sin(),
        };
        road.push(travel(*road.last().expect("a start"), azimuth_deg, 60.0 + f64::from(k % 7) * 20.0).0);
    }
    let half_width_m = 150.0;
    // Strikes at right angles to a segment's midpoint, 20 m inside and outside the reach (50 m
    // of uncertainty each: the reach is 200 m), on both sides; and one 40 km away.
    let mut strikes = Vec::new();
    for (k, segment) in road.windows(2).enumerate().skip(10).step_by(23) {
        let (length_m, azimuth_deg, _): (f64, f64, f64) = {
            use geographiclib_rs::{Geodesic, InverseGeodesic};
            Geodesic::wgs84().inverse(segment[0].lat(), segment[0].lon(), segment[1].lat(), segment[1].lon())
        };
        let (middle, azimuth_there_deg) = travel(segment[0], azimuth_deg, length_m / 2.0);
        let side = if k % 2 == 0 { 90.0 } else { -90.0 };
        strikes.push(travel(middle, azimuth_there_deg + side, 180.0).0);
        strikes.push(travel(middle, azimuth_there_deg + side, 220.0).0);
    }
    strikes.push(position(37.10, 36.52));
    for (n, at) in (1..).zip(&strikes) {
        let mut strike = report(n, "2016-12-13T09:00:00Z", source(n, "MSF", SourceKind::Witness, None));
        if let CommandBody::ReportIncident { location, kind, .. } = &mut strike {
            location.position = *at;
            *kind = IncidentKind::Airstrike;
        }
        world.accept(&Signer::monitor(), strike);
    }
    let road: Vec<(f64, f64)> = road.iter().map(|p| (p.lon(), p.lat())).collect();
    let seq = world.state.entries_count;
    let notified_at = world.accept(&Signer::monitor(), movement(1, &road, half_width_m));

    let line = line(&road);
    let expected: Vec<bool> =
        strikes.iter().map(|p| crate::matcher::distance_to_route_m(*p, &line) <= half_width_m + 50.0).collect();
    let within_count = expected.iter().filter(|within| **within).count();
    assert!(within_count >= 20 && expected.len() - within_count >= 20, "{within_count} of {} within", expected.len());
    let alerted: Vec<bool> = (1..=strikes.len() as u64)
        .map(|n| {
            world.state.alerts.iter().any(|a| {
                a.seq == seq && a.incident_id == Some(incident_id(n)) && a.kind == crate::AlertKind::ViolationNew
            })
        })
        .collect();
    assert_eq!(alerted, expected, "alerted when notified");

    let mut snapshot = world.state.clone();
    snapshot.monitoring =
        serde_json::from_value(serde_json::to_value(&world.state.monitoring).expect("serialises")).expect("reads back");
    let scopes = snapshot.scopes_rebuilt();
    let restored = snapshot.restored(scopes);
    let view = world.state.as_of(notified_at);
    for (name, state) in [("record", &world.state), ("restored", &restored), ("as of its notice", &view)] {
        assert_eq!(state.monitoring.notified_places().len(), 1, "{name}");
        let violated: Vec<bool> = (1..=strikes.len() as u64)
            .map(|n| state.violations_of(&incident_id(n)).iter().any(|v| v.notification_id == Some(notification_id(1))))
            .collect();
        assert_eq!(violated, expected, "{name}");
        let of_notification = state.violations_of_notification(&notification_id(1));
        let reached: Vec<_> = of_notification.into_iter().map(|v| v.incident_id).collect();
        let within = (1..=strikes.len() as u64).zip(&expected).filter(|(_, within)| **within);
        assert_eq!(reached, within.map(|(n, _)| incident_id(n)).collect::<Vec<_>>(), "{name}");
    }
    // A view shares the record's indexed route: it does not index the road again.
    let shared = |state: &crate::State| {
        state.monitoring.notified_places().route(&notification_id(1)).map(|route| route as *const _)
    };
    assert!(shared(&view).is_some() && shared(&view) == shared(&world.state));
    let before = world.state.as_of(ts("2016-12-13T10:00:00Z"));
    assert!(before.monitoring.notified_places().is_empty(), "not yet notified at 10:00");
    assert!(notified_at > ts("2016-12-13T10:00:00Z"));
}

/// Sites notified one by one among attacks recorded before them (still going on when each is
/// notified), at mid-latitudes, across the antimeridian and by a pole: each notification
/// alerts, and the record then holds, exactly the violations that measuring every site against
/// every incident gives. Some attacks are known only to within 20 km, so the squares a site is
/// looked for in must grow with them; non-attacks and an incident that ended before are not
/// reached.
#[test]
fn sites_notified_among_recorded_attacks_reach_exactly_those_within_their_radius() {
    use rand::{rngs::StdRng, Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(0x5173);
    let mut world = world_notified();
    let centres = [position(37.16, 36.20), position(179.995, 10.0), position(10.0, 89.97)];
    let mut incidents = Vec::new();
    for n in 1..=240u64 {
        let centre = centres[n as usize % centres.len()];
        let (at, _) = travel(centre, rng.gen_range(0.0..360.0), rng.gen_range(0.0..6_000.0));
        let uncertainty_m = if n % 40 == 0 { 20_000.0 } else { rng.gen_range(0.0..1_500.0) };
        let kind = if n % 7 == 0 { IncidentKind::Obstruction } else { IncidentKind::Shelling };
        let end = if n % 11 == 0 { "2016-12-13T09:30:00Z" } else { "2016-12-13T18:00:00Z" };
        let mut strike = report(n, "2016-12-13T09:00:00Z", source(n, "MSF", SourceKind::Witness, None));
        if let CommandBody::ReportIncident { location, kind: k, when, .. } = &mut strike {
            location.position = at;
            location.uncertainty_m = uncertainty_m;
            *k = kind;
            when.end = Some(ts(end));
        }
        world.accept(&Signer::monitor(), strike);
        incidents.push((n, at, uncertainty_m, kind.is_attack() && n % 11 != 0));
    }
    let (mut reached_count, mut missed_count) = (0, 0);
    for s in 1..=45u64 {
        let centre = centres[s as usize % centres.len()];
        let (site, _) = travel(centre, rng.gen_range(0.0..360.0), rng.gen_range(0.0..5_000.0));
        let radius_m = rng.gen_range(50.0..1_000.0);
        let mut body = school(s, None);
        if let CommandBody::NotifyHumanitarian { notified: Notified::Site { position, radius_m: r, .. }, .. } =
            &mut body
        {
            *position = site;
            *r = radius_m;
        }
        let seq = world.state.entries_count;
        world.accept(&Signer::monitor(), body);
        let alerted: Vec<u64> = incidents
            .iter()
            .filter(|(n, ..)| {
                world.state.alerts.iter().any(|a| {
                    a.seq == seq
                        && a.kind == crate::AlertKind::ViolationNew
                        && a.incident_id == Some(incident_id(*n))
                        && a.notification_id == Some(notification_id(s))
                })
            })
            .map(|(n, ..)| *n)
            .collect();
        let expected: Vec<u64> = incidents
            .iter()
            .filter(|(_, at, uncertainty_m, attack)| {
                *attack && crate::vocab::geometry::geodesic_distance_m(*at, site) <= radius_m + uncertainty_m
            })
            .map(|(n, ..)| *n)
            .collect();
        assert_eq!(alerted, expected, "site {s} at {site:?}, radius {radius_m} m");
        let of_notification: Vec<_> = world.state.violations_of_notification(&notification_id(s));
        let of_notification: Vec<_> = of_notification.iter().map(|v| v.incident_id.clone()).collect();
        assert_eq!(of_notification, expected.iter().map(|n| incident_id(*n)).collect::<Vec<_>>(), "site {s}");
        reached_count += expected.len();
        missed_count += incidents.len() - expected.len();
    }
    assert!(reached_count > 60 && missed_count > 60, "{reached_count} reached, {missed_count} missed");
    // The record, and a state read back from a snapshot, agree with the alerts.
    let mut snapshot = world.state.clone();
    snapshot.monitoring =
        serde_json::from_value(serde_json::to_value(&world.state.monitoring).expect("serialises")).expect("reads back");
    let scopes = snapshot.scopes_rebuilt();
    let restored = snapshot.restored(scopes);
    for state in [&world.state, &restored] {
        assert_eq!(state.monitoring.notified_places().len(), 45);
        for (n, ..) in &incidents {
            let violated: Vec<_> =
                state.violations_of(&incident_id(*n)).into_iter().filter_map(|v| v.notification_id).collect();
            let alerted: Vec<_> = state
                .alerts
                .iter()
                .filter(|a| a.incident_id == Some(incident_id(*n)) && a.kind == crate::AlertKind::ViolationNew)
                .filter_map(|a| a.notification_id.clone())
                .collect();
            assert_eq!(violated, alerted, "incident {n}");
        }
    }
}

/// Movements over two days, most notified for a few hours and one for three days, and
/// incidents at instants and over intervals among them, the last ten at the instant and place
/// a movement sets out: each incident's violations of notifications are exactly those that
/// measuring it against every notification gives.
#[test]
fn an_incident_is_measured_against_every_movement_under_way_about_its_time() {
    use rand::{rngs::StdRng, Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(0x30e);
    let mut world = world_notified();
    let at = |minutes: i64| {
        let base = ts("2016-12-12T00:00:00Z").as_datetime();
        Timestamp::from_datetime(base + chrono::TimeDelta::minutes(minutes))
    };
    let mut starts = Vec::new();
    for m in 1..=40u64 {
        let start_min = rng.gen_range(0..2 * 24 * 60);
        let length_min = if m == 40 { 3 * 24 * 60 } else { rng.gen_range(30..6 * 60) };
        let (from, _) = travel(position(37.16, 36.20), rng.gen_range(0.0..360.0), rng.gen_range(0.0..3_000.0));
        let (to, _) = travel(from, rng.gen_range(0.0..360.0), rng.gen_range(500.0..3_000.0));
        let mut body = movement(m, &[(from.lon(), from.lat()), (to.lon(), to.lat())], 800.0);
        if let CommandBody::NotifyHumanitarian { notified: Notified::Movement { window: w, .. }, .. } = &mut body {
            *w = crate::Window::new(at(start_min), at(start_min + length_min)).expect("ends after it starts");
        }
        world.accept(&Signer::monitor(), body);
        starts.push((start_min, from));
    }
    world.set_now("2016-12-15T00:00:00Z");
    let (mut violated_count, mut spared_count) = (0, 0);
    for n in 1..=160u64 {
        let start_min = rng.gen_range(0..3 * 24 * 60);
        let end = (n % 3 == 0).then(|| at(start_min + rng.gen_range(1..8 * 60)));
        let (place, _) = travel(position(37.16, 36.20), rng.gen_range(0.0..360.0), rng.gen_range(0.0..4_000.0));
        // The last ten at the instant a movement sets out, where it sets out from.
        let (start_min, end, place) = match usize::try_from(n).expect("small").checked_sub(151) {
            Some(m) => (starts[m].0, None, starts[m].1),
            None => (start_min, end, place),
        };
        let mut strike = report(n, "2016-12-13T00:00:00Z", source(n, "MSF", SourceKind::Witness, None));
        if let CommandBody::ReportIncident { location, kind, when, .. } = &mut strike {
            location.position = place;
            *kind = IncidentKind::Shelling;
            *when = crate::When { start: at(start_min), end, precision: None };
        }
        world.accept(&Signer::monitor(), strike);
        let incident = &world.state.monitoring.incidents[&incident_id(n)];
        let expected: Vec<_> = world
            .state
            .monitoring
            .notifications
            .values()
            .filter(|notification| world.state.notification_reached(incident, notification))
            .map(|notification| Some(notification.notification_id.clone()))
            .collect();
        let violated: Vec<_> = world
            .state
            .violations_of(&incident_id(n))
            .into_iter()
            .filter(|v| v.notification_id.is_some())
            .map(|v| v.notification_id)
            .collect();
        assert_eq!(violated, expected, "incident {n}");
        violated_count += violated.len();
        spared_count += usize::from(violated.is_empty());
    }
    assert!(violated_count > 40 && spared_count > 30, "{violated_count} violations, {spared_count} spared");
}
