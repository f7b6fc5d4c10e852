//! Raising alerts as entries are applied (the types are in `alert`). Raised here: new and changed violations (of commitments and of
//! humanitarian notifications), agreement changes, corridors opening and closing, and
//! notifications becoming overdue.
//!
//! What time alone makes happen (a window opening, a deadline passing) is alerted by the
//! first entry accepted at or after the instant, with `effective_at` saying when it
//! happened: each entry brings the log's time up to its acceptance time. When nothing else
//! is written, the server's timekeeper writes a `mark_time` entry at each scheduled
//! instant, so these alerts still go out on time; the core itself never reads a clock.

use std::{
    borrow::Cow,
    collections::{BTreeMap, BTreeSet},
};

use crate::{
    coordination::model::{Ending, Group, Stance},
    coordination::status::CorridorStatusKind,
    event::Event,
    matcher::{IncidentProbe, Reach},
    monitoring::model::{Violation, ViolationStatus},
    monitoring::record::IncidentRecord,
    projection::alert::{violation_headline, withdrawn_headline, Alert, AlertKind, ViolationKey},
    projection::state::State,
    projection::verification::add_notified_place,
    vocab::ids::{AgreementId, AlertId, CommitmentId, CorridorId, IncidentId, NotificationId, PartyId},
    vocab::time::Timestamp,
};

fn key_of(violation: &Violation) -> ViolationKey {
    (violation.incident_id.clone(), violation.commitment_id.clone(), violation.notification_id.clone())
}

/// The alerted violations of one incident: a range of the map, which is keyed by incident
/// first (`None` sorts before any id, so the incident's first key is at or after
/// `(incident, None, None)`). A scan of the whole map per incident made every entry cost as
/// much as all the violations alerted so far.
fn alerted_of<'a>(
    alerted: &'a BTreeMap<ViolationKey, ViolationStatus>,
    incident_id: &'a IncidentId,
) -> impl Iterator<Item = (&'a ViolationKey, &'a ViolationStatus)> + 'a {
    alerted.range((incident_id.clone(), None, None)..).take_while(move |(key, _)| &key.0 == incident_id)
}

