//! Which entries are sealed (`visibility::sealing`), and that what is public never depends
//! on what is sealed: a replay that passes over sealed entries without their content raises
//! the same public alerts, with the same ids, and decides public commands alike.

use std::collections::BTreeSet;

use super::{
    fixture::*,
    monitoring::{analyst, notification_id, report, source, world_in_force},
};
use crate::{
    sealing, AlertId, CommandBody, DomainError, IncidentKind, Notified, PartyId, Sealing, SiteKind, SourceKind, State,
};

fn notify(n: u64, deadline: &str) -> CommandBody {
    CommandBody::NotifyHumanitarian {
        notification_id: notification_id(n),
        notified: Notified::Site {
            name: name("Field hospital"),
            site_kind: SiteKind::Hospital,
            // Where `report` puts its incidents, inside the corridor.
            position: position(37.1501, 36.1781),
            radius_m: 200.0,
        },
        party_ids: vec![party_id(RU), party_id(SY)],
        deadline: ts(deadline),
        valid_until: None,
        personnel: None,
        on_behalf_of: None,
    }
}

fn parties(ids: &[u64]) -> BTreeSet<PartyId> {
    ids.iter().map(|n| party_id(*n)).collect()
}

#[track_caller]
fn classify(world: &mut World, signer: &Signer, body: CommandBody) -> Sealing {
    let command = world.command(signer, body);
    sealing(&world.state, &command)
}

#[test]
fn a_notification_and_what_would_betray_it_are_sealed_for_its_parties_and_nothing_else_is() {
    let mut world = world_in_force();
    let entitled = Sealing::Confidential { parties: parties(&[RU, SY, UN]) };
    assert_eq!(classify(&mut world, &Signer::monitor(), notify(1, "2016-12-13T12:00:00Z")), entitled);
    let notified_seq = world.state.entries_count;
    world.accept(&Signer::monitor(), notify(1, "2016-12-13T12:00:00Z"));
    assert_eq!(world.state.sealed.get(&notified_seq), Some(&parties(&[RU, SY, UN])));

    let ack = CommandBody::AcknowledgeNotification { notification_id: notification_id(1) };
    assert_eq!(classify(&mut world, &Signer::coordinator(RU), ack), entitled);
    let retract = CommandBody::Retract { seq: notified_seq, reason: reason("sent in error") };
    assert_eq!(classify(&mut world, &Signer::monitor(), retract), entitled);

    world.set_now("2016-12-13T13:00:00Z");
    let strike = report(1, "2016-12-13T13:00:00Z", source(1, "MSF", SourceKind::Witness, None));
    assert_eq!(classify(&mut world, &Signer::monitor(), strike.clone()), Sealing::Public);
    world.accept(&Signer::monitor(), strike);
    let dismiss = |notification: bool| CommandBody::DismissViolation {
        incident_id: super::monitoring::incident_id(1),
        commitment_id: (!notification).then(|| commitment_id(1)),
        notification_id: notification.then(|| notification_id(1)),
        reason: reason("not a strike"),
    };
    assert_eq!(classify(&mut world, &analyst(), dismiss(true)), entitled);
    assert_eq!(classify(&mut world, &analyst(), dismiss(false)), Sealing::Public);

    let overdue = world.state.alerts.iter().find(|a| a.notification_id.is_some()).expect("a confidential alert");
    let ack_alert = CommandBody::AcknowledgeAlert { alert_id: overdue.alert_id.clone() };
    assert!(matches!(classify(&mut world, &Signer::coordinator(RU), ack_alert), Sealing::Confidential { .. }));
    let public = world.state.alerts.iter().find(|a| a.notification_id.is_none()).expect("a public alert");
    let ack_alert = CommandBody::AcknowledgeAlert { alert_id: public.alert_id.clone() };
    assert_eq!(classify(&mut world, &Signer::coordinator(RU), ack_alert), Sealing::Public);
}

#[test]
fn to_a_party_not_entitled_a_notification_and_its_alerts_do_not_exist() {
    let mut world = world_in_force();
    world.accept(&Signer::monitor(), notify(1, "2016-12-13T12:00:00Z"));
    world.set_now("2016-12-13T13:00:00Z");
    world.accept(&Signer::monitor(), report(1, "2016-12-13T13:00:00Z", source(1, "MSF", SourceKind::Witness, None)));
    let confidential = world.state.alerts.iter().find(|a| a.notification_id.is_some()).expect("raised").clone();

    let ack = CommandBody::AcknowledgeNotification { notification_id: notification_id(1) };
    let refused = world.submit(&Signer::coordinator(US), ack);
    assert!(matches!(refused, Err(DomainError::Unknown { kind: "notification", .. })), "{refused:?}");
    let refused =
        world.submit(&Signer::coordinator(US), CommandBody::AcknowledgeAlert { alert_id: confidential.alert_id });
    assert!(matches!(refused, Err(DomainError::Unknown { kind: "alert", .. })), "{refused:?}");
}

#[test]
fn a_replay_that_passes_over_sealed_entries_raises_the_same_public_alerts_with_the_same_ids() {
    let mut world = world_in_force();
    world.accept(&Signer::monitor(), notify(1, "2016-12-13T12:00:00Z"));
    world
        .accept(&Signer::coordinator(RU), CommandBody::AcknowledgeNotification { notification_id: notification_id(1) });
    world.set_now("2016-12-13T13:00:00Z");
    let mut strike = report(1, "2016-12-13T13:00:00Z", source(1, "MSF", SourceKind::Witness, None));
    if let CommandBody::ReportIncident { kind, .. } = &mut strike {
        *kind = IncidentKind::Airstrike;
    }
    // The strike's entry raises the notification's overdue alert (its deadline passed
    // before it), a violation of the notification and a violation of the commitment.
    world.accept(&Signer::monitor(), strike);
    world.set_now("2016-12-13T14:00:00Z");
    world.accept(&Signer::operator(), CommandBody::MarkTime {});

    let raised_by_strike: Vec<(bool, &AlertId)> = world
        .state
        .alerts
        .iter()
        .filter(|a| a.incident_id.is_some() || a.notification_id.is_some())
        .map(|a| (a.notification_id.is_some(), &a.alert_id))
        .collect();
    assert!(raised_by_strike.iter().any(|(confidential, _)| *confidential), "{raised_by_strike:?}");
    assert!(raised_by_strike.iter().any(|(confidential, _)| !*confidential), "{raised_by_strike:?}");

    let mut public = State::default();
    for entry in &world.log {
        match world.state.sealed.get(&entry.context.seq) {
            Some(entitled) => public.pass_sealed(entry.context.seq, entry.context.accepted_at, entitled.clone()),
            None => {
                let decided = crate::decide(&public, &entry.context, &entry.command).expect("decided alike");
                assert_eq!(decided, entry.events);
                public.apply(&entry.context, &entry.command, &entry.events);
            }
        }
    }
    let public_alerts: Vec<_> = world.state.alerts.iter().filter(|a| a.notification_id.is_none()).collect();
    assert_eq!(public.alerts.iter().collect::<Vec<_>>(), public_alerts);
    assert!(public.alerts.iter().all(|a| a.notification_id.is_none()));
    assert_eq!(public.next_due(), world.state.next_due());
}
