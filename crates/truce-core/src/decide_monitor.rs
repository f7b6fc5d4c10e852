//! `decide` for the monitoring commands: incidents, sources, grades, duplicates,
//! dismissals, statements, estimates, passages, totals, convoys, notifications and
//! acknowledgements.

use crate::{
    command::{CommandBody, Context},
    decide::{require_known, require_list, require_new, unknown, Actor},
    error::DomainError,
    event::Event,
    limits::{HALF_WIDTH_M_MAX, LIST_LEN_MAX, UNCERTAINTY_M_MAX},
    model::Role,
    monitor::{Location, Notified, SourceReport, When},
    state::State,
};

const REPORTERS: &[Role] = &[Role::Monitor, Role::Coordinator, Role::Analyst];
const ANALYSTS: &[Role] = &[Role::Analyst];
const OBSERVERS: &[Role] = &[Role::Monitor, Role::Analyst];

/// Decides a monitoring command. Agreement and registry commands never reach here.
pub(crate) fn decide_monitoring(
    state: &State,
    context: &Context,
    actor: &Actor<'_>,
    body: &CommandBody,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    match body {
        CommandBody::ReportIncident { incident_id, kind, location, when, description, source } => {
            actor.require_any(REPORTERS, "reporting an incident")?;
            require_new(state.monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
            check_location(location)?;
            check_when(when)?;
            check_source(state, source)?;
            Ok(vec![Event::IncidentReported {
                incident_id: incident_id.clone(),
                kind: *kind,
                location: *location,
                when: *when,
                description: description.clone(),
                source: source.clone(),
                reported_by: author,
            }])
        }
        CommandBody::AddSource { incident_id, source } => {
            actor.require_any(REPORTERS, "adding a source")?;
            require_known(state.monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
            check_source(state, source)?;
            Ok(vec![Event::SourceAdded { incident_id: incident_id.clone(), source: source.clone(), added_by: author }])
        }
        CommandBody::CorrectIncident { incident_id, kind, location, when, reason } => {
            actor.require_any(REPORTERS, "correcting an incident")?;
            require_known(state.monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
            if let Some(location) = location {
                check_location(location)?;
            }
            if let Some(when) = when {
                check_when(when)?;
            }
            Ok(vec![Event::IncidentCorrected {
                incident_id: incident_id.clone(),
                kind: *kind,
                location: *location,
                when: *when,
                reason: reason.clone(),
            }])
        }
        CommandBody::GradeIncident { incident_id, grade, reason } => {
            actor.require_any(ANALYSTS, "grading an incident")?;
            require_known(state.monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
            Ok(vec![Event::IncidentGraded {
                incident_id: incident_id.clone(),
                grade: *grade,
                reason: reason.clone(),
                analyst: author,
            }])
        }
        CommandBody::MarkDuplicate { incident_id, duplicate_of, reason } => {
            actor.require_any(ANALYSTS, "marking a duplicate")?;
            let incident =
                state.monitoring.incidents.get(incident_id).ok_or_else(|| unknown("incident", incident_id))?;
            let target =
                state.monitoring.incidents.get(duplicate_of).ok_or_else(|| unknown("incident", duplicate_of))?;
            let chained = incident.duplicate_of.is_some()
                || target.duplicate_of.is_some()
                || incident_id == duplicate_of
                || state.monitoring.duplicates.contains_key(incident_id);
            if chained {
                return Err(DomainError::DuplicateChain { incident: incident_id.to_string() });
            }
            Ok(vec![Event::DuplicateMarked {
                incident_id: incident_id.clone(),
                duplicate_of: duplicate_of.clone(),
                reason: reason.clone(),
            }])
        }
        CommandBody::DismissViolation { incident_id, commitment_id, notification_id, reason } => {
            actor.require_any(ANALYSTS, "dismissing a violation")?;
            require_known(state.monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
            if commitment_id.is_some() == notification_id.is_some() {
                return Err(DomainError::DismissalTarget);
            }
            let exists = state
                .violations_of(incident_id)
                .iter()
                .any(|v| &v.commitment_id == commitment_id && &v.notification_id == notification_id);
            if !exists {
                let target = commitment_id
                    .as_ref()
                    .map(|c| format!("commitment {c}"))
                    .or_else(|| notification_id.as_ref().map(|n| format!("notification {n}")))
                    .unwrap_or_default();
                return Err(DomainError::NoSuchViolation { incident: incident_id.to_string(), target });
            }
            Ok(vec![Event::ViolationDismissed {
                incident_id: incident_id.clone(),
                commitment_id: commitment_id.clone(),
                notification_id: notification_id.clone(),
                reason: reason.clone(),
                analyst: author,
            }])
        }
        CommandBody::MakeStatement { statement_id, text, incident_ids, stances, agreements } => {
            let Some(party_id) = actor.party else {
                return Err(DomainError::NeedsParty { action: "making a statement" });
            };
            actor.require_any(&[Role::Coordinator, Role::Monitor], "making a statement")?;
            require_new(state.monitoring.statements.contains_key(statement_id), "statement", statement_id)?;
            require_list("incident_ids", incident_ids, 0, LIST_LEN_MAX)?;
            for incident_id in incident_ids {
                require_known(state.monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
            }
            require_list("stances", stances, 0, LIST_LEN_MAX)?;
            require_list("agreements", agreements, 0, LIST_LEN_MAX)?;
            for stance in stances {
                require_known(
                    state.monitoring.incidents.contains_key(stance.incident_id()),
                    "incident",
                    stance.incident_id(),
                )?;
                if let crate::monitor::IncidentStance::Accuses { force_id, .. } = stance {
                    require_known(state.forces.contains_key(force_id), "force", force_id)?;
                }
            }
            for reference in agreements {
                let agreement = state
                    .agreements
                    .get(&reference.agreement_id)
                    .ok_or_else(|| unknown("agreement", &reference.agreement_id))?;
                if agreement.version(reference.version).is_none() {
                    return Err(DomainError::UnknownVersion {
                        agreement: reference.agreement_id.to_string(),
                        version: reference.version,
                    });
                }
            }
            Ok(vec![Event::StatementMade {
                statement_id: statement_id.clone(),
                party_id: Some(party_id.clone()),
                author,
                text: text.clone(),
                incident_ids: incident_ids.clone(),
                stances: stances.clone(),
                agreements: agreements.clone(),
            }])
        }
        CommandBody::EstimatePopulation { estimate_id, zone_id, kind, min, max, as_of, source } => {
            actor.require_any(OBSERVERS, "estimating a population")?;
            require_new(state.monitoring.estimates.contains_key(estimate_id), "estimate", estimate_id)?;
            require_known(state.zones.contains_key(zone_id), "zone", zone_id)?;
            if min > max {
                return Err(DomainError::RangeInverted { field: "min", min: u64::from(*min), max: u64::from(*max) });
            }
            Ok(vec![Event::PopulationEstimated {
                estimate_id: estimate_id.clone(),
                zone_id: zone_id.clone(),
                kind: *kind,
                min: *min,
                max: *max,
                as_of: *as_of,
                source: source.clone(),
            }])
        }
        CommandBody::RecordPassage { passage_id, corridor_id, group, direction, people, vehicles, observed } => {
            actor.require_any(OBSERVERS, "recording a passage")?;
            require_new(state.monitoring.passages.contains_key(passage_id), "passage", passage_id)?;
            require_known(state.corridors.contains_key(corridor_id), "corridor", corridor_id)?;
            check_when(observed)?;
            Ok(vec![Event::PassageRecorded {
                passage_id: passage_id.clone(),
                corridor_id: corridor_id.clone(),
                group: *group,
                direction: *direction,
                people: *people,
                vehicles: *vehicles,
                observed: *observed,
                observer: author,
            }])
        }
        CommandBody::ReportTotal { total_id, scope, evacuated, as_of, source } => {
            actor.require_any(REPORTERS, "reporting a total")?;
            require_new(state.monitoring.totals.contains_key(total_id), "total", total_id)?;
            if scope.corridor_id.is_none() && scope.zone_id.is_none() {
                return Err(DomainError::Empty { field: "scope" });
            }
            if let Some(corridor_id) = &scope.corridor_id {
                require_known(state.corridors.contains_key(corridor_id), "corridor", corridor_id)?;
            }
            if let Some(zone_id) = &scope.zone_id {
                require_known(state.zones.contains_key(zone_id), "zone", zone_id)?;
            }
            Ok(vec![Event::TotalReported {
                total_id: total_id.clone(),
                scope: scope.clone(),
                evacuated: *evacuated,
                as_of: *as_of,
                source: source.clone(),
            }])
        }
        CommandBody::ScheduleConvoy { convoy_id, corridor_id, buses, ambulances, departs_at } => {
            actor.require_any(&[Role::Coordinator, Role::Monitor], "scheduling a convoy")?;
            require_new(state.monitoring.convoys.contains_key(convoy_id), "convoy", convoy_id)?;
            require_known(state.corridors.contains_key(corridor_id), "corridor", corridor_id)?;
            Ok(vec![Event::ConvoyScheduled {
                convoy_id: convoy_id.clone(),
                corridor_id: corridor_id.clone(),
                buses: *buses,
                ambulances: *ambulances,
                departs_at: *departs_at,
            }])
        }
        CommandBody::UpdateConvoy { convoy_id, status, note } => {
            actor.require_any(&[Role::Coordinator, Role::Monitor], "updating a convoy")?;
            require_known(state.monitoring.convoys.contains_key(convoy_id), "convoy", convoy_id)?;
            Ok(vec![Event::ConvoyUpdated { convoy_id: convoy_id.clone(), status: *status, note: note.clone() }])
        }
        CommandBody::NotifyHumanitarian { notification_id, notified, party_ids, deadline } => {
            let Some(party_id) = actor.party else {
                return Err(DomainError::NeedsParty { action: "notifying a humanitarian site or movement" });
            };
            actor.require_any(&[Role::Coordinator, Role::Monitor], "notifying a humanitarian site or movement")?;
            require_new(state.monitoring.notifications.contains_key(notification_id), "notification", notification_id)?;
            require_list("party_ids", party_ids, 1, LIST_LEN_MAX)?;
            for id in party_ids {
                require_known(state.parties.contains_key(id), "party", id)?;
            }
            match notified {
                Notified::Site { radius_m, .. } => check_metres("radius_m", *radius_m, HALF_WIDTH_M_MAX)?,
                Notified::Movement { half_width_m, convoy_id, .. } => {
                    check_metres("half_width_m", *half_width_m, HALF_WIDTH_M_MAX)?;
                    if let Some(convoy_id) = convoy_id {
                        require_known(state.monitoring.convoys.contains_key(convoy_id), "convoy", convoy_id)?;
                    }
                }
            }
            Ok(vec![Event::HumanitarianNotified {
                notification_id: notification_id.clone(),
                notified: notified.clone(),
                party_ids: party_ids.clone(),
                deadline: *deadline,
                notified_by: Some(party_id.clone()),
            }])
        }
        CommandBody::AcknowledgeNotification { notification_id } => {
            let Some(party_id) = actor.party else {
                return Err(DomainError::NeedsParty { action: "acknowledging a notification" });
            };
            let notification = state
                .monitoring
                .notifications
                .get(notification_id)
                .ok_or_else(|| unknown("notification", notification_id))?;
            if !notification.party_ids.contains(party_id) {
                return Err(DomainError::NotNotified { party: party_id.to_string() });
            }
            if notification.acknowledgements.iter().any(|a| &a.party_id == party_id) {
                return Err(DomainError::AlreadyAcknowledged { party: party_id.to_string() });
            }
            Ok(vec![Event::NotificationAcknowledged {
                notification_id: notification_id.clone(),
                party_id: party_id.clone(),
            }])
        }
        CommandBody::AcknowledgeAlert { alert_id } => {
            let alert =
                state.alerts.iter().find(|a| &a.alert_id == alert_id).ok_or_else(|| unknown("alert", alert_id))?;
            let addressed = actor.party.is_some_and(|p| alert.parties.contains(p));
            if !addressed && !actor.account.has_role(Role::Analyst) {
                let party = actor.party.map_or_else(|| "no party".to_owned(), |p| p.to_string());
                return Err(DomainError::NotNotified { party });
            }
            let again = state
                .monitoring
                .alert_acks
                .iter()
                .any(|a| &a.alert_id == alert_id && a.party_id.as_ref() == actor.party);
            if again {
                let party = actor.party.map_or_else(|| "no party".to_owned(), |p| p.to_string());
                return Err(DomainError::AlreadyAcknowledged { party });
            }
            Ok(vec![Event::AlertAcknowledged { alert_id: alert_id.clone(), party_id: actor.party.cloned(), author }])
        }
        other => unreachable!("{} is decided in decide.rs", other.kind()),
    }
    .inspect(|_| {
        let _ = context;
    })
}

fn check_metres(field: &'static str, value: f64, max: f64) -> Result<(), DomainError> {
    if !(value.is_finite() && (0.0..=max).contains(&value)) {
        return Err(DomainError::OutOfRange { field, value, max });
    }
    Ok(())
}

fn check_location(location: &Location) -> Result<(), DomainError> {
    check_metres("uncertainty_m", location.uncertainty_m, UNCERTAINTY_M_MAX)
}

fn check_when(when: &When) -> Result<(), DomainError> {
    if let Some(end) = when.end {
        if end <= when.start {
            return Err(DomainError::WhenInverted { start: when.start.to_string(), end: end.to_string() });
        }
    }
    Ok(())
}

fn check_source(state: &State, source: &SourceReport) -> Result<(), DomainError> {
    if state.monitoring.source_ids.contains(&source.source_id) {
        return Err(DomainError::SourceAgain { source_id: source.source_id.to_string() });
    }
    source.casualties.check()?;
    if let Some(force_id) = &source.responsible_force_id {
        require_known(state.forces.contains_key(force_id), "force", force_id)?;
    }
    Ok(())
}