impl State {
    /// Raises the alerts of one applied entry and records them. `scopes_changed` is where
    /// the commitments whose active scopes the entry changed can match (empty when it
    /// changed none).
    pub(crate) fn raise_alerts(&mut self, seq: u64, now: Timestamp, events: &[Event], scopes_changed: &Reach) {
        let after = self.time_checked_until.unwrap_or(now);
        let due: Vec<Timestamp> = self.due_between(after, now).collect();
        // What fell due before this entry comes first, in time order.
        let mut drafts: Vec<Alert> = Vec::new();
        for at in due.iter().copied().filter(|at| *at < now) {
            drafts.extend(self.time_alerts(at));
        }
        let mut corridors_may_change = due.last() == Some(&now);
        let mut affected: BTreeSet<IncidentId> = BTreeSet::new();
        // Beyond the incidents the events name: every incident (a retraction, which can take
        // out anything; a commitment released or bound again), or those that can match a
        // changed scope, or those a new notification reaches.
        let mut all_incidents = false;
        let mut near_changed_scopes = false;
        let mut notified: Vec<&NotificationId> = Vec::new();
        for event in events {
            match event {
                Event::IncidentReported { incident_id, .. }
                | Event::SourceAdded { incident_id, .. }
                | Event::IncidentCorrected { incident_id, .. }
                | Event::IncidentGraded { incident_id, .. }
                | Event::ViolationDismissed { incident_id, .. } => {
                    affected.insert(incident_id.clone());
                }
                Event::DuplicateMarked { incident_id, duplicate_of, .. } => {
                    affected.insert(incident_id.clone());
                    affected.insert(duplicate_of.clone());
                }
                Event::StatementMade { stances, about, .. } => {
                    affected.extend(stances.iter().map(|s| s.incident_id().clone()));
                    affected.extend(about.iter().filter_map(|s| s.on_incident()).map(|s| s.incident_id().clone()));
                }
                Event::VersionProposed { agreement_id, version, effective_at, .. } => {
                    near_changed_scopes = true;
                    corridors_may_change = true;
                    let headline = format!("version {version} of an agreement was proposed");
                    drafts.push(self.agreement_alert(agreement_id, headline, *effective_at));
                }
                Event::StanceTaken { agreement_id, version, party_id, stance, effective_at, .. } => {
                    near_changed_scopes = true;
                    corridors_may_change = true;
                    let party =
                        self.coordination.parties.get(party_id).map_or(party_id.to_string(), |p| p.name.to_string());
                    let verb = match stance {
                        Stance::Endorsed => "endorsed",
                        Stance::Rejected { .. } => "rejected",
                        Stance::Withdrawn { .. } => "withdrew its endorsement of",
                    };
                    let headline = format!("{party} {verb} version {version}");
                    drafts.push(self.agreement_alert(agreement_id, headline, *effective_at));
                }
                Event::AgreementSuspended { agreement_id, effective_at, .. } => {
                    near_changed_scopes = true;
                    corridors_may_change = true;
                    let headline = "the agreement was suspended".to_owned();
                    drafts.push(self.agreement_alert(agreement_id, headline, *effective_at));
                }
                Event::AgreementResumed { agreement_id, effective_at, .. } => {
                    near_changed_scopes = true;
                    corridors_may_change = true;
                    let headline = "the agreement was resumed".to_owned();
                    drafts.push(self.agreement_alert(agreement_id, headline, *effective_at));
                }
                Event::AgreementEnded { agreement_id, party_id, ending, effective_at, .. } => {
                    near_changed_scopes = true;
                    corridors_may_change = true;
                    let party = self.coordination.party_label(party_id);
                    let headline = match ending {
                        Ending::Broken { reason } => format!("{party} declared the agreement broken: {reason}"),
                        Ending::Completed { .. } => format!("{party} declared the agreement completed"),
                    };
                    drafts.push(self.agreement_alert(agreement_id, headline, *effective_at));
                }
                Event::ConsentRecorded { .. } | Event::FulfilmentReported { .. } => {
                    // A fulfilment can start a truce (`when_fulfilled`), opening corridors.
                    near_changed_scopes = true;
                    corridors_may_change = true;
                }
                // A retraction can take out anything an entry recorded; an agreement act taken
                // out is alerted as an agreement change (the derivations alert the rest).
                Event::Retracted { seq, reason, .. } => {
                    all_incidents = true;
                    corridors_may_change = true;
                    if let Some((agreement_id, what, at)) = self.retracted_act(*seq) {
                        let headline = format!("the record that {what} was retracted: {reason}");
                        drafts.push(self.agreement_alert(&agreement_id, headline, at));
                    }
                }
                // A redraw can take effect in the past, changing earlier incidents' violations.
                Event::ZoneRedrawn { .. } => near_changed_scopes = true,
                Event::HumanitarianNotified { notification_id, .. } => notified.push(notification_id),
                _ => {}
            }
        }
        // A commitment released or bound again changes the violations of later incidents.
        let releases_changed = !self.condition_outcomes.releases.keys().eq(self.alerted_releases.iter());
        if all_incidents || releases_changed {
            affected.extend(self.monitoring.incidents.keys().cloned());
        } else {
            if near_changed_scopes {
                affected.extend(self.incidents_that_may_match(scopes_changed));
            }
            for notification_id in notified {
                affected.extend(self.incidents_reached_by(notification_id));
            }
            #[cfg(debug_assertions)]
            self.assert_alerted_elsewhere_unchanged(&affected);
        }
        for incident_id in &affected {
            drafts.extend(self.violation_alerts(incident_id));
        }
        if corridors_may_change {
            drafts.extend(self.time_alerts(now));
        }
        drafts.extend(self.condition_alerts());
        self.time_checked_until = Some(now);
        // Public alerts are numbered first, confidential ones (about a notification) after
        // them: a public alert's id then never counts confidential alerts, and is the same
        // in a replay that knows no sealed content.
        let (public, confidential): (Vec<Alert>, Vec<Alert>) =
            drafts.into_iter().partition(|alert| alert.notification_id.is_none());
        for (n, mut alert) in public.into_iter().chain(confidential).enumerate() {
            alert.alert_id = AlertId::new(seq, u32::try_from(n).unwrap_or(u32::MAX));
            alert.seq = seq;
            alert.raised_at = now;
            alert.effective_at = alert.effective_at.filter(|at| *at < now);
            let after = self.alerts.last().is_none_or(|last| last.alert_id.key() < alert.alert_id.key());
            assert!(after, "alerts are raised in the order of their ids (`State::alert` searches them)");
            self.alerts.push(alert);
        }
    }

