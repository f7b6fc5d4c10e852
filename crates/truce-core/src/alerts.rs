//! Alerts: messages to the parties concerned, raised by entries as they are applied.
//!
//! An alert is derived deterministically from the log (its id is `<seq>.<n>`), so every
//! node that replays the same entries raises the same alerts; delivery (stream, webhooks,
//! CAP) is the shell's job. Raised here: new and changed violations (of commitments and of
//! humanitarian notifications) and agreement changes. Alerts that depend on the passing of
//! time alone (a corridor opening, a notification becoming overdue) are not entries'
//! consequences and are derived by readers at the time asked about.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::{
    command::Context,
    event::Event,
    ids::{AgreementId, AlertId, CommitmentId, IncidentId, NotificationId, PartyId},
    model::Stance,
    monitor::{Violation, ViolationStatus},
    state::State,
    time::Timestamp,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    ViolationNew,
    ViolationChanged,
    AgreementChanged,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub alert_id: AlertId,
    pub seq: u64,
    pub raised_at: Timestamp,
    pub kind: AlertKind,
    /// The parties it is addressed to.
    pub parties: Vec<PartyId>,
    pub headline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commitment_id: Option<CommitmentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_id: Option<NotificationId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<AgreementId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation_status: Option<ViolationStatus>,
}

/// The key of a violation in the index of those already alerted.
pub(crate) type ViolationKey = (IncidentId, String);

fn key_of(violation: &Violation) -> ViolationKey {
    let target = match (&violation.commitment_id, &violation.notification_id) {
        (Some(commitment_id), _) => format!("commitment:{commitment_id}"),
        (None, Some(notification_id)) => format!("notification:{notification_id}"),
        (None, None) => String::new(),
    };
    (violation.incident_id.clone(), target)
}

impl State {
    /// Raises the alerts of one applied entry and records them.
    pub(crate) fn raise_alerts(&mut self, context: &Context, events: &[Event]) {
        let mut drafts: Vec<Alert> = Vec::new();
        let mut affected: BTreeSet<IncidentId> = BTreeSet::new();
        let mut all_incidents = false;
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
                Event::StatementMade { stances, .. } => {
                    affected.extend(stances.iter().map(|s| s.incident_id().clone()));
                }
                Event::VersionProposed { agreement_id, version, .. } => {
                    all_incidents = true;
                    let headline = format!("version {version} of an agreement was proposed");
                    drafts.push(self.agreement_alert(agreement_id, headline));
                }
                Event::StanceTaken { agreement_id, version, party_id, stance, .. } => {
                    all_incidents = true;
                    let party = self.parties.get(party_id).map_or(party_id.to_string(), |p| p.name.to_string());
                    let verb = match stance {
                        Stance::Endorsed => "endorsed",
                        Stance::Rejected { .. } => "rejected",
                        Stance::Withdrawn { .. } => "withdrew its endorsement of",
                    };
                    drafts.push(self.agreement_alert(agreement_id, format!("{party} {verb} version {version}")));
                }
                Event::AgreementSuspended { agreement_id, .. } => {
                    all_incidents = true;
                    drafts.push(self.agreement_alert(agreement_id, "the agreement was suspended".to_owned()));
                }
                Event::AgreementResumed { agreement_id, .. } => {
                    all_incidents = true;
                    drafts.push(self.agreement_alert(agreement_id, "the agreement was resumed".to_owned()));
                }
                Event::ConsentRecorded { .. }
                | Event::FulfilmentReported { .. }
                | Event::HumanitarianNotified { .. } => {
                    all_incidents = true;
                }
                _ => {}
            }
        }
        if all_incidents {
            affected.extend(self.monitoring.incidents.keys().cloned());
        }
        for incident_id in &affected {
            drafts.extend(self.violation_alerts(incident_id));
        }
        for (n, mut alert) in drafts.into_iter().enumerate() {
            alert.alert_id = AlertId::new(context.seq, u32::try_from(n).unwrap_or(u32::MAX));
            alert.seq = context.seq;
            alert.raised_at = context.accepted_at;
            self.alerts.push(alert);
        }
    }

    fn agreement_alert(&self, agreement_id: &AgreementId, headline: String) -> Alert {
        let mut parties: Vec<PartyId> = Vec::new();
        if let Some(agreement) = self.agreements.get(agreement_id) {
            parties.push(agreement.proposed_by.clone());
            for version in &agreement.versions {
                parties.extend(version.terms.signatories.iter().cloned());
                parties.push(version.proposed_by.clone());
            }
        }
        parties.sort();
        parties.dedup();
        let title = self.agreements.get(agreement_id).map_or_else(String::new, |a| format!("{}: ", a.title));
        Alert {
            alert_id: AlertId::new(0, 0),
            seq: 0,
            raised_at: Timestamp::parse("1970-01-01T00:00:00Z").expect("a fixed valid time"),
            kind: AlertKind::AgreementChanged,
            parties,
            headline: format!("{title}{headline}"),
            incident_id: None,
            commitment_id: None,
            notification_id: None,
            agreement_id: Some(agreement_id.clone()),
            violation_status: None,
        }
    }

    /// Alerts for the incident's violations that are new or whose status changed since
    /// they were last alerted; updates the index of alerted violations.
    fn violation_alerts(&mut self, incident_id: &IncidentId) -> Vec<Alert> {
        let current = self.violations_of(incident_id);
        let mut seen: BTreeMap<ViolationKey, ViolationStatus> = BTreeMap::new();
        let mut alerts = Vec::new();
        for violation in current {
            let key = key_of(&violation);
            let previous = self.alerted_violations.get(&key).copied();
            seen.insert(key, violation.status);
            let kind = match previous {
                None => AlertKind::ViolationNew,
                Some(status) if status != violation.status => AlertKind::ViolationChanged,
                Some(_) => continue,
            };
            let what = match (&violation.commitment_id, &violation.notification_id) {
                (Some(_), _) => "a commitment",
                _ => "a humanitarian notification",
            };
            let status = match violation.status {
                ViolationStatus::Alleged => "alleged",
                ViolationStatus::Substantiated => "substantiated",
                ViolationStatus::Dismissed => "dismissed",
            };
            alerts.push(Alert {
                alert_id: AlertId::new(0, 0),
                seq: 0,
                raised_at: Timestamp::parse("1970-01-01T00:00:00Z").expect("a fixed valid time"),
                kind,
                parties: violation.parties.clone(),
                headline: format!("{status} violation of {what}"),
                incident_id: Some(violation.incident_id.clone()),
                commitment_id: violation.commitment_id.clone(),
                notification_id: violation.notification_id.clone(),
                agreement_id: violation.agreement_id.clone(),
                violation_status: Some(violation.status),
            });
        }
        self.alerted_violations.retain(|key, _| &key.0 != incident_id);
        self.alerted_violations.extend(seen);
        alerts
    }
}
