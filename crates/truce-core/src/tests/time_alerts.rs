//! Alerts that time alone makes due: a corridor window opening or closing, a notification's
//! deadline passing. Each entry brings the log's time up to its acceptance time; `mark_time`
//! does only that, and is refused when nothing is due.

use super::fixture::*;
use crate::{
    Alert, AlertKind, CommandBody, DomainError, Group, NotificationId, Notified, SiteKind, Timestamp, TruceStart,
};

fn notification_id(n: u64) -> NotificationId {
    NotificationId::parse(&format!("0000000c-0000-7000-8000-{n:012x}")).expect("UUIDv7")
}

/// The corridor plan agreed on the 12th, EA-1 open on the 13th from 08:00 to 12:00 for
/// the wounded, then from 12:00 to 16:00 for civilians and the wounded.
fn world_agreed() -> World {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.corridors[0].windows = vec![
        corridor_window("2016-12-13T08:00:00Z", "2016-12-13T12:00:00Z", &[Group::Wounded]),
        corridor_window("2016-12-13T12:00:00Z", "2016-12-13T16:00:00Z", &[Group::Civilians, Group::Wounded]),
    ];
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
    world
}

fn alerts_since(world: &World, count: usize) -> Vec<&Alert> {
    world.state.alerts[count..].iter().collect()
}

/// (kind, groups open after, effective_at) of each alert.
fn summary(alerts: &[&Alert]) -> Vec<(AlertKind, Vec<Group>, Option<Timestamp>)> {
    alerts.iter().map(|a| (a.kind, a.open_for.to_vec(), a.effective_at)).collect()
}

#[test]
fn mark_time_alerts_a_corridor_opening_at_the_instant_it_opened() {
    let mut world = world_agreed();
    // The next point of the public grid comes first; the opening is the next instant past it.
    assert_eq!(world.state.next_due(), next_grid_point(&world));
    let before = world.state.alerts.len();
    world.set_now("2016-12-13T08:00:10Z");
    world.accept(&Signer::operator(), CommandBody::MarkTime {});

    let alerts = alerts_since(&world, before);
    assert_eq!(
        summary(&alerts),
        vec![(AlertKind::CorridorOpened, vec![Group::Wounded], Some(ts("2016-12-13T08:00:00Z")))]
    );
    let alert = alerts[0];
    assert_eq!(alert.corridor_id, Some(corridor_id(1)));
    assert_eq!(alert.agreement_id, Some(agreement_id(1)));
    assert_eq!(alert.raised_at, ts("2016-12-13T08:00:10Z"));
    assert!(alert.headline.contains("EA-1") && alert.headline.contains("opened for the wounded"), "{}", alert.headline);
    assert_eq!(*alert.parties, vec![party_id(RU), party_id(US)]);
    assert_eq!(world.state.next_due(), Some(ts("2016-12-13T08:05:00Z")));
}

#[test]
fn every_instant_passed_since_the_last_entry_is_alerted_in_order() {
    let mut world = world_agreed();
    let before = world.state.alerts.len();
    world.set_now("2016-12-13T17:00:00Z");
    world.accept(&Signer::operator(), CommandBody::MarkTime {});
    assert_eq!(
        summary(&alerts_since(&world, before)),
        vec![
            (AlertKind::CorridorOpened, vec![Group::Wounded], Some(ts("2016-12-13T08:00:00Z"))),
            (AlertKind::CorridorChanged, vec![Group::Civilians, Group::Wounded], Some(ts("2016-12-13T12:00:00Z"))),
            (AlertKind::CorridorClosed, vec![], Some(ts("2016-12-13T16:00:00Z"))),
        ]
    );
    // Nothing is scheduled any more; the grid goes on.
    assert_eq!(world.state.next_due(), Some(ts("2016-12-13T17:05:00Z")));
}

fn next_grid_point(world: &World) -> Option<Timestamp> {
    world.state.time_checked_until.and_then(|at| at.next_multiple_of(crate::MARK_TIME_GRID_S))
}