    /// An agreement alert; `effective_at` is when the act happened in the world, kept when
    /// it is before the entry (a reported act).
    fn agreement_alert(&self, agreement_id: &AgreementId, headline: String, effective_at: Timestamp) -> Alert {
        let mut parties: Vec<PartyId> = Vec::new();
        if let Some(agreement) = self.coordination.agreements.get(agreement_id) {
            parties.push(agreement.proposed_by.clone());
            for version in &agreement.versions {
                parties.extend(version.terms.signatories.iter().cloned());
                parties.push(version.proposed_by.clone());
            }
        }
        parties.sort();
        parties.dedup();
        let title =
            self.coordination.agreements.get(agreement_id).map_or_else(String::new, |a| format!("{}: ", a.title));
        Alert {
            alert_id: AlertId::new(0, 0),
            seq: 0,
            raised_at: Timestamp::parse("1970-01-01T00:00:00Z").expect("a fixed valid time"),
            kind: AlertKind::AgreementChanged,
            parties: parties.into(),
            headline: format!("{title}{headline}").into(),
            incident_id: None,
            commitment_id: None,
            notification_id: None,
            agreement_id: Some(agreement_id.clone()),
            violation_status: None,
            corridor_id: None,
            open_for: Box::default(),
            effective_at: Some(effective_at),
        }
    }

    /// The incidents whose probe can match one of `reach`'s scopes (the matcher's first
    /// tier): only their commitment violations can differ when those scopes changed.
    fn incidents_that_may_match(&self, reach: &Reach) -> Vec<IncidentId> {
        let may_match = |incident: &&IncidentRecord| {
            let revision = incident.current();
            let end = revision.when.end.unwrap_or(revision.when.start);
            let location = &revision.location;
            // As `violations_binding` builds it; a probe it cannot build matches nothing.
            IncidentProbe::new(location.position, location.uncertainty_m, revision.when.start, end)
                .is_ok_and(|probe| reach.may_match(&probe))
        };
        self.incidents_near(reach).into_iter().filter(may_match).map(|i| i.incident_id.clone()).collect()
    }

    /// The incidents a new notification reaches: only their violations of it are new.
    fn incidents_reached_by(&self, notification_id: &NotificationId) -> Vec<IncidentId> {
        let Some(notification) = self.monitoring.notifications.get(notification_id) else {
            return Vec::new();
        };
        let mut reach = Reach::default();
        add_notified_place(&mut reach, notification);
        let reached = |incident: &&IncidentRecord| {
            incident.current().kind.is_attack() && self.notification_reached(incident, notification)
        };
        self.incidents_near(&reach).into_iter().filter(reached).map(|i| i.incident_id.clone()).collect()
    }

    /// Debug builds check the scoping of re-derivation against deriving every incident:
    /// an incident left out has the violations it was alerted for (the same keys).
    #[cfg(debug_assertions)]
    fn assert_alerted_elsewhere_unchanged(&self, affected: &BTreeSet<IncidentId>) {
        for incident_id in self.monitoring.incidents.keys().filter(|id| !affected.contains(*id)) {
            let current: BTreeSet<ViolationKey> = self.violations_of(incident_id).iter().map(key_of).collect();
            let alerted: BTreeSet<ViolationKey> =
                alerted_of(&self.alerted_violations, incident_id).map(|(key, _)| key.clone()).collect();
            assert_eq!(
                current, alerted,
                "incident {incident_id} was left out of re-derivation but its violations changed"
            );
        }
    }

    /// Alerts for the incident's violations that are new or whose status changed since
    /// they were last alerted; updates the index of alerted violations.
    fn violation_alerts(&mut self, incident_id: &IncidentId) -> Vec<Alert> {
        let current = self.violations_of(incident_id);
        let mut seen: BTreeMap<ViolationKey, ViolationStatus> = BTreeMap::new();
        let mut alerts = Vec::new();
        // When the violation happened in the world: a late record of a past incident raises
        // the alert now, saying when.
        let happened_at = self.monitoring.incidents.get(incident_id).map(|incident| incident.current().when.start);
        for violation in current {
            let key = key_of(&violation);
            let previous = self.alerted_violations.get(&key).copied();
            seen.insert(key, violation.status);
            let kind = match previous {
                None => AlertKind::ViolationNew,
                Some(status) if status != violation.status => AlertKind::ViolationChanged,
                Some(_) => continue,
            };
            let of_commitment = violation.commitment_id.is_some();
            alerts.push(Alert {
                alert_id: AlertId::new(0, 0),
                seq: 0,
                raised_at: Timestamp::parse("1970-01-01T00:00:00Z").expect("a fixed valid time"),
                kind,
                parties: violation.parties.as_slice().into(),
                headline: Cow::Borrowed(violation_headline(violation.status, of_commitment)),
                incident_id: Some(violation.incident_id.clone()),
                commitment_id: violation.commitment_id.clone(),
                notification_id: violation.notification_id.clone(),
                agreement_id: violation.agreement_id.clone(),
                violation_status: Some(violation.status),
                corridor_id: None,
                open_for: Box::default(),
                effective_at: happened_at,
            });
        }
        let withdrawn: Vec<(ViolationKey, ViolationStatus)> = alerted_of(&self.alerted_violations, incident_id)
            .filter(|(key, _)| !seen.contains_key(*key))
            .map(|(key, status)| (key.clone(), *status))
            .collect();
        for ((_, commitment_id, notification_id), status) in withdrawn {
            let agreement_id =
                commitment_id.as_ref().and_then(|id| self.coordination.commitment_agreements.get(id)).cloned();
            let parties = self.alerts.iter().rev().find(|a| {
                a.incident_id.as_ref() == Some(incident_id)
                    && a.commitment_id == commitment_id
                    && a.notification_id == notification_id
            });
            alerts.push(Alert {
                alert_id: AlertId::new(0, 0),
                seq: 0,
                raised_at: Timestamp::parse("1970-01-01T00:00:00Z").expect("a fixed valid time"),
                kind: AlertKind::ViolationWithdrawn,
                parties: parties.map(|a| a.parties.clone()).unwrap_or_default(),
                headline: Cow::Borrowed(withdrawn_headline()),
                incident_id: Some(incident_id.clone()),
                commitment_id,
                notification_id,
                agreement_id,
                violation_status: Some(status),
                corridor_id: None,
                open_for: Box::default(),
                effective_at: happened_at,
            });
        }
        let stale: Vec<ViolationKey> =
            alerted_of(&self.alerted_violations, incident_id).map(|(key, _)| key.clone()).collect();
        for key in stale {
            self.alerted_violations.remove(&key);
        }
        self.alerted_violations.extend(seen);
        alerts
    }

    /// Alerts for commitments that a failed `not_breached` condition released, or that bind
    /// again, since the last entry; updates the index of alerted releases.
    fn condition_alerts(&mut self) -> Vec<Alert> {
        let mut alerts = Vec::new();
        let releases = self.condition_outcomes.releases.clone();
        for (commitment_id, release) in &releases {
            if !self.alerted_releases.insert(commitment_id.clone()) {
                continue;
            }
            let Some((agreement, spec)) = self.coordination.commitment_spec(commitment_id) else {
                continue;
            };
            let breached = self.coordination.commitment_spec(&release.because.commitment_id);
            let breached_party = breached.map_or_else(String::new, |(_, b)| self.coordination.party_label(&b.party_id));
            let headline = format!(
                "{}'s {} commitment no longer binds: the commitment it depends on, {breached_party}'s, was breached",
                self.coordination.party_label(&spec.party_id),
                spec.kind.as_str(),
            );
            let mut alert = self.agreement_alert(&agreement.agreement_id.clone(), headline, release.at);
            alert.kind = AlertKind::ConditionFailed;
            alert.commitment_id = Some(commitment_id.clone());
            alert.incident_id = Some(release.because.incident_id.clone());
            alerts.push(alert);
        }
        let restored: Vec<CommitmentId> =
            self.alerted_releases.iter().filter(|id| !releases.contains_key(*id)).cloned().collect();
        for commitment_id in restored {
            self.alerted_releases.remove(&commitment_id);
            let Some((agreement, spec)) = self.coordination.commitment_spec(&commitment_id) else {
                continue;
            };
            let headline = format!(
                "{}'s {} commitment binds again: the breach that released it no longer stands",
                self.coordination.party_label(&spec.party_id),
                spec.kind.as_str(),
            );
            let at = self.time_checked_until.unwrap_or(agreement.proposed_at);
            let mut alert = self.agreement_alert(&agreement.agreement_id.clone(), headline, at);
            alert.kind = AlertKind::ConditionRestored;
            alert.commitment_id = Some(commitment_id.clone());
            alerts.push(alert);
        }
        alerts
    }