#[test]
fn a_point_of_the_public_grid_lets_time_be_marked_whatever_is_due() {
    let mut world = World::new();
    world.set_now("2016-12-13T09:02:00Z");
    // An account of no party, which the operator registers: any entry would do.
    let analyst = Signer { account: account_id(20), party: None, key: key("analyst2") };
    world.accept(&Signer::operator(), register_account(&analyst, "Second analyst", crate::Role::Analyst));
    assert_eq!(world.state.next_due(), Some(ts("2016-12-13T09:05:00Z")));
    // Within the same five minutes nothing is due.
    let refused = world.submit(&Signer::operator(), CommandBody::MarkTime {});
    assert!(matches!(refused, Err(DomainError::NothingDue { .. })), "{refused:?}");
    world.set_now("2016-12-13T09:05:00Z");
    let before = world.state.alerts.len();
    world.accept(&Signer::operator(), CommandBody::MarkTime {});
    assert_eq!(summary(&alerts_since(&world, before)), vec![]);
}

#[test]
fn any_entry_brings_the_log_time_forward_before_its_own_alerts() {
    let mut world = world_agreed();
    let before = world.state.alerts.len();
    world.set_now("2016-12-13T09:00:00Z");
    let second_monitor = Signer { account: account_id(20), party: Some(party_id(UN)), key: key("monitor2") };
    world.accept(
        &Signer::coordinator(crate::tests::fixture::UN),
        register_account(&second_monitor, "Second UN monitor", crate::Role::Monitor),
    );
    assert_eq!(
        summary(&alerts_since(&world, before)),
        vec![(AlertKind::CorridorOpened, vec![Group::Wounded], Some(ts("2016-12-13T08:00:00Z")))]
    );
    // Nothing is left to mark until the next boundary.
    assert_eq!(world.state.time_checked_until, Some(ts("2016-12-13T09:00:00Z")));
    let refused = world.submit(&Signer::operator(), CommandBody::MarkTime {});
    assert!(matches!(refused, Err(DomainError::NothingDue { .. })), "{refused:?}");
}

#[test]
fn suspension_closes_an_open_corridor_and_resumption_reopens_it_in_the_same_entry() {
    let mut world = world_agreed();
    world.set_now("2016-12-13T09:00:00Z");
    world.accept(&Signer::operator(), CommandBody::MarkTime {});
    let before = world.state.alerts.len();
    world.accept(&Signer::coordinator(RU), suspend(1, "shelling on the route"));
    let kinds: Vec<(AlertKind, Option<Timestamp>)> =
        alerts_since(&world, before).iter().map(|a| (a.kind, a.effective_at)).collect();
    assert_eq!(kinds, vec![(AlertKind::AgreementChanged, None), (AlertKind::CorridorClosed, None)]);

    let before = world.state.alerts.len();
    world.accept(&Signer::coordinator(RU), resume(1));
    let kinds: Vec<AlertKind> = alerts_since(&world, before).iter().map(|a| a.kind).collect();
    assert_eq!(kinds, vec![AlertKind::AgreementChanged, AlertKind::CorridorOpened]);
}

#[test]
fn windows_of_a_version_never_agreed_raise_nothing_but_still_let_time_be_marked() {
    let mut world = World::new();
    let mut plan = corridor_plan(TruceStart::Immediately);
    plan.corridors[0].windows = vec![corridor_window("2016-12-13T08:00:00Z", "2016-12-13T12:00:00Z", &[])];
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    let before = world.state.alerts.len();
    world.set_now("2016-12-13T09:00:00Z");
    world.accept(&Signer::operator(), CommandBody::MarkTime {});
    assert_eq!(summary(&alerts_since(&world, before)), vec![]);
}

#[test]
fn mark_time_is_refused_when_nothing_is_due_and_to_anyone_but_an_operator() {
    let mut world = world_agreed();
    world.set_now("2016-12-13T09:00:00Z");
    world.accept(&Signer::operator(), CommandBody::MarkTime {});
    // A minute later: no scheduled instant and no point of the grid since.
    let refused = world.submit(&Signer::operator(), CommandBody::MarkTime {});
    assert!(matches!(refused, Err(DomainError::NothingDue { .. })), "{refused:?}");
    let refused = world.submit(&Signer::coordinator(RU), CommandBody::MarkTime {});
    assert!(matches!(refused, Err(DomainError::Forbidden { .. })), "{refused:?}");
}