    /// Alerts for what is so at `at` and was not so when last alerted: corridors that
    /// opened, closed or changed groups, and notifications whose deadline is `at` and that
    /// some party had not acknowledged by then. Updates the index of alerted corridors.
    fn time_alerts(&mut self, at: Timestamp) -> Vec<Alert> {
        let mut alerts = Vec::new();
        let corridor_ids: Vec<CorridorId> = self.coordination.corridors.keys().cloned().collect();
        for corridor_id in corridor_ids {
            let open_for = match self.coordination.corridor_status(&corridor_id, at) {
                Some(status) if status.status == CorridorStatusKind::Open => status.open_for,
                _ => Vec::new(),
            };
            let before = self.alerted_corridors.get(&corridor_id).cloned().unwrap_or_default();
            if before == open_for {
                continue;
            }
            let record = &self.coordination.corridors[&corridor_id];
            let corridor = format!("corridor {} ({})", record.spec.code, record.spec.name);
            let groups = |groups: &[Group]| groups.iter().map(|g| g.label()).collect::<Vec<_>>().join(", ");
            let (kind, headline) = match (before.is_empty(), open_for.is_empty()) {
                (true, _) => (AlertKind::CorridorOpened, format!("{corridor} opened for {}", groups(&open_for))),
                (false, true) => (AlertKind::CorridorClosed, format!("{corridor} closed")),
                (false, false) => {
                    (AlertKind::CorridorChanged, format!("{corridor} now open for {}", groups(&open_for)))
                }
            };
            let mut alert = self.agreement_alert(&record.agreement_id.clone(), headline, at);
            alert.kind = kind;
            alert.corridor_id = Some(corridor_id.clone());
            alert.open_for = open_for.as_slice().into();
            alerts.push(alert);
            if open_for.is_empty() {
                self.alerted_corridors.remove(&corridor_id);
            } else {
                self.alerted_corridors.insert(corridor_id, open_for);
            }
        }
        for notification in self.monitoring.notifications.values().filter(|n| n.deadline == at) {
            let overdue: Vec<PartyId> = notification.overdue_parties(at).into_iter().cloned().collect();
            if overdue.is_empty() {
                continue;
            }
            let names: Vec<String> = overdue
                .iter()
                .map(|id| self.coordination.parties.get(id).map_or_else(|| id.to_string(), |p| p.name.to_string()))
                .collect();
            let mut parties = overdue.clone();
            parties.extend(notification.notified_by.iter().cloned());
            parties.sort();
            parties.dedup();
            alerts.push(Alert {
                alert_id: AlertId::new(0, 0),
                seq: 0,
                raised_at: at,
                kind: AlertKind::NotificationOverdue,
                parties: parties.into(),
                headline: format!("humanitarian notification not acknowledged by its deadline: {}", names.join(", "))
                    .into(),
                incident_id: None,
                commitment_id: None,
                notification_id: Some(notification.notification_id.clone()),
                agreement_id: None,
                violation_status: None,
                corridor_id: None,
                open_for: Box::default(),
                effective_at: Some(at),
            });
        }
        alerts
    }
}