#[test]
fn a_notification_unacknowledged_at_its_deadline_alerts_the_overdue_parties_and_its_notifier() {
    let mut world = world_agreed();
    let site = |n: u64, deadline: &str| CommandBody::NotifyHumanitarian {
        notification_id: notification_id(n),
        notified: Notified::Site {
            name: name("Field hospital"),
            site_kind: SiteKind::Hospital,
            position: position(37.16, 36.20),
            radius_m: 200.0,
        },
        party_ids: vec![party_id(RU), party_id(SY)],
        deadline: ts(deadline),
        valid_until: None,
        personnel: None,
        on_behalf_of: None,
    };
    world.accept(&Signer::monitor(), site(1, "2016-12-12T20:00:00Z"));
    world.accept(&Signer::monitor(), site(2, "2016-12-12T21:00:00Z"));
    world
        .accept(&Signer::coordinator(RU), CommandBody::AcknowledgeNotification { notification_id: notification_id(1) });
    for n in [1, 2] {
        let body = CommandBody::AcknowledgeNotification { notification_id: notification_id(n) };
        world.accept(&Signer::coordinator(SY), body);
    }
    // A confidential deadline is never when the next mark is due: the grid brings it.
    assert_eq!(world.state.next_due(), next_grid_point(&world));
    let before = world.state.alerts.len();
    world.set_now("2016-12-12T22:00:00Z");
    world.accept(&Signer::operator(), CommandBody::MarkTime {});

    // The first was acknowledged by both in time; the second by Syria only.
    let alerts = alerts_since(&world, before);
    let overdue: Vec<_> = alerts.iter().map(|a| (a.kind, a.notification_id.clone(), a.effective_at)).collect();
    assert_eq!(
        overdue,
        vec![(AlertKind::NotificationOverdue, Some(notification_id(2)), Some(ts("2016-12-12T21:00:00Z")))]
    );
    assert_eq!(*alerts[0].parties, vec![party_id(RU), party_id(UN)]);
    assert!(alerts[0].headline.contains("Russian Federation"), "{}", alerts[0].headline);
}

#[test]
fn replaying_the_log_raises_the_same_time_alerts() {
    let mut world = world_agreed();
    world.set_now("2016-12-13T13:00:00Z");
    world.accept(&Signer::operator(), CommandBody::MarkTime {});
    world.set_now("2016-12-13T20:00:00Z");
    world.accept(&Signer::coordinator(RU), suspend(1, "end of the day"));

    let mut replayed = crate::State::default();
    for entry in &world.log {
        replayed.apply(&entry.context, &entry.command, &entry.events);
    }
    assert_eq!(replayed.alerts, world.state.alerts);
    assert_eq!(replayed, world.state);
}

/// `State::alert` finds every alert raised by its id, in the order of entries and of alerts
/// within one (numbers, not texts: `10.0` comes after `9.1`), and none that was not raised.
#[test]
fn an_alert_is_found_by_its_id_among_alerts_numbered_past_the_order_of_their_texts() {
    let mut world = world_agreed();
    world.set_now("2016-12-13T17:00:00Z");
    world.accept(&Signer::operator(), CommandBody::MarkTime {});
    let raised = world.state.alerts.last().expect("alerts raised").clone();
    let mut state = crate::State::default();
    let keys = [(9, 0), (9, 1), (10, 0), (10, 2), (100, 0), (1_000_000, 999_999)];
    for (seq, n) in keys {
        state.alerts.push(Alert { alert_id: crate::AlertId::new(seq, n), seq, ..raised.clone() });
    }
    for (position, alert) in state.alerts.iter().enumerate() {
        assert_eq!(state.alert_position(&alert.alert_id), Some(position), "{}", alert.alert_id);
        assert_eq!(state.alert(&alert.alert_id), Some(alert));
    }
    for (seq, n) in [(9, 2), (10, 1), (1, 0), (99, 0), (1_000_001, 0)] {
        assert_eq!(state.alert(&crate::AlertId::new(seq, n)), None, "{seq}.{n}");
    }
    // In the log's own alerts too.
    for alert in &world.state.alerts {
        assert_eq!(world.state.alert(&alert.alert_id), Some(alert));
    }
}
